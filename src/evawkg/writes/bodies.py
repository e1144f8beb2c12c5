"""RDF a client sends to be written (a Graph Store Protocol body), read as quads of one graph.

Untrusted bytes pass the same checks as uploads to the validator
(:func:`evawkg.graph.uploads.checked_data`: UTF-8, no external XML entity, no remote JSON-LD
context) before pyoxigraph parses them; a syntax error names line and column (400), an unknown
media type is 415. Blank nodes get fresh names: a document's ``_:b0`` is never a node the store
already holds (RDF 1.1 Semantics, blank nodes are local to their document).
"""

from __future__ import annotations

import pyoxigraph as ox

from ..errors import ClientError, UnsupportedMediaType
from ..graph.formats import format_for_media_type
from ..graph.public_base import PublicBase
from ..graph.store import load_data
from ..graph.uploads import Upload, checked_data
from ..sparql.rules import MAX_NESTING
from .delta import GraphName, graph_name, graph_term

SOURCE = "the request body"


def read_graph(data: bytes, media_type: str | None, graph: GraphName,
               base_iri: str | None, iris: PublicBase | None = None, *,
               prefix_header: str = "", source: str = SOURCE) -> tuple[ox.Quad, ...]:
    """The triples of ``data`` as quads of ``graph`` (an empty body: no triple). With ``iris``,
    IRIs under the public base are read as the canonical IRIs they publish (``graph`` is
    canonical already). ``prefix_header``: Turtle declarations read before ``data`` (``evawkg
    load`` of a data file: data/prefixes.ttl's); errors still name ``data``'s own columns."""
    if not data.strip():
        return ()
    if not media_type:
        raise UnsupportedMediaType("the body has no Content-Type; send text/turtle or another "
                                   "RDF media type")
    fmt = format_for_media_type(media_type)
    upload = Upload(data, fmt.name, source, base_iri, iris=iris, prefix_header=prefix_header)
    checked = checked_data(upload)
    scratch = ox.Store()
    load_data(scratch, checked, fmt, source=source, graph=graph, base_iri=base_iri,
              first_line_offset=len(upload.prefix_header) if fmt.name == "turtle" else 0)
    check_term_depth(scratch, source)
    quads = upload.stored(list(scratch))
    target = graph_term(graph)
    others = {graph_name(q.graph_name) for q in quads if q.graph_name != target}
    if others:
        raise ClientError(f"the body holds named graphs ({', '.join(sorted(map(str, others)))}); "
                          "the Graph Store Protocol writes one graph: send its triples only")
    return fresh_blank_nodes(quads)


def check_term_depth(quads, source: str = SOURCE) -> None:
    """400 for triple terms nested deeper than :data:`MAX_NESTING` (an update's own bound):
    a write's quads are pickled to the writers' process, one recursion per level, and 500
    levels was a RecursionError (500). A triple term is an object only, so its nesting is a
    chain of objects, walked without recursion."""
    for quad in quads:
        depth, term = 0, quad.object
        while isinstance(term, ox.Triple):
            depth, term = depth + 1, term.object
        if depth > MAX_NESTING:
            raise ClientError(f"{source} nests triple terms {depth} deep, more than the "
                              f"{MAX_NESTING} a write accepts; flatten it (name the inner "
                              "statements with reifiers)")


def fresh_blank_nodes(quads) -> tuple[ox.Quad, ...]:
    fresh: dict[str, ox.BlankNode] = {}

    def rename(term):
        if isinstance(term, ox.BlankNode):
            return fresh.setdefault(term.value, ox.BlankNode())
        return term

    return tuple(ox.Quad(rename(q.subject), q.predicate, rename(q.object), q.graph_name)
                 for q in quads)


__all__ = ["read_graph", "fresh_blank_nodes", "check_term_depth"]
