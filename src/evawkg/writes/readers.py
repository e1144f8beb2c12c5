"""Reading a writable store: the query processes follow its commits.

The served graph lives in query processes forked from a loader (:mod:`evawkg.sparql.embedded`).
Here the loader holds the store's current state in memory (the base and the journal replayed,
:func:`evawkg.writes.store.open_in_memory`), and the pool's *generation* is the journal's last
commit. Before every query or store call the service reads the journal's head (a few bytes);
when it moved, the pool advances: idle query processes of the older state are retired, and the
loader, before it forks the next one, applies the new commits (:func:`refresh_writable`; the
loader forks nothing meanwhile, so a child sees a commit whole or not at all). A query running
in an older process finishes on the state it started with; a query started after a commit's
acknowledgement reads the new head, so it runs in a process that holds the commit. Writes never
block this path: the write itself runs in a child of its own (``call_on_copy``).

``docs/writes.md`` compares this with the other designs considered.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

import pyoxigraph as ox

from ..graph.dataset import DatasetSource
from ..sparql.answers import describe_dataset
from ..sparql.embedded import EmbeddedSparqlService, QueryPool, StoreCall, run_in_store
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
    write path warmed up here once (parsers imported, shapes parsed), so that every process
    forked for a write starts with them instead of paying for them on each commit."""
    store, head = open_in_memory(directory)
    warm_up()
    return LoadedStore(store, directory, head), describe_dataset(store, union=union)


def warm_up() -> None:
    import rdflib

    from ..shacl.validation import validate
    from .update import compile_update

    compile_update(None, "PREFIX ex: <http://example.org/>\nDELETE { ?s ex:p ?o } "
                   "WHERE { ?s ex:p ?o }", "http://example.org/", (), ())
    validate(rdflib.Graph())


def refresh_writable(state: LoadedStore, generation: int) -> LoadedStore:
    """In the loader, before a fork: apply the commits published since (at least up to
    ``generation``)."""
    state.position = catch_up(state.store, state.directory, state.position)
    return state


def run_writable(state: LoadedStore, job: Any) -> Any:
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
    """The query pool of a writable store: its loader follows the journal."""

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

    def catch_up(self) -> Head:
        """Advance the pool to the journal's head: what runs next sees every commit so far."""
        head = self.journal.head()
        self.pool.advance(head.seq)
        return head

    def query(self, request):
        self.catch_up()
        return super().query(request)

    def call(self, function, *args, timeout: float):
        self.catch_up()
        return super().call(function, *args, timeout=timeout)

    def call_on_copy(self, function, *args, timeout: float):
        """``function(store, *args)`` in a query process forked for it alone, at the pool's
        current generation: the function may change its copy of the store."""
        return self.pool.run(StoreCall(function, args), timeout, fresh=True)

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
