"""The Flask application: ``create_app(settings)`` builds it; nothing happens at import time.

One Blueprint per HTTP concern (``sparql_protocol``: ``/sparql``; ``/healthz`` here), one error
handler (``errors``), and the cross-cutting HTTP duties as small hooks: CORS, gzip, the hygiene
headers (``security_headers``), one access-log line per request, and naming the client
(:data:`evawkg.processes.current_client`) so the process pools share their slots fairly between
clients. The SPARQL work is done by a :class:`~evawkg.sparql.SparqlService`, the embedded
pyoxigraph pool, or a remote SPARQL store's (``sparql_endpoint``), unless one is given (tests).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from ..errors import ClientError, EvawError
from ..graph.dataset import dataset_source
from ..processes import current_client
from ..settings import Settings
from ..sparql import SparqlService
from ..sparql.answer_cache import with_answer_cache
from ..writes import enabled as writes_enabled
from .access_log import log_request, logged_target
from .errors import precondition_failed_body, register_error_handlers, shown_path
from .named_queries import blueprint as named_queries_blueprint
from .metrics import install as install_metrics
from .metrics import observe as observe_metrics
from .negotiation import accepts_gzip, add_vary, gzipped
from .resources import register as register_linked_data
from .security_headers import add_security_headers
from .sparql_protocol import blueprint as sparql_blueprint
from .validation import register as register_validation
from .workbench import blueprint as workbench_blueprint

#: Responses smaller than this are not worth compressing.
GZIP_MIN_BYTES = 1024


@dataclass
class AppState:
    """What the views need: the settings and the service (``app.extensions["evawkg"]``)."""

    settings: Settings
    service: SparqlService


def create_app(settings: Settings | None = None, service: SparqlService | None = None) -> Flask:
    """The Flask app serving ``settings``' graph through ``service`` (by default the remote store
    ``settings.sparql_endpoint`` names, else the embedded store)."""
    settings = settings or Settings()
    if service is None and settings.sparql_endpoint:
        from ..sparql.remote import RemoteSparqlService

        service = RemoteSparqlService(settings)
    if service is None and writes_enabled(settings):
        from .writes import service_for

        service = service_for(settings)
    if service is None:
        from ..sparql.embedded import EmbeddedSparqlService

        service = EmbeddedSparqlService(dataset_source(settings), settings)
    service = with_answer_cache(service, settings.answer_cache_mb * 1024 * 1024)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    app.extensions["evawkg"] = AppState(settings, service)
    register_error_handlers(app)
    app.register_blueprint(sparql_blueprint)
    app.register_blueprint(health)
    app.register_blueprint(named_queries_blueprint)
    app.register_blueprint(workbench_blueprint)
    register_validation(app)
    register_linked_data(app)
    install_metrics(app)  # /metrics; its counting is the last step of _after
    # One hook before and one after each request (Flask's cost is per hook, ~5 us each with
    # its coroutine check); each names its steps in the order they run.
    app.before_request(_before)
    app.teardown_request(_forget_client)
    app.after_request(_after)
    if writes_enabled(settings):
        from .writes import register as register_writes

        register_writes(app)
    return app


health = Blueprint("health", __name__)


@health.route("/healthz")
def healthz() -> Response:
    """The state of every process pool (``starting``, ``ready``, ``restarting``, ``failed``; the
    validator is ``idle`` until its first use), their pids, restarts and network sandbox, and the
    dataset's size. 200 when queries can run and no pool is down; 503 otherwise."""
    state = current_app.extensions["evawkg"]
    service = state.service
    pools = dict(service.health()) if hasattr(service, "health") else {}
    validation = current_app.extensions.get("evawkg.validation")
    if validation is not None:
        pools["validation"] = validation.health()
    statuses = {pool["status"] for pool in pools.values()}
    body: dict = {"status": "ok", "data_version": service.data_version}
    try:
        description = service.describe()
    except EvawError as error:
        body.update(status="loading" if error.status == 503 else "failed", message=error.message)
    else:
        body.update(triples=description.triples, quads=description.quads,
                    graphs=len(description.graphs))
    if body["status"] == "ok":
        for down in ("failed", "restarting", "starting", "closed"):
            if down in statuses:
                body["status"] = "loading" if down == "starting" else down
                body["message"] = ", ".join(f"the {name} processes are {pool['status']}"
                                            for name, pool in pools.items()
                                            if pool["status"] == down)
                break
    body["pools"] = pools
    response = jsonify(body)
    if body["status"] != "ok":
        response.status_code = 503
        response.headers["Retry-After"] = "1" if body["status"] == "restarting" else "5"
    return response


