"""What a commit changes: quads removed and added, graphs created and dropped, and the change of
the OWL 2 RL closure that follows; and the working view a write is applied to.

A :class:`Delta` is *net* against the state it was computed on: a removed quad was there, an
added one was not, none is both. Applying it is therefore idempotent, and replaying any suffix of
the journal on a state at or before its start gives the same state (each quad ends as the last
commit naming it left it): recovery may replay a commit twice without harm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..graph.inference import INFERRED_GRAPH

#: A graph name as a delta records it: an IRI, or ``None`` for the default graph.
GraphName = str | None


def graph_term(name: GraphName) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if name is None else ox.NamedNode(name)


def graph_name(term) -> GraphName:
    return None if isinstance(term, ox.DefaultGraph) else term.value


@dataclass
class Delta:
    """A commit's change: asserted quads and graphs, then the closure's quads (graph/inferred)."""

    removed: list[ox.Quad] = field(default_factory=list)
    added: list[ox.Quad] = field(default_factory=list)
    created: list[GraphName] = field(default_factory=list)
    dropped: list[GraphName] = field(default_factory=list)
    inferred_removed: list[ox.Quad] = field(default_factory=list)
    inferred_added: list[ox.Quad] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.removed or self.added or self.created or self.dropped)

    def graphs(self) -> list[GraphName]:
        """The asserted graphs this change touches (the default graph as ``None``), sorted."""
        names = {graph_name(q.graph_name) for q in (*self.removed, *self.added)}
        names.update(self.created)
        names.update(self.dropped)
        return sorted(names, key=lambda name: (name is not None, name or ""))

    def apply(self, store: ox.Store) -> None:
        """Make ``store`` the state after this change (idempotent; see the module notes)."""
        for quad in (*self.removed, *self.inferred_removed):
            store.remove(quad)
        for name in self.dropped:
            if name is not None and store.contains_named_graph(ox.NamedNode(name)):
                store.remove_graph(ox.NamedNode(name))
        for name in self.created:
            if name is not None:
                store.add_graph(ox.NamedNode(name))
        store.extend(self.added)
        store.extend(self.inferred_added)


class WorkingView:
    """A store a write is applied to, recording the net :class:`Delta` of everything done to
    it, and able to undo it all (:meth:`revert`)."""

    def __init__(self, store: ox.Store):
        self.store = store
        self._added: dict[ox.Quad, None] = {}
        self._removed: dict[ox.Quad, None] = {}
        self._created: dict[GraphName, None] = {}
        self._dropped: dict[GraphName, None] = {}

    def add(self, quads: Iterable[ox.Quad]) -> None:
        store = self.store
        for quad in quads:
            if quad in self._removed:
                del self._removed[quad]
                store.add(quad)
            elif quad not in self._added and quad not in store:
                self._added[quad] = None
                store.add(quad)

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        store = self.store
        for quad in list(quads):
            if quad in self._added:
                del self._added[quad]
                store.remove(quad)
            elif quad not in self._removed and quad in store:
                self._removed[quad] = None
                store.remove(quad)

    def exists(self, name: GraphName) -> bool:
        """Whether the graph exists (the default graph always does)."""
        return name is None or self.store.contains_named_graph(ox.NamedNode(name))

    def quads(self, name: GraphName) -> list[ox.Quad]:
        return list(self.store.quads_for_pattern(None, None, None, graph_term(name)))

    def create(self, name: str) -> None:
        if self.exists(name):
            return
        self.store.add_graph(ox.NamedNode(name))
        if name in self._dropped:
            del self._dropped[name]
        else:
            self._created[name] = None

    def clear(self, name: GraphName) -> None:
        self.remove(self.quads(name))

    def drop(self, name: GraphName) -> None:
        """Remove the graph's triples and (a named graph) the graph itself."""
        self.clear(name)
        if name is None or not self.exists(name):
            return
        self.store.remove_graph(ox.NamedNode(name))
        if name in self._created:
            del self._created[name]
        else:
            self._dropped[name] = None

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def revert(self) -> None:
        """Put the store back as it was before anything was done through this view."""
        store = self.store
        for quad in self._added:
            store.remove(quad)
        for name in self._created:
            if name is not None and store.contains_named_graph(ox.NamedNode(name)):
                store.remove_graph(ox.NamedNode(name))
        for name in self._dropped:
            if name is not None:
                store.add_graph(ox.NamedNode(name))
        store.extend(self._removed)

    def delta(self) -> Delta:
        return Delta(removed=list(self._removed), added=list(self._added),
                     created=list(self._created), dropped=list(self._dropped))


def serialize_quads(quads: Iterable[ox.Quad]) -> bytes:
    return ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS) or b""


def parse_quads(data: bytes) -> list[ox.Quad]:
    """N-Quads the journal wrote (blank node labels are kept: they name the store's nodes)."""
    if not data:
        return []
    return list(ox.parse(data, format=ox.RdfFormat.N_QUADS))


__all__ = ["Delta", "WorkingView", "GraphName", "graph_term", "graph_name", "serialize_quads",
           "parse_quads", "INFERRED_GRAPH"]
