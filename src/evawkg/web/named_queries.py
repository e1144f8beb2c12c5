"""Named queries as an HTTP API, in the spirit of grlc (https://github.com/CLARIAH/grlc) but
serving only our own ``queries/*.rq``, never a caller's endpoint.

* ``GET /queries``: every named query with its summary, description and typed parameters (JSON
  for programs, HTML for people).
* ``GET /queries/<name>``: run it. Parameters come from the query string, typed and checked
  against the header (a bad value is 400 naming the parameter and its type); defaults fill the
  rest, so every query answers with none given. ``Accept``, a suffix (``.json .srj .csv .tsv
  .html``) or ``?format=`` chooses JSON, SPARQL JSON, CSV, TSV or an HTML table. Like
  ``/sparql``, an answer carries a weak ``ETag`` (the data version, the query, its effective
  parameters and the format) and ``If-None-Match`` gets 304 without running the query.
* ``GET /openapi.json``: the OpenAPI 3.1 description generated from the headers
  (:mod:`evawkg.workbench.openapi`); ``GET /api``: the same, as a page.

Queries run through the server's query service: killable processes, time limit, row cap.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, g, render_template, request

from ..graph.bundle import default_bundle
from ..errors import EvawError, NotFound, ParameterError
from ..sparql.query_text import rewrite_iris
from ..workbench.openapi import openapi_document
from ..workbench.named_queries import TYPE_HINTS, NamedQuery, load_named_queries
from ..workbench.tables import Table, run_named_query
from .linked_data import BY_LANGUAGE, not_modified, public_base
from .negotiation import HTML, MediaTable, format_asked
from .repeats import mark_repeatable

PACKAGE = Path(__file__).resolve().parents[1]

blueprint = Blueprint("named_queries", __name__, template_folder=str(PACKAGE / "templates"))

#: Answers of a named query; ``*/*`` gets the first.
ANSWERS = MediaTable("named query answers", [
    ("application/json", "json"),
    ("application/sparql-results+json", "srj"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    (HTML, "html"),
], {"json": "json", "srj": "srj", "csv": "csv", "tsv": "tsv", "html": "html"})

#: The query list and the API description: JSON for programs, HTML for people.
LISTING = MediaTable("the list of named queries", [("application/json", "json"), (HTML, "html")],
                     {"json": "json", "html": "html"})

#: What the query service is asked for, per answer kind (JSON and HTML are read back as tables).
_SERVICE_FORMAT = {"json": "json", "srj": "json", "csv": "csv", "tsv": "tsv", "html": "json"}
_CONTENT_TYPE = {kind: media_type + ("; charset=utf-8" if media_type.startswith("text/") else "")
                 for media_type, kind in ANSWERS.rows}
#: Query-string names the API keeps for itself (no named query may have a parameter so named):
#: the answer's format, and the language the site's navigation bar passes on to every page.
RESERVED = ("format", "lang")


@blueprint.record_once
def _load(state) -> None:
    # A malformed header stops the server at start, never at the first request.
    state.app.extensions["evawkg.named_queries"] = load_named_queries(default_bundle().queries_dir)


def named_queries() -> dict[str, NamedQuery]:
    return current_app.extensions["evawkg.named_queries"]


def listing(queries: dict[str, NamedQuery]) -> list[dict]:
    return [{"name": q.name, "summary": q.summary, "description": q.description,
             "tags": list(q.tags), "url": f"/queries/{q.name}",
             "parameters": [{"name": p.name, "type": p.type, "description": p.description,
                             "default": p.default, "example": p.example,
                             "enum": list(p.enum) or None, "format": TYPE_HINTS[p.type]}
                            for p in q.parameters]}
            for q in queries.values()]


@blueprint.route("/queries")
def list_queries() -> Response:
    _, kind = LISTING.choose(request.headers.get("Accept"), format_asked(request.args))
    queries = named_queries()
    if kind == "json":
        response = current_app.json.response(listing(queries))
    else:
        response = Response(render_template("workbench/queries.html", queries=listing(queries)),
                            mimetype="text/html")
    response.vary.add("Accept")
    return response


@blueprint.route("/queries/<string:name>")
def run_query(name: str) -> Response:
    query, suffix = _resolve(name)
    _, kind = ANSWERS.choose(request.headers.get("Accept"), format_asked(request.args) or suffix)
    values = _values(query)
    state = current_app.extensions["evawkg"]
    etag = _etag(state.service.data_version, query, _effective(query, values), kind)
    cached = not_modified(etag, vary=BY_LANGUAGE if kind == "html" else ("Accept",))
    if cached is not None:
        return cached
    if kind == "html":
        response = _html_page(query, values, state)
        if response.status_code == 200:
            response.set_etag(etag, weak=True)
        return response
    answer = run_named_query(state.service, query, values, timeout=state.settings.query_timeout,
                             fmt=_SERVICE_FORMAT[kind], public_base=public_base().public)
    g.query_seconds, g.rows = answer.seconds, answer.rows
    payload = answer.payload
    if kind == "json":
        table = Table.from_sparql_json(payload)
        payload = json.dumps({"query": query.name, "parameters": _effective(query, values),
                              "columns": list(table.columns), "rows": table.records()},
                             ensure_ascii=False, indent=1).encode()
    response = Response(payload, content_type=_CONTENT_TYPE[kind])
    response.headers["X-Result-Rows"] = str(answer.rows)
    if kind in ("csv", "tsv"):
        response.headers["Content-Disposition"] = f'inline; filename="{query.name}.{kind}"'
    response.set_etag(etag, weak=True)
    response.vary.add("Accept")
    mark_repeatable(state.service, query.text, answer.rows)
    return response


def _etag(version: str, query: NamedQuery, effective: dict[str, str], kind: str) -> str:
    """Names one answer: the same data, query text, parameters and format give the same bytes.
    HTML also shows the site's navigation bar, which follows ``lang=``/``Accept-Language``."""
    digest = hashlib.sha256()
    parts = [query.name, query.text, repr(sorted(effective.items())), kind]
    if kind == "html":
        parts += [request.args.get("lang", ""), request.headers.get("Accept-Language", "")]
    for part in parts:
        digest.update(part.encode() + b"\0")
    return f"{version}-q-{digest.hexdigest()[:20]}"


