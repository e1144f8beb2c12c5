"""HTTP to a remote SPARQL 1.1 store: the Protocol (https://www.w3.org/TR/sparql11-protocol/) and
the Graph Store Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/), with keep-alive
connections, credentials and the store's faults turned into :mod:`evawkg.errors`.

Why the standard library's ``http.client`` and not a client library: a kept-alive connection per
request thread is what holds the gateway's cost under a millisecond, and the few things needed on
top (a pool of idle connections, Basic and Digest credentials, one retry of a connection the
store closed while it was idle) are short.

What the store does wrong becomes one of three errors, never a hang and never a 500:

* it cannot be reached, refuses the credentials, or answers something that is no SPARQL answer:
  :class:`~evawkg.errors.StoreUnreachable` (502) with what happened;
* it gives no answer within the time limit: the request is abandoned,
  :class:`~evawkg.errors.StoreTimeout` (504); the store may go on working on it;
* it says the query is wrong (400): :class:`~evawkg.errors.QuerySyntaxError` with its words.

Virtuoso (recognised by its ``Server`` header) gets three more rules: its per-query ``timeout``
parameter is sent, so a query past its limit is stopped on the store too; an answer it marks as
cut short by that timeout (``X-SQL-State: S1TAT``) is a :class:`~evawkg.errors.QueryTimeout`,
never a partial answer; an answer it cut at its ``ResultSetMaxRows`` (``X-SPARQL-MaxRows``) is a
:class:`~evawkg.errors.ResultTooLarge`, never a silent cut.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.client
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote_plus, urlencode, urlsplit

from ..errors import (ClientError, EvawError, QuerySyntaxError, QueryTimeout, ResultTooLarge,
                      StoreTimeout, StoreUnreachable, UnsupportedFunction)

#: Seconds to open a connection: a store that takes longer is as good as down.
CONNECT_SECONDS = 5.0

#: Idle connections kept per endpoint and process (more requests at once open more).
IDLE_CONNECTIONS = 32

#: Most bytes of a store's error message repeated to the client.
MESSAGE_CHARS = 400

#: Seconds past a query's limit to wait for Virtuoso's answer that it stopped the query.
#: Virtuoso checks its per-query timeouts on a two-second clock: a query is stopped at the first
#: tick at or after its limit (measured on 7.2: 1 s limits answered at 2.0 s, 3 s at 4.0 s, 5 s at
#: 6.0 s), so the answer comes up to 2 s late, and later on a loaded machine. Waiting less turns a
#: stopped query (503, the store's work over) into an abandoned one (504, the work may go on).
VIRTUOSO_STOPPING_SECONDS = 2.0 + 3.0


@dataclass
class StoreResponse:
    """An answer of the store: status, headers and the body, still to be read (``stream``)."""

    status: int
    headers: dict[str, str]
    stream: http.client.HTTPResponse
    connection: http.client.HTTPConnection
    client: StoreClient
    url: str
    _done: bool = field(default=False, repr=False)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def read(self, limit: int | None = None) -> bytes:
        """The whole body (at most ``limit`` bytes: more is a 502), then the connection is free."""
        try:
            data = self.stream.read() if limit is None else self.stream.read(limit + 1)
            if limit is not None and len(data) <= limit and not self.stream.isclosed():
                data += self.stream.read(limit + 1 - len(data))
        except (OSError, http.client.HTTPException) as error:
            self.close(broken=True)
            raise self.client.transport_error(error, self.url) from None
        if limit is not None and len(data) > limit:
            self.close(broken=True)
            raise StoreUnreachable(f"the SPARQL store's answer at {self.url} is larger than "
                                   f"{limit} bytes; ask for less")
        self.close()
        return data

    def close(self, *, broken: bool = False) -> None:
        """Give the connection back (or close it when the body was not read to its end)."""
        if self._done:
            return
        self._done = True
        if broken or not self.stream.isclosed():
            # Unread bytes would be read as the next answer: this connection is done.
            self.connection.close()
            return
        self.client.give_back(self.connection)


class _Credentials:
    """``USER:PASSWORD`` (HTTP Basic or Digest, RFC 7617 / RFC 7616, whichever the store asks
    for in its first 401; sent on every request after that) or ``bearer:TOKEN``."""

    def __init__(self, text: str):
        self.bearer = text[len("bearer:"):] if text.lower().startswith("bearer:") else None
        user, _, password = text.partition(":")
        self.user, self.password = user, password
        self.given = bool(text)
        self.scheme: str | None = None  # "basic" or "digest", once the store asked
        self._digest: dict[str, str] | None = None
        self._count = 0
        self._lock = threading.Lock()

    def header(self, method: str, path: str) -> str | None:
        if self.bearer is not None:
            return f"Bearer {self.bearer}"
        if self.scheme == "digest":
            return self._digest_header(method, path)
        if self.scheme == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return f"Basic {token}"
        return None

    def challenged(self, header: str) -> bool:
        """Take a ``WWW-Authenticate`` challenge; True when a retry may now succeed."""
        if not self.given or self.bearer is not None:
            return False
        lowered = header.lower()
        if lowered.startswith("digest"):
            fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header[len("digest"):]))
            retry = self.scheme != "digest" or fields.get("stale", "").lower() == "true"
            with self._lock:
                self.scheme, self._digest, self._count = "digest", fields, 0
            return retry
        if lowered.startswith("basic"):
            retry = self.scheme != "basic"
            self.scheme = "basic"
            return retry
        return False

    def _digest_header(self, method: str, path: str) -> str:
        fields = self._digest or {}
        with self._lock:
            self._count += 1
            count = f"{self._count:08x}"
        realm, nonce = fields.get("realm", ""), fields.get("nonce", "")
        cnonce = os.urandom(8).hex()
        ha1 = _md5(f"{self.user}:{realm}:{self.password}")
        ha2 = _md5(f"{method}:{path}")
        qop = "auth" if "auth" in fields.get("qop", "").split(",") else ""
        if qop:
            response = _md5(f"{ha1}:{nonce}:{count}:{cnonce}:{qop}:{ha2}")
        else:
            response = _md5(f"{ha1}:{nonce}:{ha2}")
        parts = [f'username="{self.user}"', f'realm="{realm}"', f'nonce="{nonce}"',
                 f'uri="{path}"', f'response="{response}"', 'algorithm="MD5"']
        if fields.get("opaque"):
            parts.append(f'opaque="{fields["opaque"]}"')
        if qop:
            parts += [f"qop={qop}", f"nc={count}", f'cnonce="{cnonce}"']
        return "Digest " + ", ".join(parts)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class StoreClient:
    """Requests to one remote store, over connections kept alive between requests.

    One client per process (connections are never shared across a fork: :meth:`for_process`)."""

    def __init__(self, query_url: str, *, update_url: str = "", graph_store_url: str = "",
                 auth: str = ""):
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.graph_store_url = graph_store_url
        self.credentials = _Credentials(auth)
        self.kind: str | None = None  # "virtuoso", "oxigraph" or "sparql" once it answered
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()

    # --- Connections -----------------------------------------------------------------------------

    def _take(self, url: str, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        key = _endpoint(url)
        with self._lock:
            if os.getpid() != self._pid:  # forked: the parent's sockets are not ours
                self._idle, self._pid = {}, os.getpid()
            idle = self._idle.get(key)
            if idle:
                connection = idle.pop()
                connection.timeout = timeout
                if connection.sock is not None:
                    connection.sock.settimeout(timeout)
                return connection, True
        kind = http.client.HTTPSConnection if key[0] == "https" else http.client.HTTPConnection
        connection = kind(key[1], key[2], timeout=min(timeout, CONNECT_SECONDS))
        connection._evawkg_key = key  # type: ignore[attr-defined]
        return connection, False

    def give_back(self, connection: http.client.HTTPConnection) -> None:
        key = getattr(connection, "_evawkg_key", None)
        with self._lock:
            if os.getpid() != self._pid or key is None:
                connection.close()
                return
            idle = self._idle.setdefault(key, [])
            if len(idle) < IDLE_CONNECTIONS:
                idle.append(connection)
                return
        connection.close()

    def _drop_idle(self, url: str) -> None:
        """Close the connections kept to ``url``'s host and port."""
        with self._lock:
            dropped = self._idle.pop(_endpoint(url), [])
        for connection in dropped:
            connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    # --- Requests --------------------------------------------------------------------------------

    def request(self, method: str, url: str, *, body: bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float,
                idempotent: bool = True) -> StoreResponse:
        """One request; its answer's body is left to read. Raises StoreUnreachable or
        StoreTimeout; a 401 with a challenge is answered once."""
        deadline = time.monotonic() + timeout
        # What the last kept connection found dead said, as our error: never the exception
        # itself, whose traceback holds this frame (a cycle that would keep the caller's
        # frames, and the pyoxigraph answers they come to hold, for the collector to free in
        # whichever thread it runs: pyoxigraph refuses that).
        failure: EvawError | None = None
        for attempt in range(3):
            left = deadline - time.monotonic()
            if left <= 0:
                raise self.timeout_error(timeout, url)
            connection, reused = self._take(url, left)
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            sent = dict(headers or {})
            authorization = self.credentials.header(method, parts.path)
            if authorization:
                sent["Authorization"] = authorization
            try:
                connection.request(method, path or "/", body=body, headers=sent)
                if connection.sock is not None:
                    connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
                answer = connection.getresponse()
            except (socket.timeout, TimeoutError):
                connection.close()
                raise self.timeout_error(timeout, url) from None
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                # A kept-alive connection the store closed while idle: once more on a new one.
                # The others kept beside it are as old (a restarted store closed them all): they
                # go too, or each retry would take another dead one.
                if reused and (idempotent or isinstance(error, (BrokenPipeError,
                                                                http.client.RemoteDisconnected))):
                    self._drop_idle(url)
                    failure = self.transport_error(error, url)
                    continue
                raise self.transport_error(error, url) from None
            response = StoreResponse(answer.status, {k.lower(): v for k, v in answer.getheaders()},
                                     answer, connection, self, url)
            self._recognise(response)
            if answer.status == 401 and attempt < 2 and self.credentials.challenged(
                    response.headers.get("www-authenticate", "")):
                response.read(1 << 20)
                continue
            return response
        # Only a dead kept connection at the last attempt ends the loop here (a 401 there is
        # returned, and check() says the store refused access), so ``failure`` is set.
        raise failure

    def _recognise(self, response: StoreResponse) -> None:
        if self.kind is None:
            server = response.headers.get("server", "").lower()
            self.kind = ("virtuoso" if "virtuoso" in server else
                         "oxigraph" if "oxigraph" in server else "sparql")

    def transport_error(self, error: Exception, url: str) -> EvawError:
        if isinstance(error, (socket.timeout, TimeoutError)):
            return StoreTimeout(f"the SPARQL store at {url} stopped answering mid-answer; the "
                                "request was abandoned")
        reason = " ".join(str(error).split()) or type(error).__name__
        return StoreUnreachable(f"the SPARQL store at {url} cannot be reached ({reason}); is it "
                                "running, and is the URL right?")

    @staticmethod
    def timeout_error(timeout: float, url: str) -> EvawError:
        return StoreTimeout(f"the SPARQL store at {url} gave no answer within {timeout:g} s, the "
                            "time limit; the request was abandoned (the store may still be "
                            "working on it); make the query cheaper or try again later")

    # --- SPARQL Protocol -------------------------------------------------------------------------

    def query(self, text: str, *, accept: str, timeout: float,
              default_graphs: tuple[str, ...] | None = None,
              named_graphs: tuple[str, ...] | None = None, limit: float | None = None,
              head: int = 0) -> StoreResponse:
        """POST ``text`` (form-encoded) to the query endpoint; a 2xx answer with its body still
        to read, else the store's error as ours. ``timeout`` is what is left of the query's time
        limit, ``limit`` (for messages) the whole of it. ``head``: the first characters of
        ``text`` are the server's prologue, the same in every query (encoded once)."""
        try:
            body = "query=" + _quoted(text[:head]) + quote_plus(text[head:])
            body += _dataset_fields(tuple(default_graphs or ()), tuple(named_graphs or ()))
            if self.kind == "virtuoso":
                body += f"&timeout={max(1, int(timeout * 1000))}"
            response = self.request("POST", self.query_url, body=body.encode(),
                                    headers={"Content-Type": "application/x-www-form-urlencoded",
                                             "Accept": accept},
                                    timeout=self._waiting_time(timeout))
        except StoreTimeout:
            raise self.timeout_error(limit or timeout, self.query_url) from None
        self.check(response, limit or timeout)
        return response

    def _waiting_time(self, timeout: float) -> float:
        # Virtuoso stops a query at its timeout and then still writes what it has: wait for
        # that answer (a QueryTimeout, the work stopped) rather than abandon the request.
        return timeout + VIRTUOSO_STOPPING_SECONDS if self.kind == "virtuoso" else timeout

    def update(self, text: str, *, timeout: float,
               default_graphs: tuple[str, ...] | None = None) -> None:
        """POST a SPARQL Update to the update endpoint (``evawkg load``; never a client's text)."""
        fields = [("update", text)] + [("using-graph-uri", iri) for iri in default_graphs or ()]
        response = self.request("POST", self.update_url, body=urlencode(fields).encode(),
                                headers={"Content-Type": "application/x-www-form-urlencoded"},
                                timeout=timeout, idempotent=False)
        self.check(response, timeout)
        response.read(1 << 20)

    def put_graph(self, graph: str, data: bytes, media_type: str, *, timeout: float,
                  replace: bool = True) -> None:
        """PUT (or POST, adding) ``data`` as ``graph`` on the Graph Store Protocol endpoint."""
        separator = "&" if "?" in self.graph_store_url else "?"
        url = f"{self.graph_store_url}{separator}{urlencode({'graph': graph})}"
        response = self.request("PUT" if replace else "POST", url, body=data,
                                headers={"Content-Type": media_type}, timeout=timeout,
                                idempotent=replace)
        self.check(response, timeout)
        response.read(1 << 20)

    def check(self, response: StoreResponse, timeout: float) -> None:
        """Raise the store's error as ours unless ``response`` is a full, uncut 2xx answer."""
        if 200 <= response.status < 300:
            if response.headers.get("x-sql-state", "").upper() == "S1TAT":
                response.close(broken=True)
                raise _stopped_on_the_store(timeout)
            cut = response.headers.get("x-sparql-maxrows")
            if cut:
                response.close(broken=True)
                raise ResultTooLarge(
                    f"the store cut the answer at {cut} rows (its ResultSetMaxRows); add LIMIT "
                    "(and OFFSET to page through it), or raise the store's ResultSetMaxRows")
            return
        try:
            message = _said(response.read(64 * 1024))
        except EvawError:
            message = ""
        where = response.url
        if _STOPPED_AT_ITS_TIMEOUT.search(message):
            # Virtuoso reports a query it stopped at its per-query timeout as a 500 (the
            # statement cancelled) or as a 400 (its result timeout passed) rather than as a 200
            # marked S1TAT: the same timeout, never a syntax error nor a store fault.
            raise _stopped_on_the_store(timeout)
        if response.status == 400 or _REFUSED_BY_ITS_COMPILER.search(message):
            # Virtuoso reports some refusals of its SPARQL compiler (an escaped U+0000 in a
            # string, LIMIT -1) as a 500 of SQL state class 37000, syntax error: the query's
            # fault, not the store's.
            raise QuerySyntaxError(f"the store refused the query: {message or 'HTTP 400'}")
        if response.status in (401, 403):
            raise StoreUnreachable(f"the SPARQL store at {where} refused access (HTTP "
                                   f"{response.status}); check store_auth")
        if response.status == 413:
            raise ClientError(f"the store refused the request as too large: {message}")
        unsupported = UnsupportedFunction.named_in(message)
        if unsupported:
            raise UnsupportedFunction(unsupported)
        if "estimated execution time" in message.lower():
            raise QueryTimeout(f"the store estimates the query would run past its limit, so it "
                               f"did not run it; make it cheaper ({message})")
        raise StoreUnreachable(f"the SPARQL store at {where} failed (HTTP {response.status}): "
                               f"{message or 'no message'}")


