"""The write path: who writes, one write at a time, through the guard, into the journal.

:meth:`Writer.commit` is the transaction every write (SPARQL Update, Graph Store Protocol,
``evawkg load``) goes through::

    take the store's write lock (one writer across all processes; 503 after write_lock_wait)
      recover the journal's tail (a torn record of a crashed writer is cut)
      check If-Match / If-None-Match against the graphs' versions
      run the guard in a query process (apply, closure, SHACL, undo; write_timeout)
      violation-level results: 422 with the report, nothing written
      append the commit to the journal and fsync it; publish the head
    release the lock; acknowledge (200/201/204 with any warnings)

The store as readers see it changes at the publication and nowhere else: a refused, failed,
timed-out or killed write leaves it byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace

from ..errors import (ClientError, GraphForbidden, PreconditionFailed, QueryTimeout,
                      ShapesViolated, Unauthorized)
from ..graph.bundle import Bundle
from ..graph.formats import format_for_media_type, format_for_path
from ..shacl.report import Report
from .guard import Outcome, WriteJob, run_guard
from .journal import Head, Journal, Record
from .operations import Context, Load, Modify, Operation
from .tokens import TokenTable, WriteToken, refusal
from .update import compile_update


@dataclass(frozen=True)
class Committed:
    """What a write did: its commit (``None`` when it changed nothing), the graphs it created,
    and the validation report (warnings only: a violation is never committed)."""

    record: Record | None
    created: tuple[str | None, ...] = ()
    report: Report | None = None
    timings: dict = field(default_factory=dict)  # seconds per step of the transaction

    @property
    def seq(self) -> int | None:
        return self.record.seq if self.record else None

    @property
    def warnings(self) -> bool:
        return bool(self.report is not None and self.report.results)


@dataclass(frozen=True)
class Preconditions:
    """HTTP conditions on one graph (RFC 9110 section 13.1): the ``If-Match`` and
    ``If-None-Match`` entity tags, ``"*"`` included."""

    graph: str | None
    if_match: tuple[str, ...] = ()
    if_none_match: tuple[str, ...] = ()


@dataclass
class CommitIndex:
    """The journal's metadata, read once and followed: the change feed and graph versions."""

    journal: Journal
    records: list[Record] = field(default_factory=list)  # oldest first, without their deltas
    versions: dict = field(default_factory=dict)  # graph (None: default) -> last commit
    position: Head = field(default_factory=Head)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def follow(self, head: Head | None = None) -> Head:
        """Read the commits published since the last call."""
        head = head or self.journal.head()
        with self._lock:
            if head.offset > self.position.offset:
                for record in self.journal.records(self.position.offset, head.offset,
                                                   with_delta=False):
                    self.records.append(record)
                    for graph in record.meta.get("graphs", []):
                        self.versions[graph] = record.seq
                self.position = head
            return self.position

    def graph_version(self, graph: str | None) -> int:
        return self.versions.get(graph, 0)

    def newest(self, since: int = 0, limit: int = 100) -> list[Record]:
        """Commits after ``since``, newest first, at most ``limit``."""
        self.follow()
        found = [record for record in reversed(self.records) if record.seq > since]
        return found[:limit]

    def get(self, seq: int) -> Record | None:
        """Commit ``seq`` with its delta, or ``None``."""
        self.follow()
        if not 1 <= seq <= len(self.records):
            return None
        found = self.records[seq - 1]
        return next(self.journal.records(found.offset, found.end), None)


