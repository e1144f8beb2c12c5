"""The project's error hierarchy: one base error carrying an HTTP status and a short code.

The core raises these; each interface maps them in one place (HTTP: a status and one error
body; CLI: exit code 2 for client faults, 1 for failures). Messages say how to fix the input.
"""

from __future__ import annotations

import re


class EvawError(Exception):
    """Base of every error the core raises on purpose."""

    status = 500
    code = "internal-error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ClientError(EvawError):
    """A fault in what the caller sent: a 4xx over HTTP, exit code 2 on the command line."""

    status = 400
    code = "bad-request"


class UnparsableInput(ClientError):
    """RDF that does not parse; the message names the source, line and column."""

    code = "unparsable-input"

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 column: int | None = None):
        super().__init__(message)
        self.source = source
        self.line = line
        self.column = column


class UnknownFormat(ClientError):
    """A file extension, media type or format name we cannot read or write."""

    status = 415
    code = "unsupported-media-type"


class QuerySyntaxError(ClientError):
    code = "query-syntax-error"


class UnsupportedFunction(QuerySyntaxError):
    """A call of a function the engine does not know (an extension function's IRI): the same
    words whichever store refused it."""

    #: How the engines say so: pyoxigraph (embedded and Oxigraph server), and Virtuoso, which
    #: looks the IRI up as a SQL procedure (SR185: "Undefined procedure DB.DBA.http://x/fn.").
    _SAID = re.compile(r"The custom function <([^>]*)> is not supported"
                       r"|\bSR185: Undefined procedure DB\.DBA\.(\w+:[^\s]*?)\.?(?:\s|$)")

    @classmethod
    def named_in(cls, message: str) -> str | None:
        """The function's IRI when ``message`` (an engine's error) refuses an unknown function."""
        found = cls._SAID.search(message)
        return (found.group(1) or found.group(2)) if found else None

    def __init__(self, iri: str):
        super().__init__(f"the function <{iri}> is not supported: this endpoint evaluates "
                         "SPARQL 1.1's built-in functions and XSD casts only; remove the call or "
                         "compute it in the client")


class ParameterError(ClientError):
    """A named-query parameter that is unknown or does not have its declared type."""

    code = "bad-parameter"


class NotFound(ClientError):
    status = 404
    code = "not-found"


class NotAcceptable(ClientError):
    status = 406
    code = "not-acceptable"


class UnsupportedMediaType(ClientError):
    status = 415
    code = "unsupported-media-type"


class PayloadTooLarge(ClientError):
    status = 413
    code = "payload-too-large"


class Forbidden(ClientError):
    status = 403
    code = "forbidden"


class ReadOnly(Forbidden):
    code = "read-only"


class TooManyRequests(ClientError):
    status = 429
    code = "too-many-requests"


class QueryTimeout(EvawError):
    """The query ran past its time limit and was stopped."""

    status = 503
    code = "query-timeout"


class BundleError(EvawError):
    """The bundled ontology, data, shapes or queries are broken (a developer's fault)."""

    code = "bundle-error"


class QueryHeaderError(BundleError):
    """A named query's ``#+`` header is malformed."""

    code = "query-header-error"


class SettingsError(ClientError):
    """A setting with a value of the wrong type or out of range (exit code 2 on the CLI).

    ``setting`` names the one setting at fault, when there is one, and ``problem`` says what is
    wrong with it; the message is the two together. An interface names the setting as its user
    gave it (``evawkg serve`` names the flag or the environment variable)."""

    code = "bad-setting"

    def __init__(self, message: str, *, setting: str | None = None, problem: str = ""):
        super().__init__(message)
        self.setting = setting
        self.problem = problem

    @classmethod
    def of(cls, setting: str, problem: str) -> SettingsError:
        """The error of ``setting``: ``problem`` says what is wrong with its value."""
        return cls(f"{setting} {problem}", setting=setting, problem=problem)


class MethodNotAllowed(ClientError):
    """An HTTP method the resource does not answer; ``allowed`` lists those it does."""

    status = 405
    code = "method-not-allowed"

    def __init__(self, message: str, *, allowed: tuple[str, ...] = ()):
        super().__init__(message)
        self.allowed = allowed


class ServiceRefused(Forbidden):
    """A ``SERVICE`` call to an endpoint not on the operator's allow-list."""

    code = "service-refused"


