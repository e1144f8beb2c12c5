"""Writes over HTTP, registered only when the server has write tokens (``docs/writes.md``).

* SPARQL 1.1 Protocol, update operation (https://www.w3.org/TR/sparql11-protocol/#update-operation):
  ``POST /sparql`` with ``update=`` (``application/x-www-form-urlencoded``) or an
  ``application/sparql-update`` body; ``using-graph-uri`` / ``using-named-graph-uri``. A hook
  before the query view takes these requests, so ``/sparql`` answers queries as before.
* SPARQL 1.1 Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/):
  ``/graph-store?graph=IRI``, ``/graph-store?default``, ``POST /graph-store`` (a new graph, 201
  with ``Location``) and, by direct identification, ``/graph/<name>`` for the graph
  ``{base}graph/<name>``: GET, HEAD, PUT, POST, DELETE in every RDF format the server reads.
  GET and HEAD give a strong ``ETag`` (``"<graph version>.<format>"``); PUT, POST and DELETE
  honour ``If-Match`` (412) and ``If-None-Match: *``.

IRIs a request writes under the server's public base (the update's text, ``using-graph-uri``,
``graph=``, the body's RDF) are stored as the canonical IRIs they publish, and every IRI answered
(``Location``, reports, graphs read) is published, as everywhere else (docs/linked-data.md).

Translation only: a request becomes operations and a token; :class:`evawkg.writes.writer.Writer`
commits them or raises. Answers: 204 (200 with the SHACL report when it has warnings or notes
about what was written), 201 for a graph created, 401 with ``WWW-Authenticate`` without a valid
token, 403 for a graph the token may not write, 404 for a missing graph, 412, 413, 415, 422
with the SHACL report (Turtle, JSON-LD, JSON, HTML or text by ``Accept``), 503 when another
write holds the store too long.
"""

from __future__ import annotations

import io
import time
import uuid
from urllib.parse import parse_qsl

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.http import parse_etags

from ..errors import (ClientError, GraphNotFound, NotAcceptable, PayloadTooLarge,
                      QuerySyntaxError, ReadOnly, ShapesViolated, Unauthorized)
from ..namespaces import ABSOLUTE_IRI
from ..shacl.rendering import render_published
from ..sparql.query_text import rewrite_iris
from ..sparql.rules import check_graph_iri
from ..writes import writable_service
from ..writes.bodies import read_graph
from ..writes.operations import DropGraph, InsertQuads, ReplaceGraph
from ..writes.readers import graph_triples
from ..writes.writer import Committed, Preconditions, Writer
from .errors import render_error
from .framing import read_chunked_body
from .linked_data import GRAPH, content_type, iri_for_path, public_base, serialize
from .validation import REPORTS

blueprint = Blueprint("writes", __name__)

FORM = "application/x-www-form-urlencoded"
SPARQL_UPDATE = "application/sparql-update"
_REPORT_TYPES = {"json": "application/json", "turtle": "text/turtle; charset=utf-8",
                 "json-ld": "application/ld+json", "html": "text/html; charset=utf-8",
                 "text": "text/plain; charset=utf-8"}


def service_for(settings):
    """The writable store's query service (``create_app`` uses it when writes are on)."""
    return writable_service(settings)


def register(app: Flask) -> None:
    state = app.extensions["evawkg"]
    remote = bool(state.settings.sparql_endpoint)
    if remote:  # the same requests and answers; the commit is an update on the store
        from ..writes.remote_writer import RemoteWriter

        app.extensions["evawkg.writer"] = RemoteWriter(state.settings, state.service)
    else:
        app.extensions["evawkg.writer"] = Writer(state.settings, state.service)
    app.before_request(_route_update)
    app.register_error_handler(Unauthorized, _unauthorized)
    app.register_error_handler(ShapesViolated, _violated)
    app.register_error_handler(ReadOnly, _update_sent_as_query)
    app.register_blueprint(blueprint)
    if not remote:  # the change feed is the journal's; a remote store has none
        from .changes import blueprint as changes

        app.register_blueprint(changes)


def _writer() -> Writer:
    return current_app.extensions["evawkg.writer"]


# --- SPARQL 1.1 Update --------------------------------------------------------------------------

