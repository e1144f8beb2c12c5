"""The embedded store's :class:`~evawkg.sparql.service.SparqlService`: pyoxigraph in killable
query processes.

pyoxigraph has no cancellation and no timeout, so each query runs in a *query process* of the
one supervisor, :class:`evawkg.processes.ProcessPool`: its warm parent (the *loader*) loads the
dataset once, then forks query processes that share its memory pages; a query past its time
limit has its process killed and a fresh fork takes its place in milliseconds::

    HTTP worker (gunicorn)  --control socket-->  loader: holds the graph in memory, forks on demand
          |
          +---- one socket per query process ---> query process: runs query after query

Unless SERVICE endpoints are allowed, the loader first moves into a network namespace with no
interface up: whatever a query says, its process has no network to reach.

Each query process may use ``query_memory_limit_mb`` beyond the loader's own size (by default as
much again as the graph holds, at least 1 GiB): past it the query is killed and answered 422
"make it cheaper". One client holds at most ``max_slots_per_client`` of the query processes at
once, so one client's expensive queries leave slots for the others. A loader that dies is
restarted by the pool's supervisor; queries meanwhile get 503 with ``Retry-After``.

Besides SPARQL text, a query process runs :class:`StoreCall` s: a read-only function of the
store named by reference (the linked-data descriptions), under the same time limit. That is how
every reader of the graph goes through this one copy of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ..errors import (ClientLimitReached, EvawError, MemoryLimitExceeded, ProcessDied,
                      QueryTimeout, Restarting)
from ..graph.dataset import DatasetSource, print_progress, read_marker, remember
from ..namespaces import PREFIXES
from ..processes import ProcessPool, ProcessSpec
from .answers import QueryJob, describe_dataset, execute
from .rules import check_nesting
from .service import Answer, DatasetDescription, GraphCount, QueryRequest



@dataclass(frozen=True)
class StoreCall:
    """``function(store, *args)`` run in a query process: a module-level function (pickled by
    reference) that only reads the store and returns plain, picklable values."""

    function: Callable[..., Any]
    args: tuple = ()


def open_dataset(source: DatasetSource, union: bool) -> tuple[ox.Store, DatasetDescription]:
    """The loader's setup: the dataset in memory and its description.

    Counting a million triples (the distinct ones of the union) takes seconds, so an on-disk
    store's description is recorded with it and read back on the next start."""
    store = source.open(print_progress)
    key = f"description-{'union' if union else 'default'}"
    if source.store_dir:
        recorded = read_marker(source.store_dir)
        known = recorded.get(key)
        if known and known.get("version") == recorded.get("version") == source.version():
            return store, DatasetDescription(
                known["triples"], known["quads"],
                tuple(GraphCount(name, count) for name, count in known["graphs"]), union)
    description = describe_dataset(store, union=union)
    if source.store_dir:
        remember(source.store_dir, key, {
            "version": source.version(), "triples": description.triples, "quads": description.quads,
            "graphs": [[graph.name, graph.triples] for graph in description.graphs]})
    return store, description


#: Called with a store something changed in place (a writable store's query process applying a
#: commit): what a reader keeps per store (an index of its IRIs) is dropped.
STORE_CHANGED: list[Callable[[ox.Store], None]] = []


def store_changed(store: ox.Store) -> None:
    for forget in STORE_CHANGED:
        forget(store)


def run_in_store(store: ox.Store, job: QueryJob | StoreCall) -> Any:
    """A query process's handler: answer a query or run a store call."""
    if isinstance(job, StoreCall):
        return job.function(store, *job.args)
    return execute(store, job)


