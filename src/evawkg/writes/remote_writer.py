"""The guarded write path on a remote SPARQL store (``evawkg serve --sparql-endpoint`` with write
tokens): the same tokens, operations, guard and answers as on the embedded store; the commit is
one SPARQL Update request to the store.

A write, under this process's write lock::

    read the store's write version (a triple in graph/store-version), then its served graphs
      (in pages) into a local copy, unless the copy is of that version already
    check If-Match / If-None-Match against the write version
    run the guard on the copy (apply, OWL 2 RL closure, SHACL; write_timeout)
    violation-level results: 422 with the report, nothing sent
    send the change as ONE update: DELETE { version, removed quads } INSERT { new version,
      added quads } WHERE { the version read } -- applied whole or not at all by the store
    ask whether the store now holds our new version: if not, another writer came first
      (the WHERE matched nothing, nothing was written): read again and retry, until
      write_lock_wait; then 503

What this guarantees depends on the store (``docs/deployment.md``, "Writes on a remote store"):
Oxigraph server and Virtuoso apply one update request atomically, so readers never see half a
write; the version check makes a write that started from an outdated copy fail instead of
overwriting. Two writers racing inside the same instant may both pass the check on a store
whose isolation is below serializable (both tested stores): send writes to one evawkg process.

Limits a remote store sets: blank nodes the store already holds cannot be named in an update
(their labels are the store's), so a write that removes or links to one is refused (400) --
name such nodes with IRIs; a change is one request, at most :data:`MAX_CHANGE_QUADS` quads
(Virtuoso refuses larger updates); graphs exist on a store only through their triples (an empty
created graph is not kept). There is no journal: the change feed (``/changes``), ``evawkg
history`` and ``evawkg backup`` are the embedded store's; use the store's own backup.
"""

from __future__ import annotations

import threading
import time
import uuid

import pyoxigraph as ox

from ..errors import (ClientError, PayloadTooLarge, QuerySyntaxError, QueryTimeout,
                      ShapesViolated, WriteBusy)
from ..graph.inference import INFERRED_GRAPH
from ..sparql.remote import STORE_VERSION_GRAPH as VERSION_GRAPH
from ..sparql.remote import STORE_VERSION_PREDICATE as VERSION_PREDICATE
from ..sparql.remote import write_version as read_version
from .guard import Outcome, WriteJob, run_guard
from .operations import Context, Operation
from .tokens import TokenTable, WriteToken
from .writer import Committed, Preconditions, Writer, _violations

#: Most quads (asserted and inferred, removed and added) one write may change on a remote store.
MAX_CHANGE_QUADS = 1000

