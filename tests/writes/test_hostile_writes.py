"""Hostile writes on a live server (``evawkg serve``): inputs that once took down a web worker or
answered 500 are refused with a 400 that says what to fix, and the server goes on answering."""

from __future__ import annotations

import pytest

from .conftest import EX, LiveServer, http, make_tokens, select, update

SCRATCH = "https://evawkg.example.org/graph/scratch"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hostile")
    tokens, secrets = make_tokens(directory)
    server = LiveServer(directory / "store", tokens).start()
    server.secret = secrets["curator"]
    yield server
    server.stop()


def _still_answers(live) -> None:
    status, _, answer = update(live.base, f"INSERT DATA {{ GRAPH <{SCRATCH}> {{ <{EX}alive> "
                                          f"<{EX}v> 1 }} }}", live.secret)
    assert status in (200, 204), answer
    rows = select(live.base, f"SELECT ?v WHERE {{ GRAPH <{SCRATCH}> {{ <{EX}alive> ?p ?v }} }}")
    assert [row["v"]["value"] for row in rows] == ["1"]


@pytest.mark.parametrize("text", [
    "INSERT { <a:b> <a:c> 1 } WHERE " + "{" * 3000 + "}" * 3000,
    f"DELETE {{ GRAPH <{SCRATCH}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{SCRATCH}> {{ ?s ?p ?o "
    "FILTER(" + "(" * 5000 + "false" + ")" * 5000 + ") } }",
], ids=["nested-groups", "nested-parentheses"])
def test_update_nested_thousands_deep_is_400_and_the_worker_lives(live, text):
    """pyoxigraph's parser recursed on the web worker's stack until it crashed (SIGSEGV): the
    request, and every other one the worker was answering, got no answer at all."""
    status, _, answer = update(live.base, text, live.secret)
    assert status == 400, answer
    assert b"nests too deeply" in answer
    _still_answers(live)


@pytest.mark.parametrize("depth", [500, 3000])
def test_graph_store_body_with_triple_terms_nested_past_the_bound_is_400(live, depth):
    """Its quads were pickled to the writers' process, recursing once per level: a
    RecursionError, answered 500 with a traceback in the log."""
    body = (f"<{EX}x> <{EX}p> " + f"<<( <{EX}x> <{EX}y> " * depth + "1" + " )>>" * depth + " .")
    status, _, answer = http("PUT", f"{live.base}/graph-store?graph={SCRATCH}-deep", body, {
        "Content-Type": "text/turtle", "Authorization": "Bearer " + live.secret})
    assert status == 400, answer
    assert b"nests triple terms" in answer
    assert http("GET", f"{live.base}/graph-store?graph={SCRATCH}-deep")[0] == 404
    _still_answers(live)


def test_graph_store_body_with_triple_terms_nested_to_the_bound_is_written(live):
    depth = 250
    body = (f"<{EX}x> <{EX}p> " + f"<<( <{EX}x> <{EX}y> " * depth + "1" + " )>>" * depth + " .")
    status, _, answer = http("PUT", f"{live.base}/graph-store?graph={SCRATCH}-deep-ok", body, {
        "Content-Type": "text/turtle", "Authorization": "Bearer " + live.secret})
    assert status == 201, answer
    status, _, answer = http("GET", f"{live.base}/graph-store?graph={SCRATCH}-deep-ok",
                             headers={"Accept": "application/n-triples"})
    assert status == 200 and answer.count(b"<<(") == depth
