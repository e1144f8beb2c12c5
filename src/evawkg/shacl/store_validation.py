"""What the command line and the HTTP service validate with the store engine: uploads, the served
graph, and uploads as if added to the served graph ("against the served graph").

As with pySHACL (:mod:`evawkg.shacl.validation`), the bundled ontology is part of the data so that
``sh:targetClass`` and ``sh:class`` see the class hierarchy, ``owl:imports`` is never followed,
and ``inference`` (other than ``none``) first adds the OWL 2 RL closure
(:func:`evawkg.graph.inference.infer`) to the data.

Conformance: with the bundled shapes a graph conforms when it has no ``sh:Violation`` (their
warnings are recommendations); with shapes someone brings (``--shapes``), SHACL's own rule holds,
any result means it does not conform.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from ..errors import ClientError
from ..graph.bundle import Bundle, default_bundle
from .engine import bundled_model, compile_shapes, validate
from .loading import load_uploads
from .locations import Locator
from .report import Report
from .report_subset import only_about
from .terms import from_rdflib, to_rdflib
from .validation import INFERENCE_OPTIONS, resolve_shape_iri


def _shapes(shapes, bundle: Bundle | None):
    """The compiled shapes and whether warnings let a graph conform."""
    if shapes is None:
        return bundled_model(bundle), True
    return compile_shapes(shapes), False


def _shape_nodes(model, shape_iris):
    if shape_iris is None:
        return None
    selected = [from_rdflib(resolve_shape_iri(name)) for name in shape_iris]
    known = {s.node for s in model.targeted if not s.is_property}
    unknown = [node.value for node in selected if node not in known]
    if unknown:
        from .report import short_term

        names = sorted(short_term(to_rdflib(n)) for n in known)[:8]
        raise ClientError(f"unknown shape(s) {', '.join(unknown)}; use node shapes such as "
                          + ", ".join(names))
    return selected


def _check_inference(inference: str) -> None:
    if inference not in INFERENCE_OPTIONS:
        raise ClientError(f"unknown inference option {inference!r}; use one of: "
                          + ", ".join(INFERENCE_OPTIONS))


def _add_ontology(store: ox.Store, bundle: Bundle) -> None:
    """Put the bundle's ontology in ``store`` unless its graphs are there already."""
    from ..graph.formats import format_for_path
    from ..graph.store import load_path

    present = set(store.named_graphs())
    for source in bundle.ontology_sources():
        if ox.NamedNode(source.graph) not in present:
            load_path(store, source.path, format_for_path(source.path), graph=source.graph)


def _infer(store: ox.Store, inference: str) -> None:
    if inference != "none":
        from ..graph.inference import infer

        infer(store)


def validate_uploads(uploads: Iterable, shapes=None, *, inference: str = "none",
                     shape_iris: Iterable | None = None, bundle: Bundle | None = None) -> Report:
    """Validate untrusted RDF (read as :mod:`evawkg.shacl.loading` reads it) with the ontology."""
    _check_inference(inference)
    bundle = bundle or default_bundle()
    model, allow_warnings = _shapes(shapes, bundle)
    selected = _shape_nodes(model, shape_iris)
    loaded = load_uploads(uploads)
    _add_ontology(loaded.store, bundle)
    _infer(loaded.store, inference)
    return validate(loaded.store, model, originals=loaded.originals, shape_iris=selected,
                    allow_warnings=allow_warnings, locate=Locator(loaded, loaded.store))


def validate_with_graph(uploads: Iterable, base: ox.Store | None = None, shapes=None, *,
                        bundle: Bundle | None = None, inference: str = "none",
                        shape_iris: Iterable | None = None) -> Report:
    """Validate uploads as if added to ``base`` (the served graph; default: the bundle's asserted
    data and ontology), reporting only results whose focus node the uploads describe.

    ``base`` is changed (the uploads are added): pass a store of your own. Its inferred graph, if
    any, is left out, as pySHACL's ``--with-graph`` saw only asserted triples."""
    from ..graph.store import load_bundle

    _check_inference(inference)
    bundle = bundle or default_bundle()
    model, allow_warnings = _shapes(shapes, bundle)
    selected = _shape_nodes(model, shape_iris)
    store = base if base is not None else load_bundle(bundle, infer=False)
    _add_ontology(store, bundle)
    loaded = load_uploads(uploads, store)
    exclude = [_inferred_graph()]
    if inference != "none":
        _infer(store, inference)
        exclude = []
    report = validate(store, model, exclude_graphs=exclude, focus=loaded.described,
                      originals=loaded.originals, shape_iris=selected,
                      allow_warnings=allow_warnings, locate=Locator(loaded, store))
    return only_about(report, {to_rdflib(node) for node in loaded.described},
                      allow_warnings=allow_warnings)


def _inferred_graph() -> ox.NamedNode:
    from ..graph.inference import INFERRED_GRAPH

    return INFERRED_GRAPH


def validate_dataset(store: ox.Store, shapes=None, *, inference: str = "none",
                     shape_iris: Iterable | None = None, bundle: Bundle | None = None,
                     exclude_graphs: Iterable = ()) -> Report:
    """Validate a whole store (the served graph, the bundle), every graph of it but
    ``exclude_graphs`` (``evawkg check`` leaves out the inferred graph: it validates the data as
    asserted), with the ontology added if the store lacks it; ``store`` may be changed (pass one
    of your own)."""
    _check_inference(inference)
    bundle = bundle or default_bundle()
    model, allow_warnings = _shapes(shapes, bundle)
    selected = _shape_nodes(model, shape_iris)
    _add_ontology(store, bundle)
    _infer(store, inference)
    return validate(store, model, shape_iris=selected, allow_warnings=allow_warnings,
                    exclude_graphs=exclude_graphs, locate=Locator(None, store))


def ontology_present(graphs: Iterable[str], bundle: Bundle | None = None) -> bool:
    """Whether ``graphs`` hold the bundle's ontology graphs (the class hierarchy the shapes'
    targets and ``sh:class`` read), so a store can be validated as it is."""
    return {source.graph for source in (bundle or default_bundle()).ontology_sources()} <= set(graphs)


def validate_in_place(store, *, shape_iris: Iterable | None = None,
                      bundle: Bundle | None = None) -> Report:
    """Validate ``store`` as it is, against the bundled shapes, reading and querying nothing
    but it: no ontology added, no inference (``store`` may be a remote store read through
    :class:`evawkg.sparql.remote_store.RemoteStore`, which cannot be changed; the caller checks
    :func:`ontology_present`)."""
    model, allow_warnings = _shapes(None, bundle or default_bundle())
    return validate(store, model, shape_iris=_shape_nodes(model, shape_iris),
                    allow_warnings=allow_warnings, locate=Locator(None, store))


__all__ = ["validate_uploads", "validate_with_graph", "validate_dataset", "validate_in_place",
           "ontology_present"]
