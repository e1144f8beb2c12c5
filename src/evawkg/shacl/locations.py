"""Where to look for a result: for a blank-node focus node, the path to it from the nearest IRI
(``id:activity/x → time:hasBeginning → _:b1``), and for an upload in a line-based format
(N-Triples, N-Quads), the line where the offending triple starts.

The offending triple of a result is (focus, predicate, value) when the result names a value and
its path is a predicate (or an inverse one); otherwise the first triple describing the focus
node. Lines are found after validation, in one pass over the uploads that results point into, so
a clean upload costs nothing.
"""

from __future__ import annotations

import pyoxigraph as ox

from .loading import LINE_FORMATS, LoadedData
from .paths import Inverse, Predicate
from .terms import to_rdflib

#: How many hops up from a blank node to look for an IRI.
MAX_HOPS = 8


class Locator:
    """``locator(raw, result)`` -> where to look, for the report builder."""

    def __init__(self, loaded: LoadedData | None, store: ox.Store):
        self.loaded = loaded
        self.store = store
        self._lines: dict = {}
        self._first: dict = {}
        self._mentioned: dict = {}

    def prepare(self, raws) -> None:
        """Find the lines of every result's triple in one pass over the line-based uploads."""
        if self.loaded is None:
            return
        sources = [s for s in self.loaded.sources if s[1].name in LINE_FORMATS]
        if not sources:
            return
        wanted, subjects = set(), set()
        for raw in raws:
            triple = _triple(raw)
            if triple is not None:
                wanted.add(triple)
            subjects.add(raw.focus)
        if not subjects:
            return
        for upload, fmt, renamed in sources:
            if renamed:
                continue  # renamed blank nodes cannot be matched to the file's labels
            text = upload.data.decode("utf-8", errors="replace")
            line_numbers = [n for n, line in enumerate(text.split("\n"), start=1)
                            if line.strip() and not line.lstrip().startswith("#")]
            quads = list(ox.parse(upload.data, fmt.oxigraph, base_iri=upload.base_iri))
            if len(quads) != len(line_numbers):
                continue
            prefix = f"{upload.source}:" if len(sources) > 1 else ""
            for quad, number in zip(quads, line_numbers):
                key = (quad.subject, quad.predicate, quad.object)
                if key in wanted and key not in self._lines:
                    self._lines[key] = f"{prefix}{number}"
                if quad.subject in subjects and quad.subject not in self._first:
                    self._first[quad.subject] = f"{prefix}{number}"
                if quad.object in subjects and quad.object not in self._mentioned:
                    self._mentioned[quad.object] = f"{prefix}{number}"

    def __call__(self, raw, result) -> str | None:
        parts = []
        triple = _triple(raw)
        line = self._lines.get(triple) if triple is not None else None
        line = line or self._first.get(raw.focus) or self._mentioned.get(raw.focus)
        if line:
            parts.append(f"line {line}")
        if isinstance(raw.focus, ox.BlankNode):
            trail = path_from_iri(self.store, raw.focus)
            if trail:
                parts.append(trail)
        return "; ".join(parts) or None


def _triple(raw):
    """The (subject, predicate, object) a result is about, as written, if there is one."""
    if raw.value is None:
        return None
    if raw.path_given:
        if isinstance(raw.path, ox.NamedNode):
            return (raw.focus, raw.path, raw.value)
        return None
    path = getattr(raw.shape, "path", None)
    if isinstance(path, Predicate):
        return (raw.focus, path.iri, raw.value)
    if isinstance(path, Inverse) and isinstance(path.path, Predicate):
        return (raw.value, path.path.iri, raw.focus)
    return None


def path_from_iri(store: ox.Store, node: ox.BlankNode) -> str | None:
    """``iri → p1 → p2 → _:node``: the shortest chain of triples from an IRI down to ``node``."""
    from .report import short_term

    frontier = [(node, [])]
    seen = {node}
    for _ in range(MAX_HOPS):
        following = []
        for current, predicates in frontier:
            for quad in store.quads_for_pattern(None, None, current, None):
                subject, chain = quad.subject, [quad.predicate, *predicates]
                if isinstance(subject, ox.NamedNode):
                    steps = [short_term(to_rdflib(subject)), *(short_term(to_rdflib(p)) for p in chain)]
                    return " → ".join([*steps, short_term(to_rdflib(node))])
                if subject not in seen:
                    seen.add(subject)
                    following.append((subject, chain))
        frontier = following
        if not frontier:
            break
    return None


__all__ = ["Locator", "path_from_iri", "MAX_HOPS"]
