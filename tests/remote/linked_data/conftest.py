"""The linked-data suite's fixtures (tests/linked_data/conftest.py) on a remote store holding the
bundle: the app reads the store through ``sparql_endpoint``; ``store`` stays the bundle loaded
here, the reference the answers are compared with."""

from __future__ import annotations

import pytest

from evawkg.graph.store import load_bundle
from ..conftest import running_app, serve_live


@pytest.fixture(scope="session")
def ld_app(bundle_store):
    yield from running_app(bundle_store.settings(max_concurrent_queries=1, gzip_level=0))


@pytest.fixture()
def client(ld_app):
    return ld_app.test_client()


@pytest.fixture(scope="session")
def store():
    return load_bundle()


@pytest.fixture(scope="session")
def live_base(ld_app):
    base, server, thread = serve_live(ld_app)
    yield base
    server.shutdown()
    thread.join(10)
