"""``/changes``: the change feed of a writable store, newest first (registered with the writes).

* ``GET /changes``: the commits, newest first, as JSON (default), HTML or Atom
  (https://www.rfc-editor.org/rfc/rfc4287, for feed readers); ``?since=N`` lists only the commits
  after N (a mirror catching up), ``?limit=`` at most that many (100 by default, 1000 at most).
* ``GET /changes/<N>``: one commit: JSON (its metadata and the delta as an N-Quads pair,
  ``removed`` and ``added``), an RDF Patch (``application/rdf-patch``, also at
  ``/changes/<N>.rdfp``), or HTML.

Each commit is also a ``prov:Activity`` in ``graph/changes`` (:mod:`evawkg.writes.provenance`),
queryable at ``/sparql``. Every IRI the feed names (commits, graphs, the delta's terms) is
published under the server's public base, as everywhere else.
"""

from __future__ import annotations

import html
import json
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, request

from ..errors import ClientError, NotFound
from ..writes.delta import serialize_quads
from ..writes.provenance import change_iri, rdf_patch, summary
from ..writes.writer import Writer
from .linked_data import public_base
from .negotiation import HTML, MediaTable

blueprint = Blueprint("changes", __name__)

FEED = MediaTable("the change feed", [("application/json", "json"), (HTML, "html"),
                                      ("application/atom+xml", "atom")],
                  {"json": "json", "html": "html", "atom": "atom"})
CHANGE = MediaTable("a change", [("application/json", "json"), ("application/rdf-patch", "patch"),
                                 (HTML, "html"), ("text/plain", "patch")],
                    {"json": "json", "patch": "patch", "rdfp": "patch", "html": "html"})
MAX_LIMIT = 1000


def _writer() -> Writer:
    return current_app.extensions["evawkg.writer"]


