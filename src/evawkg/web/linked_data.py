"""What the linked-data Blueprints share: the graph they read, IRI ↔ path mapping, media-type
tables, serialisation of descriptions and conditional requests.

The linked-data views read the graph through the query path's service
(:class:`evawkg.linked_data.reader.GraphReader`): each read runs in a query process under the
query time limit, and the web process holds no copy of the graph. Until the graph is loaded,
views answer 503 with ``Retry-After``. Dumps are written once per data version by
:func:`evawkg.linked_data.dumps.export_dumps` into a cache folder, on first request.

IRIs are published under the request's public base (:func:`public_base`: the ``public_base``
setting, or by default the address the request reached, so a local run's links work) and map to
paths of this server: the part after the base is the path (``{PUBLIC}id/country/TH`` →
``/id/country/TH``). The graph keeps its canonical base (``Settings.base_iri``); the views read
canonical IRIs, and :func:`serialize` and :func:`public_iris` publish them, so every output kind
maps them in this one place (docs/linked-data.md says why).
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from flask import Flask, Response, current_app, request

from ..errors import DumpsBusy
from ..graph.jsonld import build_context, compact, context_path, ontology_version
from ..graph.prefixed import serialize_graph_as
from ..graph.public_base import PublicBase
from ..linked_data.description import compact_iri
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
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


#: Public bases whose dumps a worker keeps track of at once (each is written once, on first use).
DUMP_BASES = 4

#: Dump folders kept in ``$TMPDIR/evawkg-dumps`` across workers, servers and restarts: each data
#: version (every write makes one) and public base has a folder, so without a bound they pile up.
DUMP_FOLDERS_KEPT = 2 * DUMP_BASES


class LinkedData:
    """What the linked-data views share: the reader of the served graph, and its dumps."""

    def __init__(self, settings, service):
        self.settings = settings
        self.service = service
        self.reader = GraphReader(service, settings.query_timeout)
        #: (data version, public base) → folder; a write changes the version, so new dumps.
        self._dumps: dict[tuple[str, str], Path] = {}
        self._writing: tuple[str, str] | None = None  # the key whose dumps are being written
        self._turn = threading.Condition()  # guards both, and wakes those waiting for a write
        self.ontology_version = ontology_version()

    @property
    def version(self) -> str:
        """The data version now (a writable store's changes with every commit)."""
        return self.service.data_version

    @property
    def describer(self) -> GraphReader:
        return self.reader

    def dumps(self, iris: PublicBase) -> Path:
        """The folder of the dumps of this data version published under ``iris.public``, written
        on first use, one base at a time (writing takes a query process for seconds).

        A request for the base being written waits for it (for the version being written too,
        when a write changed the data meanwhile); one for another base does not queue behind it
        (DumpsBusy, 503 with ``Retry-After``): without a ``public_base`` setting each ``Host`` a
        client names is a base, and requests waiting on the writer would hold every request
        thread of the worker."""
        key = (self.version, iris.public)
        with self._turn:
            while True:
                folder = self._dumps.get(key)
                if folder is not None and (folder / MANIFEST).exists():
                    return folder  # else another worker evicted it: write it again
                if self._writing is None:
                    self._writing = key
                    break
                if self._writing[1] != key[1]:  # another address (a version's are awaited)
                    raise DumpsBusy("the server is writing the dumps for another address (it "
                                    "writes one address's at a time); retry in a few seconds")
                self._turn.wait(self.settings.dump_timeout)
        try:
            folder = self._write(key, iris)
        finally:
            with self._turn:
                self._writing = None
                self._turn.notify_all()
        return folder

    def _write(self, key: tuple[str, str], iris: PublicBase) -> Path:
        version = key[0]
        digest = hashlib.sha256(iris.public.encode()).hexdigest()[:12]
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in version)
        folder = Path(tempfile.gettempdir()) / "evawkg-dumps" / f"{safe}-{digest}"
        if not (folder / MANIFEST).exists():
            folder.parent.mkdir(parents=True, exist_ok=True)
            building = Path(tempfile.mkdtemp(prefix="building-", dir=folder.parent))
            self.reader.write_dumps(building, version, self.settings.dump_timeout,
                                    base_iri=iris.canonical, public_base=iris.public)
            try:
                building.rename(folder)
            except OSError:  # another worker finished first: its files are the same
                pass
            with self._turn:
                in_use = set(self._dumps.values()) | {folder}
            _prune_dump_folders(folder.parent, in_use, self.settings.dump_timeout)
        with self._turn:
            self._dumps.pop(key, None)
            while len(self._dumps) >= DUMP_BASES:
                # Removed from disk too: without a public_base setting, each Host a client
                # names is a base, and its dumps would otherwise pile up in the temp folder.
                evicted = self._dumps.pop(next(iter(self._dumps)))
                if evicted != folder:
                    shutil.rmtree(evicted, ignore_errors=True)
            self._dumps[key] = folder
        return folder


