"""Fixtures of the web tests: Flask's app and client built from Settings over small fixtures,
and a live server on loopback started as ``evawkg serve`` would start it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evawkg.settings import Settings
from evawkg.web import create_app
from ..support import free_port, stop_server, wait_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "web"
FIXTURE_FILES = (str(FIXTURES / "organizations.ttl"), str(FIXTURES / "activities.trig"))
#: The graph of each fixture file: the Turtle file in a named graph, the TriG file's as written.
FIXTURE_GRAPHS = ("https://evawkg.example.org/graph/organizations", "default")

#: Ten VALUES blocks of ten values: 10^10 solutions, hours of work for any engine.
ENDLESS_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ {' '.join(str(j) for j in range(10))} }}" for i in range(10)) + " }"


@pytest.fixture(scope="session")
def settings() -> Settings:
    # Published under the data's own base, so the IRIs these protocol tests expect are the data's.
    return Settings(data=FIXTURE_FILES, graph=FIXTURE_GRAPHS, max_concurrent_queries=2, queue_wait=0.2,
                    query_timeout=5.0, max_rows=20, max_body_bytes=4096,
                    cors_origins=("https://analyst.example",), public_base="https://evawkg.example.org/")


@pytest.fixture(scope="session")
def app(settings):
    application = create_app(settings)
    service = application.extensions["evawkg"].service
    service.wait_ready(60)
    yield application
    service.close()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server():
    """``evawkg serve`` over the fixtures on a free loopback port: (base URL, process)."""
    port = free_port()
    # Every client of these tests is 127.0.0.1: one client may use every slot here.
    environment = dict(os.environ, EVAWKG_CORS_ORIGINS="*", EVAWKG_MAX_SLOTS_PER_CLIENT="3")
    process = subprocess.Popen(
        [sys.executable, "-m", "evawkg.web.command", "--port", str(port), "--threads", "8",
         "--timeout", "3", "--max-concurrent-queries", "3", "--log-level", "warning",
         *[arg for path in FIXTURE_FILES for arg in ("--data", path)]],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        yield base, process
    finally:
        stop_server(process)
        if process.stdout:
            process.stdout.close()


@pytest.fixture(scope="session")
def endless_query() -> str:
    return ENDLESS_QUERY


@pytest.fixture(scope="session")
def stopping_seconds() -> float:
    """How long past its time limit a query may take to be stopped and answered 503: the
    embedded store's query process is killed at the limit (tests/remote: the store's own clock)."""
    return 3.0


@pytest.fixture(scope="session")
def fixture_files() -> tuple[str, ...]:
    return FIXTURE_FILES
