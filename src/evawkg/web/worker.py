"""The gunicorn worker of ``evawkg serve``: gthread, but a request reaches a thread only whole.

gunicorn's thread worker gives a connection to a request thread as soon as its first byte
arrives; the thread then reads the rest with blocking reads. Eight clients that send a byte every
two seconds (slowloris) hold all eight threads and nobody else is served: gunicorn's own docs say
sync and thread workers need a buffering front for slow clients. This worker is that front, in the
worker's own event loop (no proxy, no new dependency; an event-driven worker class would have put
the query pool's blocking sockets and CPU-bound rendering on one cooperative loop):

* every connection, new or kept alive, is read without blocking into a buffer until the request
  is whole (:class:`~evawkg.web.framing.RequestFraming`: the head, then a body up to the largest
  one a route accepts); only then does a thread parse and serve it, from memory;
* a request must arrive whole within ``request_read_timeout`` seconds of its first byte (of the
  connection, for a new one): past that it is answered 408 and closed, however the bytes trickle;
* the bytes of unfinished requests a worker holds are bounded by ``request_buffer_bytes``; past
  it, reading a large body waits (its deadline still runs) while small requests go on;
* a body larger than any route accepts is not read: the thread answers 413 from the head (a
  chunked one, whose size is not in the head, is refused 413 by this loop) and the connection
  closes; if a thread must read from the socket anyway (a malformed request), the deadline shuts
  the socket's read side, which frees the thread;
* a chunked body is decoded whole before the application sees it, so a bad trailer is a 400 (a
  trailer section past gunicorn's header limits a 431) with one line saying why, not an error
  inside the application (500);
* an answer sent without reading the request body says ``Connection: close`` when the rest of
  that body is more than a small request's worth (or cannot be read): the connection does close
  then, and a client must not send its next request on it;
* closing a connection lingers in the event loop (gunicorn's lingering close blocks the loop up
  to 2 s per connection), and stopping closes idle connections at once, so an idle server exits
  promptly after SIGTERM.

Plain HTTP/1.1 only: TLS and HTTP/2 terminate in a proxy in front, if any.
"""

from __future__ import annotations

import errno
import io
import selectors
import socket
import threading
import time
from functools import partial

from gunicorn import http
from gunicorn.http.body import Body, ChunkedReader
from gunicorn.http.errors import (InvalidHeader, InvalidHeaderName, InvalidHTTPVersion,
                                  InvalidRequestLine, InvalidRequestMethod,
                                  InvalidResponseHeader, InvalidResponseHeaderName,
                                  LimitRequestHeaders, NoMoreData, ObsoleteFolding,
                                  ParseException)
from gunicorn.workers.gthread import TConn, ThreadWorker

from ..writes import enabled as writes_enabled
from .errors import byte_limit
from .framing import Framing, RequestFraming
from .repeats import REPEATABLE, RepeatedAnswers, SentBytes

#: A connection may always buffer this much, whatever the worker's budget: small requests are
#: never held up by large bodies in flight.
SMALL_REQUEST_BYTES = 64 * 1024
#: Largest single read from a client socket.
READ_SIZE = 64 * 1024
#: How long a closed connection's read side is drained (so the kernel sends FIN, not a reset
#: that could destroy the last answer), and how long a partly sent request may still finish
#: once the worker is stopping.
LINGER_SECONDS = 1.0


class BufferedConnection(TConn):
    """A client connection, with the request being read and the deadline it must arrive by."""

    def __init__(self, cfg, sock, client, server):
        super().__init__(cfg, sock, client, server)
        self.framing: RequestFraming | None = None
        self.deadline = 0.0
        self.buffered = 0          # bytes counted against the worker's budget
        self.sent_continue = False
        #: False for a request handed over without its whole body (too large, or malformed).
        self.whole = True
        self.drained = 0           # bytes discarded while lingering
        self.closed = False
        #: The key under which the answer to the request being served may be kept
        #: (:mod:`evawkg.web.repeats`), when it is one that may be.
        self.repeat_key: tuple | None = None


