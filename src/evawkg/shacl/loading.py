"""Reading uploads into a pyoxigraph store for the store engine, keeping what the store alone
would lose: literals as written, and where in a line-based file each triple is.

Uploads are untrusted: each passes the checks of :mod:`evawkg.graph.uploads` (UTF-8, no external
XML entity, bounded JSON-LD, only the project's own ``@context``) and is parsed by pyoxigraph,
which fetches nothing. The store then keeps *values* for the XSD datatypes it knows
(``"01"^^xsd:integer`` becomes ``"1"``, ``"300"^^xsd:byte`` becomes ``"300"^^xsd:integer``); the
parsed literals of such triples are kept aside as :class:`~evawkg.shacl.data_graph.Originals`, so
``sh:datatype`` sees an ill-typed literal and the report shows it as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import GRAPH
from .data_graph import Originals
from .terms import XSD_NS, XSD_STRING
from ..graph.uploads import Upload, checked

#: Formats with one triple (or quad) per line: results can name the line.
LINE_FORMATS = ("ntriples", "nquads")


@dataclass
class LoadedData:
    """Uploads in a store: the store, literals as written, the nodes the uploads describe (the
    subjects of their triples), and the uploads themselves for finding lines."""

    store: ox.Store
    originals: Originals = field(default_factory=Originals)
    described: set = field(default_factory=set)
    sources: list[tuple[Upload, object, bool]] = field(default_factory=list)  # (upload, format, renamed)


def load_uploads(uploads: Iterable[Upload], store: ox.Store | None = None, *,
                 graph: str = str(GRAPH["upload"])) -> LoadedData:
    """Parse ``uploads`` into ``store`` (a new store if ``None``); triples of triple formats,
    and the default-graph triples of quad formats, go into ``graph``."""
    uploads = list(uploads)
    loaded = LoadedData(store if store is not None else ox.Store())
    target = ox.NamedNode(graph)
    # A single upload keeps its blank-node labels, so results can name _:b1 as the file does;
    # several are renamed apart.
    rename = len(uploads) > 1
    for upload in uploads:
        fmt, data = checked(upload)
        quads = _parse(upload, fmt, data, rename, target)
        _keep_originals(loaded.store, quads, loaded.originals)
        loaded.store.extend(quads)
        loaded.described.update(q.subject for q in quads)
        loaded.sources.append((upload, fmt, rename))
    return loaded


def load_shapes_upload(upload: Upload):
    """Shapes someone sent, read as untrusted as any upload, literals as written."""
    from .shapes_graph import ShapesGraph

    fmt, data = checked(upload)
    parser_prefixes: dict[str, str] = {}
    quads = _parse(upload, fmt, data, True, ox.NamedNode("urn:x-evawkg:shapes"), parser_prefixes)
    return ShapesGraph.from_quads(quads, parser_prefixes)


def _parse(upload: Upload, fmt, data, rename: bool, target: ox.NamedNode,
           prefixes: dict | None = None) -> list[ox.Quad]:
    try:
        parser = ox.parse(data, fmt.oxigraph, base_iri=upload.base_iri, rename_blank_nodes=rename)
        quads = list(parser)
        if prefixes is not None:
            prefixes.update(getattr(parser, "prefixes", {}) or {})
    except (SyntaxError, MemoryError):
        # The store's loader words the error (file:line:column; a term past the parser's buffer)
        # as every other load does.
        from ..graph.store import load_data

        load_data(ox.Store(), data, fmt, source=upload.source, graph=None, base_iri=upload.base_iri,
                  first_line_offset=len(upload.prefix_header))
        raise
    return [q if not isinstance(q.graph_name, ox.DefaultGraph)
            else ox.Quad(q.subject, q.predicate, q.object, target) for q in upload.stored(quads)]


def _keep_originals(store: ox.Store, quads: list[ox.Quad], originals: Originals) -> None:
    """Record the literals the store will hold in another form than written."""
    candidates = [q for q in quads if isinstance(q.object, ox.Literal) and not q.object.language
                  and q.object.datatype != XSD_STRING and q.object.datatype.value.startswith(XSD_NS)]
    if not candidates:
        return
    scratch = ox.Store()
    predicate = ox.NamedNode("urn:x-evawkg:literal")
    scratch.extend(ox.Quad(ox.NamedNode(f"urn:x-evawkg:{index}"), predicate, q.object)
                   for index, q in enumerate(candidates))
    stored = {int(q.subject.value.rsplit(":", 1)[1]): q.object for q in scratch}
    written: dict[tuple, list] = {}
    changed = set()
    for index, quad in enumerate(candidates):
        form = stored[index]
        key = (quad.subject, quad.predicate, form)
        written.setdefault(key, []).append(quad.object)
        if form != quad.object:
            changed.add(key)
    for key in changed:
        forms = list(dict.fromkeys(written[key]))
        subject, predicate_, form = key
        if form not in forms and any(True for _ in store.quads_for_pattern(subject, predicate_, form)):
            forms.append(form)  # the store already held it as written elsewhere
        originals.add(subject, predicate_, form, tuple(forms))


__all__ = ["LoadedData", "load_uploads", "load_shapes_upload", "LINE_FORMATS"]
