"""A dump's preconditions and ranges are answered in RFC 9110's order (sections 13.2.2 and 14):
werkzeug served a range before it looked at If-Match or If-None-Match, honoured an If-Range
naming the gzip form's weak tag, ignored If-Unmodified-Since, and refused with a 416 a range it
could only ignore."""

from __future__ import annotations

import pytest

DUMP = "/dumps/evawkg.ttl"


@pytest.fixture()
def whole(client):
    response = client.get(DUMP)
    assert response.status_code == 200 and len(response.data) > 100
    return response


def test_range_with_if_match_that_fails_is_412_not_the_range(client, whole):
    refused = client.get(DUMP, headers={"Range": "bytes=0-9", "If-Match": '"other"'})
    assert refused.status_code == 412
    assert "If-Match" in refused.get_data(as_text=True) and "Content-Range" not in refused.headers


def test_range_with_if_none_match_that_holds_is_304_not_the_range(client, whole):
    cached = client.get(DUMP, headers={"Range": "bytes=0-9", "If-None-Match": whole.headers["ETag"]})
    assert cached.status_code == 304 and cached.data == b""
    assert cached.headers["ETag"] == whole.headers["ETag"]


def test_if_range_naming_the_gzip_forms_weak_tag_sends_the_whole_file(client, whole):
    """A download of the gzip form broken off and resumed without gzip got plain bytes to join
    to gzip ones: a weak tag never lets a range through (RFC 9110 section 13.1.5)."""
    zipped = client.get(DUMP, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["ETag"].startswith("W/")
    resumed = client.get(DUMP, headers={"Range": "bytes=10-", "If-Range": zipped.headers["ETag"]})
    assert resumed.status_code == 200 and resumed.data == whole.data


def test_if_range_takes_the_exact_date_only(client, whole):
    exact = client.get(DUMP, headers={"Range": "bytes=0-9", "If-Range": whole.headers["Last-Modified"]})
    assert exact.status_code == 206 and exact.data == whole.data[:10]
    later = client.get(DUMP, headers={"Range": "bytes=0-9",
                                      "If-Range": "Fri, 31 Dec 2100 23:59:59 GMT"})
    assert later.status_code == 200 and later.data == whole.data


def test_if_range_with_the_strong_tag_sends_the_range(client, whole):
    part = client.get(DUMP, headers={"Range": "bytes=5-9", "If-Range": whole.headers["ETag"]})
    assert part.status_code == 206 and part.data == whole.data[5:10]
    assert part.headers["Content-Range"] == f"bytes 5-9/{len(whole.data)}"


@pytest.mark.parametrize("wanted", ["items=0-1", "bytes=0-9,20-29", "bytes=9-1"])
def test_range_it_cannot_serve_is_ignored_and_the_whole_file_sent(client, whole, wanted):
    """Another unit must be ignored, several ranges or a malformed one may be (section 14.2):
    they were a 416, which says the range lies past the end."""
    response = client.get(DUMP, headers={"Range": wanted})
    assert response.status_code == 200 and response.data == whole.data


def test_range_past_the_end_is_416_saying_the_size(client, whole):
    size = len(whole.data)
    refused = client.get(DUMP, headers={"Range": f"bytes={size}-", "Accept": "application/json"})
    assert refused.status_code == 416
    assert refused.headers["Content-Range"] == f"bytes */{size}"
    body = refused.get_json()
    assert body["error"] == "range-not-satisfiable" and f"{size} bytes" in body["message"]


def test_if_unmodified_since_before_the_file_is_412(client, whole):
    refused = client.get(DUMP, headers={"If-Unmodified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"})
    assert refused.status_code == 412 and "If-Unmodified-Since" in refused.get_data(as_text=True)
    same = client.get(DUMP, headers={"If-Unmodified-Since": whole.headers["Last-Modified"]})
    assert same.status_code == 200 and same.data == whole.data


def test_if_match_never_matches_the_gzip_forms_weak_tag(client, whole):
    """If-Match compares strong tags: the gzip form's bytes (weak tag) were sent to an If-Match
    naming the plain file's."""
    refused = client.get(DUMP, headers={"Accept-Encoding": "gzip", "If-Match": whole.headers["ETag"]})
    assert refused.status_code == 412 and "weak" in refused.get_data(as_text=True)
    star = client.get(DUMP, headers={"Accept-Encoding": "gzip", "If-Match": "*"})
    assert star.status_code == 200 and star.headers["Content-Encoding"] == "gzip"


def test_head_with_a_range_gets_the_whole_files_headers(client, whole):
    response = client.head(DUMP, headers={"Range": "bytes=0-9"})
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(whole.data))


def test_gzip_form_is_revalidated_as_the_plain_one(client, whole):
    """The gzip form carried no Cache-Control and no Last-Modified: a cache could keep it as
    fresh after a write had made new dumps under the same name."""
    zipped = client.get(DUMP, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Cache-Control"] == whole.headers["Cache-Control"] == "no-cache"
    assert zipped.headers["Last-Modified"] == whole.headers["Last-Modified"]
    since = client.get(DUMP, headers={"Accept-Encoding": "gzip",
                                      "If-Modified-Since": whole.headers["Last-Modified"]})
    assert since.status_code == 304


@pytest.mark.parametrize(("headers", "status"), [
    ({"Range": "bytes=0-9", "If-Match": '"other"'}, 412), ({"Range": "items=0-9"}, 200),
    ({"Range": "bytes=0-9"}, 206)])
def test_assets_answer_preconditions_and_ranges_as_the_dumps_do(client, headers, status):
    """werkzeug's conditional answer served /assets too: a range despite a failing If-Match, a
    416 for a unit it had to ignore."""
    with client.get("/assets/style.css") as whole:
        assert whole.status_code == 200
        response = client.get("/assets/style.css", headers=headers)
        assert response.status_code == status
        if status == 206:
            assert response.data == whole.data[:10]
        if status == 200:
            assert response.data == whole.data
        response.close()


def test_a_page_elsewhere_may_resume_a_dump_download(client, whole):
    """The preflight allowed neither Range nor If-Range, and Content-Range was hidden from the
    page: a cross-origin client could not resume a download, nor tell which bytes came."""
    preflight = client.options(DUMP, headers={
        "Origin": "https://analyst.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "range, if-range"})
    allowed = {name.strip().lower()
               for name in preflight.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"range", "if-range"} <= allowed
    part = client.get(DUMP, headers={"Origin": "https://analyst.example", "Range": "bytes=0-9",
                                     "If-Range": whole.headers["ETag"]})
    assert part.status_code == 206
    assert "Content-Range" in part.headers["Access-Control-Expose-Headers"]
