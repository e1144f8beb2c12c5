"""SHACL property paths (https://www.w3.org/TR/shacl/#property-paths): read from the shapes
graph, written as SPARQL for queries (``$PATH``), shown as people read them, and followed on the
store.

A path is an IRI (predicate path), an RDF list of two or more paths (sequence), or a blank node
with exactly one of ``sh:alternativePath`` (a list), ``sh:inversePath``, ``sh:zeroOrMorePath``,
``sh:oneOrMorePath`` or ``sh:zeroOrOnePath``. Anything else is a malformed path, reported as an
error naming the shape rather than silently matching nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .shapes_graph import ShapesGraph
from .terms import RDF_FIRST, RDF_NIL, Term, sh, to_rdflib


class PathError(ValueError):
    """A node that is not a well-formed SHACL path."""


@dataclass(frozen=True)
class Predicate:
    iri: ox.NamedNode


@dataclass(frozen=True)
class Inverse:
    path: "Path"


@dataclass(frozen=True)
class Sequence:
    steps: tuple["Path", ...]


@dataclass(frozen=True)
class Alternative:
    options: tuple["Path", ...]


@dataclass(frozen=True)
class Repeat:
    """``sh:zeroOrMorePath`` (``*``), ``sh:oneOrMorePath`` (``+``), ``sh:zeroOrOnePath`` (``?``)."""

    path: "Path"
    operator: str


Path = Predicate | Inverse | Sequence | Alternative | Repeat

_REPEATS = {sh("zeroOrMorePath"): "*", sh("oneOrMorePath"): "+", sh("zeroOrOnePath"): "?"}
_SH_ALTERNATIVE = sh("alternativePath")
_SH_INVERSE = sh("inversePath")


def parse_path(graph: ShapesGraph, node: Term, _depth: int = 0) -> Path:
    """The path ``node`` denotes in ``graph``; raises :class:`PathError` saying what is wrong."""
    if _depth > 50:
        raise PathError("the path nests more than 50 levels deep (a cycle?)")
    if isinstance(node, ox.NamedNode):
        if node == RDF_NIL:
            raise PathError("an empty list is not a path")
        return Predicate(node)
    if isinstance(node, ox.Literal):
        raise PathError(f"the literal {node} is not a path; use an IRI or a path expression")
    if graph.objects(node, RDF_FIRST):
        members = graph.items(node)
        if not members:
            raise PathError("a sequence path must be a well-formed RDF list of paths")
        steps = tuple(parse_path(graph, member, _depth + 1) for member in members)
        return steps[0] if len(steps) == 1 else Sequence(steps)
    kinds = [(p, v) for p, v in graph.predicate_objects(node)
             if p in _REPEATS or p in (_SH_ALTERNATIVE, _SH_INVERSE)]
    if len(kinds) != 1:
        found = ", ".join(sorted({"sh:" + p.value.rsplit("#", 1)[-1] for p, _ in kinds})) or "none"
        raise PathError("a blank-node path needs exactly one of sh:alternativePath, "
                        "sh:inversePath, sh:zeroOrMorePath, sh:oneOrMorePath, sh:zeroOrOnePath "
                        f"(found: {found})")
    predicate, value = kinds[0]
    if predicate == _SH_ALTERNATIVE:
        members = graph.items(value)
        if not members:
            raise PathError("sh:alternativePath needs a non-empty RDF list of paths")
        return Alternative(tuple(parse_path(graph, member, _depth + 1) for member in members))
    inner = parse_path(graph, value, _depth + 1)
    if predicate == _SH_INVERSE:
        return Inverse(inner)
    return Repeat(inner, _REPEATS[predicate])


def to_sparql(path: Path) -> str:
    """``path`` in SPARQL property-path syntax, with full IRIs (what ``$PATH`` is replaced by)."""
    if isinstance(path, Predicate):
        return f"<{path.iri.value}>"
    if isinstance(path, Inverse):
        return f"^({to_sparql(path.path)})"
    if isinstance(path, Sequence):
        return "(" + "/".join(to_sparql(step) for step in path.steps) + ")"
    if isinstance(path, Alternative):
        return "(" + "|".join(to_sparql(option) for option in path.options) + ")"
    return f"({to_sparql(path.path)}){path.operator}"


def path_text(path: Path | None, short=None) -> str:
    """``path`` as :func:`evawkg.shacl.report.path_text` writes it (``time:hasEnd/time:inXSDDate``);
    ``short(iri)`` may name IRIs instead of the project's prefixes."""
    if path is None:
        return "-"
    if isinstance(path, Predicate):
        if short is not None:
            return short(path.iri)
        from .report import short_term

        return short_term(to_rdflib(path.iri))
    if isinstance(path, Sequence):
        return "/".join(path_text(step, short) for step in path.steps)
    if isinstance(path, Alternative):
        return "(" + "|".join(path_text(option, short) for option in path.options) + ")"
    if isinstance(path, Inverse):
        return "^" + path_text(path.path, short)
    return path_text(path.path, short) + path.operator


def predicates(path: Path) -> set[ox.NamedNode]:
    """Every predicate ``path`` follows (to know which triples a change touches)."""
    if isinstance(path, Predicate):
        return {path.iri}
    if isinstance(path, (Inverse, Repeat)):
        return predicates(path.path)
    parts = path.steps if isinstance(path, Sequence) else path.options
    return set().union(*(predicates(part) for part in parts))


def follow(data, path: Path, node: Term) -> list[Term]:
    """The value nodes of ``path`` from ``node`` on ``data`` (an
    :class:`evawkg.shacl.data_graph.DataGraph`), each once."""
    if isinstance(path, Predicate):
        return data.objects(node, path.iri)
    return list(dict.fromkeys(_follow(data, path, node)))


def _follow(data, path: Path, node: Term):
    if isinstance(path, Predicate):
        return data.objects(node, path.iri)
    if isinstance(path, Inverse):
        if isinstance(path.path, Predicate):
            return data.subjects(path.path.iri, node)
        return _inverse(data, path.path, node)
    if isinstance(path, Sequence):
        current = [node]
        for step in path.steps:
            current = list(dict.fromkeys(v for n in current for v in _follow(data, step, n)))
            if not current:
                break
        return current
    if isinstance(path, Alternative):
        return [v for option in path.options for v in _follow(data, option, node)]
    return _repeat(data, path, node, forward=True)


def _inverse(data, path: Path, node: Term):
    """Nodes from which ``path`` reaches ``node``."""
    if isinstance(path, Predicate):
        return data.subjects(path.iri, node)
    if isinstance(path, Inverse):
        return _follow(data, path.path, node)
    if isinstance(path, Sequence):
        current = [node]
        for step in reversed(path.steps):
            current = list(dict.fromkeys(v for n in current for v in _inverse(data, step, n)))
            if not current:
                break
        return current
    if isinstance(path, Alternative):
        return [v for option in path.options for v in _inverse(data, option, node)]
    return _repeat(data, path, node, forward=False)


def _repeat(data, path: Repeat, node: Term, *, forward: bool):
    step = _follow if forward else _inverse
    if path.operator == "?":
        return [node, *step(data, path.path, node)]
    reached: dict[Term, None] = {}
    frontier = [node]
    if path.operator == "*":
        reached[node] = None
    while frontier:
        following = []
        for current in frontier:
            for value in step(data, path.path, current):
                if value not in reached:
                    reached[value] = None
                    following.append(value)
        frontier = following
    return list(reached)


__all__ = ["Path", "Predicate", "Inverse", "Sequence", "Alternative", "Repeat", "PathError",
           "parse_path", "to_sparql", "path_text", "predicates", "follow"]