#: Virtuoso's words for a query its per-query timeout stopped: a statement it cancelled (SR203,
#: SQL state HY008: "Virtuoso HY008 Error SR203: Async statement killed by SQLCancel"), or its
#: result timeout (SQL state S1TAT: "Virtuoso S1TAT Error RC...: Returning incomplete results,
#: query interrupted by result timeout").
_STOPPED_AT_ITS_TIMEOUT = re.compile(
    r"\bHY008\b.*\bSR203\b|killed by SQLCancel|\bS1TAT\b.*interrupted by result timeout",
    re.IGNORECASE)


#: Virtuoso's words for a query its compiler refused (SQL state 37000, "syntax error or access
#: violation"; its access refusals are 42000): "Virtuoso 37000 Error SQ074: Line 1: …",
#: "Virtuoso 37000 Error SP030: SPARQL compiler, line 1: …".
_REFUSED_BY_ITS_COMPILER = re.compile(r"\bVirtuoso 37000 Error \w+:")


def _endpoint(url: str) -> tuple[str, str, int]:
    """What connections to ``url`` are kept by: its scheme, host and port."""
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def _stopped_on_the_store(timeout: float) -> QueryTimeout:
    return QueryTimeout(f"the query was stopped on the store after {timeout:g} s, its time limit; "
                        "make it cheaper (LIMIT, more selective patterns) or ask for a longer "
                        "timeout= (at most the server's limit)")


