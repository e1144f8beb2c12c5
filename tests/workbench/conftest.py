"""Fixtures of the workbench tests: the app over the real bundle (the named queries are
written against it), its Flask client, and a live server on loopback for the browser tests."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from evawkg.settings import Settings
from evawkg.web import create_app
from ..support import free_port, stop_server, wait_for

@pytest.fixture(scope="session")
def settings() -> Settings:
    # Published under the data's own base, so the IRIs these tests expect are the data's
    # (tests/linked_data/test_public_base.py serves other bases).
    return Settings(query_timeout=20.0, max_concurrent_queries=2, queue_wait=10.0,
                    public_base="https://evawkg.example.org/")


@pytest.fixture(scope="session")
def app(settings):
    application = create_app(settings)
    service = application.extensions["evawkg"].service
    service.wait_ready(120)
    yield application
    service.close()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def named_queries(app):
    return app.extensions["evawkg.named_queries"]


@pytest.fixture(scope="session")
def live_server():
    """``evawkg serve`` over the bundle on a free loopback port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "evawkg.web.command", "--port", str(port), "--threads", "8",
         "--public-base", "https://evawkg.example.org/",
         "--max-concurrent-queries", "3", "--log-level", "warning"],
        env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz", seconds=120.0)
        yield base
    finally:
        stop_server(process)


@pytest.fixture()
def page(browser, live_server, tmp_path):
    context = browser.new_context(base_url=live_server, accept_downloads=True)
    opened = context.new_page()
    # Nothing but our own server: a request anywhere else fails the test that made it.
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    yield opened
    context.close()
    assert not outside, f"the page asked outside services: {outside}"
