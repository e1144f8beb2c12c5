"""SHACL validation of RDF graphs against the project's shapes (the :class:`~.report.Report` it
gives is :mod:`evawkg.shacl.report`; its renderings, :mod:`evawkg.shacl.rendering`).

Implements SHACL (https://www.w3.org/TR/shacl/) through pySHACL on an rdflib in-memory graph,
the fastest way pySHACL runs (docs/benchmarks.md). This is the reference engine, chosen with
``evawkg validate --engine pyshacl`` or ``engine=pyshacl`` over HTTP; the default is the store
engine (:mod:`evawkg.shacl.engine`), which the tests hold to the same results.

Two deliberate departures from a bare ``pyshacl.validate`` call:

* ``owl:imports`` is stripped from every input and never followed, so validating a hostile
  upload cannot make the process fetch anything;
* a graph *conforms* when it has no ``sh:Violation``: warnings and infos are recommendations
  and are reported without failing it (pySHACL's ``allow_warnings``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from ..graph.bundle import Bundle, default_bundle
from ..errors import BundleError, ClientError, EvawError
from ..namespaces import SHAPES
from .report import REPORT_PREFIXES, Report, Result, path_text, short_term
from .shapes_checks import MAX_SHAPE_DEPTH, check_shapes_graph
from .shapes_graph import ShapesGraph

#: pySHACL's pre-validation inference options; ``none`` is the default and the fast one.
INFERENCE_OPTIONS = ("none", "rdfs", "owlrl", "both")

#: How pySHACL's message begins when shapes nest past ``max_validation_depth``.
_TOO_DEEP = "Validation path too deep"


class ValidationError(EvawError):
    """pySHACL could not run the shapes (a broken shapes graph, not bad data)."""

    code = "validation-failed"


class ShapesRejected(ClientError, ValidationError):
    """pySHACL refused shapes the caller sent (a constraint it cannot load, a SHACL-SPARQL query
    SHACL forbids, such as one using SERVICE): the caller's fault, 400 / exit 2."""

    code = "bad-shapes"


# --------------------------------------------------------------------------- loading


def _parse_files(paths: Iterable[Path], what: str) -> Graph:
    graph = Graph()
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except Exception as error:  # rdflib raises many unrelated types for bad syntax
            raise BundleError(f"the bundled {what} file {path} does not parse: {error}") from error
    return graph


def load_shapes(bundle: Bundle | None = None) -> Graph:
    """All shapes of the bundle (``shapes/*.ttl``) in one graph; a fresh graph on each call."""
    bundle = bundle or default_bundle()
    files = bundle.shape_files()
    if not files:
        raise BundleError(f"no shapes found in {bundle.shapes_dir}; the bundle is incomplete")
    return _bind(_parse_files(files, "shapes"))


def load_ontology(bundle: Bundle | None = None) -> Graph:
    """The bundle's ontology (``ontology/*.ttl``): the class hierarchy validation relies on."""
    bundle = bundle or default_bundle()
    return _bind(_parse_files(bundle.ontology_dir.glob("*.ttl"), "ontology"))


_CACHE: dict[tuple, tuple[Graph, Graph]] = {}


def _bundled_inputs(bundle: Bundle) -> tuple[Graph, Graph]:
    """Parsed shapes and ontology, kept while their files are unchanged (the HTTP service
    validates many uploads against them). Callers never see these graphs, so none mutates them."""
    files = [*bundle.shape_files(), *sorted(bundle.ontology_dir.glob("*.ttl"))]
    key = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = (load_shapes(bundle), load_ontology(bundle))
    return _CACHE[key]


def _bind(graph: Graph) -> Graph:
    for prefix, namespace in REPORT_PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def _triples(graph: Graph):
    """Every triple of a graph, or of every graph of a dataset, without ``owl:imports``."""
    if isinstance(graph, Dataset) or getattr(graph, "context_aware", False):
        source = ((s, p, o) for s, p, o, _ in graph.quads((None, None, None, None)))
    else:
        source = graph.triples((None, None, None))
    return ((s, p, o) for s, p, o in source if p != OWL.imports)


def _without_imports(graph: Graph, into: Graph | None = None) -> Graph:
    copy = Graph() if into is None else into
    copy.addN((s, p, o, copy) for s, p, o in _triples(graph))
    return _bind(copy)


@lru_cache(maxsize=512)
def _prepared(text: str, namespaces: tuple[tuple[str, str], ...]):
    return prepareQuery(text, initNs=dict(namespaces))


