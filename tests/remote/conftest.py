"""Fixtures of the remote-store tests: the suites of the embedded store run again, unchanged, on
two real stores started here on loopback, Oxigraph server and Virtuoso Open Source 7.

Each test module of this folder imports the test functions of one suite (``from
..web.test_sparql_protocol import *``); the fixtures below replace that suite's ``app``,
``client`` and ``settings`` by the same server on a remote store, once per store kind
(``backend``). Each store is started once per session per dataset (the protocol fixtures, the
bundle) and loaded by ``evawkg load``'s code; every app is built by ``create_app`` from Settings
with ``sparql_endpoint``, as ``evawkg serve --sparql-endpoint`` builds it.

What a store cannot do as the embedded one does is listed once, in :data:`KNOWN_GAPS`, with the
reason; those tests are marked ``xfail(strict=True)``, so a gap that closes fails the run until
the list is updated. ``docs/deployment.md`` lists the same differences.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from evawkg.graph.store import load_bundle, load_dataset
from evawkg.web import create_app
from ..support import free_port
from .stores import Store, start

import os

#: The stores the suites run on. All of them unless EVAWKG_TEST_STORES names fewer (README: how to
#: run the tests on a machine without Virtuoso); never skipped: a store that is missing fails.
BACKENDS = tuple(os.environ.get("EVAWKG_TEST_STORES", "oxigraph,virtuoso").replace(" ", "").split(","))
if not set(BACKENDS) <= {"oxigraph", "virtuoso"} or not BACKENDS:
    raise ValueError("EVAWKG_TEST_STORES names oxigraph and/or virtuoso, comma-separated")

WEB_FILES = (("tests/fixtures/web/organizations.ttl", "https://evawkg.example.org/graph/organizations"),
             ("tests/fixtures/web/activities.trig", None))

#: A test imported here runs on a remote store only through one of these fixtures; the others
#: (header parsing, pure functions) are the embedded suite's and are not run twice.
STORE_FIXTURES = {"app", "client", "ld_app", "live_base", "store", "named_queries"}


@dataclass(frozen=True)
class Gap:
    """A test that cannot pass on ``backend``: ``test`` is its name, or ``~text`` for every test
    whose id holds ``text`` (a named query's name). ``run=False``: not even run (it would wedge
    the store for the tests after it)."""

    backend: str
    test: str
    reason: str
    run: bool = True

    def matches(self, item, backend: str | None) -> bool:
        if backend != self.backend:
            return False
        if self.test.startswith("~"):
            return self.test[1:] in item.nodeid
        return (item.originalname or item.name) == self.test


#: What a store cannot do as the embedded one does: xfail(strict=True), or not run.
KNOWN_GAPS: tuple[Gap, ...] = (
    Gap("oxigraph", "test_timeout_parameter_lowers_limit_and_answers_503",
        "Oxigraph server cannot stop a query: the request is abandoned at the limit, 504 "
        "store-timeout (not the embedded 503), and the store goes on (docs/deployment.md)"),
    Gap("oxigraph", "test_queries_past_concurrency_cap_get_429_with_retry_after",
        "the slow queries are abandoned at their limit by Oxigraph server: 504 store-timeout, "
        "not the embedded 503 (the 429 itself is as embedded)"),
    Gap("virtuoso", "test_nesting_within_the_limit_still_runs",
        "Virtuoso's SPARQL compiler refuses an expression 200 parentheses deep (400, "
        "'The expression is too complex'); the embedded store reads 256 levels"),
    Gap("virtuoso", "test_validate_the_served_graph_reports_as_on_the_embedded_store",
        "Virtuoso stores an integral xsd:decimal as xsd:integer (\"505000000\"^^xsd:decimal in "
        "data/unfpa.ttl), so StatedQuantityShape's datatype check finds violations the embedded "
        "store does not (literal canonicalisation, docs/deployment.md)"),
    Gap("virtuoso", "test_a_graph_with_triple_terms_asked_as_json_ld_is_a_406_naming_formats",
        "Virtuoso 7.2 has no RDF 1.2 triple terms: it refuses the query's <<( … )>> as a syntax "
        "error (400), before any format is chosen"),
    Gap("virtuoso", "test_an_update_with_a_triple_term_commits_it",
        "Virtuoso 7.2 has no RDF 1.2 triple terms: it refuses the commit's <<( … )>> as a syntax "
        "error (400), and nothing is written"),
    Gap("virtuoso", "~xml_cannot_carry_is_a_406_naming_formats_that_can[virtuoso-CONSTRUCT",
        "Virtuoso 7.2's SPARQL parser ends a string at an escaped U+0000 ('Unterminated SPARQL "
        "short double-quoted string', HTTP 500): the query never runs"),
    Gap("virtuoso", "test_a_query_of_only_comments_is_a_syntax_error_not_an_update",
        "Virtuoso 7.2 takes a text of only comments and PREFIX lines for SPARQL Update and refuses "
        "it as a permission fault (SR186 on SPARUL_RUN, HTTP 500), which evawkg reports as the "
        "store's failure (502)"),
    Gap("virtuoso", "~gives_the_api_answer[virtuoso-agency-mandate]",
        "the editor's example binds the parameter by VALUES in the client's text, where Virtuoso "
        "7.2 answers 9 rows of 10; the API writes the IRI in place and gets the embedded answer"),
    Gap("virtuoso", "~gives_the_api_answer[virtuoso-agency-activities]",
        "the editor's example binds the agency by VALUES in the client's text, where Virtuoso "
        "7.2 misses the activity a unit of the agency led (its regional office's); the API "
        "writes the IRI in place and gets the embedded rows"),
)


def pytest_collection_modifyitems(config, items):
    kept, dropped = [], []
    for item in items:
        remote = "tests/remote/" in item.nodeid.replace("\\", "/")
        imported = not getattr(getattr(item, "function", None), "__module__", "").startswith(
            ("tests.remote", "remote."))
        if remote and imported and not STORE_FIXTURES & set(getattr(item, "fixturenames", ())):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    for item in items:
        if "tests/remote/" not in item.nodeid.replace("\\", "/"):
            continue
        backend = item.callspec.params.get("backend") if hasattr(item, "callspec") else None
        for gap in KNOWN_GAPS:
            if gap.matches(item, backend):
                item.add_marker(pytest.mark.xfail(reason=gap.reason, strict=gap.run, run=gap.run))
                break


class Stores:
    """The session's stores: one per (kind, dataset), started and loaded on first use."""

    def __init__(self, factory):
        import tempfile
        from pathlib import Path

        self.factory = factory
        # A directory of the session's own, not pytest's basetemp: pytest removes all but its
        # three newest basetemps when a session starts, so another session on the machine could
        # delete a store's database under it (the store then answers nothing after a restart).
        self.root = Path(tempfile.mkdtemp(prefix="evawkg-remote-stores-"))
        self.running: dict[tuple[str, str], Store] = {}
        self.lock = threading.Lock()

    def get(self, kind: str, dataset: str) -> Store:
        with self.lock:
            key = (kind, dataset)
            if key not in self.running:
                store = start(kind, self.root / f"{kind}-{dataset}")
                try:
                    store.load(_DATASETS[dataset](), infer=False)
                except BaseException:
                    store.stop()
                    raise
                self.running[key] = store
            return self.running[key]

    def stop(self) -> None:
        import shutil

        for store in self.running.values():
            store.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def _web_dataset():
    return load_dataset(WEB_FILES)


