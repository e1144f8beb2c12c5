"""Fixtures of the linked-data tests: the app over the real bundle, its test client, and the same
app served live on a free loopback port (werkzeug in a thread) for real clients and the browser."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from evawkg.graph.store import load_bundle
from evawkg.settings import Settings
from evawkg.web import create_app
from ..support import free_port

BASE = "https://evawkg.example.org/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.fixture(scope="session")
def ld_app():
    # Published under the canonical base itself, so the IRIs these tests expect are the data's;
    # tests/linked_data/test_public_base.py serves other bases.
    application = create_app(Settings(max_concurrent_queries=1, gzip_level=0, public_base=BASE))
    application.extensions["evawkg"].service.wait_ready(120)
    yield application
    application.extensions["evawkg"].service.close()


@pytest.fixture()
def client(ld_app):
    return ld_app.test_client()


@pytest.fixture(scope="session")
def store():
    """The bundled graph as the server loads it (the app itself keeps no copy in this process)."""
    return load_bundle()


@pytest.fixture(scope="session")
def live_base(ld_app):
    """``http://127.0.0.1:PORT`` serving :func:`ld_app`."""
    server = make_server("127.0.0.1", free_port(), ld_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
