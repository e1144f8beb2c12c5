"""How clients find the data without a query: the JSON-LD context, the dumps and VoID.

* ``/context/v<version>.jsonld`` (immutable, cached for a year) and ``/context.jsonld`` (the
  current version): the project's JSON-LD context (:mod:`evawkg.graph.jsonld`);
* ``/dumps/``: the whole graph in Turtle, N-Triples (gzip) and JSON-LD with checksums, the
  manifest and the data version (written by :func:`evawkg.linked_data.dumps.export_dumps`, once per data
  version); ``/dumps/<file>`` serves each with a strong ``ETag`` (its SHA-256);
* ``/.well-known/void`` (RFC 8615; VoID section 7.2): the VoID description (:mod:`evawkg.linked_data.void`).
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, render_template, request

from ..graph.jsonld import context_path
from ..errors import DumpsBusy, NotFound
from ..linked_data.dumps import CHECKSUMS, MANIFEST, VERSION
from ..linked_data.description import Description, Labels, Statement
from ..linked_data.void import PREFIXES_VOID
from .linked_data import (GRAPH, RESOURCE, content_type, etag_for, finish, linked_data,
                          not_modified, public_base, public_context, serialize)
from .negotiation import MediaTable
from .pages import LANGUAGE_NAMES, PageBuilder

blueprint = Blueprint("discovery", __name__)

#: Files listed on /dumps/ with what they hold, in this order.
DUMPS = [
    ("evawkg.ttl", "text/turtle; charset=utf-8", "Every asserted triple, Turtle"),
    ("evawkg.nt.gz", "application/gzip", "Every asserted triple, N-Triples, gzip"),
    ("evawkg.jsonld", "application/ld+json", "Every asserted triple, JSON-LD (expanded)"),
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
    manifest, _ = _read_dump(None)
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
    return LISTING.choose(request.headers.get("Accept"), request.args.get("format"))


@blueprint.route("/dumps/<name>")
def dump(name: str) -> Response:
    known = {entry[0]: entry[1] for entry in DUMPS}
    if name not in known:
        raise NotFound(f"there is no dump called {name!r}; the list is at /dumps/")
    manifest, data = _read_dump(name)
    checksum = manifest["files"].get(name, {}).get("sha256") or _sha256(data)
    response = Response(data, content_type=known[name])
    response.set_etag(checksum)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # Compressed files go as they are: a second gzip by the app would only cost time.
    response.direct_passthrough = name.endswith(".gz")
    return response.make_conditional(request)


def _read_dump(name: str | None) -> tuple[dict, bytes | None]:
    """The dumps' manifest and the file ``name`` (if any) of this data version and address.

    Another worker or server may remove the folder between finding and reading it (it keeps
    only the newest few): then it is written again, once; a second loss is a 503 to retry."""
    for _ in range(2):
        folder = linked_data().dumps(public_base())
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            return manifest, (folder / name).read_bytes() if name else None
        except FileNotFoundError:
            continue
    raise DumpsBusy("the dumps were removed while they were read (other servers share the "
                    "folder and keep only the newest); retry in a few seconds")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@blueprint.route("/.well-known/void")
def void() -> Response:
    _, kind = RESOURCE.choose(request.headers.get("Accept"), request.args.get("format"))
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