def _bundle_dataset():
    return load_bundle()  # with its closure: the store gets graph/inferred as the embedded one


_DATASETS = {"web": _web_dataset, "bundle": _bundle_dataset}


@pytest.fixture(scope="session")
def stores(tmp_path_factory):
    running = Stores(tmp_path_factory)
    yield running
    running.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(autouse=True)
def stores_still_running(stores):
    """Fail a test at once, naming the store and how it ended, when a store this session started
    has exited on its own: its tests would only see 502s, which say nothing of why."""
    for store in list(stores.running.values()):
        code = store.process.poll() if store.process is not None else None
        if code is not None:
            pytest.fail(f"the {store.kind} store at {store.base} exited on its own (status {code}) "
                        f"before this test; its log: {store.directory / 'store.log'}")


# --- The protocol suite (tests/web) ------------------------------------------------------------

@pytest.fixture(scope="session")
def web_store(stores, backend) -> Store:
    return stores.get(backend, "web")


@pytest.fixture(scope="session")
def settings(web_store):
    # The embedded suite's limits (tests/web/conftest.py), on the remote store.
    return web_store.settings(max_concurrent_queries=2, queue_wait=0.2, query_timeout=5.0,
                              max_rows=20, max_body_bytes=4096,
                              cors_origins=("https://analyst.example",), store_poll_seconds=2.0)


def running_app(settings):
    """``create_app(settings)`` once its remote service is ready (else the store's health says
    why), closed after its last test: every remote suite's app fixture yields from it."""
    application = create_app(settings)
    service = application.extensions["evawkg"].service
    assert service.wait_ready(60), service.health()
    yield application
    service.close()


@pytest.fixture(scope="session")
def bundle_store(stores, backend) -> Store:
    return stores.get(backend, "bundle")


@pytest.fixture(scope="session")
def app(settings):
    yield from running_app(settings)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def endless_query(web_store, backend, request):
    """The embedded suite's endless query; Oxigraph server cannot stop it, so the store is
    restarted after the test (its data is on disk) to end the work it goes on doing.

    The test's app then measures the store again at once: a check of its own that fell in the
    restart's few milliseconds without a listener keeps "cannot be reached" until its next poll
    (``store_poll_seconds``), which the next tests would get as 502s."""
    from ..web.conftest import ENDLESS_QUERY

    yield ENDLESS_QUERY
    if backend == "oxigraph":
        web_store.restart()
        if "app" in request.fixturenames:
            assert request.getfixturevalue("app").extensions["evawkg"].service.refresh()


@pytest.fixture(scope="session")
def stopping_seconds(backend) -> float:
    """Past a query's limit, Virtuoso answers that it stopped it when its own clock ticks, and
    evawkg waits that long for it (:data:`~evawkg.sparql.store_client.VIRTUOSO_STOPPING_SECONDS`)."""
    from evawkg.sparql.store_client import VIRTUOSO_STOPPING_SECONDS

    return VIRTUOSO_STOPPING_SECONDS + 1 if backend == "virtuoso" else 3.0


@pytest.fixture(scope="session")
def fixture_files():
    from ..web.conftest import FIXTURE_FILES

    return FIXTURE_FILES


def serve_live(app):
    """``app`` on a free loopback port (werkzeug in a thread): (base URL, server, thread)."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server, thread
