"""``/queries/<name>`` answers carry a weak ETag like ``/sparql``'s, and a client that holds it
gets 304 without the query being run again; another parameter or format is another ETag."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/queries/agency-activities.csv", "/queries/agency-activities.json",
                                  "/queries/agency-activities"])
def test_named_query_answer_has_weak_etag_and_if_none_match_gets_304(client, app, path):
    first = client.get(path, headers={"Accept": "text/html"})
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and app.extensions["evawkg"].service.data_version in etag
    service = app.extensions["evawkg"].service
    calls = []
    original = service.query

    def counting(request):
        calls.append(request)
        return original(request)

    service.query = counting
    try:
        again = client.get(path, headers={"Accept": "text/html", "If-None-Match": etag})
    finally:
        service.query = original
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert calls == [], "a 304 must not run the query"


@pytest.mark.parametrize("path, accept", [("/queries/agency-activities", "text/html"),
                                          ("/queries/agency-activities.csv", None)])
def test_named_query_304_carries_the_vary_of_the_200(client, path, accept):
    """The page's 304 said ``Vary: Accept``, its 200 ``Accept, Accept-Language`` (RFC 9110
    section 15.4.5: a 304 sends the Vary the 200 would)."""
    headers = {"Accept": accept} if accept else {}
    first = client.get(path, headers=headers)
    again = client.get(path, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert first.status_code == 200 and again.status_code == 304
    assert again.headers["Vary"] == first.headers["Vary"]


def test_named_query_etag_changes_with_parameters_and_format(client):
    default = client.get("/queries/agency-activities.csv").headers["ETag"]
    other = client.get("/queries/agency-activities.csv?agency=https://evawkg.example.org/id/"
                       "organization/un-women")
    assert other.status_code == 200 and other.headers["ETag"] != default
    assert client.get("/queries/agency-activities.json").headers["ETag"] != default
    stale = client.get("/queries/agency-activities.csv", headers={"If-None-Match": 'W/"old"'})
    assert stale.status_code == 200 and stale.data


def test_named_query_page_accepts_the_language_the_navigation_bar_passes(client):
    response = client.get("/queries/agency-activities?lang=fr", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert 'hreflang="fr" aria-current="true"' in response.get_data(as_text=True)
