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
of its guard (``call_writing``), which undoes its change before answering, in a process and a slot
of its own, at a lower CPU priority (the readers keep all of theirs); the other processes go on
answering. The loader follows the journal too, before each
fork (the pool's generation, :meth:`evawkg.processes.ProcessPool.advance`).

``docs/writes.md`` compares this with the other designs considered.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, replace
from typing import Any

import pyoxigraph as ox

from ..graph.dataset import DatasetSource
from ..sparql.answers import describe_dataset
from ..processes.pool import READY
from ..processes.procfs import resident_bytes
from ..processes.slots import Slots
from ..sparql.embedded import (EmbeddedSparqlService, QueryPool, StoreCall, run_in_store,
                               store_changed)
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
    guard warmed up here once (shapes compiled, what they read analysed), so that every query
    process forked from here starts with them instead of paying for them on its first write."""
    store, head = open_in_memory(directory)
    warm_up()
    return LoadedStore(store, directory, head), describe_dataset(store, union=union)


def warm_up() -> None:
    from ..shacl.engine import bundled_model
    from ..shacl.reach import reach_of

    reach_of(bundled_model())


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
    journal (the loader before each fork, a query process before each job).

    A write's guard runs in a query process of its own, kept from write to write and never
    lent to readers, at a lower CPU priority (``write_nice``), and takes its slot from
    :attr:`writer_slots`, one slot apart from the readers' ``max_concurrent_queries``. Writes
    are serialised anyway (the journal's lock), so one is all they can use; and a write in
    progress then never leaves readers a slot short (with one slot, a write of several seconds
    turned every query away with 429), nor waits behind readers, nor counts against its
    client's share of the readers' slots, and when the CPU is short readers go first. The cost
    is one query process more (a copy-on-write fork of the loader, as the others)."""

    retire_stale = False

    def __init__(self, source: DatasetSource, **options):
        super().__init__(source, **options)
        self.spec = replace(self.spec, setup=open_writable, handler=run_writable,
                            setup_args=(source.store_dir, options["union"]),
                            refresh=refresh_writable)
        self._generation = Journal(source.store_dir).head().seq
        self.writer_slots = Slots(1, None)
        self._writer_child = None
        self._writing = threading.local()

    def run_writing(self, job: Any, timeout: float, wait: float) -> Any:
        """Run ``job`` in the writers' process and slot (see the class notes)."""
        self._writing.active = True
        try:
            return self.run(job, timeout, slots=self.writer_slots, wait=wait)
        finally:
            self._writing.active = False

    def _for_writer(self) -> bool:
        return getattr(self._writing, "active", False)

    def _take_child(self):
        if not self._for_writer():
            return super()._take_child()
        with self._lock:
            child, self._writer_child = self._writer_child, None
            parent, generation, state = self._parent, self._generation, self._state
            if child is not None:
                self._busy.add(child)
        if child is not None:
            if child.parent is parent and child.idle_and_alive():
                return child
            super()._release(child, keep=False)
        if state != READY:
            raise self._death_error(None, f"the {self.name} processes are {state}")
        return self._fork_busy(parent, generation)

    def _release(self, child, *, keep: bool) -> None:
        if not self._for_writer():
            return super()._release(child, keep=keep)
        if keep and self.resident_limit:
            keep = resident_bytes(child.pid) - child.parent.resident <= self.resident_limit // 2
        with self._lock:
            self._busy.discard(child)
            if (keep and child.parent is self._parent and self._state == READY
                    and self._writer_child is None):
                self._writer_child = child
                return
        self._kill(child)

    def close(self) -> None:
        with self._lock:
            child, self._writer_child = self._writer_child, None
        super().close()
        if child is not None:
            self._kill(child)


def run_niced(store: ox.Store, nice: int, function, *args) -> Any:
    """``function(store, *args)`` at niceness ``nice`` at least (in the writers' process, which
    serves nothing else: a niceness cannot be lowered again)."""
    if nice and os.getpriority(os.PRIO_PROCESS, 0) < nice:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    return function(store, *args)


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
        is forked for a write. It runs in the writers' process and slot, not a reader's
        (:class:`WritablePool`);
        the caller holds the write lock, so the slot is free but for a write of another
        thread that has just released the lock."""
        self.pool.advance(self.journal.head().seq)
        return self.pool.run_writing(
            StoreCall(run_niced, (self.settings.write_nice, function, *args)), timeout,
            wait=self.settings.write_lock_wait)

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