def _before() -> None:
    _start_clock()
    _name_client()
    _check_path_is_utf8()


def _check_path_is_utf8() -> None:
    """Refuse (400) a path whose percent-escapes are no UTF-8 (``/id/country/%FF``): werkzeug
    reads them as U+FFFD, so the answer named a path the client never sent (a 404 saying the
    path with U+FFFD in place of ``%FF`` names no valid IRI, or no dump)."""
    path = request.environ.get("PATH_INFO", "")  # the bytes sent, as Latin-1 (PEP 3333)
    if path.isascii():
        return
    try:
        path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise ClientError(f"the path {shown_path()[:300]} is not UTF-8 once its %-escapes are "
                          "decoded; percent-encode the UTF-8 bytes of each character (é is "
                          "%C3%A9)") from None


def _after(response: Response) -> Response:
    """A 412's error body, CORS, then gzip, then the hygiene headers, and last the access log and
    the metrics of what is sent."""
    response = precondition_failed_body(response)
    response = _cors(response)
    response = _gzip(response)
    response = add_security_headers(response)
    return observe_metrics(_access_log(response))


def _name_client() -> None:
    # Later a token; the address is who holds a connection now.
    g.client_token = current_client.set(request.remote_addr or None)


def _forget_client(exception: BaseException | None = None) -> None:
    token = g.pop("client_token", None)
    if token is not None:
        current_client.reset(token)


def _start_clock() -> None:
    g.started = time.perf_counter()


def _cors(response: Response) -> Response:
    origins = current_app.extensions["evawkg"].settings.cors_origins
    origin = request.headers.get("Origin")
    if not origins or not origin:
        return response
    if "*" in origins:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin in origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        add_vary(response, "Origin")
    else:
        return response
    writes = _write_endpoint()
    # The range headers too: a page elsewhere resuming a dump's download sends Range and
    # If-Range (a preflight refused them) and reads Content-Range (hidden from it).
    response.headers["Access-Control-Expose-Headers"] = (
        "ETag, Retry-After, X-Result-Rows, Content-Range, Accept-Ranges, Content-Disposition"
        + (", Location, Link, Server-Timing" if writes else ""))
    if request.method == "OPTIONS":
        methods = "GET, POST, OPTIONS"
        headers = ("Accept, Content-Type, If-None-Match, If-Modified-Since, Range, If-Range, "
                   "If-Match, If-Unmodified-Since")
        if writes:
            # A page elsewhere writing with a token: the methods the endpoint takes (the Graph
            # Store Protocol's PUT and DELETE too) and the bearer token (If-Match is allowed above).
            allowed = [m for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS")
                       if m in response.allow]
            methods = ", ".join(allowed) if allowed else methods
            headers += ", Authorization"
        response.headers["Access-Control-Allow-Methods"] = methods
        response.headers["Access-Control-Allow-Headers"] = headers
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _write_endpoint() -> bool:
    """Whether the request is to an endpoint that writes (``/sparql`` updates, the Graph Store
    Protocol) on a server with writes on."""
    if not writes_enabled(current_app.extensions["evawkg"].settings):
        return False
    return request.path == "/sparql" or (request.endpoint or "").startswith("writes.")


def _gzip(response: Response) -> Response:
    level = current_app.extensions["evawkg"].settings.gzip_level
    # HEAD is compressed too (its body is made and then dropped): its Content-Encoding,
    # Content-Length and Vary must be the ones GET would send (RFC 9110 section 9.3.2).
    if (not level or response.direct_passthrough or response.status_code != 200
            or "Content-Encoding" in response.headers):
        return response
    if not accepts_gzip(request.headers.get("Accept-Encoding")):
        return response
    add_vary(response, "Accept-Encoding")
    data = response.get_data()
    if len(data) < GZIP_MIN_BYTES:
        return response
    response.set_data(gzipped(response, data, level))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        # A strong tag names exact bytes (RFC 9110 section 8.8.1) and the gzip bytes are others:
        # the tag (a dump's checksum) is kept but weakened, as nginx does, so a range or cache
        # never joins the two codings' bytes under one strong tag.
        response.set_etag(etag, weak=True)
    return response


def _access_log(response: Response) -> Response:
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    log_request(request.remote_addr, request.method, logged_target(), response.status_code,
                response.calculate_content_length() or 0, elapsed, g.get("query_seconds"),
                g.get("rows", "-"), g.get("error_code"))
    return response


__all__ = ["create_app", "AppState"]
