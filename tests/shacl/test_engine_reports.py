"""What a store-engine report says: literals exactly as the upload wrote them, and where to look
(the line of the offending triple in an N-Triples upload; for a blank-node focus node, the path
to it from the nearest IRI)."""

from __future__ import annotations

import json

import pyoxigraph
from click.testing import CliRunner

from evawkg.cli import main
from evawkg.shacl import store_validation
from evawkg.graph.uploads import Upload

from .oracle import BASE

BYTE_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://example.org/s> a sh:PropertyShape ; sh:targetNode <http://example.org/i> ;
    sh:path <http://example.org/p> ; sh:datatype xsd:byte .
"""
BYTE_DATA = """@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://example.org/i> <http://example.org/p> "300"^^xsd:byte, "01"^^xsd:byte, "c"^^xsd:byte .
"""


def test_ill_typed_literal_reaches_the_report_as_written(tmp_path):
    shapes, data = tmp_path / "shapes.ttl", tmp_path / "data.ttl"
    shapes.write_text(BYTE_SHAPES, encoding="utf-8")
    data.write_text(BYTE_DATA, encoding="utf-8")
    turtle = CliRunner().invoke(main, ["validate", str(data), "--shapes", str(shapes), "-f", "turtle"])
    assert turtle.exit_code == 1, turtle.output
    values = {q.object for q in pyoxigraph.parse(turtle.stdout.encode(), pyoxigraph.RdfFormat.TURTLE)
              if q.predicate.value == "http://www.w3.org/ns/shacl#value"}
    xsd_byte = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#byte")
    # The store would hold "300" as xsd:integer; the report keeps what the file wrote. "01" is
    # a well-typed byte: no result.
    assert {(v.value, v.datatype) for v in values} == {("300", xsd_byte), ("c", xsd_byte)}
    answer = json.loads(CliRunner().invoke(main, ["validate", str(data), "--shapes", str(shapes),
                                                  "-f", "json"]).stdout)
    assert {(r["value"]["value"], r["value"]["datatype"]) for r in answer["results"]} == {
        ("300", xsd_byte.value), ("c", xsd_byte.value)}


ACTIVITY = "<https://evawkg.example.org/id/activity/lines>"


def _ntriples(lines: list[str]) -> bytes:
    return ("# an upload in N-Triples\n\n" + "\n".join(lines) + "\n").encode()


def test_ntriples_upload_results_name_the_line_of_the_offending_triple():
    evaw = "https://evawkg.example.org/ontology#"
    lines = [
        f"{ACTIVITY} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{evaw}Activity> .",
        f'{ACTIVITY} <http://www.w3.org/2000/01/rdf-schema#label> "Workshop"@en .',
        f'{ACTIVITY} <{evaw}activityType> "training" .',
    ]
    report = store_validation.validate_uploads([Upload(_ntriples(lines), "ntriples", source="up.nt")])
    by_path = {r.path_text: r for r in report.results if str(r.focus) == ACTIVITY[1:-1]}
    # The literal where an activity type belongs is on line 5 (two header lines, then 3 triples).
    assert by_path["evaw:activityType"].location == "line 5"
    # A missing value has no triple: the result points at the first line describing the node.
    assert by_path["dcterms:source"].value is None
    assert by_path["dcterms:source"].location == "line 3"
    assert "at line 5" in report_text(report)


def test_an_upload_behind_a_byte_order_mark_is_read_and_its_lines_still_named():
    evaw = "https://evawkg.example.org/ontology#"
    lines = [f"{ACTIVITY} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{evaw}Activity> .",
             f'{ACTIVITY} <{evaw}activityType> "training" .']
    report = store_validation.validate_uploads(
        [Upload(b"\xef\xbb\xbf" + _ntriples(lines), "ntriples", source="up.nt")])
    by_path = {r.path_text: r for r in report.results if str(r.focus) == ACTIVITY[1:-1]}
    assert by_path["evaw:activityType"].location == "line 4"


def report_text(report) -> str:
    from evawkg.shacl.report import render_text

    return render_text(report)


def test_blank_node_focus_names_the_path_from_the_nearest_iri():
    broken = BASE.read_bytes().replace(
        b'time:hasBeginning [ a time:Instant ; time:inXSDgYearMonth "2009-10"^^xsd:gYearMonth ]',
        b'time:hasBeginning [ a time:Instant ]')
    assert broken != BASE.read_bytes()
    report = store_validation.validate_uploads([Upload(broken, "turtle", source="base.ttl")])
    instant = [r for r in report.results if r.path_text.startswith("(time:inXSDDate")]
    assert instant, [(r.focus, r.path_text) for r in report.results]
    assert instant[0].location.startswith("period:2009-10_2010-02 → time:hasBeginning → _:")


def test_ntriples_blank_node_keeps_the_files_label_in_the_location():
    lines = [
        '<https://evawkg.example.org/id/period/p> <http://www.w3.org/2006/time#hasBeginning> _:start .',
        "_:start <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2006/time#Instant> .",
    ]
    report = store_validation.validate_uploads([Upload(_ntriples(lines), "ntriples")])
    instant = [r for r in report.results if str(r.focus) == "start"]
    assert instant and instant[0].location == (
        "line 4; period:p → time:hasBeginning → _:start")
