"""Chunked request bodies past ``max_body_bytes`` against a live ``evawkg serve`` (issue 14,
item 8): such a body was cut at the limit and run (a trailing ``LIMIT 3`` dropped); it must be
refused with 413, as a body announced with ``Content-Length`` is."""

from __future__ import annotations

import http.client
import json
import urllib.parse

import pytest

from evawkg.settings import Settings

LIMIT = Settings().max_body_bytes  # the live server runs with the default
QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


def padded(total: int) -> str:
    """``QUERY`` + spaces + `` LIMIT 3``, ``total`` bytes in all: cut at the limit, it loses
    its LIMIT and answers every triple."""
    tail = " LIMIT 3"
    return QUERY + " " * (total - len(QUERY) - len(tail)) + tail


def post_chunked(base: str, body: bytes, content_type: str) -> tuple[int, dict, bytes]:
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        chunks = (body[at:at + 65536] for at in range(0, len(body), 65536))
        connection.request("POST", "/sparql", body=chunks, encode_chunked=True,
                           headers={"Content-Type": content_type, "Transfer-Encoding": "chunked",
                                    "Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("how", ["body", "form"])
def test_chunked_body_past_the_limit_is_413_and_not_run(live_server, how):
    base, _ = live_server
    text = padded(LIMIT + 100)
    body = (text.encode() if how == "body"
            else urllib.parse.urlencode({"query": text}).encode())
    status, headers, payload = post_chunked(
        base, body, "application/sparql-query" if how == "body"
        else "application/x-www-form-urlencoded")
    assert status == 413, payload[:300]
    assert b"payload-too-large" in payload
    assert "X-Result-Rows" not in headers


@pytest.mark.parametrize("how", ["body", "form"])
def test_chunked_body_within_the_limit_is_read_whole(live_server, how):
    base, _ = live_server
    text = padded(LIMIT - 200)
    body = (text.encode() if how == "body"
            else urllib.parse.urlencode({"query": text}).encode())
    status, headers, payload = post_chunked(
        base, body, "application/sparql-query" if how == "body"
        else "application/x-www-form-urlencoded")
    assert status == 200, payload[:300]
    assert headers["X-Result-Rows"] == "3"
    assert len(json.loads(payload)["results"]["bindings"]) == 3
