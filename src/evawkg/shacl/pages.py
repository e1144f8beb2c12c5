"""HTML for people: the shapes' documentation, validation reports grouped by shape, the upload form.

The documentation is generated from ``shapes/*.ttl``: each node shape with its label, comment
and target, each of its property shapes with ``sh:name``, ``sh:description``, ``sh:message`` and
``sh:severity``. Anchors are the shapes' local names, so ``{BASE}shapes#ActivityShape`` is
documented at ``/shapes#ActivityShape`` and every result of a report links to the shape it broke.
Pages are rendered with Jinja (autoescaped) outside Flask, so ``evawkg validate --format html``
writes the same page the HTTP service serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SH

from ..namespaces import SHAPES
from .report import Report, Result, local_name, path_text, short_term
from .validation import INFERENCE_OPTIONS, node_shapes

#: Where the shapes' documentation is served; report pages link there.
SHAPES_PAGE = "/shapes"

_TEMPLATES = Path(__file__).parent.parent / "templates" / "validation"


@dataclass(frozen=True)
class PropertyShapeDoc:
    anchor: str
    iri: str
    name: str
    description: str
    message: str
    severity: str
    path: str


@dataclass(frozen=True)
class NodeShapeDoc:
    anchor: str
    iri: str
    label: str
    comment: str
    targets: tuple[str, ...]
    see_also: tuple[str, ...]
    properties: tuple[PropertyShapeDoc, ...] = field(default_factory=tuple)


def anchor(shape) -> str:
    """The fragment documenting ``shape`` on the shapes page (its local name)."""
    text = str(shape)
    return text[len(str(SHAPES)):] if text.startswith(str(SHAPES)) else local_name(text)


def shape_link(shape) -> str | None:
    """``/shapes#Name`` for one of the project's shapes, ``None`` for a blank or foreign one."""
    if isinstance(shape, URIRef) and str(shape).startswith(str(SHAPES)):
        return f"{SHAPES_PAGE}#{anchor(shape)}"
    return None


def _text(graph: Graph, subject, predicate) -> str:
    values = sorted(graph.objects(subject, predicate),
                    key=lambda v: (getattr(v, "language", None) not in (None, "en"), str(v)))
    return str(values[0]) if values else ""


def document_shapes(shapes: Graph) -> list[NodeShapeDoc]:
    """Every node shape of ``shapes`` with its property shapes, in name order."""
    documented = []
    for shape in node_shapes(shapes):
        properties = []
        for prop in shapes.objects(shape, SH.property):
            severity = shapes.value(prop, SH.severity)
            properties.append(PropertyShapeDoc(
                anchor=anchor(prop), iri=str(prop), name=_text(shapes, prop, SH.name),
                description=_text(shapes, prop, SH.description),
                message=_text(shapes, prop, SH.message),
                severity=local_name(severity) if severity is not None else "Violation",
                path=path_text(shapes, shapes.value(prop, SH.path))))
        documented.append(NodeShapeDoc(
            anchor=anchor(shape), iri=str(shape), label=_text(shapes, shape, RDFS.label),
            comment=_text(shapes, shape, RDFS.comment),
            targets=tuple(sorted(short_term(t) for t in shapes.objects(shape, SH.targetClass))),
            see_also=tuple(sorted(str(s) for s in shapes.objects(shape, RDFS.seeAlso))),
            properties=tuple(sorted(properties, key=lambda p: (p.path, p.anchor)))))
    return documented


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # The parent folder too: the validation layout includes the site's one navigation bar.
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader([str(_TEMPLATES),
                                                                     str(_TEMPLATES.parent)]),
                                     autoescape=True, undefined=jinja2.StrictUndefined)
    environment.globals.update(shapes_page=SHAPES_PAGE)
    return environment


def render_shapes_html(shapes: Graph) -> str:
    """The documentation page of every shape."""
    documented = document_shapes(shapes)
    return _environment().get_template("shapes.html").render(shapes=documented)


def render_form_html(shapes: Graph, *, action: str = "/validate") -> str:
    """The upload form: a file, optionally a subset of node shapes and the inference."""
    names = [anchor(s) for s in node_shapes(shapes)]
    return _environment().get_template("form.html").render(
        action=action, shape_names=names, inference_options=INFERENCE_OPTIONS)


@dataclass
class _Group:
    """The results of one failing shape (a property shape, or a node shape's own constraint)."""

    shape: str
    link: str | None
    node_shape: str
    severity: str
    message: str
    results: list[Result] = field(default_factory=list)


def render_report_html(report: Report) -> str:
    """A report grouped by shape: per group its message, a link to the shape's documentation
    and a row per focus node, value and path."""
    groups: dict[str, _Group] = {}
    for result in report.results:
        key = str(result.shape)
        if key not in groups:
            groups[key] = _Group(shape=short_term(result.shape), link=shape_link(result.shape),
                                 node_shape=short_term(result.node_shape),
                                 severity=result.severity_name, message=result.message)
        groups[key].results.append(result)
    ordered = sorted(groups.values(), key=lambda g: (["Violation", "Warning", "Info"].index(
        g.severity) if g.severity in ("Violation", "Warning", "Info") else 3, g.node_shape, g.shape))
    return _environment().get_template("report.html").render(
        report=report, counts=report.counts_by_severity(), groups=ordered, short=short_term)


__all__ = ["SHAPES_PAGE", "NodeShapeDoc", "PropertyShapeDoc", "document_shapes", "anchor",
           "shape_link", "render_shapes_html", "render_form_html", "render_report_html"]
