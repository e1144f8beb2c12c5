"""The :class:`~evawkg.sparql.service.SparqlService` of a remote SPARQL 1.1 store (Virtuoso,
Oxigraph server, any store that speaks the Protocol): the same server, a store of any size.

The publishing tier keeps no state of its own beyond caches keyed by the *data version*, so any
number of ``evawkg serve`` processes on one store answer alike::

    client --> evawkg serve (N replicas) --SPARQL 1.1 Protocol--> one store
                 |  rules: a sandboxed process (parse, read-only, SERVICE)
                 |  reads: processes running the linked-data reads as SELECT queries

What each part does:

* **the rules** a query passes are the embedded store's (:func:`evawkg.sparql.prepare_query`:
  read-only, SERVICE only to allow-listed endpoints), decided from rdflib's parse in a killable,
  network-less process under the query's time limit, before anything reaches the store. A text's
  verdict is kept (by text), so a query sent again costs no parse;
* **a query** then goes to the store from the request thread over a kept-alive connection, with
  the server's prefixes, its parameters bound by ``VALUES`` (:mod:`.binding`) and the served
  graphs as its dataset. The answer streams through pyoxigraph and the embedded store's writers
  (:mod:`.remote_answers`): the same formats, the same row cap, which fails loudly;
* **the time limit**: Virtuoso stops the query itself (its ``timeout`` parameter); any other store
  has its request abandoned at the limit (504), and may go on working on it;
* **the linked-data reads** (``call``) run in killable processes of their own, on
  :class:`~evawkg.sparql.remote_store.RemoteStore` (pyoxigraph's ``Store`` as SELECT queries, in
  pages); their answers are kept per data version;
* **the data version** is a hash of the served graphs' names and sizes, read every
  ``store_poll_seconds`` by a watcher thread, which also measures the dataset (the service
  description's counts) once per version and tells ``/healthz`` whether the store answers.

Store faults are 502 (down, refusing, answering garbage) or 504 (no answer in time), never a
hang or a 500 (:mod:`.store_client`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import pickle
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ..errors import (ClientLimitReached, EvawError, NotReady, QueryLimitReached,
                      QuerySyntaxError, QueryTimeout, StoreUnreachable)
from ..namespaces import BASE, PREFIXES
from ..processes import ProcessPool, ProcessSpec, current_client
from ..processes.slots import Slots
from .binding import ascii_variables, bind, leading_base, prologue
from .projection import as_written
from .query_text import code
from .remote_answers import (GRAPH_MEDIA_TYPE, RESULTS_MEDIA_TYPE, TimedBody, blank_replacements,
                             store_answer_limit, write_answer)
from .remote_store import RemoteStore
from .rules import check_nesting, prepare_query
from .service import Answer, DatasetDescription, GraphCount, PreparedQuery, QueryRequest
from .syntax_words import explain

log = logging.getLogger("evawkg.remote")

#: Virtuoso's own graphs (its configuration, its WebDAV, the vocabularies it ships): never served.
VIRTUOSO_SYSTEM_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#",
                          "http://www.w3.org/2002/07/owl#", "http://www.w3.org/ns/ldp#",
                          "urn:activitystreams-owl:map", "urn:core:services:sparql")
#: evawkg's write version of the store (one triple; :mod:`evawkg.writes.remote_writer`): part of
#: the data version, never served.
STORE_VERSION_GRAPH = BASE + "graph/store-version"
STORE_VERSION_PREDICATE = BASE + "ontology#writeVersion"
_VIRTUOSO_LOCAL_GRAPH = re.compile(r"https?://[^/]+/(DAV/|sparql/?)$")

#: Query verdicts and linked-data answers kept (least recently used dropped first).
PREPARED_KEPT = 2048
CALLS_KEPT = 256

#: Seconds after a failed check of the store before a request checks it again itself.
RECHECK_SECONDS = 0.5

#: Longest query text whose verdict is kept.
PREPARED_MAX_CHARS = 65536


@dataclass(frozen=True)
class StoreConfig:
    """Where the store is and how to read it (plain values: it crosses into the processes)."""

    query_url: str
    update_url: str = ""
    graph_store_url: str = ""
    auth: str = ""
    page_rows: int = 5000

    @classmethod
    def from_settings(cls, settings) -> StoreConfig:
        return cls(settings.sparql_endpoint, settings.update_endpoint, settings.graph_store,
                   settings.store_auth, settings.store_page_rows)

    def client(self):
        from .store_client import StoreClient

        return StoreClient(self.query_url, update_url=self.update_url,
                           graph_store_url=self.graph_store_url, auth=self.auth)


@dataclass(frozen=True)
class Snapshot:
    """The store as last measured: the served graphs and sizes, the version they make."""

    version: str
    graphs: tuple[GraphCount, ...]
    description: DatasetDescription
    kind: str | None

    @property
    def graph_names(self) -> tuple[str, ...]:
        return tuple(graph.name for graph in self.graphs)


def served_graphs(client, explicit: tuple[str, ...] = (), timeout: float = 30.0) -> dict[str, int]:
    """The store's served graphs and their sizes: ``explicit`` ones (the ``store_graphs``
    setting), else every graph it lists but a Virtuoso's own."""
    store = RemoteStore(client, (), page_rows=1, timeout=timeout)
    store.begin(timeout)
    listed = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                         whole_store=True)
    try:  # the solutions are parsed as they are read: a cut answer fails here
        sizes = {row["g"].value: int(row["n"].value) for row in listed
                 if isinstance(row["g"], ox.NamedNode)}
    except (SyntaxError, ValueError, KeyError) as error:
        raise StoreUnreachable(f"the SPARQL store's list of its graphs is no SPARQL answer "
                               f"({error}); check the store (its log)") from None
    if explicit:
        return {name: sizes.get(name, 0) for name in explicit}
    return {name: size for name, size in sizes.items() if name != STORE_VERSION_GRAPH
            and not (client.kind == "virtuoso" and system_graph(name))}


