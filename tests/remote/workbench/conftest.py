"""The workbench suite's fixtures (tests/workbench/conftest.py) on a remote store holding the
bundle: the same settings, ``sparql_endpoint`` added."""

from __future__ import annotations

import pytest

from ..conftest import running_app


@pytest.fixture(scope="session")
def settings(bundle_store):
    return bundle_store.settings(query_timeout=20.0, max_concurrent_queries=2, queue_wait=10.0)


# An app of its own (the bundle's settings): the session-scoped app of tests/remote/conftest.py
# is kept once per session, with the web fixtures' settings.
@pytest.fixture(scope="session")
def app(settings):
    yield from running_app(settings)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def named_queries(app):
    return app.extensions["evawkg.named_queries"]