class Writer:
    """Writes to the store of ``service`` (a :class:`~evawkg.writes.readers.WritableSparqlService`)."""

    def __init__(self, settings, service):
        self.settings = settings
        self.service = service
        self.tokens = TokenTable(settings.write_tokens)
        self.journal: Journal = service.journal
        self.index = CommitIndex(self.journal)

    # --- Who ------------------------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> WriteToken:
        """The token an ``Authorization: Bearer`` header presents; 401 without a valid one."""
        scheme, _, secret = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("writing needs a token: send Authorization: Bearer <secret> "
                               "(`evawkg token add NAME` makes one)")
        token = self.tokens.authenticate(secret.strip())
        if token is None:
            raise Unauthorized("the bearer token is not valid here; ask the operator for one",
                               challenge='Bearer realm="evawkg", error="invalid_token"')
        return token

    def require(self, token: WriteToken, graph: str | None) -> None:
        """403 at once when ``token`` may not write ``graph`` (the guard checks every graph a
        write touches; this answers a Graph Store request before its body is read)."""
        reason = refusal(token, graph)
        if reason is not None:
            raise GraphForbidden(reason)

    # --- What -----------------------------------------------------------------------------------

    def compile(self, text: str, using: tuple[str, ...] | None = None,
                using_named: tuple[str, ...] | None = None) -> tuple[Operation, ...]:
        """The operations of a SPARQL Update, with the protocol's ``using-graph-uri`` /
        ``using-named-graph-uri``."""
        settings = self.settings
        operations = compile_update(text, settings.base_iri, tuple(settings.allow_service),
                                    tuple(settings.allow_load))
        if using is not None or using_named is not None:
            if any(isinstance(op, Modify) and (op.using is not None or op.using_named is not None
                                               or op.with_graph is not None)
                   for op in operations):
                raise ClientError("the update names its dataset (USING, USING NAMED or WITH) and "
                                  "the request does too (using-graph-uri, using-named-graph-uri);"
                                  " name it in one place only (SPARQL 1.1 Protocol 2.2.3)")
            operations = tuple(replace(op, using=using or (), using_named=using_named or ())
                               if isinstance(op, Modify) else op for op in operations)
        return tuple(self._fetch(op) if isinstance(op, Load) else op for op in operations)

    def _fetch(self, load: Load) -> Load:
        """The document of an allow-listed LOAD, fetched here (query processes have no network):
        no redirect followed, at most ``max_write_bytes``, within the query time limit."""
        limit = self.settings.max_write_bytes
        request = urllib.request.Request(load.iri, headers={
            "Accept": "text/turtle, application/n-triples, application/n-quads, application/trig, "
                      "application/ld+json;q=0.9, application/rdf+xml;q=0.8"})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=self.settings.query_timeout) as response:
                data = response.read(limit + 1)
                media_type = response.headers.get_content_type()
        except (urllib.error.URLError, OSError, ValueError) as error:
            if isinstance(error, urllib.error.HTTPError):
                error.close()
            return replace(load, failure=f"it could not be fetched ({error})")
        if len(data) > limit:
            return replace(load, failure=f"the document is larger than {limit} bytes")
        try:
            fmt = format_for_media_type(media_type)
        except ClientError:
            try:
                fmt = format_for_path(load.iri.split("?", 1)[0])
            except ClientError:
                return replace(load, failure=f"its type {media_type!r} is no RDF format")
        return replace(load, data=data, format=fmt.name)

    # --- The transaction ------------------------------------------------------------------------

    def graph_version(self, graph: str | None) -> str:
        """The entity tag's version part of ``graph`` (changes with every commit touching it)."""
        self.index.follow()
        return f"{self.service.info.seed}-g{self.index.graph_version(graph)}"

    def commit(self, operations: tuple[Operation, ...], token: WriteToken, *, operation: str,
               request: bytes, preconditions: Preconditions | None = None,
               validate: bool = True) -> Committed:
        """Run ``operations`` as one transaction (see the module notes)."""
        settings = self.settings
        started = _now()
        job = WriteJob(operations, token, Context(settings.default_graph_as_union,
                                                  settings.base_iri),
                       infer=self.service.info.infer, validate=validate)
        clock = time.perf_counter()
        with self.journal.lock(settings.write_lock_wait):
            locked = time.perf_counter()
            head = self.journal.recover()
            if preconditions is not None:
                self.index.follow(head)
                operations_check = self._check(preconditions)
                if operations_check:
                    job = replace(job, operations=(*operations_check, *job.operations))
            try:
                outcome: Outcome = self.service.call_writing(run_guard, job,
                                                             timeout=settings.write_timeout)
            except QueryTimeout:
                raise QueryTimeout(f"the write was stopped after {settings.write_timeout:g} s "
                                   "(applying it, inferring, validating); nothing was written. "
                                   "Split it into smaller writes, or ask the operator for a "
                                   "longer write_timeout") from None
            guarded = time.perf_counter()
            timings = {"lock": locked - clock, **outcome.timings,
                       "guard": guarded - locked}
            if not outcome.conforms:
                raise ShapesViolated(_violations(outcome.report), report=outcome.report)
            if outcome.delta.empty:
                return Committed(None, (), outcome.report, timings)
            delta = outcome.delta
            record = self.journal.append(commit_meta(delta, token, operation, request, started),
                                         delta, head)
            timings["journal"] = time.perf_counter() - guarded
        return Committed(record, tuple(delta.created), outcome.report, timings)

    def _check(self, conditions: Preconditions) -> tuple[Operation, ...]:
        """Compare entity tags now (under the lock); existence conditions become operations."""
        from .operations import RequireGraph

        version = self.graph_version(conditions.graph)
        extra: list[Operation] = []
        if conditions.if_match:
            if "*" in conditions.if_match:
                extra.append(RequireGraph(conditions.graph, True))
            elif not any(tag_version(tag) == version for tag in conditions.if_match):
                raise PreconditionFailed(f"If-Match does not hold: the graph has changed (its "
                                         f"version is now {version}); GET it again, merge, retry")
        if conditions.if_none_match:
            if "*" in conditions.if_none_match:
                extra.append(RequireGraph(conditions.graph, False))
            elif any(tag_version(tag) == version for tag in conditions.if_none_match):
                raise PreconditionFailed("If-None-Match does not hold: the graph is still the "
                                         "version named")
        return tuple(extra)