class BufferingThreadWorker(ThreadWorker):
    """gunicorn's ``gthread`` worker whose event loop reads whole requests before a thread
    serves them (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        settings = self.app.settings
        self.read_timeout: float = settings.request_read_timeout
        self.buffer_budget: int = settings.request_buffer_bytes
        # The largest body any route takes (writes' too, when on): a chunk declared past it is
        # refused here, 413.
        self.max_body_bytes: int = max(settings.max_body_bytes, settings.max_upload_bytes,
                                       settings.max_write_bytes if writes_enabled(settings) else 0)
        #: The request line and headers together (gunicorn's own limits are set not to bind
        #: before it: see evawkg.web.server.head_limits).
        self.max_head_bytes: int = settings.max_head_bytes
        self.buffered = 0
        # Insertion order is deadline order: every deadline is "now + the same timeout".
        self.reading: dict[BufferedConnection, float] = {}
        self.paused: dict[BufferedConnection, None] = {}  # also in ``reading``
        # In a thread that may read the socket; handed over in any order, so scanned whole (few:
        # only requests too large or malformed).
        self.unframed: dict[BufferedConnection, float] = {}
        self.lingering: dict[BufferedConnection, float] = {}
        # The request each request thread is serving (see handle_request).
        self._serving = threading.local()
        #: Answers this worker sends again without the app (set in load_wsgi; None: off).
        self.repeats: RepeatedAnswers | None = None

    @classmethod
    def check_config(cls, cfg, log):
        super().check_config(cfg, log)
        if cfg.is_ssl:
            raise RuntimeError("evawkg serve speaks plain HTTP; terminate TLS in a proxy")

    # --- connections arriving and becoming readable ---------------------------------------------

    def accept(self, listener):
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = BufferedConnection(self.cfg, client_sock, client_addr, listener.getsockname())
        self._start_reading(conn, b"")

    def on_client_socket_readable(self, conn, client):
        """A kept-alive connection has its next request coming: read it here, not in a thread."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._start_reading(conn, b"")

    def _start_reading(self, conn: BufferedConnection, data: bytes) -> None:
        conn.framing = RequestFraming(self.max_head_bytes, self.max_body_bytes)
        conn.sent_continue = False
        conn.deadline = time.monotonic() + self.read_timeout
        if not self.alive:
            conn.deadline = min(conn.deadline, time.monotonic() + LINGER_SECONDS)
        self.reading[conn] = conn.deadline
        conn.sock.setblocking(False)
        if data:
            self._count(conn, len(data))
            if self._advance(conn, conn.framing.feed(data)):
                return
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn: BufferedConnection, sock) -> None:
        try:
            data = sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away before its request was whole
            self._unregister(conn)
            self._drop(conn)
            return
        self._count(conn, len(data))
        if self._advance(conn, conn.framing.feed(data)):
            return
        if self.buffered > self.buffer_budget and conn.buffered > SMALL_REQUEST_BYTES:
            self._unregister(conn)
            self.paused[conn] = None

    def _advance(self, conn: BufferedConnection, framing: Framing) -> bool:
        """Act on what the framing says; True when the connection leaves the reading state."""
        if framing is Framing.INCOMPLETE:
            if conn.framing.expects_continue and not conn.sent_continue:
                conn.sent_continue = True
                self._send(conn, b"HTTP/1.1 100 Continue\r\n\r\n")
            return False
        self.reading.pop(conn, None)
        self._unregister(conn)
        if framing is Framing.HEAD_TOO_LARGE:
            self._refuse(conn, "431 Request Header Fields Too Large",
                         f"the request line and headers are larger than "
                         f"{byte_limit(self.max_head_bytes)}; send fewer or shorter headers")
            return True
        if framing is Framing.LINE_TOO_LONG:
            self._refuse(conn, "414 URI Too Long",
                         f"the request line is longer than {byte_limit(self.max_head_bytes)}; "
                         + _shorter(conn.framing.data))
            return True
        if framing is Framing.TRAILERS_TOO_LARGE:
            self._refuse(conn, "431 Request Header Fields Too Large",
                         f"the chunked body's trailers are larger than "
                         f"{byte_limit(self.max_head_bytes)}; send fewer or shorter trailers")
            return True
        if framing is Framing.MALFORMED:
            self._refuse(conn, "400 Bad Request", MALFORMED_CHUNKS)
            return True
        if framing is Framing.BODY_TOO_LARGE and conn.framing.chunked:
            # The application could only find out by reading the chunks, blocking a thread for
            # bytes that may never come (a chunk of ffffffff): refused here, from what arrived.
            self._refuse(conn, "413 Content Too Large",
                         f"the chunked body is larger than {byte_limit(self.max_body_bytes)}, "
                         "the most any route of this server accepts; send a smaller body")
            return True
        if framing is Framing.COMPLETE and self.repeats is not None and self._answer_again(conn):
            return True
        self._hand_over(conn, whole=framing is Framing.COMPLETE and conn.framing.whole)
        return True

    def _answer_again(self, conn: BufferedConnection) -> bool:
        """Send the kept answer to a repeated request from this loop (True), or note the key
        under which the thread serving it may keep its answer (False)."""
        started = time.perf_counter()
        # The key reads the data version here, in the loop: one that cannot be read (a damaged
        # journal head) is the app's to answer (a 500), not this loop's to raise, which would
        # end the worker with every connection, its query pool and its caches.
        try:
            key = self.repeats.key(conn.framing.bodiless_request(), conn.client)
        except Exception:  # noqa: BLE001 -- see above
            return False
        if (key is None or not self.alive or not self.cfg.keepalive
                or self.nr + 1 >= self.max_requests
                or len(self.keepalived_conns) >= self.max_keepalived):
            return False  # the app answers, and says whether the connection stays open
        kept = self.repeats.get(key)
        if kept is None:
            conn.repeat_key = key
            return False
        self.nr += 1
        data = self.repeats.sending(kept)
        self._release(conn)
        conn.framing = None
        self.repeats.count(kept, conn.client, started)
        try:
            sent = conn.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:  # the client is gone
            self._drop(conn)
            return True
        if sent == len(data):
            self._keep_alive(conn)
        else:  # a client reading slowly: a thread sends the rest, as it would have sent it all
            future = self.tpool.submit(self._send_rest, conn, data[sent:])
            future.add_done_callback(
                lambda done: self.method_queue.defer(self._after_sending, conn, done))
        return True

    def _send_rest(self, conn: BufferedConnection, data: bytes) -> bool:
        try:
            conn.sock.setblocking(True)
            conn.sock.sendall(data)
        except OSError:
            return False
        return True

    def _after_sending(self, conn: BufferedConnection, done) -> None:
        try:
            sent = bool(done.result()) if not done.cancelled() else False
        except Exception:  # noqa: BLE001 -- _send_rest catches what sending raises
            sent = False
        if sent and self.alive:
            self._keep_alive(conn)
        else:
            self._close(conn)

    def _hand_over(self, conn: BufferedConnection, whole: bool) -> None:
        """Give the buffered request to a thread; its parser reads it from memory."""
        if conn.parser is None:
            # Built here rather than by TConn.init(), which may read the socket (HTTP/2 prior
            # knowledge) and would do so in this loop.
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
            conn.initialized = True
        conn.parser.unreader.unread(conn.framing.request_bytes())
        conn.data_ready = True
        conn.framing = None
        conn.whole = whole
        if not whole:
            self.unframed[conn] = conn.deadline
        self.enqueue_req(conn)

    # --- in a request thread --------------------------------------------------------------------

    def load_wsgi(self):
        super().load_wsgi()
        self.repeats = RepeatedAnswers.of_app(self.wsgi)
        self.wsgi = partial(self._serve, self.wsgi)

    def handle_request(self, req, conn):
        """Serve one parsed request (in a request thread): a chunked body is decoded first, so
        the application reads it from memory and never meets a framing error."""
        if conn.whole and isinstance(getattr(req.body, "reader", None), ChunkedReader):
            refusal = _decode_chunks(req)
            if refusal is not None:
                self._send_refusal(conn, *refusal)
                return False
        self._serving.request = (req, conn)
        self._serving.repeatable = None
        key, conn.repeat_key = conn.repeat_key, None
        recorder = None
        if key is not None:
            recorder = conn.sock = SentBytes(conn.sock, self.repeats.largest)
        try:
            return super().handle_request(req, conn)
        finally:
            self._serving.request = None
            if recorder is not None:
                conn.sock = recorder.sock
                sent = recorder.sent()
                if sent is not None and self._serving.repeatable is not None:
                    self.repeats.keep(key, sent, self._serving.repeatable)

    def _serve(self, application, environ, start_response):
        """The application, then (before gunicorn writes the status line) a decision on the
        body it left unread: keep-alive is only honest if that body can be skipped here."""
        answer = application(environ, start_response)
        self._serving.repeatable = environ.get(REPEATABLE)
        serving = getattr(self._serving, "request", None)
        if serving is not None and not _skip_unread_body(*serving):
            serving[0].force_close()  # gunicorn then answers "Connection: close"
        return answer

    def handle_error(self, req, client, addr, exc):
        """A request head gunicorn's parser refuses gets our plain one-line 400 saying what to
        fix (and ``nosniff``); gunicorn's own is an HTML page naming only the exception
        ("Invalid HTTP Header: 'ACCEPT'"). Anything else is gunicorn's to answer."""
        refusal = _head_refusal(exc)
        if refusal is None:
            return super().handle_error(req, client, addr, exc)
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            client.sendall(_refusal("400 Bad Request", refusal))
        except OSError:
            pass

    def _send_refusal(self, conn: BufferedConnection, status: str, message: str) -> None:
        try:
            conn.sock.sendall(_refusal(status, message))
        except OSError:
            pass

    # --- after a thread has answered ----------------------------------------------------------

    def _keepalive_after(self, conn, keepalive):
        # A request handed over without its whole body (too large, or malformed) has bytes left
        # on the socket that no one should wait for: close instead of draining in this thread.
        if not conn.whole:
            return False
        return super()._keepalive_after(conn, keepalive)

    def finish_request(self, conn, fs):
        """Back on the event loop after a thread served a request (see ThreadWorker)."""
        self._release(conn)
        self.unframed.pop(conn, None)
        try:
            keepalive = bool(fs.result()) if not fs.cancelled() else False
        except Exception:  # noqa: BLE001 -- gunicorn's handle() already logged it
            keepalive = False
        if not keepalive or not self.alive:
            self._close(conn)
            return
        try:
            # Pipelined bytes the parser read past this request: the next request has begun.
            pending = conn.parser.unreader.take_buffered()
        except (OSError, ValueError):
            self._unregister(conn)
            self._drop(conn)
            return
        if pending:
            self._start_reading(conn, pending)
        else:
            self._keep_alive(conn)

    def _keep_alive(self, conn: BufferedConnection) -> None:
        """Wait (in the poller, up to ``keepalive`` seconds) for the connection's next request."""
        try:
            conn.sock.setblocking(False)
            conn.set_timeout()
            self.keepalived_conns.append(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ,
                                 partial(self.on_client_socket_readable, conn))
        except (OSError, ValueError):
            if conn in self.keepalived_conns:
                self.keepalived_conns.remove(conn)
            self._unregister(conn)
            self._drop(conn)

    # --- deadlines --------------------------------------------------------------------------------

    def wait_for_and_dispatch_events(self, timeout):
        # Wake up for the next deadline, not only once a second as the base loop does.
        deadlines = [next(iter(waiting.values())) for waiting in (self.reading, self.lingering)
                     if waiting]
        deadlines.extend(self.unframed.values())
        if deadlines:
            timeout = min(timeout, max(min(deadlines) - time.monotonic(), 0.0))
        super().wait_for_and_dispatch_events(timeout)

    def murder_pending(self):
        """Enforce the deadlines (the base loop calls this after every wait)."""
        super().murder_pending()
        now = time.monotonic()
        while self.reading:
            conn, deadline = next(iter(self.reading.items()))
            if deadline > now:
                break
            self._time_out(conn)
        for conn in [conn for conn, deadline in self.unframed.items() if deadline <= now]:
            del self.unframed[conn]
            try:  # the thread blocked on this socket reads EOF and lets go of it
                conn.sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass
        while self.lingering:
            conn, deadline = next(iter(self.lingering.items()))
            if deadline > now:
                break
            self._unregister(conn)
            self._drop(conn)

    def _time_out(self, conn: BufferedConnection) -> None:
        self.reading.pop(conn, None)
        self.paused.pop(conn, None)
        self._unregister(conn)
        started = conn.framing.started
        self._release(conn)
        if started:
            self._refuse(conn, "408 Request Timeout",
                         f"the request did not arrive whole within {self.read_timeout:g} s; "
                         "send it at once (the server's request_read_timeout)")
        else:  # an idle connection: nothing to answer
            self._drop(conn)

    # --- stopping ---------------------------------------------------------------------------------

    def _cap_keepalive(self, deadline):
        """Called once when the worker stops: close what is idle now, so an idle server exits at
        once; a request partly sent gets LINGER_SECONDS more to arrive (its 408 comes sooner)."""
        now = time.monotonic()
        super()._cap_keepalive(now)
        for conn in list(self.reading):
            if conn.framing.started:
                conn.deadline = min(conn.deadline, now + LINGER_SECONDS)
                self.reading[conn] = conn.deadline
            else:
                self._unregister(conn)
                self._drop(conn)
        for conn in list(self.lingering):
            self.lingering[conn] = now

    # --- small helpers ----------------------------------------------------------------------------

    def _count(self, conn: BufferedConnection, size: int) -> None:
        conn.buffered += size
        self.buffered += size

    def _release(self, conn: BufferedConnection) -> None:
        """Return a request's bytes to the budget; resume large bodies that were waiting."""
        self.buffered -= conn.buffered
        conn.buffered = 0
        while self.paused and self.buffered <= self.buffer_budget:
            waiting = next(iter(self.paused))
            del self.paused[waiting]
            try:
                self.poller.register(waiting.sock, selectors.EVENT_READ,
                                     partial(self._on_readable, waiting))
            except (OSError, ValueError):
                self.reading.pop(waiting, None)
                self._drop(waiting)

    def _send(self, conn: BufferedConnection, data: bytes) -> None:
        """Best effort and never blocking: a short answer fits the socket's buffer."""
        try:
            conn.sock.send(data)
        except OSError:
            pass

    def _refuse(self, conn: BufferedConnection, status: str, message: str) -> None:
        self._send(conn, _refusal(status, message))
        self._release(conn)
        self._close(conn)

    def _close(self, conn: BufferedConnection) -> None:
        """Close after the answer: send FIN, then drain what the client still sends for a moment
        in this loop (a reset could destroy the answer before the client reads it)."""
        try:
            conn.sock.setblocking(False)
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._drop(conn)
            return
        deadline = time.monotonic() + LINGER_SECONDS
        if not self.alive:
            deadline = time.monotonic()
        self.lingering[conn] = deadline
        try:
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_lingering, conn))
        except (OSError, ValueError, KeyError):
            self.lingering.pop(conn, None)
            self._drop(conn)

    def _on_lingering(self, conn: BufferedConnection, sock) -> None:
        try:
            data = sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        conn.drained += len(data)
        if not data or conn.drained > SMALL_REQUEST_BYTES:
            self._unregister(conn)
            self._drop(conn)

    def _unregister(self, conn: BufferedConnection) -> None:
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def _drop(self, conn: BufferedConnection) -> None:
        """Forget the connection and close its socket (once)."""
        if conn.closed:
            return
        conn.closed = True
        self.reading.pop(conn, None)
        self.paused.pop(conn, None)
        self.unframed.pop(conn, None)
        self.lingering.pop(conn, None)
        self._release(conn)
        self.nr_conns -= 1
        conn.close()


