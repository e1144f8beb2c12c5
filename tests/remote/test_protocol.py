"""The SPARQL 1.1 Protocol suite (tests/web/test_sparql_protocol.py) on Oxigraph server and
Virtuoso: the same requests, the same answers (see conftest.py for the known gaps)."""

from ..web.test_sparql_protocol import *  # noqa: F401,F403 -- the suite itself, collected here