def _route_update() -> Response | None:
    """``POST /sparql`` carrying an update: answered here; any other request goes on."""
    if request.path != "/sparql" or request.method != "POST":
        return None
    writer = _writer()
    limit = writer.settings.max_write_bytes
    if request.mimetype == SPARQL_UPDATE:
        token = writer.authenticate(request.headers.get("Authorization"))
        text = _body_text(limit)
        parameters = request.args
    elif request.mimetype == FORM:
        _limit_body(limit)
        form = _form_fields()
        if not (form.getlist("update") or request.args.getlist("update")):
            return None  # a query
        parameters = CombinedMultiDict([request.args, form])
        updates = parameters.getlist("update")
        if len(updates) != 1:
            raise ClientError(f"the request carries {len(updates)} update parameters; send "
                              "exactly one (it may hold several operations separated by ';')")
        if parameters.getlist("query"):
            raise ClientError("the request carries both query= and update=; send one")
        token = writer.authenticate(request.headers.get("Authorization"))
        text = updates[0]
    else:
        return None
    # IRIs written under the public base are the canonical IRIs they publish (as in queries);
    # the journal keeps the request as it came.
    iris = public_base()
    using = _dataset_iris(parameters, "using-graph-uri", iris)
    using_named = _dataset_iris(parameters, "using-named-graph-uri", iris)
    started = time.perf_counter()
    operations = writer.compile(rewrite_iris(text, iris.iri_in), using, using_named)
    compiled = time.perf_counter() - started
    committed = writer.commit(operations, token, operation="update",
                              request=text.encode("utf-8"))
    committed.timings["compile"] = compiled
    return _acknowledge(committed)