class QueryLimitReached(TooManyRequests):
    """Every query slot is busy; ``retry_after`` says in how many seconds to try again."""

    code = "too-many-queries"

    def __init__(self, message: str, *, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after


class ResultTooLarge(ClientError):
    """A result with more rows or triples than the server's cap: refused, never cut silently."""

    status = 422
    code = "result-too-large"


class NotReady(EvawError):
    """The server is still loading its graph."""

    status = 503
    code = "not-ready"


class ServiceFailed(EvawError):
    """An allow-listed ``SERVICE`` endpoint could not be reached or answered badly."""

    status = 502
    code = "service-failed"


class MemoryLimitExceeded(ClientError):
    """A job grew past its process's memory limit and was stopped. 422, like ResultTooLarge: the
    same request fails again the same way, so it is the request to change, not a moment to wait
    for (a 5xx would invite retries and count a client's query as a server fault)."""

    status = 422
    code = "memory-limit"


class ProcessDied(EvawError):
    """A job's process died without answering (killed from outside, or aborted: pyoxigraph
    aborts the process when an allocation fails). 503: the server itself keeps serving."""

    status = 503
    code = "process-died"


class Restarting(NotReady):
    """A pool's warm parent died and is being restarted; ``retry_after`` seconds is a guess of
    when it answers again."""

    code = "restarting"

    def __init__(self, message: str, *, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after


class ClientLimitReached(QueryLimitReached):
    """This client already holds its share of the slots; others may still get one."""

    code = "too-many-queries-from-client"


class QueryTooDeep(QuerySyntaxError):
    """A query nested deeper than the server reads: refused before any parser recurses into it."""

    code = "query-too-deep"


class StoreUnreachable(EvawError):
    """The remote SPARQL store could not be reached, refused our credentials or answered with
    something that is no SPARQL answer: a gateway fault (502), never the client's."""

    status = 502
    code = "store-unreachable"


class StoreTimeout(QueryTimeout):
    """The remote SPARQL store gave no answer within the time limit; the request was abandoned
    (504: the gateway waited, the store may still be working on it)."""

    status = 504
    code = "store-timeout"
# --- Writes (evawkg.writes) ------------------------------------------------------------------


class Unauthorized(ClientError):
    """A write without a valid bearer token; answered with ``WWW-Authenticate`` (RFC 6750)."""

    status = 401
    code = "unauthorized"

    def __init__(self, message: str, *, challenge: str = 'Bearer realm="evawkg"'):
        super().__init__(message)
        self.challenge = challenge


class GraphForbidden(Forbidden):
    """The token may not write a graph the request changes (or no token may: a computed one)."""

    code = "graph-forbidden"


class LoadRefused(Forbidden):
    """SPARQL Update ``LOAD`` of a document not on the operator's allow-list."""

    code = "load-refused"


class UpdateSyntaxError(QuerySyntaxError):
    """A SPARQL Update that does not parse; ``line`` and ``column`` say where."""

    code = "update-syntax-error"

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


class GraphNotFound(NotFound):
    """A graph the request needs (to read, clear, drop or copy from) does not exist."""

    code = "graph-not-found"


class PreconditionFailed(ClientError):
    """``If-Match`` or ``If-None-Match`` does not hold for the graph (RFC 9110 section 13.1)."""

    status = 412
    code = "precondition-failed"


class RangeNotSatisfiable(ClientError):
    """A ``Range`` that starts past the end of the file (RFC 9110 section 15.5.17); ``length``
    is the file's, which the answer states in ``Content-Range: bytes */length``."""

    status = 416
    code = "range-not-satisfiable"

    def __init__(self, message: str, *, length: int | None = None):
        super().__init__(message)
        self.length = length


class ShapesViolated(ClientError):
    """The write would leave violation-level SHACL results: refused, the store unchanged.
    ``report`` is the :class:`evawkg.shacl.report.Report` saying which."""

    status = 422
    code = "shapes-violated"

    def __init__(self, message: str, *, report=None):
        super().__init__(message)
        self.report = report


class DumpsBusy(NotReady):
    """The dumps of another public base are being written (this base's wait their turn), or
    another server removed them twice while they were read."""

    code = "dumps-busy"

    def __init__(self, message: str, *, retry_after: int = 5):
        super().__init__(message)
        self.retry_after = retry_after


class WriteBusy(NotReady):
    """Another write holds the store's lock past the wait allowed."""

    code = "write-busy"

    def __init__(self, message: str, *, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after
