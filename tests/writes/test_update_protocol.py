"""SPARQL 1.1 Protocol, update operation (https://www.w3.org/TR/sparql11-protocol/#update-operation)
over a writable store: every way of sending an update, the dataset parameters, and every refusal
(401, 403, 404, 400 with a position, 413, 415, 422) leaving the store byte for byte as it was."""

from __future__ import annotations

import http.server
import logging
import threading

import pytest

from evawkg.settings import Settings
from evawkg.web import create_app
from .conftest import EX, INFERRED, NOTES, ONTOLOGY, SCRATCH, THINGS, snapshot, writable_app

UPDATE = "application/sparql-update"
PREFIX = f"PREFIX ex: <{EX}>\n"


def post_update(state, text, token="curator", **kwargs):
    headers = dict(state.auth(token)) if token else {}
    headers.update(kwargs.pop("headers", {}))
    return state.client().post("/sparql", data=text, content_type=kwargs.pop("content_type", UPDATE),
                               headers=headers, **kwargs)


def ask(state, query: str) -> bool:
    response = state.client().get("/sparql", query_string={"query": PREFIX + query},
                                  headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data
    return response.json["boolean"]


def new_widget(name: str, graph: str = SCRATCH) -> str:
    return (PREFIX + f'INSERT DATA {{ GRAPH <{graph}> {{ ex:{name} a ex:Widget ; rdfs:label "{name}" ; '
            f'rdfs:comment "made by a test" ; ex:partOf ex:house }} }}')


@pytest.fixture()
def unchanged(writable):
    """Asserts the request under test left the store exactly as it was."""
    before = snapshot(writable)
    yield writable
    assert snapshot(writable) == before, "a refused write changed the store"


# --- Accepted -------------------------------------------------------------------------------------

def test_direct_update_commits_and_the_next_query_sees_it(writable):
    version = writable.service.data_version
    response = post_update(writable, new_widget("direct"))
    assert response.status_code == 204, response.data
    assert response.data == b"" and "Content-Type" not in response.headers
    assert "/changes/" in response.headers["Link"]
    steps = {part.split(";")[0].strip() for part in response.headers["Server-Timing"].split(",")}
    assert {"compile", "apply", "closure", "validate", "journal"} <= steps
    assert writable.service.data_version != version
    assert ask(writable, "ASK { ex:direct a ex:Widget }")
    # the closure followed: a Widget is a Thing, and partOf is transitive
    assert ask(writable, f"ASK {{ GRAPH <{INFERRED}> {{ ex:direct a ex:Thing }} }}")


def test_form_update_commits(writable):
    response = writable.client().post("/sparql", data={"update": new_widget("form")},
                                      headers=writable.auth())
    assert response.status_code == 204, response.data
    assert ask(writable, "ASK { ex:form a ex:Widget }")


def test_update_body_in_another_charset(writable):
    text = new_widget("latin").replace('"latin"', '"Lämp"')
    response = post_update(writable, text.encode("latin-1"),
                           content_type=UPDATE + "; charset=iso-8859-1")
    assert response.status_code == 204, response.data
    assert ask(writable, 'ASK { ex:latin rdfs:label "Lämp" }')


def test_warnings_about_what_was_written_come_back_in_the_200_body(writable):
    text = PREFIX + f'INSERT DATA {{ GRAPH <{SCRATCH}> {{ ex:plain a ex:Thing ; rdfs:label "Plain" }} }}'
    response = post_update(writable, text, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.data
    report = response.json
    assert report["conforms"] is True
    assert [r["focus"]["value"] for r in report["results"]] == [EX + "plain"]
    assert report["results"][0]["severity"] == "Warning"


def test_a_graph_already_broken_elsewhere_does_not_block_a_write(writable):
    assert ask(writable, f"ASK {{ GRAPH <{NOTES}> {{ ex:broken a ex:Thing }} }}")
    assert post_update(writable, new_widget("elsewhere")).status_code == 204


def test_using_graph_uri_names_the_where_dataset(writable):
    text = PREFIX + f"INSERT {{ GRAPH <{SCRATCH}> {{ ex:notes ex:lists ?s }} }} WHERE {{ ?s a ex:Thing }}"
    response = writable.client().post("/sparql", data=text, content_type=UPDATE,
                                      query_string={"using-graph-uri": NOTES},
                                      headers=writable.auth())
    assert response.status_code == 204, response.data
    assert ask(writable, "ASK { ex:notes ex:lists ex:broken }")
    assert not ask(writable, "ASK { ex:notes ex:lists ex:house }")


def test_using_named_graph_uri_names_the_named_graphs(writable):
    text = PREFIX + f"INSERT {{ GRAPH <{SCRATCH}> {{ ?g ex:holds ?s }} }} WHERE {{ GRAPH ?g {{ ?s a ex:Thing }} }}"
    response = writable.client().post("/sparql", data={"update": text, "using-named-graph-uri": NOTES},
                                      headers=writable.auth())
    assert response.status_code == 204, response.data
    assert ask(writable, f"ASK {{ <{NOTES}> ex:holds ex:broken }}")
    assert not ask(writable, "ASK { ?g ex:holds ex:house }")


def test_several_operations_commit_as_one(writable):
    text = (new_widget("first") + " ;\n" + PREFIX +
            f'DELETE {{ GRAPH <{SCRATCH}> {{ ex:first rdfs:comment ?c }} }} '
            f'INSERT {{ GRAPH <{SCRATCH}> {{ ex:first rdfs:comment "changed" }} }} '
            f'WHERE {{ GRAPH <{SCRATCH}> {{ ex:first rdfs:comment ?c }} }}')
    response = post_update(writable, text)
    assert response.status_code == 204, response.data
    assert ask(writable, 'ASK { ex:first rdfs:comment "changed" }')
    changes = writable.client().get("/changes", headers={"Accept": "application/json"}).json
    latest = changes["changes"][0]
    # one commit, its delta net: the first comment was added and replaced within it
    assert (latest["added"], latest["removed"]) == (4, 0)


def test_ontology_graph_is_written_only_by_a_token_naming_it(writable):
    text = PREFIX + f'INSERT DATA {{ GRAPH <{ONTOLOGY}> {{ ex:Thing rdfs:comment "Anything." }} }}'
    refused = post_update(writable, text, token="curator", headers={"Accept": "application/json"})
    assert refused.status_code == 403
    assert "ontology or shapes" in refused.json["message"]
    assert post_update(writable, text, token="ontologist").status_code == 204


# --- Refused, the store unchanged ---------------------------------------------------------------

def test_an_update_calling_an_unknown_function_is_a_400_naming_it(unchanged):
    # The guard's WHERE raised pyoxigraph's RuntimeError: a 500 from the write process.
    response = post_update(unchanged, PREFIX + f"INSERT {{ GRAPH <{SCRATCH}> {{ ex:a ex:p ?v }} }} "
                                               "WHERE { BIND(<http://x/fn>(1) AS ?v) }")
    assert response.status_code == 400, response.data
    assert "<http://x/fn> is not supported" in response.get_data(as_text=True)


def test_no_token_is_401_with_a_bearer_challenge(unchanged):
    response = post_update(unchanged, new_widget("anonymous"), token=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="evawkg"'


def test_wrong_token_is_401_invalid_token_and_never_logged(unchanged, caplog):
    secret = unchanged.secrets["curator"][:-4] + "AAAA"
    with caplog.at_level(logging.DEBUG):
        response = unchanged.client().post("/sparql", data=new_widget("forged"),
                                           content_type=UPDATE,
                                           headers={"Authorization": "Bearer " + secret})
        good = post_update(unchanged, "PREFIX ex: <http://example.org/ns#> CLEAR SILENT GRAPH ex:none")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert good.status_code == 204
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert secret not in logged and unchanged.secrets["curator"] not in logged
    assert secret.encode() not in response.data


def test_token_for_another_graph_is_403(unchanged):
    response = post_update(unchanged, new_widget("elsewhere2", NOTES), token="things-only",
                           headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json["error"] == "graph-forbidden"
    assert NOTES in response.json["message"]


def test_writing_the_inferred_graph_is_403_and_says_why(unchanged):
    text = PREFIX + f'INSERT DATA {{ GRAPH <{INFERRED}> {{ ex:house a ex:Widget }} }}'
    response = post_update(unchanged, text, headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert "closure" in response.json["message"]


def test_drop_all_touches_computed_graphs_and_is_403(unchanged):
    assert post_update(unchanged, "DROP ALL").status_code == 403


def test_syntax_error_is_400_with_line_and_column(unchanged):
    response = post_update(unchanged, PREFIX + "INSERT DATA {\n  ex:a ex:b }",
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert (response.json["line"], response.json["column"]) == (3, 13)
    assert response.json["error"] == "update-syntax-error"


def test_wrong_media_type_is_415(unchanged):
    response = post_update(unchanged, new_widget("plain"), content_type="text/plain")
    assert response.status_code == 415


def test_body_too_large_is_413(unchanged):
    text = new_widget("big") + "#" + "x" * 9000
    assert post_update(unchanged, text).status_code == 413
    form = unchanged.client().post("/sparql", data={"update": text}, headers=unchanged.auth())
    assert form.status_code == 413


def test_shape_violation_is_422_with_the_report_in_each_format(unchanged):
    text = PREFIX + f"INSERT DATA {{ GRAPH <{SCRATCH}> {{ ex:nameless a ex:Widget }} }}"
    response = post_update(unchanged, text, headers={"Accept": "application/json"})
    assert response.status_code == 422
    report = response.json
    assert report["conforms"] is False
    violations = [r for r in report["results"] if r["severity"] == "Violation"]
    assert [v["focus"]["value"] for v in violations] == [EX + "nameless"]
    assert "needs a label" in violations[0]["message"]
    for accept, marker in (("text/turtle", b"sh:ValidationReport"), ("application/ld+json", b"ValidationReport"),
                           ("text/html", b"<html"), ("text/plain", b"Violation")):
        other = post_update(unchanged, text, headers={"Accept": accept})
        assert other.status_code == 422 and marker in other.data, accept
        assert other.mimetype == accept


def test_a_write_breaking_a_node_it_does_not_touch_is_422(unchanged):
    """Removing the type of ex:house breaks ex:room's sh:class: a new violation elsewhere."""
    text = PREFIX + "DELETE DATA { GRAPH <%s> { ex:house a ex:Thing } }" % THINGS
    response = post_update(unchanged, text, headers={"Accept": "application/json"})
    assert response.status_code == 422, response.data
    foci = {r["focus"]["value"] for r in response.json["results"] if r["severity"] == "Violation"}
    assert EX + "room" in foci


def test_one_failing_operation_fails_the_whole_request(unchanged):
    text = new_widget("halfway") + f" ;\nCLEAR GRAPH <{EX}no-such-graph>"
    response = post_update(unchanged, text, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"] == "graph-not-found"


def test_dataset_in_both_places_is_400(unchanged):
    text = PREFIX + f"WITH <{SCRATCH}> INSERT {{ ex:x ex:p 1 }} WHERE {{ }}"
    response = unchanged.client().post("/sparql", data=text, content_type=UPDATE,
                                       query_string={"using-graph-uri": NOTES}, headers=unchanged.auth())
    assert response.status_code == 400


@pytest.mark.parametrize("parameter", ["using-graph-uri", "using-named-graph-uri"])
@pytest.mark.parametrize("value", ["relative", "<>{} ", "graph one"])
def test_dataset_parameter_that_is_no_absolute_iri_is_400_naming_it(unchanged, parameter, value):
    """It reached the query process, where pyoxigraph refused it: 500 and a traceback."""
    text = PREFIX + f"INSERT {{ GRAPH <{SCRATCH}> {{ ?s ex:seen 1 }} }} WHERE {{ ?s ?p ?o }}"
    response = unchanged.client().post("/sparql", data={"update": text, parameter: value},
                                       headers={**unchanged.auth(), "Accept": "application/json"})
    assert response.status_code == 400, response.data
    assert parameter in response.json["message"] and "absolute IRI" in response.json["message"]


def test_form_update_not_utf8_once_percent_decoded_is_400(unchanged):
    """werkzeug's form put U+FFFD for %FF: the update was written with its literal changed."""
    text = PREFIX + f'INSERT DATA {{ GRAPH <{SCRATCH}> {{ ex:mangled ex:p "caf%FF" }} }}'
    body = "update=" + text.replace("%FF", "\x00").replace(" ", "+").replace("#", "%23")
    response = unchanged.client().post(
        "/sparql", data=body.replace("\x00", "%FF").encode(),
        content_type="application/x-www-form-urlencoded",
        headers={**unchanged.auth(), "Accept": "application/json"})
    assert response.status_code == 400, response.data
    assert "not valid UTF-8" in response.json["message"]


def test_form_update_in_utf8_keeps_its_characters(writable):
    text = PREFIX + f'INSERT DATA {{ GRAPH <{SCRATCH}> {{ ex:accented ex:p "café ∑" }} }}'
    response = writable.client().post("/sparql", data={"update": text}, headers=writable.auth())
    assert response.status_code == 204, response.data
    assert ask(writable, 'ASK { ex:accented ex:p "café ∑" }')


@pytest.mark.parametrize(("template", "marker"), [
    ("ex:x ex:p <<( ex:x ex:q ?v )>>", "<<("),
    ('ex:x ex:p "x"@en--ltr', "@"),
    ("ex:x ex:p ?v ~ ex:r", "~"),
    ("ex:x ex:p ?v {| ex:src ex:doc |}", "{|"),
])
def test_rdf12_term_in_a_template_is_400_saying_where_and_what_to_do(unchanged, template,
                                                                      marker):
    """rdflib's SPARQL 1.1 grammar reads the templates: its message ("Expected end of text,
    found 'INSERT' (at char 1)") named a place in a text the client never sent."""
    operation = f"INSERT {{ GRAPH <{SCRATCH}> {{ {template} }} }} WHERE {{ BIND(1 AS ?v) }}"
    response = post_update(unchanged, PREFIX + operation, headers={"Accept": "application/json"})
    assert response.status_code == 400, response.data
    message = response.json["message"]
    column = operation.index(marker) + 1
    assert message.startswith(f"error at 2:{column}: RDF 1.2 terms"), message
    assert "INSERT DATA" in message and "BIND(<<(" in message


def test_triple_term_bound_in_the_where_is_written_by_the_template(writable):
    text = PREFIX + (f"INSERT {{ GRAPH <{SCRATCH}> {{ ex:stated ex:says ?t }} }} "
                     "WHERE { BIND(<<( ex:house ex:p 1 )>> AS ?t) }")
    assert post_update(writable, text).status_code == 204
    assert ask(writable, "ASK { ex:stated ex:says <<( ex:house ex:p 1 )>> }")


@pytest.mark.parametrize("how", ["sparql-query-body", "query-parameter"])
def test_update_sent_as_a_query_is_403_saying_how_to_send_it(unchanged, how):
    """It was refused as "this endpoint is read-only; send a SELECT…" on a writable server."""
    text = new_widget("as-query")
    client = unchanged.client()
    headers = {**unchanged.auth(), "Accept": "application/json"}
    if how == "sparql-query-body":
        response = client.post("/sparql", data=text, content_type="application/sparql-query",
                               headers=headers)
    else:
        response = client.get("/sparql", query_string={"query": text}, headers=headers)
    assert response.status_code == 403, response.data
    message = response.json["message"]
    assert "read-only" not in message
    assert UPDATE in message and "update=" in message


def test_two_updates_or_update_and_query_are_400(unchanged):
    client = unchanged.client()
    two = client.post("/sparql", data={"update": ["CLEAR SILENT DEFAULT", "CLEAR SILENT DEFAULT"]},
                      headers=unchanged.auth())
    assert two.status_code == 400
    both = client.post("/sparql", data={"update": "CLEAR SILENT DEFAULT", "query": "ASK {}"},
                       headers=unchanged.auth())
    assert both.status_code == 400


def test_update_by_get_is_refused(unchanged):
    response = unchanged.client().get("/sparql", query_string={"update": new_widget("get")},
                                      headers=unchanged.auth())
    assert response.status_code in (400, 403, 405)


def test_load_not_allowed_is_403(unchanged):
    response = post_update(unchanged, "LOAD <http://127.0.0.1:9/data.ttl>",
                           headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json["error"] == "load-refused"


def test_service_not_allowed_is_403(unchanged):
    text = PREFIX + "INSERT { ex:x ex:p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert post_update(unchanged, text).status_code == 403


# --- LOAD of an allowed document, and a server without tokens -----------------------------------

class _Document(http.server.BaseHTTPRequestHandler):
    body = (f'<{EX}loaded> a <{EX}Widget> ; <http://www.w3.org/2000/01/rdf-schema#label> "Loaded" ; '
            f'<http://www.w3.org/2000/01/rdf-schema#comment> "from LOAD" .').encode()

    def do_GET(self):  # noqa: N802
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/data.ttl")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_load_of_an_allow_listed_document_goes_through_the_guard(home, tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Document)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    document = f"http://127.0.0.1:{server.server_port}/data.ttl"
    redirect = f"http://127.0.0.1:{server.server_port}/redirect"
    state = writable_app(tmp_path, allow_load=(document, redirect))
    try:
        response = post_update(state, f"LOAD <{document}> INTO GRAPH <{SCRATCH}>")
        assert response.status_code == 204, response.data
        assert ask(state, f"ASK {{ GRAPH <{SCRATCH}> {{ ex:loaded a ex:Widget }} }}")
        followed = post_update(state, f"LOAD <{redirect}> INTO GRAPH <{SCRATCH}x>")
        assert followed.status_code == 400, "a redirect to a document not allowed was followed"
        assert post_update(state, f"LOAD SILENT <{redirect}>").status_code == 204
    finally:
        state.service.close()
        server.shutdown()
        server.server_close()


class _DeepDocument(_Document):
    body = (f"<{EX}x> <{EX}p> " + f"<<( <{EX}x> <{EX}y> " * 500 + "1" + " )>>" * 500 + " .").encode()


def test_load_of_a_document_with_triple_terms_nested_past_the_bound_is_400(home, tmp_path):
    """Its quads went back from the writers' process pickled, one recursion per level: a
    RecursionError there, answered 500."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _DeepDocument)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    document = f"http://127.0.0.1:{server.server_port}/deep.ttl"
    state = writable_app(tmp_path, allow_load=(document,), max_write_bytes=65536)
    try:
        before = snapshot(state)
        response = post_update(state, f"LOAD <{document}> INTO GRAPH <{SCRATCH}>",
                               headers={"Accept": "application/json"})
        assert response.status_code == 400, response.data
        assert "nests triple terms 500 deep" in response.json["message"]
        assert snapshot(state) == before
    finally:
        state.service.close()
        server.shutdown()
        server.server_close()


def test_a_server_without_tokens_stays_read_only(home, tmp_path):
    app = create_app(Settings(store=str(tmp_path / "store"), max_concurrent_queries=1))
    service = app.extensions["evawkg"].service
    try:
        service.wait_ready(60)
        client = app.test_client()
        response = client.post("/sparql", data="CLEAR ALL", content_type=UPDATE)
        assert response.status_code == 403
        assert client.put("/graph-store?default", data="", content_type="text/turtle").status_code in (404, 405)
        assert client.get("/changes").status_code == 404
    finally:
        service.close()
