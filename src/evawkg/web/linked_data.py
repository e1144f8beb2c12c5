"""What the linked-data Blueprints share: the graph they read, IRI ↔ path mapping, media-type
tables, serialisation of descriptions and conditional requests.

The linked-data views read the graph through the query path's service
(:class:`evawkg.linked_data.reader.GraphReader`): each read runs in a query process under the
query time limit, and the web process holds no copy of the graph. Until the graph is loaded,
views answer 503 with ``Retry-After``. Dumps are written once per data version by
:func:`evawkg.linked_data.dumps.export_dumps` into a cache folder, on first request.

IRIs under the configured base (``Settings.base_iri``) map to paths of this server: the part
after the base is the path (``{BASE}id/country/TH`` → ``/id/country/TH``), whatever host the
request came to, so the server works on localhost and behind a proxy at the canonical host.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
from flask import Flask, Response, current_app, request

from ..graph.jsonld import build_context, compact, context_path, ontology_version
from ..linked_data.dumps import MANIFEST
from ..linked_data.reader import GraphReader
from ..namespaces import PREFIXES
from .negotiation import HTML, MediaTable

#: Suffixes naming a representation (``/id/country/TH.ttl``), and ``format=`` names.
SUFFIXES = {"ttl": "turtle", "jsonld": "json-ld", "nt": "ntriples", "rdf": "rdfxml",
            "html": "html", "trig": "trig", "nq": "nquads"}

#: Resource representations. RDF first: at equal quality (rdflib sends every type at q=1) the
#: first listed wins, and Turtle is what ``*/*`` and a missing ``Accept`` get. Browsers name
#: ``text/html`` at q=1 and ``*/*`` lower, so they get HTML.
RESOURCE = MediaTable("this resource", [
    ("text/turtle", "turtle"),
    ("application/ld+json", "json-ld"),
    ("application/n-triples", "ntriples"),
    ("application/rdf+xml", "rdfxml"),
    (HTML, "html"),
    ("application/trig", "trig"),
    ("application/n-quads", "nquads"),
    ("application/x-turtle", "turtle"),
    ("application/json", "json-ld"),
    ("text/plain", "ntriples"),
    ("application/xhtml+xml", "html"),
    ("application/xml", "rdfxml"),
    ("text/xml", "rdfxml"),
], {"turtle": "turtle", "ttl": "turtle", "json-ld": "json-ld", "jsonld": "json-ld",
    "ntriples": "ntriples", "nt": "ntriples", "rdfxml": "rdfxml", "rdf": "rdfxml", "xml": "rdfxml",
    "html": "html", "trig": "trig", "nquads": "nquads", "nq": "nquads"})

#: RDF-only answers (the VoID description, the context has its own).
GRAPH = MediaTable("this graph", [row for row in RESOURCE.rows if row[1] != "html"],
                   {k: v for k, v in RESOURCE.names.items() if v != "html"})

MEDIA_TYPE = {"turtle": "text/turtle", "json-ld": "application/ld+json",
              "ntriples": "application/n-triples", "rdfxml": "application/rdf+xml",
              "trig": "application/trig", "nquads": "application/n-quads", "html": HTML}
EXTENSION = {value: key for key, value in SUFFIXES.items()}
_OXIGRAPH = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
             "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG,
             "nquads": ox.RdfFormat.N_QUADS}
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


class LinkedData:
    """What the linked-data views share: the reader of the served graph, and its dumps."""

    def __init__(self, settings, service):
        self.settings = settings
        self.service = service
        self.reader = GraphReader(service, settings.query_timeout)
        self._dumps_lock = threading.Lock()
        self._dumps: tuple[str, Path] | None = None
        self.ontology_version = ontology_version()

    @property
    def version(self) -> str:
        """The data version now (a writable store's changes with every commit)."""
        return self.service.data_version

    @property
    def describer(self) -> GraphReader:
        return self.reader

    def dumps(self) -> Path:
        """The folder of the dumps of this data version, written on first use."""
        with self._dumps_lock:
            version = self.version
            if self._dumps is None or self._dumps[0] != version:
                safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in version)
                folder = Path(tempfile.gettempdir()) / "evawkg-dumps" / safe
                if not (folder / MANIFEST).exists():
                    folder.parent.mkdir(parents=True, exist_ok=True)
                    building = Path(tempfile.mkdtemp(prefix="building-", dir=folder.parent))
                    self.reader.write_dumps(building, version, self.settings.dump_timeout)
                    try:
                        building.rename(folder)
                    except OSError:  # another worker finished first: its files are the same
                        pass
                self._dumps = (version, folder)
            return self._dumps[1]