@blueprint.route("/changes")
def feed() -> Response:
    _, kind = FEED.choose(request.headers.get("Accept"), request.args.get("format"))
    since = _number("since", 0)
    limit = min(_number("limit", 100), MAX_LIMIT)
    records = _writer().index.newest(since, limit)
    entries = [_entry(record.meta) for record in records]
    if kind == "json":
        body = json.dumps({"changes": entries, "since": since,
                           "latest": _writer().index.position.seq}, indent=2) + "\n"
        response = Response(body, mimetype="application/json")
    elif kind == "atom":
        response = Response(_atom(entries), content_type="application/atom+xml; charset=utf-8")
    else:
        response = Response(_feed_page(entries), content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response


@blueprint.route("/changes/<int:seq>")
@blueprint.route("/changes/<int:seq>.rdfp", defaults={"suffix": "patch"})
def change(seq: int, suffix: str | None = None) -> Response:
    if suffix:
        kind = suffix
    else:
        _, kind = CHANGE.choose(request.headers.get("Accept"), request.args.get("format"))
    record = _writer().index.get(seq)
    if record is None:
        raise NotFound(f"there is no commit {seq}; /changes lists them")
    iris = public_base()
    if kind == "patch":
        response = Response(rdf_patch(record, iris),
                            content_type="application/rdf-patch; charset=utf-8")
    elif kind == "json":
        delta = record.delta
        body = {**_entry(record.meta),
                **{name: serialize_quads(iris.quads_out(getattr(delta, name))).decode("utf-8")
                   for name in ("removed", "added", "inferred_removed", "inferred_added")}}
        response = Response(json.dumps(body, indent=2, ensure_ascii=False) + "\n",
                            mimetype="application/json")
    else:
        response = Response(_change_page(record), content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response


def _number(name: str, default: int) -> int:
    value = request.args.get(name)
    if value in (None, ""):
        return default
    if not value.isdigit():
        raise ClientError(f"{name}={value!r} is not a whole number")
    return int(value)


def _entry(meta: dict) -> dict:
    seq = meta["seq"]
    iris = public_base()

    def names(key: str) -> list:
        return [iris.iri_out(name) if name else name for name in meta.get(key, [])]

    return {"id": seq, "iri": iris.iri_out(change_iri(seq)),
            "href": f"{iris.public}changes/{seq}",
            "summary": summary(meta), "time": meta["time"], "token": meta.get("token"),
            "operation": meta.get("operation"), "graphs": names("graphs"),
            "added": meta.get("added", 0), "removed": meta.get("removed", 0),
            "inferred_added": meta.get("inferred_added", 0),
            "inferred_removed": meta.get("inferred_removed", 0),
            "created": names("created"), "dropped": names("dropped"),
            "request_sha256": meta.get("request_sha256")}


def _graph_names(graphs: list) -> str:
    return ", ".join("the default graph" if g is None else g for g in graphs) or "no graph"


def _atom(entries: list[dict]) -> str:
    updated = entries[0]["time"] if entries else "1970-01-01T00:00:00Z"
    rows = ['<?xml version="1.0" encoding="utf-8"?>',
            '<feed xmlns="http://www.w3.org/2005/Atom">',
            "<title>evawkg changes</title>",
            f"<id>{escape(public_base().public)}changes</id>",
            f'<link rel="self" href="{escape(request.url)}"/>',
            f"<updated>{escape(updated)}</updated>"]
    for entry in entries:
        rows += ["<entry>",
                 f"<id>{escape(entry['iri'])}</id>",
                 f"<title>{escape(entry['summary'])}</title>",
                 f"<updated>{escape(entry['time'])}</updated>",
                 f"<author><name>{escape(entry['token'] or '')}</name></author>",
                 f'<link rel="alternate" href="{escape(entry["href"])}"/>',
                 f"<summary>{escape(entry['operation'] or '')} on "
                 f"{escape(_graph_names(entry['graphs']))}</summary>",
                 "</entry>"]
    rows.append("</feed>")
    return "\n".join(rows) + "\n"


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/assets/style.css">
<link rel="alternate" type="application/atom+xml" href="/changes?format=atom"></head>
<body><h1>{title}</h1>{body}</body></html>
"""


def _feed_page(entries: list[dict]) -> str:
    rows = "".join(
        f'<tr><td><a href="/changes/{e["id"]}">{e["id"]}</a></td><td>{html.escape(e["time"])}</td>'
        f'<td>{html.escape(e["token"] or "")}</td><td>{html.escape(e["operation"] or "")}</td>'
        f'<td>+{e["added"]} −{e["removed"]}</td>'
        f'<td>{html.escape(_graph_names(e["graphs"]))}</td></tr>' for e in entries)
    body = ("<p>Every commit to the graph, newest first (<a href=\"/changes?format=atom\">Atom"
            "</a>, <a href=\"/changes?format=json\">JSON</a>).</p>"
            "<table><thead><tr><th>commit</th><th>time</th><th>token</th><th>operation</th>"
            f"<th>triples</th><th>graphs</th></tr></thead><tbody>{rows}</tbody></table>"
            if entries else "<p>No commit yet.</p>")
    return _PAGE.format(title="Changes", body=body)


def _change_page(record) -> str:
    entry = _entry(record.meta)
    body = (f"<p>{html.escape(entry['summary'])}, {html.escape(entry['time'])}, by token "
            f"{html.escape(entry['token'] or '')} ({html.escape(entry['operation'] or '')}) on "
            f"{html.escape(_graph_names(entry['graphs']))}. "
            f'<a href="/changes/{record.seq}.rdfp">RDF Patch</a> · '
            f'<a href="/changes/{record.seq}?format=json">JSON</a> · '
            '<a href="/changes">all changes</a></p>'
            f"<h2>Removed</h2><pre>{html.escape(_quads(record.delta.removed))}"
            f"</pre><h2>Added</h2><pre>{html.escape(_quads(record.delta.added))}"
            "</pre>")
    return _PAGE.format(title=f"Commit {record.seq}", body=body)


def _quads(quads) -> str:
    return serialize_quads(public_base().quads_out(quads)).decode()


__all__ = ["blueprint", "FEED", "CHANGE"]
