"""A chunked write on a live server: the HTTP front refuses a chunk declared past the largest
body any route takes (413, from the event loop), and with writes on that includes
``max_write_bytes``."""

from __future__ import annotations

import http.client

from .conftest import EX, THINGS, LiveServer, make_tokens, select


def test_chunked_update_past_the_query_and_upload_limits_reaches_the_write_route(tmp_path):
    tokens, secrets = make_tokens(tmp_path)
    live = LiveServer(tmp_path / "store", tokens, extra=(
        "--max-body-bytes", "1024", "--max-upload-bytes", "1024",
        "--max-write-bytes", "65536")).start()
    try:
        text = (f'PREFIX ex: <{EX}>\nINSERT DATA {{ GRAPH <{THINGS}> {{ ex:chunked a ex:Widget ; '
                f'rdfs:label "chunked" }} }}\n#' + "x" * 4000).encode()
        connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
        try:
            connection.request("POST", "/sparql", body=iter([text]), encode_chunked=True,
                               headers={"Content-Type": "application/sparql-update",
                                        "Authorization": "Bearer " + secrets["curator"]})
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        assert response.status in (200, 204), answer
        rows = select(live.base, f'SELECT ?l WHERE {{ <{EX}chunked> <http://www.w3.org/2000/01/'
                                 'rdf-schema#label> ?l }')
        assert [row["l"]["value"] for row in rows] == ["chunked"]
    finally:
        live.stop()
