"""tests/linked_data/test_negotiation.py on Oxigraph server and Virtuoso holding the bundle."""

from ...linked_data.test_negotiation import *  # noqa: F401,F403 -- the suite itself, collected here
