"""After a commit everything derived follows it (data version, ETags, VoID counts, dumps, search,
linked-data pages), and the change feed tells consumers what changed: ``/changes`` newest first
as JSON, HTML and Atom, ``?since=``, ``/changes/<id>`` as an N-Quads pair or an RDF Patch, and a
``prov:Activity`` per commit in ``graph/changes``."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ElementTree

import pyoxigraph as ox

from .conftest import BASE, EX, SCRATCH

NEW = BASE + "id/thing/lantern"
TEXT = (f'PREFIX ex: <{EX}>\nINSERT DATA {{ GRAPH <{SCRATCH}> {{ <{NEW}> a ex:Widget ; '
        f'rdfs:label "Glowing lantern" ; rdfs:comment "new" ; ex:partOf ex:house }} }}')
ATOM = "{http://www.w3.org/2005/Atom}"


def write(state, text: str = TEXT):
    response = state.client().post("/sparql", data=text, content_type="application/sparql-update",
                                   headers=state.auth())
    assert response.status_code == 204, response.data
    return response


def void_triples(client) -> int:
    response = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    graph = ox.parse(response.data, ox.RdfFormat.N_TRIPLES)
    counts = [int(t.object.value) for t in graph
              if t.predicate.value == "http://rdfs.org/ns/void#triples"
              and t.subject.value.endswith("void#dataset")]
    return max(counts) if counts else -1


def test_everything_derived_follows_the_commit(fresh):
    client = fresh.client()
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    etag = client.get("/sparql", query_string=query).headers["ETag"]
    assert client.get(NEW.replace(BASE, "/")).status_code == 404
    assert client.get("/search", query_string={"q": "lantern"},
                      headers={"Accept": "application/json"}).json["hits"] == []
    dump_before = client.get("/dumps/evawkg.nt.gz").data
    triples_before = void_triples(client)
    health_before = client.get("/healthz").json

    write(fresh)

    assert client.get("/sparql", query_string=query).headers["ETag"] != etag
    stale = client.get("/sparql", query_string=query, headers={"If-None-Match": etag})
    assert stale.status_code == 200, "a stale ETag still matched after the commit"
    page = client.get(NEW.replace(BASE, "/"), headers={"Accept": "text/html"})
    assert page.status_code == 200 and b"Glowing lantern" in page.data
    hits = client.get("/search", query_string={"q": "lantern"},
                      headers={"Accept": "application/json"}).json["hits"]
    assert [hit["iri"] for hit in hits] == [NEW]
    dump_after = client.get("/dumps/evawkg.nt.gz").data
    assert dump_after != dump_before and b"Glowing lantern" in gzip.decompress(dump_after)
    # the four triples written, and the commit's activity in graph/changes
    activity = client.get("/sparql", query_string={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ "
                                                    f"GRAPH <{BASE}graph/changes> {{ ?s ?p ?o }} }}"},
                          headers={"Accept": "application/sparql-results+json"})
    written = int(activity.json["results"]["bindings"][0]["n"]["value"])
    assert triples_before > 0 and void_triples(client) == triples_before + 4 + written
    health = client.get("/healthz").json
    assert health["data_version"] != health_before["data_version"]
    assert health["triples"] > health_before["triples"]


def test_the_feed_lists_commits_newest_first_in_json_html_and_atom(fresh):
    write(fresh)
    write(fresh, TEXT.replace("lantern", "candle").replace("Glowing", "Small"))
    client = fresh.client()
    feed = client.get("/changes", headers={"Accept": "application/json"}).json
    assert [entry["id"] for entry in feed["changes"]] == [2, 1]
    first = feed["changes"][1]
    assert first["token"] == "curator" and first["graphs"] == [SCRATCH]
    assert (first["added"], first["removed"]) == (4, 0)
    assert first["inferred_added"] > 0 and len(first["request_sha256"]) == 64
    assert [e["id"] for e in client.get("/changes?since=1&format=json").json["changes"]] == [2]
    html = client.get("/changes", headers={"Accept": "text/html"})
    assert html.mimetype == "text/html" and b"/changes/2" in html.data
    atom = client.get("/changes", headers={"Accept": "application/atom+xml"})
    assert atom.mimetype == "application/atom+xml"
    entries = ElementTree.fromstring(atom.data).findall(ATOM + "entry")
    assert [e.find(ATOM + "id").text for e in entries] == [BASE + "changes/2", BASE + "changes/1"]
    assert entries[0].find(ATOM + "author/" + ATOM + "name").text == "curator"


def test_a_commit_gives_its_delta_as_nquads_pair_and_rdf_patch(fresh):
    write(fresh)
    client = fresh.client()
    change = client.get("/changes/1", headers={"Accept": "application/json"}).json
    added = set(ox.parse(change["added"].encode(), ox.RdfFormat.N_QUADS))
    assert len(added) == 4 and change["removed"] == ""
    assert all(q.graph_name == ox.NamedNode(SCRATCH) for q in added)
    patch = client.get("/changes/1.rdfp")
    assert patch.mimetype == "application/rdf-patch"
    lines = patch.data.decode().splitlines()
    assert lines[1] == "TX ." and lines[-1] == "TC ."
    assert sum(line.startswith("A ") for line in lines) == 4
    assert client.get("/changes/1", headers={"Accept": "application/rdf-patch"}).data == patch.data
    assert client.get("/changes/99").status_code == 404


def test_every_commit_is_a_prov_activity_in_the_changes_graph(fresh):
    write(fresh)
    response = fresh.client().get("/sparql", query_string={"query": f"""
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?agent ?graph ?added WHERE {{ GRAPH <{BASE}graph/changes> {{
          <{BASE}changes/1> a prov:Activity ; prov:wasAssociatedWith/rdfs:label ?agent ;
            <{BASE}changes#graph> ?graph ; <{BASE}changes#triplesAdded> ?added }} }}"""},
        headers={"Accept": "application/sparql-results+json"})
    (row,) = response.json["results"]["bindings"]
    assert row["agent"]["value"] == "curator"
    assert row["graph"]["value"] == SCRATCH and row["added"]["value"] == "4"


def test_a_write_changing_nothing_makes_no_commit(fresh):
    write(fresh)
    version = fresh.service.data_version
    response = fresh.client().post("/sparql", data=TEXT, content_type="application/sparql-update",
                                   headers=fresh.auth())
    assert response.status_code == 204 and "Link" not in response.headers
    assert fresh.service.data_version == version