def write_version(client, timeout: float = 30.0) -> str:
    """The store's write version ('' before any write through evawkg). Several values: two
    writers raced past the version check (``docs/deployment.md`` says how to avoid it)."""
    import json

    response = client.query(f"SELECT ?v WHERE {{ GRAPH <{STORE_VERSION_GRAPH}> {{ "
                            f"<{STORE_VERSION_GRAPH}> <{STORE_VERSION_PREDICATE}> ?v }} }}",
                            accept="application/sparql-results+json", timeout=timeout)
    try:
        rows = json.loads(response.read())["results"]["bindings"]
    except (ValueError, KeyError, TypeError):
        raise StoreUnreachable("the SPARQL store's answer to a SELECT is no SPARQL JSON") from None
    finally:
        response.close()
    return "+".join(sorted(row["v"]["value"] for row in rows if "v" in row))


#: The keyword FROM, not part of a variable, a prefixed name or another word.
_FROM = re.compile(r"(?<![?$:\w-])from(?![\w:-])", re.IGNORECASE)


def names_a_dataset(text: str) -> bool:
    """Whether ``text``, a query rdflib could not read, may hold a ``FROM`` clause: the keyword
    outside strings, IRIs and comments (:func:`evawkg.sparql.query_text.code` blanks them), and
    not a variable or prefixed name. Such a query runs on the dataset it names; any other on the
    served graphs (a "from" in a comment sent it to the store's own default graph: no rows on
    Oxigraph server, every graph on Virtuoso)."""
    return _FROM.search(code(text)) is not None


def system_graph(name: str) -> bool:
    """Whether ``name`` is one of Virtuoso's own graphs."""
    return name in VIRTUOSO_SYSTEM_GRAPHS or bool(_VIRTUOSO_LOCAL_GRAPH.match(name))


_OXIGRAPH_POSITION = re.compile(r"error at (\d+):(\d+): ")
_VIRTUOSO_POSITION = re.compile(r"line (\d+): syntax error at '([^']*)'")


