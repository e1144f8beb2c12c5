"""tests/linked_data/test_representations.py on Oxigraph server and Virtuoso holding the bundle."""

from ...linked_data.test_representations import *  # noqa: F401,F403 -- the suite itself, collected here
