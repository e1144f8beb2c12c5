"""The workbench suite's fixtures (tests/workbench/conftest.py) on a remote store holding the
bundle: the same settings, ``sparql_endpoint`` added."""

from __future__ import annotations

import pytest

from evawkg.web import create_app


@pytest.fixture(scope="session")
def bundle_store(stores, backend):
    return stores.get(backend, "bundle")


@pytest.fixture(scope="session")
def settings(bundle_store):
    return bundle_store.settings(query_timeout=20.0, max_concurrent_queries=2, queue_wait=10.0)


@pytest.fixture(scope="session")
def app(settings):
    application = create_app(settings)
    service = application.extensions["evawkg"].service
    assert service.wait_ready(60), service.health()
    yield application
    service.close()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def named_queries(app):
    return app.extensions["evawkg.named_queries"]
