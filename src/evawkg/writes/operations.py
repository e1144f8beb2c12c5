"""The operations a write is made of, and what each does to a working view.

SPARQL 1.1 Update's operations (https://www.w3.org/TR/sparql11-update/#graphUpdate,
#graphManagement) and the Graph Store Protocol's (https://www.w3.org/TR/sparql11-http-rdf-update/)
are all expressed here, as plain picklable values built in the web process (or by
:func:`evawkg.writes.update.compile_update` in a query process) and applied in the process that
holds the working copy of the store. Applying one records its net effect in the
:class:`~evawkg.writes.delta.WorkingView`; the operations of a request are applied in order, each
seeing the effect of those before it, and commit or fail together.

``WHERE`` groups are evaluated by pyoxigraph with the same dataset rules as queries: the default
graph is the union of all graphs when the server says so (``default_graph_as_union``), unless
``USING`` / ``USING NAMED`` (or the protocol's ``using-graph-uri`` / ``using-named-graph-uri``)
or ``WITH`` name it. Templates without ``GRAPH`` write the ``WITH`` graph, else the store's own
default graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import pyoxigraph as ox

from ..errors import ClientError, GraphNotFound, PreconditionFailed, UnsupportedFunction
from ..namespaces import PREFIXES
from .delta import GraphName, WorkingView, graph_term


@dataclass(frozen=True)
class Context:
    """What every operation of one write shares."""

    union: bool = True  # the WHERE's default graph is the union of all graphs
    base_iri: str | None = None


class Template(NamedTuple):
    """One quad of a template: terms or ``ox.Variable`` s; ``graph`` None: the target graph."""

    subject: Any
    predicate: Any
    object: Any
    graph: Any


class Operation:
    """Base of every operation: ``apply(view, context)`` changes the view or raises."""

    def apply(self, view: WorkingView, context: Context) -> None:
        raise NotImplementedError


def _missing(name: GraphName) -> GraphNotFound:
    return GraphNotFound(f"the graph <{name}> does not exist; name an existing graph (GET "
                         "/graph-store lists none: see /void for the graphs) or use SILENT")


@dataclass(frozen=True)
class InsertQuads(Operation):
    """``INSERT DATA``; the Graph Store Protocol's POST (``create``: graphs that exist after it
    even when the body is empty)."""

    quads: tuple[ox.Quad, ...]
    create: tuple[str, ...] = ()

    def apply(self, view: WorkingView, context: Context) -> None:
        for name in self.create:
            view.create(name)
        view.add(self.quads)


@dataclass(frozen=True)
class DeleteQuads(Operation):
    """``DELETE DATA``: quads not in the store are ignored, as the Recommendation says."""

    quads: tuple[ox.Quad, ...]

    def apply(self, view: WorkingView, context: Context) -> None:
        view.remove(self.quads)


@dataclass(frozen=True)
class Modify(Operation):
    """``DELETE {…} INSERT {…} WHERE {…}`` (and ``DELETE WHERE``, ``INSERT … WHERE``): every
    solution of the WHERE group, taken before any change, instantiates the templates; all
    deletions are made, then all insertions (blank nodes fresh per solution)."""

    prologue: str
    where: str
    delete: tuple[Template, ...]
    insert: tuple[Template, ...]
    with_graph: str | None = None
    using: tuple[str, ...] | None = None
    using_named: tuple[str, ...] | None = None

    def apply(self, view: WorkingView, context: Context) -> None:
        if self.using is not None or self.using_named is not None:
            dataset: dict = {"default_graph": [ox.NamedNode(g) for g in self.using or ()],
                             "named_graphs": [ox.NamedNode(g) for g in self.using_named or ()]}
        elif self.with_graph is not None:
            dataset = {"default_graph": [ox.NamedNode(self.with_graph)]}
        else:
            dataset = {"use_default_graph_as_union": context.union}
        try:
            solutions = view.store.query(f"{self.prologue}\nSELECT * WHERE {self.where}",
                                         base_iri=context.base_iri, prefixes=PREFIXES, **dataset)
            names = [variable.value for variable in solutions.variables]
            rows = [{name: row[name] for name in names} for row in solutions]
        except RuntimeError as error:
            # The one engine failure that is the client's: a call of a function it lacks (a
            # 400 naming it, as /sparql answers), not a server fault (500).
            unsupported = UnsupportedFunction.named_in(str(error))
            if unsupported:
                raise UnsupportedFunction(unsupported) from None
            raise
        target = graph_term(self.with_graph)
        deletions = [quad for row in rows for quad in _fill(self.delete, row, target, {})]
        insertions = [quad for row in rows for quad in _fill(self.insert, row, target, {})]
        view.remove(deletions)
        view.add(insertions)


def _fill(template: tuple[Template, ...], row: dict, target, blank_nodes: dict):
    """The quads a template gives for one solution; a quad with an unbound variable or a term
    out of place (a literal subject, a blank graph name) is left out (SPARQL 1.1 Update 3.1.3)."""
    for pattern in template:
        terms = []
        for term in pattern:
            if isinstance(term, ox.Variable):
                term = row.get(term.value)
            elif isinstance(term, ox.BlankNode):
                term = blank_nodes.setdefault(term.value, ox.BlankNode())
            terms.append(term)
        subject, predicate, object_, graph = terms
        if pattern.graph is None:
            graph = target
        if (subject is None or predicate is None or object_ is None or graph is None
                or isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode)
                or not isinstance(graph, (ox.NamedNode, ox.DefaultGraph))):
            continue
        yield ox.Quad(subject, predicate, object_, graph)


@dataclass(frozen=True)
class Load(Operation):
    """``LOAD <document> [INTO GRAPH <g>]``: ``data`` is the document, fetched by the web process
    (``failure`` says why it could not be, for a non-SILENT load)."""

    iri: str
    into: str | None
    silent: bool
    data: bytes | None = None
    format: str = "turtle"
    failure: str | None = None

    def apply(self, view: WorkingView, context: Context) -> None:
        if self.data is None:
            if self.silent:
                return
            raise ClientError(f"LOAD <{self.iri}> failed: {self.failure or 'nothing was fetched'}")
        from ..graph.formats import format_by_name
        from .bodies import check_term_depth

        fmt = format_by_name(self.format)
        target = graph_term(self.into)
        try:
            quads = list(ox.parse(self.data, fmt.oxigraph, base_iri=self.iri,
                                  rename_blank_nodes=True))
            # The delta goes back pickled, one recursion per level of a triple term: 500
            # levels killed the writers' process (503, "needed more memory").
            check_term_depth(quads, f"LOAD <{self.iri}>: the document")
            view.add(quad if not isinstance(quad.graph_name, ox.DefaultGraph)
                     else ox.Quad(quad.subject, quad.predicate, quad.object, target)
                     for quad in quads)
        except SyntaxError as error:
            if not self.silent:
                raise ClientError(f"LOAD <{self.iri}>: the document does not parse as "
                                  f"{fmt.name}: {error}") from None
        except ClientError:
            if not self.silent:
                raise
        if self.into is not None:
            view.create(self.into)


@dataclass(frozen=True)
class Clear(Operation):
    """``CLEAR``: ``target`` is a graph IRI, or ``DEFAULT``, ``NAMED``, ``ALL``."""

    target: str
    silent: bool = False

    def graphs(self, view: WorkingView) -> list[GraphName]:
        if self.target == "DEFAULT":
            return [None]
        if self.target in ("NAMED", "ALL"):
            return ([None] if self.target == "ALL" else []) + view.named_graphs()
        if not view.exists(self.target):
            if self.silent:
                return []
            raise _missing(self.target)
        return [self.target]

    def apply(self, view: WorkingView, context: Context) -> None:
        for name in self.graphs(view):
            view.clear(name)


@dataclass(frozen=True)
class Drop(Clear):
    """``DROP``: like CLEAR, and the named graphs cease to exist."""

    def apply(self, view: WorkingView, context: Context) -> None:
        for name in self.graphs(view):
            view.drop(name)


@dataclass(frozen=True)
class Create(Operation):
    graph: str
    silent: bool = False

    def apply(self, view: WorkingView, context: Context) -> None:
        if view.exists(self.graph):
            if self.silent:
                return
            raise ClientError(f"CREATE GRAPH <{self.graph}>: the graph exists already; use "
                              "CREATE SILENT GRAPH to accept that")
        view.create(self.graph)


@dataclass(frozen=True)
class Transfer(Operation):
    """``ADD``, ``MOVE`` or ``COPY`` from ``source`` to ``target`` (``None``: the default graph)."""

    kind: str
    source: GraphName
    target: GraphName
    silent: bool = False

    def apply(self, view: WorkingView, context: Context) -> None:
        if self.source == self.target:
            return
        if not view.exists(self.source):
            if self.silent:
                return
            raise _missing(self.source)
        quads = view.quads(self.source)
        if self.kind in ("MOVE", "COPY"):
            view.clear(self.target)
        if self.target is not None:
            view.create(self.target)
        destination = graph_term(self.target)
        view.add(ox.Quad(q.subject, q.predicate, q.object, destination) for q in quads)
        if self.kind == "MOVE":
            view.drop(self.source)


# --- The Graph Store Protocol ---------------------------------------------------------------------

@dataclass(frozen=True)
class ReplaceGraph(Operation):
    """PUT: the graph becomes exactly ``quads`` (created if it did not exist)."""

    graph: GraphName
    quads: tuple[ox.Quad, ...]

    def apply(self, view: WorkingView, context: Context) -> None:
        keep = set(self.quads)
        view.remove(q for q in view.quads(self.graph) if q not in keep)
        if self.graph is not None:
            view.create(self.graph)
        view.add(self.quads)


@dataclass(frozen=True)
class DropGraph(Operation):
    """DELETE: the graph ceases to exist (the default graph is emptied); 404 if it does not."""

    graph: GraphName

    def apply(self, view: WorkingView, context: Context) -> None:
        if not view.exists(self.graph):
            raise _missing(self.graph)
        view.drop(self.graph)


@dataclass(frozen=True)
class RequireGraph(Operation):
    """``If-Match: *`` (the graph must exist) or ``If-None-Match: *`` (it must not), checked
    under the write lock like everything a write decides."""

    graph: GraphName
    exists: bool

    def apply(self, view: WorkingView, context: Context) -> None:
        if view.exists(self.graph) != self.exists:
            header = "If-Match: *" if self.exists else "If-None-Match: *"
            state = "does not exist" if self.exists else "exists"
            raise PreconditionFailed(f"{header} does not hold: the graph {state}")


__all__ = ["Operation", "Context", "Template", "InsertQuads", "DeleteQuads", "Modify", "Load",
           "Clear", "Drop", "Create", "Transfer", "ReplaceGraph", "DropGraph", "RequireGraph"]
