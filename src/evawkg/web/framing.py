"""Where an HTTP/1.1 request ends: its framing, read from bytes as they arrive (RFC 9112 §6,
https://www.rfc-editor.org/rfc/rfc9112#section-6).

The request worker (:mod:`evawkg.web.worker`) buffers each request in its event loop and hands
it to a request thread only once it is whole, so a client that sends slowly holds a buffer, never
a thread. :class:`RequestFraming` is the part that decides "whole": the header block, then a body
of ``Content-Length`` bytes or ``chunked`` up to its last chunk and trailers. It only frames;
gunicorn's parser still parses and validates the request. Whatever this class cannot frame
(conflicting or malformed lengths, an unknown transfer coding) it calls whole at once, so that
parser answers 400 from the bytes already buffered, without waiting for more; a malformed
chunked body, which gunicorn would only find while the application reads it (a 500), is
:attr:`Framing.MALFORMED` and the worker answers 400 itself.

Linear in the bytes fed: each call scans only what it has not scanned before.
"""

from __future__ import annotations

import enum
import re

_EXPECT_CONTINUE = re.compile(rb"\r\nexpect[ \t]*:[ \t]*100-continue[ \t]*(?=\r\n)", re.IGNORECASE)
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


class Framing(enum.Enum):
    """What :meth:`RequestFraming.feed` found."""

    #: More bytes are needed.
    INCOMPLETE = "incomplete"
    #: The request (head and body) is buffered whole, or is malformed (see ``whole``): hand
    #: it over.
    COMPLETE = "complete"
    #: The head is whole but the body is larger than the buffer may hold: with a
    #: ``Content-Length``, hand it over now, unread, so the application answers 413 from the
    #: head; a chunked body (a chunk declared past the limit) the worker refuses itself. The
    #: connection closes after either answer.
    BODY_TOO_LARGE = "body too large"
    #: No end of the header block within the limit: answer 431.
    HEAD_TOO_LARGE = "head too large"
    #: No end of the request line within the head's limit: answer 414.
    LINE_TOO_LONG = "request line too long"
    #: A chunked body's trailer section longer than the head's limit: answer 431.
    TRAILERS_TOO_LARGE = "trailers too large"
    #: A chunked body whose framing is broken (a chunk size that is not hex, an endless line):
    #: answer 400.
    MALFORMED = "malformed"


