"""Checks a shapes graph passes before either engine evaluates it, so that both refuse alike.

Both engines read shapes by following their references (``sh:node``, ``sh:property``,
``sh:qualifiedValueShape``, ``sh:not``, the members of ``sh:and``/``sh:or``/``sh:xone``) and
their RDF lists, recursively. Shapes someone sends may nest hundreds of levels deep or hold a list
whose ``rdf:rest`` loops back: the store engine then ran out of Python stack (a 500), and pySHACL
gave up with "Validation path too deep!" and every shape on the way, or "List contains a
recursive rdf:rest reference" (500s too). So, once per shapes graph and without recursion:

* shapes may nest at most :data:`MAX_SHAPE_DEPTH` levels below a shape (the bundled shapes
  nest 2; pySHACL is told the same limit, as ``max_validation_depth``);
* no list a shape names may loop back through ``rdf:rest``;
* every shape's ``sh:path`` must be a well-formed path
  (:func:`evawkg.shacl.paths.parse_path`, which bounds its nesting).

Each problem raises :class:`ShapesError` (400 ``bad-shapes``) naming the shape and what to fix.
A shape that refers back to itself is left to the engines: the store engine refuses it, pySHACL
follows it through the data (SHACL leaves such shapes undefined:
https://www.w3.org/TR/shacl/#shapes-recursion).
"""

from __future__ import annotations

import pyoxigraph as ox

from ..errors import ClientError
from .paths import PathError, parse_path, path_text
from .shapes_graph import ShapesGraph
from .terms import RDF_REST, RDF_TYPE, RDFS_SUBCLASS_OF, Term, sh

#: Most levels shapes may nest below a shape, through the parameters that name shapes. Real
#: shapes nest a few levels (the bundle's: 2, a node shape's property shape naming another node
#: shape); both engines run far deeper than this within Python's default stack.
MAX_SHAPE_DEPTH = 32

#: How many blank nodes :func:`describe` walks up through to reach a named shape.
_MOST_NAMED_STEPS = 50


class ShapesError(ClientError):
    """A shapes graph the engines cannot evaluate: names the shape and what is wrong with it."""

    code = "bad-shapes"


SH_NODE_SHAPE, SH_PROPERTY_SHAPE, SH_PATH = sh("NodeShape"), sh("PropertyShape"), sh("path")
TARGET_PREDICATES = (sh("targetNode"), sh("targetClass"), sh("targetSubjectsOf"),
                     sh("targetObjectsOf"))
#: Parameters whose value is a shape, and those whose value is a list of shapes.
SINGLE_SHAPE_PARAMETERS = (sh("node"), sh("property"), sh("qualifiedValueShape"), sh("not"))
LIST_SHAPE_PARAMETERS = (sh("and"), sh("or"), sh("xone"))
_NESTING_WORDS = "sh:node, sh:property, sh:qualifiedValueShape, sh:not, sh:and, sh:or or sh:xone"


def declared_shapes(graph: ShapesGraph) -> list[Term]:
    """Every node that is a shape (https://www.w3.org/TR/shacl/#shapes): a SHACL instance of
    ``sh:NodeShape`` or ``sh:PropertyShape``, a subject of a target, or a value of a parameter
    that names shapes; IRIs first, each group sorted."""
    found: dict[Term, None] = {}
    shape_classes = {SH_NODE_SHAPE, SH_PROPERTY_SHAPE}
    frontier = list(shape_classes)
    while frontier:
        following = [c for parent in frontier for c in graph.subjects(RDFS_SUBCLASS_OF, parent)
                     if c not in shape_classes]
        shape_classes.update(following)
        frontier = following
    for cls in shape_classes:
        found.update(dict.fromkeys(graph.subjects(RDF_TYPE, cls)))
    for predicate in TARGET_PREDICATES:
        found.update(dict.fromkeys(graph.subjects(predicate)))
    found.update(dict.fromkeys(_referenced(graph)))
    return sorted((n for n in found if not isinstance(n, ox.Literal)),
                  key=lambda n: (isinstance(n, ox.BlankNode), n.value))


def _referenced(graph: ShapesGraph) -> list[Term]:
    """The shapes some shape names as a parameter's value or list member."""
    found: list[Term] = []
    for subject, predicate, value in graph.triples:
        if predicate in SINGLE_SHAPE_PARAMETERS:
            found.append(value)
        elif predicate in LIST_SHAPE_PARAMETERS:
            found.extend(graph.items(value) or ())
    return found