class RemoteWriter(Writer):
    """Writes to the remote store of ``service`` (a :class:`evawkg.sparql.remote.RemoteSparqlService`)."""

    def __init__(self, settings, service):
        self.settings = settings
        self.service = service
        self.tokens = TokenTable(settings.write_tokens)
        self.journal = None
        self.index = None
        self._lock = threading.Lock()
        self._copy: tuple[str, ox.Store] | None = None  # (write version, the served graphs)
        self.client = service.client  # closed with the service

    # --- Versions --------------------------------------------------------------------------------

    def graph_version(self, graph: str | None) -> str:
        """The entity tag's version part: the store's write version (any write changes every
        graph's tag: conservative, a client re-reads rather than overwrites)."""
        version = read_version(self.client, self.settings.query_timeout)
        return "w" + (version.replace("+", "-") or "0")

    def _working_copy(self, version: str) -> ox.Store:
        """The served graphs as of ``version``, read from the store unless held already."""
        if self._copy is not None and self._copy[0] == version:
            return self._copy[1]
        from ..sparql.remote import served_graphs
        from ..sparql.remote_store import RemoteStore

        timeout = max(self.settings.write_timeout, 30.0)
        graphs = tuple(served_graphs(self.client, self.settings.store_graphs, timeout))
        remote = RemoteStore(self.client, graphs, page_rows=self.settings.store_page_rows,
                             timeout=timeout)
        remote.begin(timeout)
        copy = ox.Store()
        for graph in graphs:
            copy.bulk_extend(remote.graph_quads(graph))
        for graph in graphs:
            copy.add_graph(ox.NamedNode(graph))
        self._copy = (version, copy)
        return copy

    # --- The transaction -------------------------------------------------------------------------

    def commit(self, operations: tuple[Operation, ...], token: WriteToken, *, operation: str,
               request: bytes, preconditions: Preconditions | None = None,
               validate: bool = True) -> Committed:
        settings = self.settings
        clock = time.perf_counter()
        if not self._lock.acquire(timeout=settings.write_lock_wait):
            raise WriteBusy("another write holds the store past write_lock_wait; retry shortly")
        try:
            deadline = clock + settings.write_lock_wait
            while True:
                committed = self._attempt(operations, token, preconditions, validate, clock)
                if committed is not None:
                    return committed
                if time.perf_counter() > deadline:
                    raise WriteBusy("other writers kept changing the store while this write was "
                                    "checked; retry shortly (send writes to one evawkg process)")
        finally:
            self._lock.release()

    def _attempt(self, operations, token, preconditions, validate, clock) -> Committed | None:
        """One try: ``None`` when the store changed under it (nothing was written)."""
        settings = self.settings
        timeout = max(settings.write_timeout, 1.0)
        version = read_version(self.client, timeout)
        store = self._working_copy(version)
        read = time.perf_counter()
        job = WriteJob(operations, token, Context(settings.default_graph_as_union, settings.base_iri),
                       infer=INFERRED_GRAPH in set(store.named_graphs()),
                       validate=validate)
        if preconditions is not None:
            extra = self._check(preconditions)
            if extra:
                job = WriteJob((*extra, *job.operations), job.token, job.context, job.infer,
                               job.validate)
        outcome = self._guard(store, job, timeout)
        guarded = time.perf_counter()
        timings = {"read": read - clock, **outcome.timings, "guard": guarded - read}
        if not outcome.conforms:
            raise ShapesViolated(_violations(outcome.report), report=outcome.report)
        delta = outcome.delta
        if delta.empty:
            return Committed(None, (), outcome.report, timings)
        new_version = uuid.uuid4().hex
        try:
            self.client.update(_commit_text(delta, store, version, new_version), timeout=timeout)
        except QuerySyntaxError as error:
            # The guard accepted the write; the store refuses to hold some term of it (Virtuoso
            # 7.2: RDF 1.2 triple terms, a literal's base direction "…"@ar--rtl). The client's
            # text is not at fault where the store points: evawkg wrote the update it refused.
            raise ClientError(f"the SPARQL store cannot hold this write, so nothing was written "
                              f"(it refused the update evawkg sent: {error.message}); leave out "
                              "what it cannot store, such as RDF 1.2 triple terms or a "
                              "literal's base direction (@ar--rtl)") from None
        if new_version not in read_version(self.client, timeout).split("+"):
            # Not applied: the store had left ``version``. (Applied and at once replaced by
            # another writer's version looks the same; with one writing replica, as the docs
            # ask, no other writer follows that closely.)
            self._copy = None
            return None
        delta.apply(store)
        self._copy = (new_version, store)
        timings["commit"] = time.perf_counter() - guarded
        refresh = getattr(self.service, "refresh", None)
        if refresh is not None:
            refresh()  # this process's caches follow at once; other replicas at their next poll
        return Committed(None, tuple(delta.created), outcome.report, timings)

    def _guard(self, store: ox.Store, job: WriteJob, timeout: float) -> Outcome:
        """The guard on the copy, in a thread given ``timeout`` seconds; past it the copy is
        dropped (the thread may still be changing it) and nothing is written."""
        result: dict = {}

        def run() -> None:
            try:
                result["outcome"] = run_guard(store, job)
            except BaseException as error:  # noqa: BLE001 -- handed to the caller
                # Its frames hold the copy's query results, which pyoxigraph lets only this
                # thread drop: the caller gets the error without them.
                for linked in (error, error.__cause__, error.__context__):
                    if linked is not None:
                        linked.__traceback__ = None
                result["error"] = error

        worker = threading.Thread(target=run, name="evawkg-remote-guard", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            self._copy = None
            raise QueryTimeout(f"the write was stopped after {timeout:g} s (applying it, "
                               "inferring, validating); nothing was written. Split it into "
                               "smaller writes, or ask the operator for a longer write_timeout")
        if "error" in result:
            raise result["error"]
        return result["outcome"]


def _commit_text(delta, store: ox.Store, version: str, new_version: str) -> str:
    """The one SPARQL Update that commits ``delta`` if the store is still at ``version``."""
    removed = [*delta.removed, *delta.inferred_removed]
    added = [*delta.added, *delta.inferred_added]
    if len(removed) + len(added) > MAX_CHANGE_QUADS:
        raise PayloadTooLarge(f"the write changes {len(removed) + len(added)} quads (closure "
                              f"included); a remote store takes at most {MAX_CHANGE_QUADS} in "
                              "one write: split it")
    if any(_blank(quad) for quad in removed):
        raise ClientError("the write removes triples with blank nodes, which a remote store "
                          "cannot name in an update; give those nodes IRIs")
    held = {node for quad in store for node in (quad.subject, quad.object)
            if isinstance(node, ox.BlankNode)}
    if any(node in held for quad in added for node in (quad.subject, quad.object)):
        raise ClientError("the write links to a blank node the store holds, which a remote "
                          "store cannot name in an update; give that node an IRI")
    if any(quad.graph_name == ox.DefaultGraph() for quad in (*removed, *added)):
        raise ClientError("a remote store serves named graphs only; write into a named graph")
    marker = f"<{VERSION_GRAPH}> <{VERSION_PREDICATE}>"
    # Several values (two writers raced past the check; read_version joins them with "+"):
    # the condition holds them all and the commit replaces them all by the one new value.
    held_versions = " ".join(f"{marker} {ox.Literal(value)} ." for value in version.split("+")
                             if value)
    where = (f"GRAPH <{VERSION_GRAPH}> {{ {held_versions} }}" if version
             else f"FILTER NOT EXISTS {{ GRAPH <{VERSION_GRAPH}> {{ {marker} ?any }} }}")
    old = f"GRAPH <{VERSION_GRAPH}> {{ {held_versions} }} " if version else ""
    return (f"DELETE {{ {old}{_quads(removed)} }} "
            f'INSERT {{ GRAPH <{VERSION_GRAPH}> {{ {marker} "{new_version}" }} {_quads(added)} }} '
            f"WHERE {{ {where} }}")


def _blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _term(term) -> str:
    """``term`` in SPARQL: pyoxigraph writes a triple term as its bare triple (``<a> <b> <c>``),
    which is no term in an update; SPARQL 1.2 writes it ``<<( s p o )>>``."""
    if isinstance(term, ox.Triple):
        return f"<<( {_term(term.subject)} {_term(term.predicate)} {_term(term.object)} )>>"
    return str(term)


def _quads(quads) -> str:
    by_graph: dict[str, list[str]] = {}
    for quad in quads:
        by_graph.setdefault(str(quad.graph_name), []).append(
            f"{_term(quad.subject)} {quad.predicate} {_term(quad.object)} .")
    return " ".join(f"GRAPH {graph} {{ {' '.join(triples)} }}" for graph, triples in by_graph.items())


__all__ = ["RemoteWriter", "VERSION_GRAPH", "MAX_CHANGE_QUADS", "read_version"]
