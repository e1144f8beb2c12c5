"""The access log holds one line per request whatever the path: werkzeug decodes ``%0A`` in a
path to a newline and ``%1B`` to ESC, which forged log lines and drove the terminal of whoever
read the log; such characters are logged (and shown in messages) percent-encoded again."""

from __future__ import annotations

import logging
from urllib.parse import unquote_to_bytes

FORGED = "/id/x%0A2026-01-01 00:00:00,000 INFO evawkg.access: FORGED%1B%5B31m"


def test_a_path_with_a_newline_or_escape_is_one_line_of_the_access_log(client, caplog):
    with caplog.at_level(logging.INFO, logger="evawkg.access"):
        assert client.get(FORGED).status_code == 404
    (line,) = [record.getMessage() for record in caplog.records if record.name == "evawkg.access"]
    assert "\n" not in line and "\x1b" not in line
    assert "/id/x%0A2026-01-01%2000:00:00,000%20INFO" in line and "FORGED%1B%5B31m" in line


def test_a_404_of_a_path_no_route_takes_shows_it_percent_encoded(client):
    response = client.get("/assets/x%0Ay%1B")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "/assets/x%0Ay%1B" in text and "\x1b" not in text


def test_a_path_that_is_no_utf8_is_400_showing_it_as_sent(client):
    """werkzeug reads %FF as U+FFFD: the 404 named a path the client never sent."""
    for path in ("/id/country/%FF", "/dumps/VERSION%C3", "/queries/x%E2%82"):
        # The environ gunicorn builds (werkzeug's test client would send U+FFFD's bytes).
        response = client.get(path, headers={"Accept": "application/json"}, environ_overrides={
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1")})
        assert response.status_code == 400, path
        message = response.get_json()["message"]
        assert path in message and "UTF-8" in message and "\ufffd" not in message
    assert client.get("/id/caf%C3%A9").status_code == 404  # UTF-8: looked up, not refused