def nested(graph: ShapesGraph, node: Term) -> list[Term]:
    """The shapes ``node`` names directly (a list that is no list names none: the engines say
    so)."""
    found = []
    for predicate, value in graph.predicate_objects(node):
        if predicate in SINGLE_SHAPE_PARAMETERS:
            found.append(value)
        elif predicate in LIST_SHAPE_PARAMETERS:
            found.extend(graph.items(value) or ())
    return [n for n in found if not isinstance(n, ox.Literal)]


def describe(graph: ShapesGraph, node: Term, *, bare: bool = False) -> str:
    """How an error or report names a shape: its prefixed IRI, or for a blank node the nodes
    above it up to a named one and its path (``shapes:ActivityShape → [sh:path evaw:topic]``;
    with ``bare``, only the blank node's part)."""
    if not isinstance(node, ox.BlankNode):
        return graph.short(node)
    parts, seen = [_bracketed(graph, node)], {node}
    while not bare and len(parts) <= _MOST_NAMED_STEPS:
        parents = [s for s, p, o in graph.triples if o == node and p != SH_PATH]
        if not parents or parents[0] in seen:
            break
        node = parents[0]
        if not isinstance(node, ox.BlankNode):
            parts.append(graph.short(node))
            break
        seen.add(node)
        parts.append(_bracketed(graph, node))
    return " → ".join(reversed(parts))


def _bracketed(graph: ShapesGraph, node: Term) -> str:
    path_node = graph.value(node, SH_PATH)
    if path_node is None:
        return "[ ]"
    try:
        return f"[ sh:path {path_text(parse_path(graph, path_node), graph.short)} ]"
    except PathError:
        return "[ sh:path (malformed) ]"


def error(graph: ShapesGraph, node: Term, problem: str) -> ShapesError:
    return ShapesError(f"shape {describe(graph, node)} {problem}")


def check_shapes_graph(graph: ShapesGraph) -> None:
    """Raise :class:`ShapesError` for the first problem above, walking every shape once."""
    referenced = set(_referenced(graph))
    shapes = declared_shapes(graph)
    # Start from the shapes nothing names, so that an error names the top of a deep nesting.
    roots = [n for n in shapes if n not in referenced] + [n for n in shapes if n in referenced]
    below: dict[Term, int] = {}  # shape -> the most levels shapes nest below it
    for root in roots:
        if root in below:
            continue
        _check_shape(graph, root)
        stack, on_stack = [(root, iter(nested(graph, root)))], {root}
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_stack.discard(node)
                below[node] = max((below[c] + 1 for c in nested(graph, node) if c in below),
                                  default=0)
                continue
            if child in on_stack:
                continue  # a shape that refers back to itself: the engines' concern
            # ``child`` sits len(stack) levels below the root.
            if len(stack) + below.get(child, 0) > MAX_SHAPE_DEPTH:
                raise error(graph, root, f"nests shapes more than {MAX_SHAPE_DEPTH} levels deep "
                            f"(through {_NESTING_WORDS}); real shapes nest a few levels: "
                            "flatten the nesting")
            if child not in below:
                _check_shape(graph, child)
                stack.append((child, iter(nested(graph, child))))
                on_stack.add(child)


def _check_shape(graph: ShapesGraph, node: Term) -> None:
    """The lists ``node`` names end, and its ``sh:path`` is a path."""
    for predicate, value in graph.predicate_objects(node):
        if _loops(graph, value):
            raise error(graph, node, f"has as {graph.short(predicate)} an RDF list whose rdf:rest "
                        "leads back into the list; end the list with rdf:nil")
    for path_node in graph.objects(node, SH_PATH):
        try:
            parse_path(graph, path_node)
        except PathError as problem:
            raise error(graph, node, f"has a malformed sh:path: {problem}") from None


def _loops(graph: ShapesGraph, head: Term) -> bool:
    """Whether following ``rdf:rest`` from ``head`` comes back to a node it passed."""
    seen, node = set(), head
    while True:
        rests = graph.objects(node, RDF_REST)
        if not rests:
            return False
        if node in seen:
            return True
        seen.add(node)
        node = rests[0]


__all__ = ["MAX_SHAPE_DEPTH", "ShapesError", "check_shapes_graph", "declared_shapes", "describe",
           "nested", "SINGLE_SHAPE_PARAMETERS", "LIST_SHAPE_PARAMETERS", "TARGET_PREDICATES"]