#: How a chunked body is framed, for the 400s that refuse one.
CHUNK_SYNTAX = ("each chunk is its size in hex, CRLF, that many bytes, CRLF; a chunk of size 0 "
                "ends it, then trailer lines 'Name: value' and an empty line "
                "(RFC 9112 section 7.1)")
MALFORMED_CHUNKS = "the chunked body is malformed: " + CHUNK_SYNTAX


def _head_refusal(error: Exception) -> str | None:
    """What to fix in a request head gunicorn's parser refused with ``error``; None for the
    errors gunicorn answers itself (the application's own bad response headers among them)."""
    if isinstance(error, (InvalidResponseHeader, InvalidResponseHeaderName)):
        return None
    if isinstance(error, InvalidRequestLine):
        return ("the request line is not 'METHOD /path HTTP/1.1' in visible ASCII: percent-encode "
                "spaces, control characters and non-ASCII characters in the path and query "
                "(RFC 3986), e.g. /search?q=caf%C3%A9")
    if isinstance(error, InvalidRequestMethod):
        return (f"{error.method!r} is not an HTTP method; use GET, HEAD, POST or OPTIONS "
                "(PUT and DELETE to write)")
    if isinstance(error, InvalidHTTPVersion):
        return "the HTTP version is not served; send HTTP/1.1 (or HTTP/1.0)"
    if isinstance(error, InvalidHeaderName):
        return (f"the header name {str(error.hdr)[:100]!r} is not an HTTP token (letters, digits "
                "and !#$%&'*+-.^_`|~, no spaces); fix or remove that header")
    if isinstance(error, ObsoleteFolding):
        return "a header is folded over several lines (obsolete); send each header on one line"
    if isinstance(error, InvalidHeader):
        return (f"the header {str(error.hdr)[:100]!r} is not valid HTTP/1.1: a control character "
                "in its value, a line without 'Name: value', or a header allowed once (Host, "
                "Content-Length) given twice; fix or remove it")
    return None


