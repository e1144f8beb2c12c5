"""tests/workbench/test_named_queries_api.py on Oxigraph server and Virtuoso holding the bundle."""

from ...workbench.test_named_queries_api import *  # noqa: F401,F403 -- the suite itself, collected here