class _PreparedQueryGraph(Graph):
    """The graph pySHACL validates. pySHACL hands rdflib the text of a SHACL-SPARQL constraint
    for every focus node, and rdflib parses it each time: about 12 ms a parse against 0.25 ms
    to evaluate, so a rule on the 249 countries took 4 s. Each distinct text is parsed once."""

    _namespaces: tuple[tuple[str, str], ...] | None = None

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs):  # noqa: N803
        if isinstance(query_object, str) and processor == "sparql" and initNs is None:
            if self._namespaces is None:
                self._namespaces = tuple(sorted((p, str(n)) for p, n in self.namespaces()))
            query_object = _prepared(query_object, self._namespaces)
        return super().query(query_object, processor, result, initNs, initBindings,
                             use_store_provided, **kwargs)


# --------------------------------------------------------------------------- validating


def node_shapes(shapes: Graph) -> list[URIRef]:
    """The IRIs of the node shapes in a shapes graph, sorted."""
    found = {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    found |= {s for s in shapes.subjects(SH.targetClass, None) if isinstance(s, URIRef)}
    return sorted(found)


def resolve_shape_iri(name: str | URIRef) -> URIRef:
    """A shape named by full IRI, ``shapes:CountryShape`` or plain ``CountryShape``.

    Raises :class:`~evawkg.errors.ClientError` when the name makes no IRI (``<``, a space):
    the store's validation could not even look it up (it failed as a server fault)."""
    text = str(name).strip()
    if text.startswith("shapes:"):
        iri = str(SHAPES) + text.removeprefix("shapes:")
    elif ":" not in text:
        iri = str(SHAPES) + text
    else:
        iri = text
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise ClientError(f"shape {text[:200]!r} is no IRI, so it is not a shape's name; name a "
                          "node shape by its IRI, as CountryShape, shapes:CountryShape or its "
                          "full IRI") from None
    return URIRef(iri)


def validate(data: Graph, shapes: Graph | None = None, ontology: Graph | None = None, *,
             inference: str = "none", shape_iris: Iterable[str | URIRef] | None = None,
             allow_warnings: bool = True, bundle: Bundle | None = None) -> Report:
    """Validate ``data`` against ``shapes`` (default: the shapes of ``bundle``, itself by
    default this installation's), with ``ontology`` (default: the bundle's ontology) mixed in so
    that ``sh:targetClass`` and ``sh:class`` see the class hierarchy. ``inference`` is one of :data:`INFERENCE_OPTIONS`; ``shape_iris``
    restricts validation to some node shapes. No input is modified and nothing is fetched.
    With ``allow_warnings`` (the project's rule for its own shapes) only ``sh:Violation`` results
    make the data not conform; without, any result does (SHACL's rule).

    Raises :class:`~evawkg.errors.ClientError` for an unknown inference option or shape, and
    :class:`ValidationError` if pySHACL cannot run the shapes.
    """
    if inference not in INFERENCE_OPTIONS:
        raise ClientError(f"unknown inference option {inference!r}; use one of: "
                          + ", ".join(INFERENCE_OPTIONS))
    own_shapes = shapes is not None
    if shapes is None or ontology is None:
        bundled_shapes, bundled_ontology = _bundled_inputs(bundle or default_bundle())
        shapes = bundled_shapes if shapes is None else shapes
        ontology = bundled_ontology if ontology is None else ontology

    shapes_graph = _without_imports(shapes)
    if own_shapes:
        # What the store engine's shapes pass too: bounded nesting, lists that end, paths.
        check_shapes_graph(ShapesGraph.from_rdflib(shapes_graph))
    if shape_iris is not None:
        selected = [resolve_shape_iri(name) for name in shape_iris]
        known = set(node_shapes(shapes_graph))
        unknown = [str(iri) for iri in selected if iri not in known]
        if unknown:
            raise ClientError(f"unknown shape(s) {', '.join(unknown)}; use node shapes such as "
                              + ", ".join(short_term(s) for s in sorted(known)[:8]))
        shapes_graph = _shape_subset(shapes_graph, selected)

    # One working copy holds data and ontology, so pySHACL can run in place: no second clone.
    working = _without_imports(data, _PreparedQueryGraph())
    working.addN((s, p, o, working) for s, p, o in _triples(ontology))

    import pyshacl  # imported here: the store engine's paths never need it
    from pyshacl import errors as pyshacl_errors

    refusals = (pyshacl_errors.ShapeLoadError, pyshacl_errors.ConstraintLoadError,
                pyshacl_errors.ValidationFailure)
    try:
        _, report_graph, _ = pyshacl.validate(
            working, shacl_graph=shapes_graph, inference=inference, inplace=True,
            allow_warnings=allow_warnings, advanced=False, do_owl_imports=False,
            max_validation_depth=MAX_SHAPE_DEPTH + 1)
    except refusals as error:
        if own_shapes:
            raise ShapesRejected(f"the shapes cannot be evaluated: {error}; fix the shapes "
                                 "file") from error
        raise ValidationError(f"SHACL validation could not run: {error}") from error
    except pyshacl_errors.ReportableRuntimeError as error:
        if not str(error).startswith(_TOO_DEEP):
            raise ValidationError(f"SHACL validation could not run: {error}") from error
        # pySHACL's message goes on with every shape on the way: the log has it, not the answer.
        too_deep = (f"the shapes nest more than {MAX_SHAPE_DEPTH} levels deep as pySHACL follows "
                    "them (a shape that refers back to itself, followed through the data?)")
        if own_shapes:
            raise ShapesRejected(f"the shapes cannot be evaluated: {too_deep}; fix the shapes "
                                 "file") from error
        raise ValidationError(f"SHACL validation could not run: {too_deep}") from error
    except Exception as error:  # pySHACL raises its own hierarchy and rdflib's errors
        raise ValidationError(f"SHACL validation could not run: {error}") from error
    if not isinstance(report_graph, Graph):
        # pySHACL answers a ValidationFailure (a forbidden SPARQL construct, SERVICE among them)
        # with its message instead of a report.
        if own_shapes:
            raise ShapesRejected(f"the shapes cannot be evaluated: {report_graph}; fix the "
                                 "shapes file")
        raise ValidationError(f"SHACL validation could not run: {report_graph}")
    _bind(report_graph)
    results = _results(report_graph, shapes_graph)
    conforms = not any(r.severity == SH.Violation for r in results) if allow_warnings else not results
    return Report(conforms=conforms, results=results, graph=report_graph)


def _shape_subset(shapes: Graph, selected: list[URIRef]) -> Graph:
    """The selected node shapes with everything they reach (property shapes, blank nodes, lists)
    and the sh:declare prefixes. pySHACL's own ``use_shapes`` skipped named property shapes."""
    property_shapes = set(shapes.subjects(RDF.type, SH.PropertyShape))
    subset = _bind(Graph())
    stack: list[Node] = [*selected, *shapes.subjects(SH.declare, None)]
    seen: set[Node] = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in shapes.triples((node, None, None)):
            subset.add(triple)
            value = triple[2]
            if isinstance(value, BNode) or value in property_shapes:
                stack.append(value)
    return subset


def _results(report: Graph, shapes: Graph) -> list[Result]:
    owners = {ps: ns for ns, ps in shapes.subject_objects(SH.property)}
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(node, SH.sourceShape)
        results.append(Result(
            focus=report.value(node, SH.focusNode),
            path=report.value(node, SH.resultPath),
            value=report.value(node, SH.value),
            severity=report.value(node, SH.resultSeverity),
            shape=shape,
            constraint=report.value(node, SH.sourceConstraintComponent),
            message=_message(report.objects(node, SH.resultMessage)),
            node_shape=owners.get(shape, shape),
            path_text=path_text(report, report.value(node, SH.resultPath)),
        ))
    return sorted(results, key=_sort_key)


def _message(messages: Iterable[Node]) -> str:
    """The English (or untagged) message if there is one, else any."""
    texts = sorted((m for m in messages if isinstance(m, Literal)),
                   key=lambda m: (m.language not in (None, "en"), str(m)))
    return str(texts[0]) if texts else ""


def _sort_key(result: Result):
    from .report_builder import sort_key

    return sort_key(result)


# --------------------------------------------------------------------------- uploads, formats

def validate_uploads(uploads: Iterable, shapes: Graph | None = None, *, inference: str = "none",
                     shape_iris: Iterable[str | URIRef] | None = None,
                     allow_warnings: bool = True, bundle: Bundle | None = None) -> Report:
    """Validate RDF from sources we do not trust (an HTTP upload, files named on the command
    line), read by :func:`evawkg.graph.store.read_upload`: nothing fetched, no entity expanded.
    The one path the HTTP service and ``evawkg validate`` share."""
    from ..graph.store import read_upload

    data = Graph()
    for upload in uploads:
        graph = read_upload(upload)
        data.addN((s, p, o, data) for s, p, o in graph)
    return validate(data, shapes, inference=inference, shape_iris=shape_iris,
                    allow_warnings=allow_warnings, bundle=bundle)