@functools.lru_cache(maxsize=16)
def _quoted(text: str) -> str:
    """``quote_plus(text)``, kept: the server's prologue (``BASE`` and some fifty ``PREFIX``
    declarations, 3 KB) starts every query, and ``quote_plus`` encodes a character at a time in
    Python, 0.1 ms of CPU for it (a tenth of the gateway's own CPU for a small query)."""
    return quote_plus(text)


@functools.lru_cache(maxsize=16)
def _dataset_fields(default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> str:
    """``&default-graph-uri=…&named-graph-uri=…`` for the graphs, kept: evawkg names every
    served graph twice in every query (20 graphs for the bundle: 40 IRIs encoded a character at
    a time by ``urlencode``, 0.2-0.4 ms of the gateway's CPU per request); the graphs change only
    with the data version."""
    fields = [("default-graph-uri", iri) for iri in default_graphs]
    fields += [("named-graph-uri", iri) for iri in named_graphs]
    return "&" + urlencode(fields) if fields else ""


def _said(body: bytes) -> str:
    """The store's error text, on one line, without the query it repeats (Virtuoso does)."""
    text = body.decode("utf-8", "replace")
    text = text.split("\nSPARQL query:", 1)[0]
    text = re.sub(r"<[^>]+>", " ", text) if text.lstrip().startswith("<") else text
    return " ".join(text.split())[:MESSAGE_CHARS]


__all__ = ["StoreClient", "StoreResponse"]
