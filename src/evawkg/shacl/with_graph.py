"""Validating a new file as if it were added to the served graph (``evawkg validate FILE
--with-graph``, ``/validate`` with ``with_graph``), reporting only what the file itself describes.

A curator's new record refers to resources the graph already has (UN Women as publisher, the
UN M49 regions, concepts of the vocabularies, the Inventory); validated alone, every such
reference would break ``sh:class``. Validated together with the graph it resolves, but then the
graph's own warnings (unverified Wikidata matches, countries without every UN-language label)
would drown the file's. So the file is added to the graph's asserted data and only the nodes the
file describes (the subjects of its triples) are validated, by focus: results whose focus node
the file describes, at a cost that grows with the file, not the graph. ``conforms`` is computed
from them. SHACL: https://www.w3.org/TR/shacl/.

The store engine does this in :func:`evawkg.shacl.store_validation.validate_with_graph`; pySHACL
(``engine="pyshacl"``) validates the whole combined graph and keeps the file's results.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph, URIRef

from ..graph.bundle import Bundle, default_bundle
from .report import Report
from .report_subset import only_about


def validate_with_graph(uploads: Iterable, bundle: Bundle | None = None, shapes=None, *,
                        inference: str = "none", shape_iris: Iterable[str | URIRef] | None = None,
                        engine: str = "store", base=None) -> Report:
    """Validate untrusted RDF (read as :mod:`evawkg.graph.uploads` reads it) together with the
    asserted data of ``base`` (a store of the caller's, changed; default: the bundle), keeping
    the results about the nodes the uploads describe."""
    bundle = bundle or default_bundle()
    if engine == "store":
        from .store_validation import validate_with_graph as on_store

        return on_store(uploads, base, shapes, bundle=bundle, inference=inference,
                        shape_iris=shape_iris)
    from ..graph.store import load_bundle, to_rdflib
    from ..graph.store import read_upload
    from .validation import validate

    added = Graph()
    for upload in uploads:
        added.addN((s, p, o, added) for s, p, o in read_upload(upload))
    described = set(added.subjects())
    store = base if base is not None else load_bundle(bundle, infer=False)
    from ..graph.inference import INFERRED_GRAPH

    combined = to_rdflib(store, [g for g in store.named_graphs() if g != INFERRED_GRAPH])
    combined.addN((s, p, o, combined) for s, p, o in added)
    report = validate(combined, shapes, inference=inference, shape_iris=shape_iris,
                      allow_warnings=shapes is None, bundle=bundle)
    return only_about(report, described, allow_warnings=shapes is None)


__all__ = ["validate_with_graph", "only_about"]