def install(app: Flask) -> LinkedData:
    """Create (once per app) the shared linked-data state."""
    state = app.extensions.get("evawkg.linked_data")
    if state is None:
        evawkg = app.extensions["evawkg"]
        state = LinkedData(evawkg.settings, evawkg.service)
        app.extensions["evawkg.linked_data"] = state
    return state


def linked_data() -> LinkedData:
    return current_app.extensions["evawkg.linked_data"]


# --- IRIs and paths ---------------------------------------------------------------------------

def base_iri() -> str:
    return linked_data().settings.base_iri


def iri_for_path(path: str) -> str:
    """The IRI a request path names: the base IRI followed by the path (less the base's own
    path, when a proxy passes it through)."""
    base = base_iri()
    base_path = urlsplit(base).path or "/"
    relative = path[len(base_path):] if path.startswith(base_path) else path.lstrip("/")
    return base + relative


def href(iri: str) -> str:
    """Where a browser on this server finds ``iri``: a local path under the base, else the IRI."""
    base = base_iri()
    if iri.startswith(base):
        return request.script_root + "/" + iri[len(base):]
    return iri


def is_local(iri: str) -> bool:
    return iri.startswith(base_iri())


# --- Representations ----------------------------------------------------------------------------

def context_url() -> str:
    return request.host_url + context_path(linked_data().ontology_version)


def serialize(kind: str, triples: list[ox.Triple], quads: list[ox.Quad] | None = None, *,
              first: str | None = None) -> bytes:
    """``triples`` (``quads`` for TriG and N-Quads) in the format ``kind``."""
    if kind == "json-ld":
        return compact(triples, build_context(), context_ref=context_url(), first=first,
                       absolute_ids=True)
    if kind in ("trig", "nquads"):
        return ox.serialize(quads if quads is not None else triples, format=_OXIGRAPH[kind],
                            prefixes=PREFIXES if kind == "trig" else None)
    return ox.serialize(triples, format=_OXIGRAPH[kind],
                        prefixes=PREFIXES if kind in ("turtle", "rdfxml") else None)


def content_type(kind: str) -> str:
    media_type = MEDIA_TYPE[kind]
    return media_type + "; charset=utf-8" if media_type.startswith("text/") else media_type


def etag_for(*parts: str) -> str:
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]
    return f"{linked_data().version}-{digest}"


def not_modified(etag: str) -> Response | None:
    """A 304 when the client holds ``etag`` already (RFC 9110 section 13.1.2)."""
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
        response.set_etag(etag, weak=True)
        response.vary.add("Accept")
        return response
    return None


def finish(response: Response, etag: str, *, languages: bool = False) -> Response:
    response.set_etag(etag, weak=True)
    response.vary.add("Accept")
    if languages:
        response.vary.add("Accept-Language")
    if response.mimetype == "application/ld+json":
        response.headers.add("Link", f'<{context_url()}>; rel="{CONTEXT_REL}"; '
                                     'type="application/ld+json"')
    return response


__all__ = ["LinkedData", "install", "linked_data", "RESOURCE", "GRAPH", "SUFFIXES", "serialize",
           "iri_for_path", "href", "etag_for", "not_modified", "finish", "content_type"]
