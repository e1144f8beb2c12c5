"""The validation service's other promises: the served graph and the bundled dump conform,
negotiation, options, the shapes' documentation, the time limit, and CLI parity."""

from __future__ import annotations

import json
import os
import time
import urllib.request

import pytest
from click.testing import CliRunner

from evawkg.cli import main
from evawkg.settings import Settings
from evawkg.graph.store import load_bundle
from evawkg.graph.synthetic import write_synthetic
from evawkg.shacl.pool import ValidationPool

from .conftest import FIXTURES, fetch, post, upload_of

LABEL_MISSING = FIXTURES / "activity-label-missing.ttl"


def get(url: str, accept: str) -> tuple[int, dict, bytes]:
    return fetch(urllib.request.Request(url, headers={"Accept": accept}), timeout=120)


def test_get_validate_json_reports_the_served_graph_conforms(server):
    status, headers, body = get(f"{server}/validate", "application/json")
    assert status == 200 and headers["X-Validation-Conforms"] == "true"
    summary = json.loads(body)
    assert summary["conforms"] is True and summary["counts"]["by_severity"]["Violation"] == 0


def test_get_validate_turtle_is_a_shacl_report(server):
    status, headers, body = get(f"{server}/validate", "text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert b"sh:ValidationReport" in body and b"sh:conforms true" in body


def test_get_validate_html_is_the_upload_form(server):
    status, headers, body = get(f"{server}/validate", "text/html,application/xhtml+xml,*/*;q=0.8")
    assert status == 200 and b'enctype="multipart/form-data"' in body
    assert b'value="ActivityShape"' in body and b'<option value="owlrl">' in body


def test_post_bundled_dump_conforms(server, tmp_path):
    from evawkg.linked_data.dumps import NQUADS_GZ, export_dumps

    import gzip

    export_dumps(load_bundle(infer=False), tmp_path)
    dump = gzip.decompress((tmp_path / NQUADS_GZ).read_bytes())
    status, headers, body = post(f"{server}/validate", dump, "application/n-quads")
    assert status == 200, body[:500]
    assert json.loads(body)["conforms"] is True and headers["X-Validation-Conforms"] == "true"


@pytest.mark.parametrize(("accept", "format", "expected"), [
    ("application/json", None, "application/json"),
    ("*/*", None, "application/json"),
    ("text/turtle", None, "text/turtle"),
    ("application/ld+json", None, "application/ld+json"),
    ("text/html", None, "text/html"),
    ("text/plain", None, "text/plain"),
    ("text/html", "turtle", "text/turtle"),
    ("application/json", "json-ld", "application/ld+json"),
])
def test_post_validate_negotiates_the_report(server, accept, format, expected):
    url = f"{server}/validate?shapes=ActivityShape" + (f"&format={format}" if format else "")
    status, headers, _ = post(url, upload_of(LABEL_MISSING), "text/turtle", accept)
    assert status == 200 and headers["Content-Type"].startswith(expected)
    assert "Accept" in headers["Vary"]


def test_post_validate_unacceptable_accept_returns_406(server):
    status, _, body = post(f"{server}/validate", upload_of(LABEL_MISSING), "text/turtle",
                           "image/png")
    assert status == 406 and b"application/json" in body


def test_post_validate_unknown_shape_and_inference_return_400(server):
    status, _, body = post(f"{server}/validate?shapes=NoSuchShape", upload_of(LABEL_MISSING),
                           "text/turtle")
    assert status == 400 and b"NoSuchShape" in body
    status, _, body = post(f"{server}/validate?inference=magic", upload_of(LABEL_MISSING),
                           "text/turtle")
    assert status == 400 and b"owlrl" in body


@pytest.mark.parametrize("name", ["%3Cscript%3E", "a%20b", "shapes:Country%3EShape",
                                  "http://x/%7Bshape%7D"])
def test_get_and_post_validate_with_a_shape_name_that_is_no_iri_return_400(server, name):
    """GET /validate?shapes=<script> (the served graph, on the store engine) was a 500: the
    name went to pyoxigraph as an IRI, which refused it inside the validation process."""
    status, _, body = get(f"{server}/validate?shapes={name}", "application/json")
    assert status == 400 and b"is not a shape's name" in body and b"CountryShape" in body, body
    status, _, body = post(f"{server}/validate?shapes={name}", upload_of(LABEL_MISSING),
                           "text/turtle")
    assert status == 400 and b"is not a shape's name" in body, body


def test_post_validate_shape_subset_leaves_other_shapes_out(server):
    status, _, body = post(f"{server}/validate?shapes=CountryShape", upload_of(LABEL_MISSING),
                           "text/turtle")
    assert status == 200 and json.loads(body)["results"] == []


def test_post_validate_rdfs_inference_sees_subclass_instances(server):
    data = (b"@prefix evaw: <https://evawkg.example.org/ontology#> .\n"
            b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            b"evaw:Special rdfs:subClassOf evaw:Activity .\n"
            b"<https://evawkg.example.org/id/activity/s> a evaw:Special .\n")
    for inference in ("none", "rdfs", "owlrl"):
        status, _, body = post(f"{server}/validate?shapes=ActivityShape&inference={inference}",
                               data, "text/turtle")
        assert status == 200, body[:300]
        focuses = {r["focus"]["value"] for r in json.loads(body)["results"]}
        assert "https://evawkg.example.org/id/activity/s" in focuses


def test_get_shapes_documents_every_shape_with_anchors(server, bundle):
    from evawkg.shacl.validation import load_shapes, node_shapes
    from evawkg.shacl.pages import anchor

    status, _, body = get(f"{server}/shapes", "text/html")
    page = body.decode()
    assert status == 200
    for shape in node_shapes(load_shapes(bundle)):
        assert f'id="{anchor(shape)}"' in page
    assert 'id="Activity-label"' in page and "Give the activity an English rdfs:label" in page
    status, headers, body = get(f"{server}/shapes", "text/turtle")
    assert status == 200 and b"sh:NodeShape" in body


def test_validation_past_its_time_limit_is_killed_and_the_pool_recovers(tmp_path):
    data_path = tmp_path / "big.nt"
    write_synthetic(data_path, 20_000)
    pool = ValidationPool(size=1, queue_wait=1.0, sandbox=False)
    pool.start()
    try:
        pool.wait_ready(120)
        from evawkg.graph.uploads import Upload
        from evawkg.shacl.pool import ValidationJob, ValidationTimeout

        # pySHACL with OWL RL on 20k triples takes seconds on any machine; the store engine
        # can finish inside the half-second limit on a quiet one, proving nothing.
        job = ValidationJob(uploads=(Upload(data_path.read_bytes(), "ntriples"),),
                            inference="owlrl", engine="pyshacl")
        started = time.monotonic()
        with pytest.raises(ValidationTimeout):
            pool.run(job, timeout=0.5)
        assert time.monotonic() - started < 5
        deadline = time.monotonic() + 3
        while _children(pool.parent_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _children(pool.parent_pid) == [], "the timed-out validation still runs"
        answer = pool.run(ValidationJob(uploads=(Upload(upload_of(LABEL_MISSING), "turtle"),)), 60)
        assert answer.conforms is False
    finally:
        pool.close()


def _children(parent: int | None) -> list[int]:
    """Live (not zombie) processes whose parent is ``parent``."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stream:
                fields = stream.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append(int(name))
    return found


def test_cli_validate_gives_the_same_summary_as_http(server, tmp_path):
    upload = tmp_path / "upload.ttl"
    upload.write_bytes(upload_of(LABEL_MISSING))
    result = CliRunner().invoke(main, ["validate", "--shape", "ActivityShape", "--inference",
                                       "rdfs", "--format", "json", str(upload)])
    assert result.exit_code == 1, result.output
    status, _, body = post(f"{server}/validate?shapes=ActivityShape&inference=rdfs",
                           upload.read_bytes(), "text/turtle")
    assert status == 200
    assert _comparable(json.loads(result.output)) == _comparable(json.loads(body))


def _comparable(summary: dict) -> tuple:
    """The summary with blank node labels (which differ between runs) left out."""
    def term(value):
        return None if value is None or value.get("type") == "bnode" else value["value"]

    results = sorted((term(r["focus"]), str(r["path"]), term(r["value"]), r["severity"],
                      str(r["shape"]), r["constraint"], r["message"]) for r in summary["results"])
    return summary["conforms"], summary["counts"], results


def test_cli_validate_html_is_the_report_page(tmp_path):
    upload = tmp_path / "upload.ttl"
    upload.write_bytes(upload_of(LABEL_MISSING))
    result = CliRunner().invoke(main, ["validate", "-f", "html", str(upload)])
    assert result.exit_code == 1 and 'href="/shapes#Activity-label"' in result.output


def test_settings_carry_the_upload_limit_and_time_limit():
    settings = Settings(max_upload_bytes="1024", validation_timeout="2")
    assert settings.max_upload_bytes == 1024 and settings.validation_timeout == 2.0
