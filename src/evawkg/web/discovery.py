"""How clients find the data without a query: the JSON-LD context, the dumps and VoID.

* ``/context/v<version>.jsonld`` (immutable, cached for a year) and ``/context.jsonld`` (the
  current version): the project's JSON-LD context (:mod:`evawkg.graph.jsonld`);
* ``/dumps/``: the whole graph in Turtle, N-Triples (gzip) and JSON-LD with checksums, the
  manifest and the data version (written by :func:`evawkg.linked_data.dumps.export_dumps`, once per data
  version); ``/dumps/<file>`` serves each with a strong ``ETag`` (its SHA-256), its
  preconditions and one byte range answered by :mod:`evawkg.web.conditional`;
* ``/.well-known/void`` (RFC 8615; VoID section 7.2): the VoID description (:mod:`evawkg.linked_data.void`).
"""

from __future__ import annotations

import json
import zlib

from flask import Blueprint, Response, current_app, render_template, request, send_file

from ..graph.jsonld import context_path
from ..errors import DumpsBusy, NotFound
from ..linked_data.dumps import CHECKSUMS, MANIFEST, VERSION
from ..linked_data.description import Description, Labels, Statement
from ..linked_data.void import PREFIXES_VOID
from . import conditional
from .linked_data import (GRAPH, RESOURCE, content_type, etag_for, finish, linked_data,
                          not_modified, public_base, public_context, serialize)
from .negotiation import MediaTable, accepts_gzip, add_vary, format_asked
from .pages import LANGUAGE_NAMES, PageBuilder

blueprint = Blueprint("discovery", __name__)

#: Files listed on /dumps/ with what they hold, in this order.
DUMPS = [
    ("evawkg.ttl", "text/turtle; charset=utf-8", "Every asserted triple, Turtle"),
    ("evawkg.nt.gz", "application/gzip", "Every asserted triple, N-Triples, gzip"),
    ("evawkg.jsonld", "application/ld+json",
     "Every asserted triple, JSON-LD compacted with the project's context (inline)"),
    ("evawkg-inferred.ttl", "text/turtle; charset=utf-8", "The OWL 2 RL entailments alone, Turtle"),
    ("evawkg.nq.gz", "application/gzip", "Every triple in its named graph, N-Quads, gzip"),
    (MANIFEST, "application/json", "Version, counts per graph, sizes and checksums"),
    (CHECKSUMS, "text/plain; charset=utf-8", "SHA-256 of each file (sha256sum --check)"),
    (VERSION, "text/plain; charset=utf-8", "The data version"),
]


@blueprint.route("/context.jsonld")
@blueprint.route("/context/v<version>.jsonld")
def context(version: str | None = None) -> Response:
    current = linked_data().ontology_version
    if version is not None and version != current:
        raise NotFound(f"there is no context of version {version}; the current one is "
                       f"/{context_path(current)}")
    # The namespaces of the context are the public ones its documents' IRIs are published under.
    body = (json.dumps({"@context": public_context()}, ensure_ascii=False, indent=2) + "\n").encode()
    etag = etag_for("context", current)
    cache_control = "public, max-age=31536000, immutable" if version else "public, max-age=3600"
    location = None if version else "/" + context_path(current)
    cached = not_modified(etag, vary=(), content_location=location, cache_control=cache_control)
    if cached is not None:
        return cached
    response = Response(body, content_type="application/ld+json")
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = cache_control
    if location:
        response.headers["Content-Location"] = location
    return response


@blueprint.route("/dumps/")
def dumps() -> Response:
    manifest = _from_the_dumps(_manifest)
    _, kind = _listing_kind()
    etag = etag_for("dumps", kind, manifest["version"])
    cached = not_modified(etag)
    if cached is not None:
        return cached
    if kind == "json":
        response = Response(json.dumps(manifest, indent=2) + "\n", content_type="application/json")
    else:
        files = [{"name": name, "type": media_type, "what": what,
                  "bytes": manifest["files"].get(name, {}).get("bytes"),
                  "sha256": manifest["files"].get(name, {}).get("sha256")}
                 for name, media_type, what in DUMPS]
        response = Response(render_template("dumps.html", files=files, manifest=manifest,
                                            langs=["en"], language_names=LANGUAGE_NAMES),
                            content_type=content_type("html"))
    return finish(response, etag)


LISTING = MediaTable("the dump listing", [("text/html", "html"), ("application/json", "json")],
                     {"html": "html", "json": "json"})


def _listing_kind():
    return LISTING.choose(request.headers.get("Accept"), format_asked(request.args))


