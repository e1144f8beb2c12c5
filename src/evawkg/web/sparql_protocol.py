"""``/sparql``: the SPARQL 1.1 Protocol, query operation (https://www.w3.org/TR/sparql11-protocol/).

Translation only: a request becomes a :class:`~evawkg.sparql.QueryRequest`, the service answers,
the answer becomes a response. Accepted requests (section 2.1):

* ``GET /sparql?query=…``;
* ``POST`` with ``application/x-www-form-urlencoded`` (``query=…``);
* ``POST`` with ``application/sparql-query`` (the query is the body).

``default-graph-uri`` / ``named-graph-uri`` (repeatable, absolute IRIs) set the dataset;
``timeout`` (seconds) lowers the server's limit; ``format`` overrides ``Accept``. ``update=`` and
``application/sparql-update`` are refused (403: read-only). Without a query, ``GET`` answers
the SPARQL Service Description (RDF), or a plain query page to a browser.

The request thread does only linear work on a body, so that no body buys CPU before a limit
applies: a body past ``max_body_bytes`` is 413 however it is sent (``Content-Length`` or
chunked), an ``application/sparql-query`` body is strict UTF-8 (another declared charset is
415), and both kinds of answer are negotiated up front, since the query's form is learnt only
where it is parsed: in its query process, under its timeout.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, g, request
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from ..sparql.answer_cache import answers_repeat
from ..sparql.answers import serialize_graph
from ..errors import (ClientError, NotAcceptable, PayloadTooLarge, QuerySyntaxError,
                      ReadOnly, UnsupportedMediaType)
from ..namespaces import PREFIXES
from ..sparql.service_description import PREFIXES as SD_PREFIXES
from ..sparql.service_description import describe_service
from ..sparql import AnswerFormats, QueryRequest, check_graph_iri
from .errors import byte_limit
from .framing import read_chunked_body
from .linked_data import public_base
from .negotiation import (HTML, SERVICE_DESCRIPTION, add_vary, format_asked, remember_compressed,
                          table_for)
from .repeats import mark_repeatable

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


@dataclass(frozen=True)
class ProtocolRequest:
    """The protocol's parameters, whichever way they came."""

    query: str | None
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    timeout: float
    format: str | None


def read_protocol_request(settings) -> ProtocolRequest:
    """The parameters of the current request; raises 403, 413, 415 or 400 errors.

    Linear work only (this is the request thread): the body is read up to the size limit, decoded
    as strict UTF-8 and the graph IRIs checked; the query itself is read by its query process."""
    parameters = request.args
    body_query: str | None = None
    if request.method == "POST":
        media_type = request.mimetype
        if media_type == FORM:
            form = _decode(_read_body(settings.max_body_bytes), "form body")
            try:
                fields = parse_qsl(form, keep_blank_values=True, errors="strict")
            except UnicodeDecodeError:
                raise ClientError("the form body is not valid UTF-8 once percent-decoded; "
                                  "encode the query as UTF-8") from None
            parameters = CombinedMultiDict([request.args, MultiDict(fields)])
        elif media_type == SPARQL_QUERY:
            charset = request.mimetype_params.get("charset")
            if charset is not None and charset.strip().lower() != "utf-8":
                raise UnsupportedMediaType(
                    f"the query body is declared as charset={charset}; a {SPARQL_QUERY} body must "
                    "be UTF-8 (say charset=utf-8, or no charset)")
            body_query = _decode(_read_body(settings.max_body_bytes), "query body")
        elif media_type == SPARQL_UPDATE:
            raise ReadOnly("SPARQL Update is refused: this endpoint is read-only")
        else:
            raise UnsupportedMediaType(
                f"cannot read a POST body of type {media_type or '(none)'!r}; send "
                f"{FORM} (query=…) or {SPARQL_QUERY} (the query as the body)")
    if parameters.getlist("update"):
        raise ReadOnly("SPARQL Update is refused: this endpoint is read-only")
    queries = parameters.getlist("query") + ([body_query] if body_query is not None else [])
    if len(queries) > 1:
        raise ClientError("the request carries more than one query; send exactly one")
    if queries and queries[0].startswith("\ufeff"):
        queries[0] = queries[0][1:]  # a byte-order mark (an editor's) is no part of the query
    if queries and not queries[0].strip():
        raise ClientError("the query is empty; send a SELECT, ASK, CONSTRUCT or DESCRIBE query "
                          "(query=… in the URL or form, or as an application/sparql-query body)")
    return ProtocolRequest(
        query=queries[0] if queries else None,
        default_graphs=_graph_iris(parameters, "default-graph-uri"),
        named_graphs=_graph_iris(parameters, "named-graph-uri"),
        timeout=_timeout(parameters.get("timeout"), settings.query_timeout),
        format=format_asked(parameters) or None)


