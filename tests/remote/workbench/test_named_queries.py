"""tests/workbench/test_named_queries.py's answers on Oxigraph server and Virtuoso: its ``store``
(the bundle loaded here) replaced by the remote store holding the bundle, read as the server
reads it (:class:`~evawkg.sparql.remote_store.RemoteStore`: VALUES-bound parameters, the served
graphs as the dataset)."""

import pytest

from ...workbench.test_named_queries import *  # noqa: F401,F403 -- the suite itself, collected here


@pytest.fixture(scope="module")
def store(bundle_store):
    from evawkg.sparql.remote import served_graphs
    from evawkg.sparql.remote_store import RemoteStore

    client = bundle_store.loader_client()
    remote = RemoteStore(client, tuple(served_graphs(client)), page_rows=5000, timeout=60)
    yield remote
    client.close()