class RequestFraming:
    """The bytes of one request as they arrive, and whether they form a whole request yet.

    ``max_head_bytes`` bounds the request line and headers; ``max_body_bytes`` the body this
    buffer may hold (the largest body any route accepts)."""

    def __init__(self, max_head_bytes: int, max_body_bytes: int):
        self.max_head_bytes = max_head_bytes
        self.max_body_bytes = max_body_bytes
        self.data = bytearray()
        self.expects_continue = False
        self._body_start: int | None = None
        self._content_length: int | None = None
        self._chunked = False
        self._scanned = 0         # where the search for the end of the head resumes
        self._chunk_position = 0  # where the next chunk-size line starts (chunked bodies)
        self._body_bytes = 0      # chunk data seen so far (chunked bodies)
        self._in_trailers = False
        self._trailer_bytes = 0
        self.result = Framing.INCOMPLETE
        #: Whether the whole request, as framed, is in :attr:`data` (not so for a malformed one
        #: handed over as it is: its parser might still wait for bytes).
        self.whole = False

    def __len__(self) -> int:
        return len(self.data)

    @property
    def started(self) -> bool:
        """Whether any byte of a request (not just blank lines between requests) has arrived."""
        return bool(self.data.lstrip(b"\r\n"))

    @property
    def head_complete(self) -> bool:
        return self._body_start is not None

    @property
    def chunked(self) -> bool:
        """Whether the body comes in chunks (its size is then known only once it has arrived)."""
        return self._chunked

    def feed(self, data: bytes) -> Framing:
        """Add ``data``; say whether the request is whole now."""
        self.data += data
        if self.result is Framing.INCOMPLETE:
            self.result = self._frame()
        return self.result

    def request_bytes(self) -> bytes:
        """The buffered bytes without an ``Expect: 100-continue`` header: the worker answers
        it (gunicorn would answer it a second time), or the body is not wanted (too large)."""
        if self._body_start is None:
            return bytes(self.data)
        head = bytes(self.data[:self._body_start])
        return _EXPECT_CONTINUE.sub(b"", head, count=1) + bytes(self.data[self._body_start:])

    def bodiless_request(self) -> bytes | None:
        """The buffered bytes when they are one whole request without a body (no
        ``Content-Length`` above 0, not chunked) and nothing after it (no pipelined request):
        the shape of a repeatable GET (:mod:`evawkg.web.repeats`). Else None."""
        if (not self.whole or self._chunked or self._body_start != len(self.data)
                or self._content_length not in (None, 0)):
            return None
        return bytes(self.data)

    # --- framing ---------------------------------------------------------------------------

    def _frame(self) -> Framing:
        if self._body_start is None:
            found = self._find_head_end()
            if found is not None:
                return found
        if self._body_start is None:
            return Framing.INCOMPLETE
        if self._chunked:
            return self._frame_chunks()
        if self._content_length is None or (
                len(self.data) - self._body_start >= self._content_length):
            self.whole = True
            return Framing.COMPLETE
        return Framing.INCOMPLETE

    def _find_head_end(self) -> Framing | None:
        # RFC 9112 §2.2: blank lines before a request line are ignored.
        start = 0
        while self.data.startswith(b"\r\n", start):
            start += 2
        end = self.data.find(b"\r\n\r\n", max(start, self._scanned - 3))
        if end < 0:
            self._scanned = len(self.data)
            if len(self.data) - start > self.max_head_bytes:
                return self._head_too_large(start)
            return None
        if end - start > self.max_head_bytes:
            return self._head_too_large(start)
        self._body_start = end + 4
        return self._read_head(bytes(self.data[start:end]))

    def _head_too_large(self, start: int) -> Framing:
        line_end = self.data.find(b"\r\n", start, start + self.max_head_bytes + 2)
        return Framing.HEAD_TOO_LARGE if line_end >= 0 else Framing.LINE_TOO_LONG

    def _read_head(self, head: bytes) -> Framing | None:
        lines = head.split(b"\r\n")
        version = lines[0].rsplit(b" ", 1)[-1]
        lengths: set[bytes] = set()
        codings: list[bytes] = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            value = value.strip()
            if name == b"content-length":
                lengths.update(part.strip() for part in value.split(b","))
            elif name == b"transfer-encoding":
                codings.extend(part.strip().lower() for part in value.split(b",") if part.strip())
            elif name == b"expect" and value.lower() == b"100-continue":
                self.expects_continue = version == b"HTTP/1.1"
        if codings:
            if lengths or codings[-1] != b"chunked":
                return Framing.COMPLETE  # not framable: gunicorn answers 400
            self._chunked = True
            self._chunk_position = self._body_start
            return None
        if not lengths:
            self.expects_continue = False
            return None  # no body: complete
        if len(lengths) != 1 or not next(iter(lengths)).isdigit():
            return Framing.COMPLETE  # conflicting or malformed: gunicorn answers 400
        self._content_length = int(next(iter(lengths)))
        if self._content_length > self.max_body_bytes:
            return Framing.BODY_TOO_LARGE
        if self._content_length == 0:
            self.expects_continue = False
        return None

    def _frame_chunks(self) -> Framing:
        data = self.data
        while True:
            line_end = data.find(b"\r\n", self._chunk_position)
            if line_end < 0:
                pending = len(data) - self._chunk_position
                if self._in_trailers and self._trailer_bytes + pending > self.max_head_bytes:
                    return Framing.TRAILERS_TOO_LARGE
                if pending > self.max_head_bytes:
                    return Framing.MALFORMED  # an endless chunk-size line
                return Framing.INCOMPLETE
            line = bytes(data[self._chunk_position:line_end])
            if self._in_trailers:
                self._chunk_position = line_end + 2
                if not line:
                    self.whole = True
                    return Framing.COMPLETE
                # Trailers are a header section: bounded as the head is.
                self._trailer_bytes += len(line) + 2
                if self._trailer_bytes > self.max_head_bytes:
                    return Framing.TRAILERS_TOO_LARGE
                continue
            size_text = line.split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size_text):
                return Framing.MALFORMED
            size = int(size_text, 16)
            if size == 0:
                self._in_trailers = True
                self._chunk_position = line_end + 2
                continue
            if self._body_bytes + size > self.max_body_bytes:
                return Framing.BODY_TOO_LARGE
            chunk_end = line_end + 2 + size + 2
            if len(data) < chunk_end:
                return Framing.INCOMPLETE
            if data[chunk_end - 2:chunk_end] != b"\r\n":
                return Framing.MALFORMED  # chunk data longer than its size says
            self._body_bytes += size
            self._chunk_position = chunk_end


def read_chunked_body(stream, limit: int) -> bytes | None:
    """A chunked request body from ``stream`` (the WSGI input, which the server ends), read to
    one byte past ``limit`` at most: the body, or None when it is longer than ``limit``. Never
    cut to the limit and handed over as if whole (werkzeug's own reading of a chunked body
    stops at ``max_content_length`` and gives what it read)."""
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > limit else b"".join(chunks)


__all__ = ["Framing", "RequestFraming", "read_chunked_body"]
