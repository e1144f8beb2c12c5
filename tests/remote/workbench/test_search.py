"""tests/workbench/test_search.py on Oxigraph server and Virtuoso holding the bundle."""

from ...workbench.test_search import *  # noqa: F401,F403 -- the suite itself, collected here