def _resolve(name: str) -> tuple[NamedQuery, str | None]:
    queries = named_queries()
    if name in queries:
        return queries[name], None
    stem, dot, suffix = name.rpartition(".")
    if dot and stem in queries and suffix in ANSWERS.names:
        return queries[stem], suffix
    if dot and stem in queries:
        raise NotFound(f"there is no named query {name!r}: .{suffix} is not a format of its "
                       "answers; use " + ", ".join(f"/queries/{stem}.{s}" for s in ANSWERS.names)
                       + f" or /queries/{stem} with an Accept header")
    raise NotFound(f"there is no named query {name!r}; the list is at /queries")


def _values(query: NamedQuery) -> dict[str, str]:
    values = {}
    for key in request.args:
        if key in RESERVED:
            continue
        given = request.args.getlist(key)
        if len(given) > 1:
            raise ParameterError(f"parameter {key!r} is given {len(given)} times; give it once")
        values[key] = given[0]
    query.bind(values)  # 400 naming the parameter and its type, before any work
    return values


def _effective(query: NamedQuery, values: dict[str, str]) -> dict[str, str]:
    return {p.name: values.get(p.name, p.default) for p in query.parameters}


def _html_page(query: NamedQuery, values: dict[str, str], state) -> Response:
    effective = _effective(query, values)
    table, error = None, None
    try:
        table = Table.from_sparql_json(run_named_query(
            state.service, query, values, timeout=state.settings.query_timeout,
            public_base=public_base().public).payload)
    except EvawError as failure:
        if failure.status >= 500 and failure.status != 503:
            raise
        error = failure
    given = urlencode(values)
    links = {kind: f"/queries/{query.name}.{kind}" + (f"?{given}" if given else "")
             for kind in ("json", "csv", "tsv", "srj")}
    body = render_template("workbench/query.html", query=query, values=effective,
                           hints=TYPE_HINTS, table=table, error=error, links=links,
                           editor_link="/sparql#query=" + quote(rewrite_iris(
                               editor_text(query, effective), public_base().iri_out)),
                           base_iri=public_base().public)
    response = Response(body, mimetype="text/html", status=error.status if error else 200)
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    return response


def editor_text(query: NamedQuery, values: dict[str, str]) -> str:
    """The query as an editor example: its header kept as comments and the parameters bound by
    ``VALUES`` blocks at the start of the outermost ``WHERE`` (terms written by pyoxigraph,
    from the header's defaults or the values the page was given, each checked by its type)."""
    substitutions = query.bind({k: v for k, v in values.items() if v is not None})
    if not substitutions:
        return query.text
    # One block per parameter, as the server binds them (evawkg.sparql.binding.values_block:
    # Virtuoso 7.2 dies of a block of several columns beside a grouped subquery).
    block = "".join(f"\n  VALUES ({variable}) {{ ({term}) }}" for variable, term in substitutions.items())
    text = query.text
    position = _outer_where(text)
    return text[:position] + block + text[position:] if position is not None else text


def _outer_where(text: str) -> int | None:
    """Where the body of the first ``WHERE {`` outside comments starts."""
    lines = text.splitlines(keepends=True)
    offset = 0
    for line in lines:
        code = line if not line.lstrip().startswith("#") else ""
        upper = code.upper()
        index = upper.find("WHERE")
        if index >= 0:
            brace = code.find("{", index)
            if brace >= 0:
                return offset + brace + 1
        offset += len(line)
    return None


@blueprint.route("/openapi.json")
def openapi() -> Response:
    response = current_app.json.response(openapi_document(named_queries().values(),
                                                          server_url=public_base().public))
    return response


@blueprint.route("/api")
def api_page() -> Response:
    document = openapi_document(named_queries().values(), server_url=public_base().public)
    return Response(render_template("workbench/api.html", document=document), mimetype="text/html")


__all__ = ["blueprint", "ANSWERS", "editor_text", "listing", "named_queries"]