def _refusal(status: str, message: str) -> bytes:
    """A whole plain-text answer that closes the connection."""
    body = (message + "\n").encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n"
            "X-Content-Type-Options: nosniff\r\n\r\n").encode() + body


class _InMemory:
    """A decoded body as gunicorn's :class:`~gunicorn.http.body.Body` reads it."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def read(self, size: int) -> bytes:
        return self._data.read(size)


def _decode_chunks(req) -> tuple[str, str] | None:
    """Decode ``req``'s chunked body (buffered whole by the event loop, so this reads memory
    only) and put it back decoded; or the refusal (status, message) gunicorn's parser implies."""
    try:
        data = req.body.read()
    except LimitRequestHeaders:
        return ("431 Request Header Fields Too Large",
                f"the chunked body's trailers are too large (at most {req.limit_request_fields} "
                f"fields of {req.limit_request_field_size} bytes); send fewer or shorter trailers")
    except (ParseException, NoMoreData) as error:  # NoMoreData: not expected, framed whole
        return ("400 Bad Request",
                f"the chunked body is malformed ({type(error).__name__}): {CHUNK_SYNTAX}")
    req.body = Body(_InMemory(data))
    return None


def _skip_unread_body(req, conn: BufferedConnection) -> bool:
    """Skip what the application left of ``req``'s body, if it is whole in memory and small
    (gunicorn's own later drain stops at 64 KiB too); False when the connection must close."""
    if not conn.whole:
        return False  # the rest is still on the socket
    try:
        skipped = 0
        while skipped <= SMALL_REQUEST_BYTES:
            data = req.body.read(READ_SIZE)
            if not data:
                return True
            skipped += len(data)
    except Exception:  # noqa: BLE001 -- unreadable: where the next request starts is unknown
        return False
    return False


def _shorter(data: bytearray) -> str:
    """How to send what did not fit in a request line, by its target: only ``/sparql`` takes a
    POST, so telling a named query's or a resource's client to POST sent it to a 405."""
    target = bytes(data[:64]).lstrip(b"\r\n").split(b" ", 2)[1:2]
    if target and target[0].startswith(b"/sparql"):
        return ("send a long query with POST (application/sparql-query, or query=... as a form) "
                "instead of in the URL")
    if target and target[0].startswith(b"/queries/"):
        return ("a named query's parameters must fit in it; for longer values, send the query's "
                "SPARQL (GET /queries/<name> as text/html shows it) to /sparql with POST")
    return "shorten the URL"


__all__ = ["BufferingThreadWorker", "BufferedConnection"]