@blueprint.route("/dumps/<name>")
def dump(name: str) -> Response:
    """A dump file, streamed from disk (a dump of 1M triples is 100 MB or more: never read into
    memory): with its checksum as a strong ``ETag`` and byte ranges (resumed downloads); or,
    when the client accepts gzip and the file is not compressed already, gzip-compressed as it
    streams, under the weak form of that ETag (other bytes) and without ranges."""
    known = {entry[0]: entry[1] for entry in DUMPS}
    if name not in known:
        raise NotFound(f"there is no dump called {name!r}; the list is at /dumps/")
    level = current_app.extensions["evawkg"].settings.gzip_level
    if name.endswith(".gz") or not accepts_gzip(request.headers.get("Accept-Encoding")):
        level = 0
    response = _from_the_dumps(lambda folder: _dump_file(folder, name, known[name], level))
    # As the table writes it: send_file adds a charset to a text/ type, which already has one.
    response.headers["Content-Type"] = known[name]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    add_vary(response, "Accept-Encoding")
    return conditional.answer(response, request, ranges=not level)


def _dump_file(folder, name: str, media_type: str, level: int) -> Response:
    checksum = _manifest(folder)["files"].get(name, {}).get("sha256")
    if not level:
        # Its preconditions and range are answered by conditional.answer, not by werkzeug.
        return send_file(folder / name, mimetype=media_type, etag=checksum or True,
                         conditional=False)
    response = _gzip_stream(folder / name, media_type, level)
    if checksum:
        response.set_etag(checksum, weak=True)
    # As send_file marks the plain form: a write makes new dumps under the same names, so a
    # cache must ask again (without it a cache could keep the gzip form of an old version).
    response.last_modified = (folder / name).stat().st_mtime
    response.cache_control.no_cache = True
    return response


#: Bytes read from a dump file at a time while it streams.
STREAM_CHUNK = 256 * 1024


def _gzip_stream(path, media_type: str, level: int) -> Response:
    """``path`` gzip-compressed at ``level`` while it is sent (opened now: a missing file is a
    FileNotFoundError here, not in the middle of the answer)."""
    source = open(path, "rb")  # noqa: SIM115 -- closed when the stream ends or is dropped

    def chunks():
        packer = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
        try:
            while block := source.read(STREAM_CHUNK):
                packed = packer.compress(block)
                if packed:
                    yield packed
            yield packer.flush()
        finally:
            source.close()

    response = Response(chunks(), mimetype=media_type, direct_passthrough=True)
    response.headers["Content-Encoding"] = "gzip"
    response.call_on_close(source.close)
    return response


def _manifest(folder) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def _from_the_dumps(read):
    """``read(folder)`` on the dumps folder of this data version and address.

    Another worker or server may remove the folder between finding and reading it (it keeps
    only the newest few): then it is written again, once; a second loss is a 503 to retry."""
    for _ in range(2):
        folder = linked_data().dumps(public_base())
        try:
            return read(folder)
        except FileNotFoundError:
            continue
    raise DumpsBusy("the dumps were removed while they were read (other servers share the "
                    "folder and keep only the newest); retry in a few seconds")


@blueprint.route("/.well-known/void")
def void() -> Response:
    _, kind = RESOURCE.choose(request.headers.get("Accept"), format_asked(request.args))
    return void_response(kind)


def void_response(kind: str) -> Response:
    """The VoID description in ``kind`` (an RDF format, or ``html``: a readable summary)."""
    state = linked_data()
    etag = etag_for("void", kind, request.host_url if kind == "json-ld" else "")
    cached = not_modified(etag)
    if cached is not None:
        return cached
    iris = public_base()
    triples = state.reader.void(iris.canonical, state.version, iris.public)
    dataset = iris.public + ".well-known/void#dataset"
    if kind == "html":
        description = Description(dataset,
                                  about=[Statement(t.subject, t.predicate, t.object) for t in triples])
        description.labels = Labels({})
        builder = PageBuilder(description, ["en"])
        body = render_template("void.html", rows=builder.rows(description.node), langs=["en"],
                               language_names=LANGUAGE_NAMES, iri=description.iri)
    else:
        if kind not in GRAPH.names.values():
            kind = "turtle"
        # Published already (void:uriSpace is a literal the general rule leaves alone).
        body = serialize(kind, triples, None, first=dataset, prefixes=PREFIXES_VOID)
    return finish(Response(body, content_type=content_type(kind)), etag)


__all__ = ["blueprint", "void_response"]
