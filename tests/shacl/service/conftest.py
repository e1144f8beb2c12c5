"""A live server on loopback for the validation service: the real app (create_app) served by
werkzeug in a thread, serving the bundled graph, with the production limits except a shorter
validation time limit. Also the shape fixtures of tests/fixtures/shapes, posted as uploads."""

from __future__ import annotations

import re
import threading
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from evawkg.settings import Settings
from evawkg.web import create_app

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shapes"
BASE = FIXTURES / "_base.ttl"
EXPECT = re.compile(r"^# expect: <(?P<focus>[^>]+)> (?P<path>\S+) sh:(?P<component>\w+) "
                    r"sh:(?P<severity>\w+) shapes:(?P<shape>\S+)$", re.M)


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*.ttl") if not p.name.startswith("_"))


def expectations(path: Path) -> list[dict]:
    return [m.groupdict() for m in EXPECT.finditer(path.read_text(encoding="utf-8"))]


def upload_of(path: Path) -> bytes:
    """The fixture on top of the base graph it breaks, as one Turtle document."""
    return BASE.read_bytes() + b"\n" + path.read_bytes()


@pytest.fixture(scope="session")
def settings() -> Settings:
    # Reports name IRIs under the data's own base (the default publishes them under the address
    # each request reached: http://localhost/ for the test client).
    return Settings(port=0, max_concurrent_queries=2, queue_wait=30.0, validation_timeout=30.0,
                    public_base="https://evawkg.example.org/")


@pytest.fixture(scope="session")
def app(settings):
    application = create_app(settings)
    application.extensions["evawkg"].service.wait_ready(120)
    yield application
    application.extensions["evawkg.validation"].close()
    application.extensions["evawkg"].service.close()


@pytest.fixture(scope="session")
def server(app) -> str:
    """The base URL of the app served on a free loopback port (threaded, like production)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="validation-live-server",
                              daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    app.extensions["evawkg.validation"].pool.wait_ready(120)
    yield base
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()


def post(url: str, data: bytes, content_type: str, accept: str = "application/json",
         timeout: float = 60.0) -> tuple[int, dict, bytes]:
    """POST ``data``; (status, headers, body) whether or not the status is an error."""
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": content_type, "Accept": accept})
    return fetch(request, timeout)


def fetch(request, timeout: float = 60.0) -> tuple[int, dict, bytes]:
    import urllib.error

    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()
