"""Fixtures of the write tests: a tiny bundle (validating and inferring it takes milliseconds),
a writable app over it with tokens, and live servers started as ``evawkg serve`` starts them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from evawkg.settings import Settings
from evawkg.web import create_app
from evawkg.writes.tokens import add_token
from ..support import free_port, wait_for

BUNDLE = Path(__file__).resolve().parents[1] / "fixtures" / "writes" / "bundle"
EX = "http://example.org/ns#"
BASE = "https://evawkg.example.org/"
THINGS = BASE + "graph/things"
NOTES = BASE + "graph/notes"
SCRATCH = BASE + "graph/scratch"
ONTOLOGY = BASE + "graph/ontology"
INFERRED = BASE + "graph/inferred"


@contextlib.contextmanager
def bundle_home(path: Path = BUNDLE):
    """``EVAWKG_HOME`` names ``path`` while the block runs (the query processes started in it
    keep it: they validate against that bundle's shapes)."""
    before = os.environ.get("EVAWKG_HOME")
    os.environ["EVAWKG_HOME"] = str(path)
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop("EVAWKG_HOME", None)
        else:
            os.environ["EVAWKG_HOME"] = before


@dataclass
class Writable:
    """A writable app over the tiny bundle, its store directory and its tokens' secrets."""

    app: object
    store: Path
    tokens: Path
    secrets: dict[str, str]

    @property
    def service(self):
        return self.app.extensions["evawkg"].service

    def client(self):
        return self.app.test_client()

    def auth(self, name: str = "curator") -> dict[str, str]:
        return {"Authorization": "Bearer " + self.secrets[name]}


def make_tokens(directory: Path) -> tuple[Path, dict[str, str]]:
    path = directory / "tokens.json"
    secrets = {
        "curator": add_token(path, "curator", ("*", "default")),
        "things-only": add_token(path, "things-only", (THINGS,)),
        "ontologist": add_token(path, "ontologist", (ONTOLOGY, THINGS)),
    }
    return path, secrets


def writable_app(directory: Path, **settings) -> Writable:
    tokens, secrets = make_tokens(directory)
    options = dict(store=str(directory / "store"), write_tokens=str(tokens),
                   max_concurrent_queries=3, max_slots_per_client=3, query_timeout=20,
                   max_write_bytes=8192, write_timeout=60,
                   # IRIs published as stored (the default publishes them under the address
                   # each request reached: http://localhost/ for the test client).
                   public_base=BASE)
    options.update(settings)
    app = create_app(Settings(**options))
    app.extensions["evawkg"].service.wait_ready(60)
    return Writable(app, directory / "store", tokens, secrets)


@pytest.fixture(scope="module")
def home():
    with bundle_home() as path:
        yield path


@pytest.fixture(scope="module")
def writable(home, tmp_path_factory):
    """One writable app for a module (its tests share the store and its history)."""
    state = writable_app(tmp_path_factory.mktemp("writable"))
    yield state
    state.service.close()


@pytest.fixture()
def fresh(home, tmp_path):
    """A writable app of its own, for tests that need the store as seeded."""
    state = writable_app(tmp_path)
    yield state
    state.service.close()


# --- Live servers ---------------------------------------------------------------------------------

class LiveServer:
    """``evawkg serve`` with writes on, in its own process group (so SIGKILL reaches all of it)."""

    def __init__(self, store: Path, tokens: Path, *, workers: int = 1, extra: tuple = ()):
        self.store, self.tokens, self.workers, self.extra = store, tokens, workers, extra
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> LiveServer:
        self.port = free_port()
        environment = dict(os.environ, EVAWKG_HOME=str(BUNDLE), EVAWKG_MAX_SLOTS_PER_CLIENT="4")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "evawkg.web.command", "--port", str(self.port),
             "--workers", str(self.workers), "--threads", "8", "--max-concurrent-queries", "4",
             "--store", str(self.store), "--write-tokens", str(self.tokens),
             "--log-level", "warning", "--public-base", BASE, *self.extra],
            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        try:
            wait_for(self.base + "/healthz", timeout)
            self._wait_for_every_worker(timeout)
        except TimeoutError:
            self.kill()
            raise
        return self

    def _wait_for_every_worker(self, timeout: float) -> None:
        """Each worker loads its own copy: ready when health answers 200 many times running
        (connections are not kept, so every worker answers some)."""
        deadline, streak = time.monotonic() + timeout, 0
        while streak < 4 * self.workers:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.base} did not get every worker ready")
            status = http("GET", self.base + "/healthz", timeout=5)[0]
            streak = streak + 1 if status == 200 else 0
            if status != 200:
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole server: gunicorn, its workers, their query processes."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        if self.process.stderr:
            self.process.stderr.close()
        # Query processes die with their worker (PR_SET_PDEATHSIG); make sure before reusing
        # the store: none may still hold it.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _group_alive(self.process.pid):
            time.sleep(0.05)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def http(method: str, url: str, body: bytes | str | None = None, headers: dict | None = None,
         timeout: float = 30) -> tuple[int, dict, bytes]:
    """One request on loopback: (status, headers, body), never raising for a status."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def update(base: str, text: str, secret: str, timeout: float = 30) -> tuple[int, dict, bytes]:
    return http("POST", base + "/sparql", text,
                {"Content-Type": "application/sparql-update", "Authorization": "Bearer " + secret},
                timeout)


def select(base: str, query: str, timeout: float = 30) -> list[dict]:
    import json

    status, _, body = http("POST", base + "/sparql", query,
                           {"Content-Type": "application/sparql-query",
                            "Accept": "application/sparql-results+json"}, timeout)
    assert status == 200, body
    return json.loads(body)["results"]["bindings"]


# --- The store, byte for byte ------------------------------------------------------------------

def dump_store(store) -> bytes:
    """In a query process: every quad, sorted, as N-Quads (a dump to compare byte for byte)."""
    import pyoxigraph as ox

    lines = ox.serialize(list(store), format=ox.RdfFormat.N_QUADS).splitlines()
    return b"\n".join(sorted(lines))


def snapshot(state: Writable) -> tuple[str, bytes, bytes]:
    """The data version, a dump of the served store and the journal's bytes."""
    service = state.service
    journal = state.store / "journal.log"
    return (service.data_version, service.call(dump_store, timeout=30),
            journal.read_bytes() if journal.exists() else b"")