def commit_meta(delta, token: WriteToken, operation: str, request: bytes, started: str) -> dict:
    """What the journal (and the change feed, and the changes graph) says of a commit."""
    return {"time": _now(), "started": started, "token": token.name, "operation": operation,
            "graphs": delta.graphs(), "added": len(delta.added), "removed": len(delta.removed),
            "inferred_added": len(delta.inferred_added),
            "inferred_removed": len(delta.inferred_removed),
            "created": delta.created, "dropped": delta.dropped,
            "request_sha256": hashlib.sha256(request).hexdigest()}


def commit_in_process(directory, operations: tuple[Operation, ...], token: WriteToken, *,
                      operation: str, request: bytes, validate: bool = True,
                      lock_wait: float = 60, base_iri: str | None = None,
                      union: bool = True, bundle: Bundle | None = None) -> Committed:
    """The same transaction without a server (``evawkg load``): the store loaded here, the guard
    run on it (against ``bundle``'s shapes; default: the default bundle's), the commit journaled
    under the same lock, so a running server picks it up."""
    from .store import open_in_memory, read_info

    started = _now()
    journal = Journal(directory)
    with journal.lock(lock_wait):
        head = journal.recover()
        store, _ = open_in_memory(directory)
        job = WriteJob(operations, token, Context(union, base_iri),
                       infer=read_info(directory).infer, validate=validate, bundle=bundle)
        outcome = run_guard(store, job)
        if not outcome.conforms:
            raise ShapesViolated(_violations(outcome.report), report=outcome.report)
        if outcome.delta.empty:
            return Committed(None, (), outcome.report)
        record = journal.append(commit_meta(outcome.delta, token, operation, request, started),
                                outcome.delta, head)
    return Committed(record, tuple(outcome.delta.created), outcome.report)


def tag_version(tag: str) -> str:
    """The version part of a graph's entity tag ``<version>.<format>``."""
    return tag.rsplit(".", 1)[0]


def _violations(report: Report) -> str:
    count = len(report.violations)
    first = report.violations[0]
    return (f"the write would leave {count} SHACL violation{'s' if count != 1 else ''}, so nothing "
            f"was written; first: {first.message or first.constraint} (focus <{first.focus}>). "
            "The report lists them all")


def _now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


__all__ = ["Writer", "Committed", "Preconditions", "CommitIndex", "tag_version", "commit_meta",
           "commit_in_process"]