def _form_fields() -> MultiDict:
    """The form's fields, the body and its percent-escapes read as strict UTF-8 (as the query
    route reads them): werkzeug's form puts U+FFFD for bytes that are not UTF-8, and an update
    carrying %FF in a literal was written with the literal changed (204)."""
    try:
        return MultiDict(parse_qsl(request.get_data(cache=True).decode("utf-8"),
                                   keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        raise ClientError("the form body is not valid UTF-8 once percent-decoded; encode the "
                          "update (and every other field) as UTF-8") from None


def _dataset_iris(parameters, name: str, iris) -> tuple[str, ...] | None:
    """The graphs a protocol parameter names, canonical; a value that is no absolute IRI is a
    400 naming it (it used to reach the query process and fail there: 500)."""
    return tuple(iris.iri_in(check_graph_iri(value, name))
                 for value in parameters.getlist(name)) or None


def _limit_body(limit: int) -> None:
    environ = request.environ
    if request.content_length is None and environ.get("wsgi.input_terminated"):
        # A chunked body: werkzeug would cut it at max_content_length and hand over the rest as
        # the whole body (a PUT past the limit wrote its first 64 KiB as the graph). Read it
        # here up to one byte past the limit, and give werkzeug what was read, with its length
        # (so the query route, when the form holds a query, reads the same bytes).
        body = read_chunked_body(environ["wsgi.input"], limit)
        if body is None:
            raise PayloadTooLarge(f"the chunked body is longer than the {limit} bytes a write "
                                  "accepts (max_write_bytes); split the write")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        request.__dict__.pop("content_length", None)  # werkzeug caches the None it read
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the body has {request.content_length} bytes, more than the "
                              f"{limit} a write accepts (max_write_bytes); split the write")
    request.max_content_length = limit


def _body_bytes(limit: int) -> bytes:
    _limit_body(limit)
    return request.get_data(cache=False)


def _body_text(limit: int) -> str:
    charset = request.mimetype_params.get("charset", "utf-8")
    try:
        return _body_bytes(limit).decode(charset)
    except (UnicodeDecodeError, LookupError):
        raise QuerySyntaxError(f"the update body is not valid {charset} text") from None


# --- Answers --------------------------------------------------------------------------------------

def _acknowledge(committed: Committed, *, status: int | None = None,
                 location: str | None = None) -> Response:
    if committed.warnings:
        fmt = _report_format()
        response = Response(render_published(committed.report, fmt, public_base()),
                            content_type=_REPORT_TYPES[fmt], status=status or 200)
        response.vary.add("Accept")
    else:
        response = Response(status=status or 204)
        del response.headers["Content-Type"]  # nothing follows
    if committed.seq is not None:
        response.headers["Link"] = (f'<{public_base().public}changes/{committed.seq}>; '
                                    'rel="related"; title="this commit"')
    if location:
        response.headers["Location"] = public_base().iri_out(location)
    if committed.timings:  # https://www.w3.org/TR/server-timing/
        response.headers["Server-Timing"] = ", ".join(
            f"{name};dur={seconds * 1000:.1f}" for name, seconds in committed.timings.items())
    return response


def _report_format() -> str:
    try:
        _, fmt = REPORTS.choose(request.headers.get("Accept"))
    except NotAcceptable:
        fmt = "json"
    return fmt


def _unauthorized(error: Unauthorized) -> Response:
    response = render_error(error)
    response.headers["WWW-Authenticate"] = error.challenge
    return response


def _update_sent_as_query(error: ReadOnly) -> Response:
    """The query route refuses an update as "this endpoint is read-only"; here, where writes
    are on, that is untrue: the update came as a query (query= or application/sparql-query)."""
    return render_error(ReadOnly(
        "SPARQL Update sent as a query is refused: queries never write. Send it as an "
        f"{SPARQL_UPDATE} body or as update= in an {FORM} body, with Authorization: Bearer "
        "<token>"))


def _violated(error: ShapesViolated) -> Response:
    if error.report is None:
        return render_error(error)
    fmt = _report_format()
    response = Response(render_published(error.report, fmt, public_base()),
                        content_type=_REPORT_TYPES[fmt], status=422)
    response.headers["X-Validation-Conforms"] = "false"
    response.vary.add("Accept")
    return response


# --- The Graph Store Protocol -------------------------------------------------------------------

_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


@blueprint.route("/graph-store", methods=_METHODS)
def graph_store() -> Response:
    """Indirect identification: ``?graph=IRI`` or ``?default``; POST to neither makes a graph."""
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if len(graphs) > 1 or (graphs and default):
        raise ClientError("name one graph: ?graph=IRI or ?default, not both or several")
    if graphs:
        return _graph(public_base().iri_in(graphs[0]))
    if default:
        return _graph(None)
    if request.method == "POST":
        return _new_graph()
    raise ClientError("name a graph: /graph-store?graph=IRI or /graph-store?default (POST to "
                      "/graph-store alone creates a new graph)")


@blueprint.route("/graph/<path:name>", methods=_METHODS)
def direct(name: str) -> Response:
    """Direct identification: the path names the graph ``{base}graph/<name>``."""
    return _graph(iri_for_path(request.path))


def _graph(graph: str | None) -> Response:
    if graph is not None and not _is_iri(graph):
        raise ClientError(f"graph={graph!r} is not an absolute IRI")
    if request.method in ("GET", "HEAD"):
        return _read(graph)
    writer = _writer()
    token = writer.authenticate(request.headers.get("Authorization"))
    writer.require(token, graph)
    conditions = Preconditions(graph, _tags("If-Match"), _tags("If-None-Match"))
    if request.method == "DELETE":
        committed = writer.commit((DropGraph(graph),), token, operation="gsp-delete",
                                  request=f"DELETE {graph}".encode(), preconditions=conditions)
        return _acknowledge(committed)
    body = _body_bytes(writer.settings.max_write_bytes)
    # Relative IRIs resolve against the graph's IRI as the client names it (published).
    iris = public_base()
    quads = read_graph(body, request.headers.get("Content-Type"), graph,
                       base_iri=iris.iri_out(graph or writer.settings.base_iri), iris=iris)
    if request.method == "PUT":
        operation = ReplaceGraph(graph, quads)
    else:
        operation = InsertQuads(quads, create=(graph,) if graph is not None else ())
    committed = writer.commit((operation,), token, operation=f"gsp-{request.method.lower()}",
                              request=f"{request.method} {graph}\n".encode() + body,
                              preconditions=conditions)
    created = graph is not None and graph in committed.created
    return _acknowledge(committed, status=201 if created else None)


def _new_graph() -> Response:
    writer = _writer()
    token = writer.authenticate(request.headers.get("Authorization"))
    graph = f"{writer.settings.base_iri}graph/{uuid.uuid4()}"
    writer.require(token, graph)
    body = _body_bytes(writer.settings.max_write_bytes)
    iris = public_base()
    quads = read_graph(body, request.headers.get("Content-Type"), graph,
                       base_iri=iris.iri_out(graph), iris=iris)
    committed = writer.commit((InsertQuads(quads, create=(graph,)),), token,
                              operation="gsp-post", request=b"POST\n" + body)
    return _acknowledge(committed, status=201, location=graph)


def _read(graph: str | None) -> Response:
    writer = _writer()
    media_type, kind = GRAPH.choose(request.headers.get("Accept"), request.args.get("format"))
    version = writer.graph_version(graph)
    etag = f"{version}.{kind}"
    triples = writer.service.call(graph_triples, graph,
                                  timeout=writer.settings.query_timeout)
    if triples is None:
        raise GraphNotFound(f"there is no graph <{graph}>; PUT or POST to create it")
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        target = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        quads = [ox.Quad(t.subject, t.predicate, t.object, target) for t in triples]
        response = Response(serialize(kind, triples, quads), content_type=content_type(kind))
    response.set_etag(etag)
    response.vary.add("Accept")
    return response


def _tags(header: str) -> tuple[str, ...]:
    """The entity tags of a condition header, ``("*",)``, or ``()`` without the header.

    If-Match compares strongly (RFC 9110 section 13.1.1): a weak tag matches no version, so it
    is kept as one no version equals (dropped, a header of weak tags only wrote with no
    condition at all). If-None-Match compares weakly (13.1.2): ``W/"t"`` is ``"t"``. An empty
    tag (``""``, which werkzeug reads as ``None``) or a header naming none matches nothing."""
    value = request.headers.get(header)
    if not value:
        return ()
    if value.strip() == "*":
        return ("*",)
    etags = parse_etags(value)
    strong = {tag or "" for tag in etags.as_set(include_weak=False)}
    weak = {tag or "" for tag in etags.as_set(include_weak=True)} - strong
    if header == "If-Match":
        weak = {"W/" + tag for tag in weak}
    return tuple(sorted(strong | weak)) or ("",)


def _is_iri(text: str) -> bool:
    if not ABSOLUTE_IRI.fullmatch(text):
        return False
    try:  # what the store will make of it: control characters (a NUL) pass the pattern
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


__all__ = ["blueprint", "register", "service_for"]
