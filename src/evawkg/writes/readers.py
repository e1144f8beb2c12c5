"""Reading a writable store: the query processes follow its commits.

The served graph lives in query processes forked from a loader (:mod:`evawkg.sparql.embedded`).
Here the loader holds the store's current state in memory (the base and the journal replayed,
:func:`evawkg.writes.store.open_in_memory`), and every process follows the journal: a query
process, before each job, reads the journal's head (a few bytes) and applies the commits
published since (:func:`run_writable`; a millisecond for a small commit); the loader does the
same before it forks (:func:`refresh_writable`). A process applies a commit whole before it runs
anything, so no query sees half of one; a query running finishes on the state it started with;
a query started after a commit's acknowledgement finds the new head, so it runs on a state
holding the commit. Writes never block this path: a write takes one query process for the time
of its guard (``call_writing``), which undoes its change before answering, like a query would
take it; the other processes go on answering. The loader follows the journal too, before each
fork (the pool's generation, :meth:`evawkg.processes.ProcessPool.advance`).

``docs/writes.md`` compares this with the other designs considered.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

import pyoxigraph as ox

from ..graph.dataset import DatasetSource
from ..sparql.answers import describe_dataset
from ..sparql.embedded import EmbeddedSparqlService, QueryPool, run_in_store, store_changed
from ..sparql.service import DatasetDescription
from .journal import Head, Journal
from .store import StoreInfo, catch_up, open_in_memory


@dataclass
class LoadedStore:
    """The loader's state: the store in memory and the last commit it holds."""

    store: ox.Store
    directory: str
    position: Head


def open_writable(directory: str, union: bool) -> tuple[LoadedStore, DatasetDescription]:
    """The loader's setup: the store's current state in memory, and its description; and the
    guard warmed up here once (pySHACL imported, shapes parsed), so that every process
    forked for a write starts with them instead of paying for them on each commit."""
    store, head = open_in_memory(directory)
    warm_up()
    return LoadedStore(store, directory, head), describe_dataset(store, union=union)


def warm_up() -> None:
    import rdflib

    from ..shacl.validation import validate

    validate(rdflib.Graph())


def refresh_writable(state: LoadedStore, generation: int) -> LoadedStore:
    """In the loader, before a fork: apply the commits published since (at least up to
    ``generation``)."""
    state.position = catch_up(state.store, state.directory, state.position)
    return state


def run_writable(state: LoadedStore, job: Any) -> Any:
    """In a query process: catch up with the journal, then run the job. A process kept from
    before a commit applies it here (a millisecond for a small commit) instead of being
    replaced by a fresh fork (tens of milliseconds at a million triples)."""
    position = catch_up(state.store, state.directory, state.position)
    if position != state.position:
        state.position = position
        store_changed(state.store)
    return run_in_store(state.store, job)


def _describe(store: ox.Store, union: bool) -> DatasetDescription:
    return describe_dataset(store, union=union)


def graph_triples(store: ox.Store, graph: str | None) -> list[ox.Triple] | None:
    """In a query process: the triples of ``graph`` (``None``: the default graph), or ``None``
    if that named graph does not exist (the Graph Store Protocol's GET)."""
    if graph is None:
        target = ox.DefaultGraph()
    else:
        target = ox.NamedNode(graph)
        if not store.contains_named_graph(target):
            return None
    return [quad.triple for quad in store.quads_for_pattern(None, None, None, target)]


class WritablePool(QueryPool):
    """The query pool of a writable store: its loader and its query processes follow the
    journal (the loader before each fork, a query process before each job)."""

    retire_stale = False

    def __init__(self, source: DatasetSource, **options):
        super().__init__(source, **options)
        self.spec = replace(self.spec, setup=open_writable, handler=run_writable,
                            setup_args=(source.store_dir, options["union"]),
                            refresh=refresh_writable)
        self._generation = Journal(source.store_dir).head().seq


class WritableSparqlService(EmbeddedSparqlService):
    """The embedded service over a writable store (see the module notes)."""

    pool_class = WritablePool

    def __init__(self, info: StoreInfo, settings):
        self.info = info
        self.journal = Journal(info.directory)
        self._descriptions: dict[str, DatasetDescription] = {}
        self._describing = threading.Lock()
        super().__init__(DatasetSource(store_dir=info.directory), settings)

    @property
    def data_version(self) -> str:
        union = "-union" if self.settings.default_graph_as_union else ""
        return f"{self.info.seed}-c{self.journal.head().seq}{union}"

    def query(self, request):
        self.pool.advance(self.journal.head().seq)  # the loader catches up before its next fork
        return super().query(request)

    def call(self, function, *args, timeout: float):
        self.pool.advance(self.journal.head().seq)
        return super().call(function, *args, timeout=timeout)

    def call_writing(self, function, *args, timeout: float):
        """``function(store, *args)`` in a query process at the journal's head (it catches up
        first): a function that changes the store and puts it back (the guard), so no process
        is forked for a write."""
        return self.call(function, *args, timeout=timeout)

    def describe(self) -> DatasetDescription:
        version = self.data_version
        known = self._descriptions.get(version)
        if known is None:
            with self._describing:
                known = self._descriptions.get(version)
                if known is None:
                    self.pool.require_ready(0)
                    known = self.call(_describe, self.settings.default_graph_as_union,
                                      timeout=self.settings.query_timeout)
                    self._descriptions = {version: known}
        return known


__all__ = ["WritableSparqlService", "WritablePool", "LoadedStore", "open_writable",
           "refresh_writable", "run_writable", "graph_triples"]