def positioned(error: QuerySyntaxError, text: str, prologue_length: int) -> QuerySyntaxError:
    """The store's syntax error with the position in the client's ``text`` as ``line`` and
    ``column`` (our prologue, ``prologue_length`` characters on line 1, taken off)."""
    message = error.message
    line = column = None
    found = _OXIGRAPH_POSITION.search(message)
    if found:
        line, column = int(found.group(1)), int(found.group(2))
        if line == 1:
            column = max(column - prologue_length, 1)
        message = message[:found.start()] + message[found.end():]
    else:
        found = _VIRTUOSO_POSITION.search(message)
        if found:
            line = int(found.group(1))
            lines = text.splitlines() or [""]
            token = found.group(2)
            if 0 < line <= len(lines) and token and token in lines[line - 1]:
                column = lines[line - 1].index(token) + 1
    if line is None:
        return error
    where = f"line {line}" + (f", column {column}" if column is not None else "")
    message = explain(message, text, line, column, PREFIXES)
    result = QuerySyntaxError(f"query syntax error at {where}: {message}")
    result.line = line
    if column is not None:
        result.column = column
    return result


def _kept(error: EvawError) -> EvawError:
    """``error`` without its traceback and the exceptions it was raised from, to be kept and
    raised again from other threads: their frames hold this thread's pyoxigraph objects (a
    store's answer being parsed), which pyoxigraph refuses to see dropped in another thread."""
    error.__traceback__ = None
    error.__context__ = error.__cause__ = None
    return error


class _SlotsView:
    """The query slots of a remote service, shown as a pool's ``health()`` (``busy`` of
    ``slots``): what the embedded service's query pool shows, for the same readers."""

    def __init__(self, slots: Slots):
        self._slots = slots

    def health(self) -> dict:
        return {"status": "ready", "slots": self._slots.size, "busy": self._slots.in_use}


# --- The processes -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RulesJob:
    text: str
    allow_service: tuple[str, ...]
    base_iri: str | None


@dataclass(frozen=True)
class ReadJob:
    """``function(store, *args)`` on the remote store as of data version ``version``."""

    function: Callable[..., Any]
    args: tuple
    version: str
    graphs: tuple[str, ...]
    kind: str | None
    timeout: float


def _rules_setup() -> tuple[None, None]:
    return None, None


def _check_rules(state: None, job: RulesJob) -> PreparedQuery:
    prepared = prepare_query(job.text, allow_service=job.allow_service, base_iri=job.base_iri,
                             prefixes=PREFIXES, always_parse=True)
    # SELECT *'s columns as the text writes them, whichever store sorts them (Oxigraph server).
    written = as_written(prepared.text, PREFIXES, job.base_iri)
    return prepared if written == prepared.text else dataclasses.replace(prepared, text=written)


def _reads_setup(config: StoreConfig) -> tuple[dict, None]:
    return {"config": config, "client": None, "stores": {}}, None


def _read(state: dict, job: ReadJob) -> Any:
    """In a read process: ``job.function`` on the store of ``job.version`` (one per version, so
    a reader's own caches, kept per store object, follow the data)."""
    config: StoreConfig = state["config"]
    if state["client"] is None:
        state["client"] = config.client()
    client = state["client"]
    client.kind = client.kind or job.kind
    key = (job.version, job.graphs)
    store = state["stores"].get(key)
    if store is None:
        state["stores"] = {key: RemoteStore(client, job.graphs, page_rows=config.page_rows,
                                            timeout=job.timeout)}
        store = state["stores"][key]
    store.begin(job.timeout, _iris_in(job.args))
    return job.function(store, *job.args)


def _iris_in(value, depth: int = 0) -> list[ox.NamedNode]:
    if isinstance(value, ox.NamedNode):
        return [value]
    if depth < 3 and isinstance(value, (tuple, list, set, frozenset)):
        return [iri for item in value for iri in _iris_in(item, depth + 1)]
    if depth < 3 and isinstance(value, dict):
        return [iri for item in value.values() for iri in _iris_in(item, depth + 1)]
    if isinstance(value, str) and value.startswith(("http://", "https://", "urn:")):
        try:
            return [ox.NamedNode(value)]
        except ValueError:
            return []
    return []


class RulesPool(ProcessPool):
    """Network-less processes that decide a query's rules (rdflib's parse) under its limit."""

    name = "rules"

    def timeout_error(self, timeout: float) -> EvawError:
        return QueryTimeout(f"checking the query took longer than {timeout:g} s, its time "
                            "limit; send a simpler query")

    def fault_error(self, text: str) -> EvawError:
        return EvawError(f"checking the query failed inside its process:\n{text}")