def _read_body(limit: int) -> bytes:
    """The request body, refused (413) past ``limit`` bytes whether the client announced its
    length or streamed it in chunks: a chunked body is read up to ``limit + 1`` bytes, never
    cut to the limit and run."""
    length = request.content_length
    if length is not None:
        if length > limit:
            raise _too_large(f"has {length} bytes, more than", limit)
        return request.get_data(cache=False)
    environ = request.environ
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and a stream the server does not end: no body (werkzeug's rule)
    body = read_chunked_body(environ["wsgi.input"], limit)
    if body is None:
        raise _too_large("is longer than", limit)
    return body


def _too_large(how: str, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the request body {how} the {byte_limit(limit)} /sparql accepts (max_body_bytes); "
        "shorten the query: drop comments and padding, and load long VALUES lists or literals "
        "as data rather than sending them with every query")


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise QuerySyntaxError(f"the {what} is not valid UTF-8 (byte {error.start}); send the "
                               "query as UTF-8") from None


def _graph_iris(parameters, name: str) -> tuple[str, ...] | None:
    return tuple(check_graph_iri(value, name) for value in parameters.getlist(name)) or None


def _timeout(value: str | None, limit: float) -> float:
    if value in (None, ""):
        return limit
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ClientError(f"timeout={value!r} is not a positive number of seconds")
    return min(seconds, limit)


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    state = current_app.extensions["evawkg"]
    settings, service = state.settings, state.service
    protocol = read_protocol_request(settings)
    if protocol.query is None:
        if request.method == "POST":
            raise ClientError("the POST request carries no query; send query=… or a "
                              f"{SPARQL_QUERY} body")
        return _service_description(service, protocol)
    # The form is not known here (the query is parsed in its process): negotiate both kinds.
    media_types, formats = _negotiate(request.headers.get("Accept"), protocol.format)
    published = public_base().public
    # An answer that may differ between runs (NOW(), RAND()…) has no validator to offer.
    etag = (_etag(service.data_version, protocol, media_types, published)
            if answers_repeat(protocol.query) else None)
    if (etag and request.method in ("GET", "HEAD")
            and request.if_none_match.contains_weak(etag)):
        return _not_modified(etag)
    answer = service.query(QueryRequest(protocol.query, formats, protocol.timeout,
                                        protocol.default_graphs, protocol.named_graphs,
                                        public_base=published))
    g.query_seconds, g.rows = answer.seconds, answer.rows
    response = Response(answer.payload, content_type=_content_type(media_types[answer.format.kind]))
    remember_compressed(response, answer.payload, answer.compressed)
    response.headers["X-Result-Rows"] = str(answer.rows)
    if etag and request.method in ("GET", "HEAD"):
        response.set_etag(etag, weak=True)
        mark_repeatable(service, protocol.query, answer.rows)
    add_vary(response, "Accept")
    return response


def _negotiate(accept: str | None, format_name: str | None) -> tuple[dict, AnswerFormats]:
    """The media type and format for each kind of answer; a kind the client accepts in no format
    keeps the 406 message, raised only if the query turns out to be of that kind."""
    media_types: dict[str, str | None] = {}
    chosen: dict[str, object] = {}
    refusals = []
    for kind in ("results", "graph"):
        try:
            media_types[kind], chosen[kind] = table_for(kind).choose(accept, format_name)
        except NotAcceptable as refused:
            media_types[kind], chosen[kind] = None, None
            refusals.append((kind, refused.message))
    return media_types, AnswerFormats(chosen["results"], chosen["graph"], tuple(refusals))


def _content_type(media_type: str) -> str:
    return media_type + "; charset=utf-8" if media_type.startswith("text/") else media_type


def _etag(version: str, protocol: ProtocolRequest, media_types: dict, published: str) -> str:
    digest = hashlib.sha256()
    for part in (protocol.query or "", repr(protocol.default_graphs), repr(protocol.named_graphs),
                 repr(sorted(media_types.items())), published):
        digest.update(part.encode() + b"\0")
    return f"{version}-{digest.hexdigest()[:20]}"


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag, weak=True)
    add_vary(response, "Accept")
    return response


def _service_description(service, protocol: ProtocolRequest) -> Response:
    media_type, fmt = SERVICE_DESCRIPTION.choose(request.headers.get("Accept"), protocol.format)
    if media_type == HTML:
        # The workbench installs its query editor as this page; without it, the plain form.
        page = current_app.extensions.get("evawkg.query_page")
        response = Response(page() if page else _QUERY_PAGE.format(
            endpoint=html.escape(request.base_url), prefixes=html.escape(_prefix_lines())),
            mimetype="text/html")
    else:
        iris = public_base()
        etag = f"{service.data_version}-sd-{hashlib.sha256(media_type.encode() + request.base_url.encode() + iris.public.encode()).hexdigest()[:12]}"
        if request.if_none_match.contains_weak(etag):
            return _not_modified(etag)
        # The graph names are the store's: published like every other IRI.
        triples = iris.triples_out(describe_service(request.base_url, service.describe()))
        response = Response(serialize_graph(triples, fmt.name, SD_PREFIXES),
                            content_type=_content_type(media_type))
        response.set_etag(etag, weak=True)
    add_vary(response, "Accept")
    return response


def _prefix_lines() -> str:
    prefixes = public_base().prefixes_out(PREFIXES)
    return "\n".join(f"PREFIX {prefix}: <{iri}>" for prefix, iri in prefixes.items())


_QUERY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>evawkg SPARQL endpoint</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}textarea{{width:100%}}</style>
</head><body>
<h1>evawkg SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 endpoint at <code>{endpoint}</code>. These prefixes are predeclared:</p>
<details><summary>prefixes</summary><pre>{prefixes}</pre></details>
<form method="get" action="{endpoint}">
<textarea name="query" rows="12">SELECT ?class (COUNT(?thing) AS ?things)
WHERE {{ ?thing a ?class }}
GROUP BY ?class ORDER BY DESC(?things) LIMIT 20</textarea>
<p><label>Format <select name="format">
<option value="json">SPARQL JSON</option><option value="xml">SPARQL XML</option>
<option value="csv">CSV</option><option value="tsv">TSV</option>
<option value="turtle">Turtle (CONSTRUCT/DESCRIBE)</option>
<option value="json-ld">JSON-LD (CONSTRUCT/DESCRIBE)</option></select></label>
<label>Timeout (s) <input name="timeout" size="4"></label>
<button type="submit">Run query</button></p>
</form></body></html>
"""


__all__ = ["blueprint", "read_protocol_request", "ProtocolRequest"]
