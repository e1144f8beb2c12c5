"""/validate on the store engine: ``with_graph`` (the upload as if added to the served graph,
the form's default), ``engine=pyshacl``, and shapes sent with a form (400 naming a shape that
cannot be evaluated)."""

from __future__ import annotations

import json
import uuid

from evawkg.graph.record_template import new_record

from .conftest import FIXTURES, fetch, post, upload_of

LABEL_MISSING = FIXTURES / "activity-label-missing.ttl"


def _form(server: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]],
          accept: str = "application/json"):
    import urllib.request

    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{server}/validate", data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": accept})
    return fetch(request, timeout=120)


def test_post_with_graph_resolves_references_and_reports_only_the_upload(server):
    record = new_record("unrwa").encode()
    status, headers, body = post(f"{server}/validate?with_graph=true", record, "text/turtle")
    assert status == 200, body[:500]
    answer = json.loads(body)
    # Alone, the record's references to UN Women, topics and activity types break sh:class.
    assert answer["conforms"] is True and headers["X-Validation-Conforms"] == "true"
    focus = {r["focus"]["value"] for r in answer["results"]}
    assert focus and all("/unrwa" in f for f in focus), focus
    alone = json.loads(post(f"{server}/validate", record, "text/turtle")[2])
    assert alone["conforms"] is False


def test_form_with_graph_ticked_is_the_forms_default(server):
    status, _, body = fetch(__import__("urllib.request").request.Request(
        f"{server}/validate", headers={"Accept": "text/html"}))
    assert status == 200 and b'name="with_graph" value="true" checked' in body
    status, _, body = _form(server, {"with_graph": "true"},
                            {"file": ("unrwa.ttl", new_record("unrwa").encode())})
    assert status == 200 and json.loads(body)["conforms"] is True


def test_post_engine_pyshacl_gives_the_same_results(server):
    data = upload_of(LABEL_MISSING)
    store = json.loads(post(f"{server}/validate", data, "text/turtle")[2])
    status, _, body = post(f"{server}/validate?engine=pyshacl", data, "text/turtle")
    assert status == 200
    by_pyshacl = json.loads(body)
    key = lambda r: (r["focus"]["value"], r["path"], r["constraint"], r["shape"], r["message"])  # noqa: E731
    assert sorted(map(key, store["results"])) == sorted(map(key, by_pyshacl["results"]))
    assert store["results"]


def test_post_unknown_engine_or_with_graph_value_is_400(server):
    data = upload_of(LABEL_MISSING)
    status, _, body = post(f"{server}/validate?engine=jena", data, "text/turtle")
    assert status == 400 and b"store" in body and b"pyshacl" in body
    status, _, body = post(f"{server}/validate?with_graph=maybe", data, "text/turtle")
    assert status == 400 and b"with_graph" in body


SHAPES = b"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:LabelShape a sh:NodeShape ; sh:targetClass <https://evawkg.example.org/ontology#Activity> ;
    sh:property [ sh:path ex:missing ; sh:minCount 1 ; sh:severity sh:Warning ] .
"""


def test_form_with_own_shapes_validates_against_them(server):
    status, headers, body = _form(server, {}, {"file": ("data.ttl", upload_of(LABEL_MISSING)),
                                               "shapes_file": ("shapes.ttl", SHAPES)})
    assert status == 200, body[:500]
    answer = json.loads(body)
    assert {r["path"] for r in answer["results"]} == {"http://example.org/missing"}
    # Own shapes: SHACL's rule, a warning means the data does not conform.
    assert answer["conforms"] is False and headers["X-Validation-Conforms"] == "false"


def test_form_with_shapes_that_cannot_be_evaluated_is_400_naming_the_shape(server):
    broken = SHAPES.replace(b"sh:path ex:missing", b'sh:path [ sh:inversePath ex:a ; sh:zeroOrOnePath ex:b ]')
    status, _, body = _form(server, {}, {"file": ("data.ttl", upload_of(LABEL_MISSING)),
                                         "shapes_file": ("shapes.ttl", broken)})
    assert status == 400, body[:500]
    assert b"ex:LabelShape" in body and b"malformed sh:path" in body
    recursive = SHAPES.replace(b"sh:minCount 1", b"sh:node ex:LabelShape")
    status, _, body = _form(server, {}, {"file": ("data.ttl", upload_of(LABEL_MISSING)),
                                         "shapes_file": ("shapes.ttl", recursive)})
    assert status == 400 and b"refers back to itself" in body


def test_form_with_jsonld_shapes_holding_an_integer_too_long_for_python_is_400(server):
    shapes = ('{"@id": "http://example.org/S", "http://www.w3.org/ns/shacl#minCount": '
              + "9" * 4301 + "}").encode()
    status, _, body = _form(server, {}, {"file": ("data.ttl", upload_of(LABEL_MISSING)),
                                         "shapes_file": ("shapes.jsonld", shapes)})
    assert status == 400, body[:500]
    assert b"shapes.jsonld:1:" in body and b"more than 4300 digits" in body, body[:500]


def test_form_with_shapes_nested_too_deep_is_400_on_both_engines(server):
    from evawkg.shacl.shapes_checks import MAX_SHAPE_DEPTH

    # 200-300 levels were 500s: the store engine ran out of stack, pySHACL dumped every shape.
    deep = (b"@prefix sh: <http://www.w3.org/ns/shacl#> .\n<http://example.org/S> a sh:NodeShape ;"
            b" sh:targetNode <http://example.org/a> ; sh:and ("
            + b"[ sh:and ( " * 300 + b"[]" + b" ) ]" * 300 + b") .")
    for body, answer in _bad_shapes_on_both_engines(server, deep):
        assert f"more than {MAX_SHAPE_DEPTH} levels deep" in answer["message"], answer
        assert len(body) < 1000, body[:2000]


def test_form_with_a_path_list_that_loops_is_400_on_both_engines(server):
    cycle = (b"@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
             b"@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
             b"<http://example.org/S> a sh:NodeShape ; sh:targetNode <http://example.org/a> ;"
             b" sh:property [ sh:path _:l ; sh:minCount 1 ] . _:l rdf:first <http://example.org/p> ;"
             b" rdf:rest _:l .\n")
    for _, answer in _bad_shapes_on_both_engines(server, cycle):
        assert "rdf:rest leads back" in answer["message"], answer


def _bad_shapes_on_both_engines(server, shapes: bytes) -> list[tuple[bytes, dict]]:
    """``shapes`` uploaded with data to each engine: each answer, asserted a 400 bad-shapes."""
    answers = []
    for engine in ("store", "pyshacl"):
        status, _, body = _form(server, {"engine": engine},
                                {"file": ("data.ttl", upload_of(LABEL_MISSING)),
                                 "shapes_file": ("shapes.ttl", shapes)})
        assert status == 400, (engine, body[:500])
        answer = json.loads(body)
        assert answer["error"] == "bad-shapes", (engine, answer)
        answers.append((body, answer))
    return answers