class ReadsPool(ProcessPool):
    """Processes running the linked-data reads on the remote store, killed at their limit."""

    name = "reads"

    def timeout_error(self, timeout: float) -> EvawError:
        return QueryTimeout(f"reading the store was stopped after {timeout:g} s, its time limit "
                            "(the store is slow, or the resource very large); try again later")

    def fault_error(self, text: str) -> EvawError:
        return EvawError(f"reading the store failed inside its process:\n{text}")


# --- The service -------------------------------------------------------------------------------

class RemoteSparqlService:
    """The :class:`~evawkg.sparql.SparqlService` of a remote SPARQL 1.1 store."""

    def __init__(self, settings, *, start: bool = True):
        from .embedded import slots_per_client

        self.settings = settings
        self.config = StoreConfig.from_settings(settings)
        self.client = self.config.client()
        self.union = settings.default_graph_as_union
        self._snapshot: Snapshot | None = None
        self._failure: EvawError | None = None
        self._checked = 0.0
        self._first = threading.Event()
        self._stopping = threading.Event()
        self._refresh_lock = threading.Lock()
        self._ping_lock = threading.Lock()
        self._slots = Slots(settings.max_concurrent_queries, slots_per_client(settings))
        self._prepared: OrderedDict[str, PreparedQuery] = OrderedDict()
        self._calls: OrderedDict[tuple, Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.rules = RulesPool(ProcessSpec(_rules_setup, _check_rules, sandbox=settings.sandbox_network),
                               size=max(2, settings.max_concurrent_queries // 2),
                               queue_wait=max(settings.queue_wait, 1.0), reuse=True)
        self.reads = ReadsPool(ProcessSpec(_reads_setup, _read, (self.config,)),
                               size=settings.max_concurrent_queries, queue_wait=settings.queue_wait,
                               reuse=True, max_per_client=slots_per_client(settings))
        if start:
            self.start()

    def start(self) -> None:
        self.rules.start()
        self.reads.start()
        threading.Thread(target=self._watch, name="evawkg-store-watch", daemon=True).start()

    @property
    def pool(self) -> _SlotsView:
        """The query slots, read as the embedded service's query pool is (``health()["busy"]``)."""
        return _SlotsView(self._slots)

    # --- The store's state ---------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stopping.is_set():
            self.refresh()
            self._stopping.wait(self.settings.store_poll_seconds)

    def refresh(self) -> Snapshot | None:
        """Measure the store now: its served graphs and sizes, and the description of a new
        version. Failures are kept for ``/healthz`` and the next caller."""
        with self._refresh_lock:
            try:
                snapshot = self._measure()
            except EvawError as error:
                if not isinstance(self._failure, type(error)) or self._failure.message != error.message:
                    log.warning("the SPARQL store does not answer: %s", error.message)
                self._failure = _kept(error)
                snapshot = None
            else:
                if self._failure is not None:
                    log.warning("the SPARQL store answers again")
                self._failure = None
                if self._snapshot is None or snapshot.version != self._snapshot.version:
                    with self._cache_lock:
                        self._calls.clear()
                self._snapshot = snapshot
            self._checked = time.monotonic()
            self._first.set()
            return snapshot

    def _measure(self) -> Snapshot:
        timeout = max(30.0, self.settings.query_timeout)
        served = served_graphs(self.client, self.settings.store_graphs, timeout)
        graphs = tuple(GraphCount(name, size) for name, size in sorted(served.items()))
        # Sizes show most changes; the write version also those that keep every size (a literal
        # replaced through evawkg's write path). The endpoint tells stores of equal sizes apart
        # (caches such as the dumps' folder are shared by the processes of one machine): give
        # every replica the same URL for the store.
        written = write_version(self.client, timeout)
        digest = hashlib.sha256("\n".join([self.config.query_url, written]
                                          + [f"{g.name} {g.triples}" for g in graphs]).encode())
        version = f"{digest.hexdigest()[:16]}-remote" + ("-union" if self.union else "")
        known = self._snapshot
        if known is not None and known.version == version:
            return known
        names = tuple(g.name for g in graphs)
        distinct = self._rows("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE "
                              "{ GRAPH ?g { ?s ?p ?o } } }", timeout, graphs=names)
        triples = int(distinct[0]["n"].value) if distinct else 0
        description = DatasetDescription(triples, sum(g.triples for g in graphs), graphs, self.union)
        return Snapshot(version, graphs, description, self.client.kind)

    def _rows(self, text: str, timeout: float, *, graphs: tuple[str, ...]) -> list:
        store = RemoteStore(self.client, graphs, page_rows=self.config.page_rows, timeout=timeout)
        store.begin(timeout)
        return list(store.query(text, use_default_graph_as_union=True))

    def _current(self) -> Snapshot:
        self._recheck()
        snapshot, failure = self._snapshot, self._failure
        if failure is not None:
            raise failure
        if snapshot is None:
            if not self._first.is_set():
                raise NotReady("the SPARQL store has not been measured yet; try again in a moment")
            raise StoreUnreachable("the SPARQL store has not answered yet")
        return snapshot

    @property
    def data_version(self) -> str:
        snapshot = self._snapshot
        return snapshot.version if snapshot is not None else "remote-unmeasured"

    def ready(self) -> bool:
        return self._snapshot is not None and self._failure is None

    def wait_ready(self, timeout: float | None = None) -> bool:
        self._first.wait(timeout)
        self.rules.wait_ready(timeout)
        self.reads.wait_ready(timeout)
        return self.ready()

    def describe(self) -> DatasetDescription:
        if time.monotonic() - self._checked > 2.0 and self._first.is_set():
            self._ping()
        return self._current().description

    def _recheck(self) -> None:
        """The store failed at its last check, over :data:`RECHECK_SECONDS` ago: ping it now (one
        thread at a time; the others keep the failure), rather than refuse every read until the
        next poll (``store_poll_seconds``) when it is already back."""
        if self._failure is None or time.monotonic() - self._checked <= RECHECK_SECONDS:
            return
        if self._ping_lock.acquire(blocking=False):
            try:
                self._ping()
            finally:
                self._ping_lock.release()

    def _ping(self) -> None:
        """A quick sign of life (``/healthz``): ASK {} with a short limit."""
        try:
            response = self.client.query("ASK {}", accept=RESULTS_MEDIA_TYPE,
                                         timeout=min(5.0, self.settings.query_timeout))
            response.read(1 << 16)
        except EvawError as error:
            self._failure = _kept(error)
        else:
            if self._failure is not None:
                self.refresh()
        self._checked = time.monotonic()

    def health(self) -> dict[str, dict]:
        """The store's state and the processes of this service, for ``/healthz``."""
        snapshot, failure = self._snapshot, self._failure
        if failure is not None:
            store = {"status": "failed", "message": failure.message}
        elif snapshot is None:
            store = {"status": "starting"}
        else:
            store = {"status": "ready", "kind": snapshot.kind, "graphs": len(snapshot.graphs)}
        store["endpoint"] = self.config.query_url
        return {"store": store, "rules": self.rules.health(), "reads": self.reads.health()}

    # --- Queries ---------------------------------------------------------------------------------

    def prepare(self, text: str, timeout: float) -> PreparedQuery:
        """The rules' verdict on ``text`` (kept by text): run in a rules process when new."""
        key = text if len(text) <= PREPARED_MAX_CHARS else None
        if key is not None:
            with self._cache_lock:
                found = self._prepared.get(key)
                if found is not None:
                    self._prepared.move_to_end(key)
                    return found
        prepared = self.rules.run(RulesJob(text, tuple(self.settings.allow_service),
                                           self.settings.base_iri), timeout)
        if key is not None:
            with self._cache_lock:
                self._prepared[key] = prepared
                while len(self._prepared) > PREPARED_KEPT:
                    self._prepared.popitem(last=False)
        return prepared

    def query(self, request: QueryRequest) -> Answer:
        """Check ``request`` against the rules, run it on the store, and write its answer."""
        started = time.perf_counter()
        deadline = time.monotonic() + request.timeout
        check_nesting(request.text)
        prepared = self.prepare(request.text, request.timeout)
        if prepared.form is not None:
            request.formats.of(prepared.kind)  # 406 before the store works
        accept = {"results": RESULTS_MEDIA_TYPE, "graph": GRAPH_MEDIA_TYPE}
        if prepared.form is None:
            wanted = f"{RESULTS_MEDIA_TYPE}, {GRAPH_MEDIA_TYPE};q=0.9"
        else:
            wanted = accept[prepared.kind]
        try:
            inline = self.client.kind == "virtuoso"  # property paths need constant starts
            body, base = leading_base(prepared.text)
            head = prologue(PREFIXES, base or self.settings.base_iri)
            text = head + bind(body, request.substitutions, inline=inline)
            replacements = blank_replacements(self.client.kind)
            if self.client.kind == "virtuoso":  # it reads ASCII variable names only
                text, renamed = ascii_variables(text)
                replacements += renamed
        except ValueError as error:
            raise EvawError(f"the parameters cannot be bound: {error}") from None
        defaults, named = self._dataset(request, prepared)
        client = current_client.get()
        refused = self._slots.acquire(client, self.settings.queue_wait)
        if refused == "client":
            raise ClientLimitReached(
                f"you already run {self._slots.share} queries at once, the most one client "
                "may; wait for one to finish, or make them cheaper", retry_after=1)
        if refused == "all":
            raise QueryLimitReached(f"all {self._slots.size} query slots are busy; retry in a "
                                    "moment", retry_after=1)
        try:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout(f"the query was stopped after {request.timeout:g} s, its "
                                   "time limit")
            try:
                response = self.client.query(text, accept=wanted, timeout=left,
                                             default_graphs=defaults, named_graphs=named,
                                             limit=request.timeout, head=len(head))
            except QuerySyntaxError as error:
                raise positioned(error, prepared.text, len(text) - len(bind(
                    prepared.text, request.substitutions, inline=inline))) from None
            max_bytes = self.settings.max_answer_bytes
            body = TimedBody(response, deadline + (left if self.client.kind == "virtuoso" else 0),
                             limit=store_answer_limit(max_bytes),
                             replacements=replacements,
                             timeout=request.timeout)
            return write_answer(response, body, request.formats, self.client.kind,
                                self.settings.max_rows, PREFIXES, started, request.timeout,
                                max_bytes=max_bytes)
        finally:
            self._slots.release(client)

    def _dataset(self, request: QueryRequest, prepared: PreparedQuery
                 ) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        """The graphs a query runs on: the protocol's, else the query's own (FROM), else the
        served graphs (as the default graph's union, and as the named graphs)."""
        if request.default_graphs is not None or request.named_graphs is not None:
            return request.default_graphs, request.named_graphs
        if prepared.has_dataset or prepared.form is None and names_a_dataset(prepared.text):
            return None, None
        snapshot = self._snapshot
        if snapshot is None:
            snapshot = self.refresh() or self._current()
        graphs = snapshot.graph_names or ("urn:evawkg:no-graph",)
        return (graphs if self.union else None), graphs

    # --- Linked-data reads -------------------------------------------------------------------------

    def call(self, function: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """``function(store, *args)`` on the store (a :class:`RemoteStore`), in a read process
        killed after ``timeout`` seconds; the answer is kept for this data version."""
        snapshot = self._current()
        try:
            key = (snapshot.version, function.__module__, function.__qualname__,
                   pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL))
        except (pickle.PicklingError, TypeError, AttributeError):
            key = None
        if key is not None:
            with self._cache_lock:
                if key in self._calls:
                    self._calls.move_to_end(key)
                    return self._calls[key]
        answer = self.reads.run(ReadJob(function, args, snapshot.version, snapshot.graph_names,
                                        self.client.kind, timeout), timeout)
        if key is not None:
            with self._cache_lock:
                self._calls[key] = answer
                while len(self._calls) > CALLS_KEPT:
                    self._calls.popitem(last=False)
        return answer

    def close(self) -> None:
        self._stopping.set()
        self.rules.close()
        self.reads.close()
        self.client.close()


__all__ = ["RemoteSparqlService", "StoreConfig", "STORE_VERSION_GRAPH", "write_version", "names_a_dataset", "VIRTUOSO_SYSTEM_GRAPHS", "served_graphs", "system_graph"]
