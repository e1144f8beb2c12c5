"""Every shape's failing fixture, posted to the live service, is reported in every format: the
JSON summary, SHACL's report graph as Turtle and as JSON-LD, and the HTML page (which links the
shape's documentation). Each fixture is validated against the node shapes that own its
expected results (the ``shapes`` option), which keeps 4 x 300+ validations fast; a sample per
node shape is validated against all shapes too."""

from __future__ import annotations

import html
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from evawkg.namespaces import PREFIXES, SHAPES
from evawkg.graph.store import read_upload
from evawkg.graph.uploads import Upload
from evawkg.shacl.validation import load_shapes

from .conftest import expectations, fixture_files, post, upload_of

FORMATS = {"json": "application/json", "turtle": "text/turtle",
           "json-ld": "application/ld+json", "html": "text/html"}


@pytest.fixture(scope="module")
def shapes(bundle) -> Graph:
    return load_shapes(bundle)


def owners(shapes: Graph, names: list[str]) -> list[str]:
    owner = {ps: ns for ns, ps in shapes.subject_objects(SH.property)}
    return sorted({str(owner.get(SHAPES[name], SHAPES[name])).removeprefix(str(SHAPES))
                   for name in names})


def json_result(body: bytes, expected: dict) -> dict | None:
    summary = json.loads(body)
    return next((r for r in summary["results"] if r["focus"]["value"] == expected["focus"]
                 and r["shape"] == str(SHAPES[expected["shape"]])
                 and r["severity"] == expected["severity"]
                 and r["constraint"] == str(SH[expected["component"]])), None)


def found_in_json(body: bytes, expected: dict) -> bool:
    return json_result(body, expected) is not None


def found_in_graph(report: Graph, expected: dict) -> bool:
    for result in report.subjects(SH.focusNode, URIRef(expected["focus"])):
        if ((result, SH.sourceShape, SHAPES[expected["shape"]]) in report
                and (result, SH.resultSeverity, SH[expected["severity"]]) in report
                and (result, SH.sourceConstraintComponent, SH[expected["component"]]) in report):
            return True
    return False


def report_graph(body: bytes, format: str) -> Graph:
    graph = read_upload(Upload(body, format))
    assert (None, RDF.type, SH.ValidationReport) in graph
    assert (None, SH.conforms, Literal(False)) in graph
    return graph


def short_form(iri: str) -> str:
    """``iri`` as the report writes it: under the longest predeclared prefix (``activity:test``)."""
    prefix, namespace = max(((p, ns) for p, ns in PREFIXES.items() if iri.startswith(ns)),
                            key=lambda item: len(item[1]), default=("", ""))
    return f"{prefix}:{iri[len(namespace):]}" if prefix else iri


def found_in_html(body: bytes, expected: dict, message: str) -> bool:
    page = body.decode()
    name = expected["shape"]
    start = page.find(f'data-shape="shapes:{name}"')
    if start < 0:
        return False
    section = page[start:page.find("</section>", start)]
    focus = short_form(expected["focus"])
    return (f'href="/shapes#{name}"' in section and expected["severity"] in section
            and focus in section and message in html.unescape(section))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.stem)
def test_post_fixture_reports_expected_result_in_every_format(server, shapes, path: Path):
    expected_all = expectations(path)
    subset = ",".join(owners(shapes, [e["shape"] for e in expected_all]))
    url = f"{server}/validate?shapes={subset}"
    # Two at a time: the server runs two validations at once (max_concurrent_queries).
    with ThreadPoolExecutor(2) as pool:
        answers = dict(zip(FORMATS, pool.map(
            lambda accept: post(url, upload_of(path), "text/turtle", accept), FORMATS.values())))
    for format, (status, headers, body) in answers.items():
        assert status == 200, (format, body[:500])
        assert headers["X-Validation-Conforms"] == ("false" if any(
            e["severity"] == "Violation" for e in expected_all) else headers["X-Validation-Conforms"])
        assert headers["Content-Type"].startswith(FORMATS[format])
    for expected in expected_all:
        result = json_result(answers["json"][2], expected)
        assert result is not None and result["message"], (path.name, "json", expected)
        for format in ("turtle", "json-ld"):
            graph = (report_graph(answers[format][2], format)
                     if any(e["severity"] == "Violation" for e in expected_all)
                     else read_upload(Upload(answers[format][2], format)))
            assert found_in_graph(graph, expected), (path.name, format, expected)
        assert found_in_html(answers["html"][2], expected, result["message"]), (
            path.name, "html", expected)


def one_fixture_per_node_shape(shapes: Graph) -> list[Path]:
    chosen: dict[str, Path] = {}
    for path in fixture_files():
        for owner in owners(shapes, [e["shape"] for e in expectations(path)]):
            chosen.setdefault(owner, path)
    return sorted(set(chosen.values()))


def test_post_fixture_with_all_shapes_reports_the_same_result(server, bundle):
    shapes = load_shapes(bundle)
    sample = one_fixture_per_node_shape(shapes)
    assert len(sample) >= 20
    for path in sample:
        status, _, body = post(f"{server}/validate", upload_of(path), "text/turtle")
        assert status == 200
        for expected in expectations(path):
            assert found_in_json(body, expected), (path.name, expected)