class QueryPool(ProcessPool):
    """Up to ``size`` query processes forked from one loader, reused query after query."""

    name = "query"

    def __init__(self, source: DatasetSource, *, size: int, queue_wait: float, sandbox: bool,
                 union: bool, memory_limit_mb: int = 0, max_per_client: int | None = None):
        super().__init__(ProcessSpec(open_dataset, run_in_store, (source, union), sandbox=sandbox),
                         size=size, queue_wait=queue_wait, reuse=True,
                         resident_limit=memory_limit_mb * 1024 ** 2,
                         max_per_client=max_per_client)
        self.source = source

    def client_busy_error(self, share: int) -> EvawError:
        return ClientLimitReached(
            f"you already run {share} queries at once, the most one client may; wait for one "
            "to finish, or make them cheaper (LIMIT, a lower timeout=)", retry_after=1)

    def memory_error(self, limit_mb: int) -> EvawError:
        return MemoryLimitExceeded(
            f"the query needed more memory than the limit of {limit_mb} MB; make it cheaper "
            "(LIMIT, fewer or shorter computed strings, more selective patterns)")

    def timeout_error(self, timeout: float) -> EvawError:
        return QueryTimeout(
            f"the query was stopped after {timeout:g} s, its time limit; make it cheaper "
            "(LIMIT, more selective patterns) or ask for a longer timeout= (at most the "
            "server's limit)")

    def died_error(self, reason: str) -> EvawError:
        return ProcessDied(f"the query process died ({reason}); it most likely needed more "
                           f"memory than its limit of {self.limit_mb} MB; make the query cheaper")

    def restarting_error(self, retry_after: int) -> EvawError:
        return Restarting(f"the query processes are restarting after a failure (reloading the "
                          f"graph); try again in {retry_after} s", retry_after=retry_after)

    def fault_error(self, text: str) -> EvawError:
        return EvawError(f"the query failed inside its process:\n{text}")

    def startup_error(self, reason: Any) -> EvawError:
        if isinstance(reason, EvawError):
            return reason
        if reason == "its process exited while starting":
            return EvawError("the loader process exited while loading the graph")
        return EvawError(str(reason))

    def require_ready(self, timeout: float) -> None:
        self._readiness.require("loading its graph")

    @property
    def description(self) -> DatasetDescription:
        self.require_ready(0)
        return self.info


def slots_per_client(settings) -> int:
    """``max_slots_per_client``, its automatic 0 resolved: half the slots, at least one."""
    return settings.max_slots_per_client or max(1, settings.max_concurrent_queries // 2)


class EmbeddedSparqlService:
    """The :class:`~evawkg.sparql.SparqlService` of an in-memory pyoxigraph store."""

    #: The query pool's class (a writable store's service gives its own: ``evawkg.writes``).
    pool_class: type[QueryPool] = QueryPool
    #: Every change of the data changes ``data_version`` (the sources' hash, then the write
    #: journal's head): answers may be kept by it (:mod:`evawkg.sparql.answer_cache`).
    exact_data_version = True

    def __init__(self, source: DatasetSource, settings):
        self.settings = settings
        if not source.store_dir:
            source = source.pinned()  # a loader started later refuses sources changed since
        self._version = source.version() + ("-union" if settings.default_graph_as_union else "")
        self.pool = self.pool_class(source, size=settings.max_concurrent_queries,
                              queue_wait=settings.queue_wait,
                              sandbox=settings.sandbox_network and not settings.allow_service,
                              union=settings.default_graph_as_union,
                              memory_limit_mb=settings.query_memory_limit_mb,
                              max_per_client=slots_per_client(settings))
        self.pool.start()

    @property
    def data_version(self) -> str:
        return self._version

    def ready(self) -> bool:
        return self.pool.ready()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self.pool.wait_ready(timeout)

    def describe(self) -> DatasetDescription:
        return self.pool.description

    def health(self) -> dict[str, dict]:
        """The state of each process pool behind this service (for ``/healthz``)."""
        return {"query": self.pool.health()}

    def query(self, request: QueryRequest) -> Answer:
        """Run ``request`` in a query process. Here, in the caller's thread, only linear work
        (the nesting bound); the rules and the parse run in the process, under the timeout."""
        check_nesting(request.text)
        return self.pool.run(self.job(request), request.timeout)

    def job(self, request: QueryRequest) -> QueryJob:
        """``request`` as a query process receives it, with this server's settings."""
        return QueryJob(request.text, request.formats, PREFIXES,
                        max_rows=self.settings.max_rows,
                        max_bytes=self.settings.max_answer_bytes,
                        base_iri=self.settings.base_iri,
                        union=self.settings.default_graph_as_union,
                        default_graphs=request.default_graphs, named_graphs=request.named_graphs,
                        allow_service=tuple(self.settings.allow_service),
                        substitutions=request.substitutions, public_base=request.public_base)

    def call(self, function: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """``function(store, *args)`` in a query process, killed after ``timeout`` seconds."""
        return self.pool.run(StoreCall(function, args), timeout)

    def close(self) -> None:
        self.pool.close()
