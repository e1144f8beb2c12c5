"""Where a request ends (RFC 9112 §6), as the buffering worker decides it from bytes as they
arrive: every framing a client may use, fed whole and a byte at a time."""

from __future__ import annotations

import time

import pytest

from evawkg.web.framing import Framing, RequestFraming

HEAD = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"


def frame(data: bytes, *, max_head: int = 1024, max_body: int = 100) -> RequestFraming:
    framing = RequestFraming(max_head, max_body)
    framing.feed(data)
    return framing


def fed_bytewise(data: bytes, **limits) -> list[Framing]:
    framing = RequestFraming(limits.get("max_head", 1024), limits.get("max_body", 100))
    return [framing.feed(data[i:i + 1]) for i in range(len(data))]


@pytest.mark.parametrize(("request_bytes", "expected"), [
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", Framing.COMPLETE),
    (b"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", Framing.COMPLETE),  # blank lines first
    (b"GET / HTTP/1.1\r\nHost: x\r\n", Framing.INCOMPLETE),
    (HEAD + b"Content-Length: 5\r\n\r\nASK {", Framing.COMPLETE),
    (HEAD + b"Content-Length: 6\r\n\r\nASK {", Framing.INCOMPLETE),
    (HEAD + b"content-length:  0 \r\n\r\n", Framing.COMPLETE),
    (HEAD + b"Content-Length: 101\r\n\r\n", Framing.BODY_TOO_LARGE),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nASK\r\n0\r\n\r\n", Framing.COMPLETE),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3;x=y\r\nASK\r\n0\r\nT: 1\r\n\r\n",
     Framing.COMPLETE),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nASK\r\n0\r\n", Framing.INCOMPLETE),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nAS", Framing.INCOMPLETE),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n65\r\n", Framing.BODY_TOO_LARGE),
    (b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 2000, Framing.HEAD_TOO_LARGE),
    (b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 2000 + b"\r\n\r\n", Framing.HEAD_TOO_LARGE),
    (b"GET /" + b"a" * 2000, Framing.LINE_TOO_LONG),
    (b"GET /" + b"a" * 2000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", Framing.LINE_TOO_LONG),
    (b"GET /" + b"a" * 1000 + b" HTTP/1.1\r\nX: " + b"y" * 100 + b"\r\n\r\n",
     Framing.HEAD_TOO_LARGE),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nASK\r\n0\r\nT: " + b"t" * 1100,
     Framing.TRAILERS_TOO_LARGE),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nASK\r\n0\r\n"
     + b"T: " + b"t" * 600 + b"\r\nU: " + b"u" * 600 + b"\r\n\r\n", Framing.TRAILERS_TOO_LARGE),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nASK\r\n0\r\n"
     + b"T: " + b"t" * 900 + b"\r\n\r\n", Framing.COMPLETE),
])
def test_framing_whole_and_bytewise(request_bytes, expected):
    assert frame(request_bytes).result is expected
    assert fed_bytewise(request_bytes)[-1] is expected


@pytest.mark.parametrize("request_bytes", [
    HEAD + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n",       # conflicting lengths
    HEAD + b"Content-Length: +5\r\n\r\n",                            # not digits
    HEAD + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",  # both (smuggling)
    HEAD + b"Transfer-Encoding: gzip\r\n\r\n",                       # not framable
])
def test_malformed_framing_is_handed_over_at_once_for_the_parser_to_refuse(request_bytes):
    framing = frame(request_bytes)
    assert framing.result is Framing.COMPLETE and not framing.whole


@pytest.mark.parametrize("body", [
    b"0x3\r\nASK\r\n0\r\n\r\n",   # not hex digits only
    b"zz\r\nASK\r\n",               # not hex at all
    b"3\r\nASK {\r\n0\r\n\r\n",  # more data than the size says
    b"3" * 2000,                        # a size line without end
])
def test_malformed_chunked_body_is_found_before_the_application_reads_it(body):
    framing = RequestFraming(1024, 1_000_000)
    assert framing.feed(HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + body) is Framing.MALFORMED


def test_pipelined_bytes_after_a_request_stay_buffered():
    framing = frame(b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n")
    assert framing.result is Framing.COMPLETE and framing.whole
    assert framing.request_bytes().endswith(b"GET /b HTTP/1.1\r\n\r\n")


def test_expect_100_continue_is_noted_and_dropped_from_the_request():
    framing = frame(HEAD + b"Expect: 100-Continue\r\nContent-Length: 5\r\n\r\n")
    assert framing.result is Framing.INCOMPLETE and framing.expects_continue
    framing.feed(b"ASK {")
    assert framing.result is Framing.COMPLETE
    assert framing.request_bytes() == HEAD + b"Content-Length: 5\r\n\r\nASK {"


def test_expect_100_continue_is_ignored_without_a_body_or_in_http_1_0():
    assert not frame(b"GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n").expects_continue
    assert not frame(b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
                     ).expects_continue


def test_started_ignores_blank_lines_between_requests():
    assert not frame(b"\r\n").started
    assert frame(b"\r\nG").started


def test_framing_is_linear_in_the_bytes_fed():
    """A 60 KiB head fed a byte at a time: rescanning from the start each time would be
    quadratic (seconds); scanning only what is new stays well under that."""
    head = b"GET / HTTP/1.1\r\n" + b"X-Filler: " + b"f" * 60_000 + b"\r\n\r\n"
    framing = RequestFraming(64 * 1024, 100)
    started = time.perf_counter()
    results = [framing.feed(head[i:i + 1]) for i in range(len(head))]
    assert results[-1] is Framing.COMPLETE and results.count(Framing.COMPLETE) == 1
    assert time.perf_counter() - started < 1.0

    chunks = b"".join(b"1\r\nx\r\n" for _ in range(20_000)) + b"0\r\n\r\n"
    framing = RequestFraming(1024, 1_000_000)
    framing.feed(HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
    started = time.perf_counter()
    results = [framing.feed(chunks[i:i + 7]) for i in range(0, len(chunks), 7)]
    assert results[-1] is Framing.COMPLETE and framing.whole
    assert time.perf_counter() - started < 1.0