def _prune_dump_folders(root: Path, in_use: set[Path], building_seconds: float) -> None:
    """Remove all but the :data:`DUMP_FOLDERS_KEPT` newest dump folders under ``root`` (never
    one this worker serves), and folders left half-written longer than a dump may take.

    A folder another worker or server was serving is written again on its next request (it
    finds no manifest); a download already under way keeps reading its open file."""
    now = time.time()
    in_use = {path for path in in_use if path.parent == root}
    finished, abandoned = [], []
    for path in root.iterdir():
        try:
            modified = path.stat().st_mtime
        except OSError:  # removed meanwhile by another worker
            continue
        if path.name.startswith("building-"):
            if now - modified > building_seconds * 2:
                abandoned.append(path)
        elif path.is_dir() and path not in in_use:
            finished.append((modified, path))
    finished.sort(reverse=True)
    for _, path in finished[max(DUMP_FOLDERS_KEPT - len(in_use), 0):]:
        abandoned.append(path)
    for path in abandoned:
        shutil.rmtree(path, ignore_errors=True)


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
    """The canonical base IRI: the one the graph is written under."""
    return current_app.extensions["evawkg"].settings.base_iri


def public_base() -> PublicBase:
    """The canonical base and the base this request's answers publish IRIs under: the
    ``public_base`` setting, else the address the request reached (``http://127.0.0.1:8080/``)."""
    settings = current_app.extensions["evawkg"].settings
    return PublicBase(settings.base_iri, settings.public_base or request_root())


#: ``request.url_root`` by what it is made of; a few distinct ones (the addresses a server is
#: reached at), emptied when a client sends many.
_ROOTS: dict[tuple, str] = {}
ROOTS_KEPT = 64


def request_root() -> str:
    """``request.url_root``, remembered per scheme, ``Host``, server address, mount path and
    trusted hosts: werkzeug rebuilds and IRI-decodes it on every request (~25 us of a point
    lookup's web side); an untrusted host still raises, it is never remembered."""
    key = (request.scheme, request.headers.get("Host"), request.server, request.root_path,
           tuple(request.trusted_hosts or ()))
    root = _ROOTS.get(key)
    if root is None:
        root = request.url_root
        if not urlsplit(root).netloc:
            root = _server_root()
        if len(_ROOTS) >= ROOTS_KEPT:
            _ROOTS.clear()
        _ROOTS[key] = root
    return root


def _server_root() -> str:
    """The root URL by the address the request reached, for a request whose ``Host`` header
    werkzeug cannot use (empty, malformed, a port past 65535, an underscore or a non-ASCII name:
    it then gives ``http:///``): the links of the answer still work, here, instead of naming no
    host at all."""
    host, port = request.server or ("127.0.0.1", None)
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(request.scheme)
    where = host if port in (None, default) else f"{host}:{port}"
    return f"{request.scheme}://{where}{request.root_path.rstrip('/')}/"


def iri_for_path(path: str) -> str:
    """The (canonical) IRI a request path names: the base IRI followed by the path (less the
    public base's own path, when a proxy passes it through)."""
    base_path = urlsplit(public_base().public).path or "/"
    relative = path[len(base_path):] if path.startswith(base_path) else path.lstrip("/")
    return base_iri() + relative


def href(iri: str) -> str:
    """Where a browser on this server finds ``iri`` (canonical or published): the path under the
    public base (``/id/country/TH``; ``/kg/id/country/TH`` for a base with a path), else the IRI."""
    iris = public_base()
    for base in (iris.canonical, iris.public):
        if iri.startswith(base):
            return (urlsplit(iris.public).path or "/") + iri[len(base):]
    return iri


def index_href(cls: str) -> str:
    """The index page of the class ``cls`` (an IRI): ``/index/evaw:Country``, or for a class of
    no predeclared namespace its IRI (``/index/http://example.org/ns%23Widget``), its ``#``,
    ``?`` and ``%`` escaped so that the whole IRI reaches the server."""
    return "/index/" + quote(compact_iri(cls), safe=":/@!$&'()*+,;=~")


def is_local(iri: str) -> bool:
    return iri.startswith(base_iri())


# --- Representations ----------------------------------------------------------------------------

def context_url() -> str:
    """The context's URL, under the public base like every IRI the server emits."""
    return public_base().public + context_path(linked_data().ontology_version)


def public_context() -> dict:
    """The project's JSON-LD context with its namespaces under this request's public base."""
    return public_base().context_out(build_context())


def public_iris(value):
    """A page model (dicts, lists, dataclasses) with every ``iri`` field published under the
    public base: the IRIs pages show are canonical until here, their links already local."""
    iris = public_base()
    if iris.identity:
        return value
    return _publish(value, iris)


def _publish(value, iris: PublicBase):
    if isinstance(value, dict):
        return {key: (iris.iri_out(item) if key == "iri" and isinstance(item, str)
                      else _publish(item, iris)) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_publish(item, iris) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if field.name == "iri" and isinstance(item, str):
                changes[field.name] = iris.iri_out(item)
            elif isinstance(item, (dict, list, tuple)) or dataclasses.is_dataclass(item):
                changes[field.name] = _publish(item, iris)
        return dataclasses.replace(value, **changes) if changes else value
    return value


def serialize(kind: str, triples: list[ox.Triple], quads: list[ox.Quad] | None = None, *,
              first: str | None = None, prefixes: dict[str, str] | None = None) -> bytes:
    """``triples`` (``quads`` for TriG and N-Quads), read from the graph, in the format
    ``kind`` with their IRIs under the request's public base; Turtle and TriG declare only the
    prefixes (the project's, and ``prefixes``) they use."""
    iris = public_base()
    triples = iris.triples_out(triples)
    prefixes = iris.prefixes_out({**PREFIXES, **(prefixes or {})})
    return serialize_graph_as(
        kind, triples, prefixes, quads=iris.quads_out(quads) if quads is not None else None,
        json_ld=lambda statements: compact(statements, public_context(), context_ref=context_url(),
                                           first=iris.iri_out(first) if first else None,
                                           absolute_ids=True))


def content_type(kind: str) -> str:
    media_type = MEDIA_TYPE[kind]
    return media_type + "; charset=utf-8" if media_type.startswith("text/") else media_type


def etag_for(*parts: str) -> str:
    """A weak entity tag of the data version, ``parts`` and the public base (every
    representation names its IRIs under it)."""
    digest = hashlib.sha256("\0".join((*parts, public_base().public)).encode()).hexdigest()[:20]
    return f"{linked_data().version}-{digest}"


def not_modified(etag: str, *, vary: tuple[str, ...] = ("Accept",),
                 content_location: str | None = None,
                 cache_control: str | None = None) -> Response | None:
    """A 304 when the client holds ``etag`` already (RFC 9110 section 13.1.2), with the
    ``Vary``, ``Content-Location`` and ``Cache-Control`` the 200 would carry: a 304 must send
    them (section 15.4.5), and a cache that refreshes its stored headers from a 304 saying only
    ``Vary: Accept`` would serve one language's page to every language."""
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
        response.set_etag(etag, weak=True)
        for name in vary:
            response.vary.add(name)
        if content_location:
            response.headers["Content-Location"] = content_location
        if cache_control:
            response.headers["Cache-Control"] = cache_control
        return response
    return None


#: What a page that follows ``Accept-Language`` varies on (its 200 and its 304).
BY_LANGUAGE = ("Accept", "Accept-Language")


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
           "iri_for_path", "href", "index_href", "etag_for", "not_modified", "BY_LANGUAGE", "finish",
           "content_type", "public_base", "public_context", "public_iris"]
