"""The validation service: ``/validate`` (SHACL validation of uploads and of the served graph)
and ``/shapes`` (the shapes' documentation).

* ``POST /validate``: RDF in the body, its format told by ``Content-Type`` (Turtle, N-Triples,
  N-Quads, TriG, JSON-LD, RDF/XML; anything else 415), or a ``multipart/form-data`` upload
  (field ``file``) from the form ``GET /validate`` shows browsers. Options, as query or form
  fields: ``shapes`` (node shapes to use, repeated or comma-separated; default all),
  ``inference`` (``none``, the default, ``rdfs``, ``owlrl`` or ``both``), ``with_graph``
  (``true``: check the upload as if added to the served graph and report only about what it
  describes; the form's default) and ``engine`` (``store``, the default, or ``pyshacl``). A form
  may send its own shapes as the file ``shapes_file`` (then any result fails the data, as SHACL
  says); shapes that cannot be evaluated get 400 naming the shape.
* The answer by ``Accept`` or ``format=``: the JSON summary, SHACL's ``sh:ValidationReport`` as
  Turtle or JSON-LD, an HTML page grouping results by shape, or text. It is 200 whether or not
  the data conforms; ``X-Validation-Conforms`` says which.
* ``GET /validate`` answers a browser with the form, and any other client (JSON, Turtle…)
  with the report on the graph this server serves (computed once per options and format).

Uploads are limited to ``max_upload_bytes`` (413) and each validation runs in a process of its
own, killed after ``validation_timeout`` seconds (:mod:`evawkg.shacl.pool`); parsing never
fetches anything (:mod:`evawkg.graph.uploads`). SHACL: https://www.w3.org/TR/shacl/#validation-report
"""

from __future__ import annotations

import threading
from functools import lru_cache

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import ClientError, PayloadTooLarge, UnknownFormat, UnsupportedMediaType
from ..graph.formats import RDF_FORMATS, format_for_media_type, format_for_path
from ..graph.uploads import Upload
from ..shacl.pool import ValidationAnswer, ValidationJob, ValidationPool
from .errors import byte_limit
from .linked_data import public_base
from .negotiation import HTML, MediaTable

blueprint = Blueprint("validation", __name__)

_REPORT_ROWS = [("application/json", "json"), ("text/turtle", "turtle"),
                ("application/ld+json", "json-ld"), (HTML, "html"), ("text/plain", "text")]
_REPORT_NAMES = {"json": "json", "turtle": "turtle", "ttl": "turtle", "json-ld": "json-ld",
                 "jsonld": "json-ld", "html": "html", "text": "text"}

#: POST /validate answers: the JSON summary unless asked otherwise.
REPORTS = MediaTable("validation reports", _REPORT_ROWS, _REPORT_NAMES)

#: GET /validate: the form for browsers, the served graph's report for everyone else.
SERVED_REPORTS = MediaTable(
    "GET /validate", [(HTML, "form")] + [row for row in _REPORT_ROWS if row[1] != "html"],
    {name: value for name, value in _REPORT_NAMES.items() if value != "html"} | {"form": "form"})

#: GET /shapes: the documentation page, or the shapes themselves.
SHAPES = MediaTable("the shapes", [(HTML, "html"), ("text/turtle", "turtle"),
                                   ("application/ld+json", "json-ld")],
                    {"html": "html", "turtle": "turtle", "ttl": "turtle", "json-ld": "json-ld",
                     "jsonld": "json-ld"})

_MEDIA_TYPES = {"json": "application/json", "turtle": "text/turtle; charset=utf-8",
                "json-ld": "application/ld+json", "html": "text/html; charset=utf-8",
                "text": "text/plain; charset=utf-8"}


#: Reports on the served graph kept at once (options × format × engine × public base).
SERVED_REPORTS_KEPT = 64


class ValidationService:
    """The app's validation pool (started on first use) and the served graph's reports."""

    def __init__(self, settings):
        self.settings = settings
        self._pool: ValidationPool | None = None
        self._lock = threading.Lock()
        self._served: dict[tuple, ValidationAnswer] = {}
        self._dataset = None

    def dataset(self):
        """The recipe of the served graph (the validator holds a copy of it); for a remote store,
        its N-Quads dump of the data version now (read from the store in pages, once per
        version), which each validation process reads afresh."""
        if self.settings.sparql_endpoint:
            return self._remote_dump()
        with self._lock:
            if self._dataset is None:
                from ..graph.dataset import dataset_source

                self._dataset = dataset_source(self.settings)
            return self._dataset

    @property
    def pool(self) -> ValidationPool:
        # A remote store's graph changes under the server: no copy is held, each job reads its own.
        dataset = None if self.settings.sparql_endpoint else self.dataset()
        with self._lock:
            if self._pool is None:
                self._pool = ValidationPool(
                    size=self.settings.max_concurrent_queries,
                    queue_wait=max(self.settings.queue_wait, 1.0),
                    sandbox=self.settings.sandbox_network, dataset=dataset)
                self._pool.start()
            return self._pool

    def run(self, job: ValidationJob) -> ValidationAnswer:
        return self.pool.run(job, self.settings.validation_timeout)

    def served_report(self, inference: str, shapes: tuple[str, ...] | None,
                      format: str, engine: str = "store", iris=None) -> ValidationAnswer:
        """The report on the served graph, its IRIs under ``iris``'s public base, kept per data
        version (it changes with a write, or on a remote store whose content other tools may
        change)."""
        service = current_app.extensions["evawkg"].service
        version = service.data_version
        key = (version, inference, shapes, format, engine, iris)
        if key not in self._served:
            if self._on_the_store(service, inference, engine):
                answer = self._validate_on_store(service, shapes, format, iris)
            else:
                job = ValidationJob(dataset=self.dataset(), inference=inference,
                                    shape_iris=shapes, format=format, engine=engine, iris=iris)
                answer = self.run(job)
            self._served = {k: v for k, v in self._served.items() if k[0] == version}
            # Bounded: without a public_base setting each Host a client names is a base.
            while len(self._served) >= SERVED_REPORTS_KEPT:
                self._served.pop(next(iter(self._served)))
            self._served[key] = answer
        return self._served[key]

    def _on_the_store(self, service, inference: str, engine: str) -> bool:
        """Whether the served graph is validated where it is: a remote store, the store engine,
        no inference asked (the store cannot be changed), and the ontology among the served
        graphs. Otherwise the dump of this data version is validated (:meth:`_remote_dump`)."""
        from ..shacl.store_validation import ontology_present

        if not self.settings.sparql_endpoint or engine != "store" or inference != "none":
            return False
        return ontology_present(graph.name for graph in service.describe().graphs)

    def _validate_on_store(self, service, shapes, format: str, iris):
        """The store engine in one of the service's read processes, on the remote store: its
        reads and SPARQL go to the store (one validation at most ``validation_timeout``)."""
        from ..shacl.pool import validate_served_store

        return service.call(validate_served_store, shapes, format, iris,
                            timeout=self.settings.validation_timeout)

    def _remote_dump(self):
        from ..graph.dataset import DatasetSource
        from ..graph.public_base import PublicBase
        from ..linked_data.dumps import NQUADS_GZ
        from .linked_data import install

        # The dump of the graph as stored (its canonical IRIs): the report maps them to the
        # request's public base itself, as on the embedded store.
        canonical = PublicBase(self.settings.base_iri, self.settings.base_iri)
        folder = install(current_app._get_current_object()).dumps(canonical)
        return DatasetSource(files=(str(folder / NQUADS_GZ),), infer=False)

    def health(self) -> dict:
        """The validation pool's state for ``/healthz``; ``idle`` until a validation starts it."""
        with self._lock:
            pool = self._pool
        return pool.health() if pool is not None else {"status": "idle"}

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()


def register(app: Flask) -> None:
    """Add the validation Blueprint and its service (``app.extensions["evawkg.validation"]``)."""
    settings = app.extensions["evawkg"].settings
    app.extensions["evawkg.validation"] = ValidationService(settings)
    app.register_blueprint(blueprint)


def _service() -> ValidationService:
    return current_app.extensions["evawkg.validation"]


@blueprint.before_request
def _upload_limit() -> None:
    # The app's max_body_bytes is sized for queries; uploads get their own, larger limit.
    limit = _service().settings.max_upload_bytes
    request.max_content_length = limit
    # Refused from the head, before any option is read from a form (werkzeug's own 413 would
    # then answer, with advice for queries).
    if request.method == "POST" and (request.content_length or 0) > limit:
        raise _too_large()


def _options() -> tuple[str, tuple[str, ...] | None]:
    from ..shacl.validation import INFERENCE_OPTIONS

    inference = (request.values.get("inference") or "none").strip().lower()

    if inference not in INFERENCE_OPTIONS:
        raise ClientError(f"unknown inference={inference!r}; use one of: "
                          + ", ".join(INFERENCE_OPTIONS))
    names = [name.strip() for value in request.values.getlist("shapes")
             for name in value.split(",") if name.strip()]
    return inference, tuple(dict.fromkeys(names)) or None


def _engine() -> str:
    from ..shacl.pool import ENGINES

    engine = (request.values.get("engine") or "store").strip().lower()
    if engine not in ENGINES:
        raise ClientError(f"unknown engine={engine!r}; use one of: " + ", ".join(ENGINES))
    return engine


def _with_graph() -> bool:
    """``with_graph``: true/1/on (a ticked checkbox) or false/0/off; absent means false."""
    value = (request.values.get("with_graph") or "false").strip().lower()
    if value not in ("true", "1", "on", "yes", "false", "0", "off", "no"):
        raise ClientError(f"unknown with_graph={value!r}; use true or false")
    return value in ("true", "1", "on", "yes")


def _answer(answer: ValidationAnswer) -> Response:
    response = Response(answer.text, content_type=_MEDIA_TYPES[answer.format])
    response.headers["X-Validation-Conforms"] = "true" if answer.conforms else "false"
    response.vary.add("Accept")
    return response


def _too_large() -> PayloadTooLarge:
    limit = _service().settings.max_upload_bytes
    return PayloadTooLarge(f"the upload is larger than {byte_limit(limit)}, the most this server "
                           "validates (max_upload_bytes); upload a smaller file, split the data, "
                           "or validate it locally with `evawkg validate`")


def _upload() -> Upload:
    """The RDF of the request: a form's file, else the body with its Content-Type."""
    try:
        if request.mimetype == "multipart/form-data":
            if request.content_length is None:
                # werkzeug parses a chunked form with no size limit; browsers send a length.
                error = ClientError("send the form with a Content-Length")
                error.status = 411
                raise error
            file = request.files.get("file")
            if file is None or not file.filename:
                raise ClientError("the form has no file: send the RDF file as the field 'file'")
            fmt = _file_format(file.filename, file.mimetype)
            data = file.read()
            source = file.filename
        else:
            if not request.mimetype:
                raise UnsupportedMediaType("say the data's format with Content-Type; send one "
                                           "of: " + ", ".join(f.media_type for f in RDF_FORMATS))
            fmt = format_for_media_type(request.mimetype)
            data = _read_body(_service().settings.max_upload_bytes)
            source = "request body"
    except RequestEntityTooLarge:
        raise _too_large() from None
    if not data.strip():
        raise ClientError("the upload is empty; send the RDF to validate")
    return Upload(data, fmt.name, source=source, prefix_header=_predeclared(fmt.name),
                  iris=public_base())


def _predeclared(format_name: str) -> str:
    """Turtle is read with the bundle's shared prefixes predeclared (as ``/sparql`` predeclares
    them), so a record from ``evawkg new-record`` validates before it has a place in data/."""
    from ..graph.shared_prefixes import predeclared

    return predeclared() if format_name == "turtle" else ""


def _shapes_upload() -> Upload | None:
    """Shapes a form sent as the file ``shapes_file`` (Turtle, or what its name says)."""
    if request.mimetype != "multipart/form-data":
        return None
    file = request.files.get("shapes_file")
    if file is None or not file.filename:
        return None
    try:
        fmt = format_for_path(file.filename)
    except UnknownFormat:
        from ..graph.formats import format_by_name

        fmt = format_by_name("turtle")
    data = file.read()
    if not data.strip():
        raise ClientError("the shapes file is empty; send SHACL shapes or leave the field out")
    return Upload(data, fmt.name, source=file.filename, iris=public_base())


def _read_body(limit: int) -> bytes:
    """The body, refused past ``limit`` bytes even when it comes chunked: werkzeug checks a
    declared Content-Length, but hands a chunked body over unlimited."""
    chunks, size = [], 0
    while True:
        chunk = request.stream.read(min(1 << 16, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise _too_large()


def _file_format(filename: str, mimetype: str | None):
    if request.form.get("input_format"):
        from ..graph.formats import format_by_name

        return format_by_name(request.form["input_format"])
    try:
        return format_for_path(filename)
    except UnknownFormat:
        if mimetype and mimetype != "application/octet-stream":
            return format_for_media_type(mimetype)
        raise


@blueprint.route("/validate", methods=["GET", "POST"])
def validate() -> Response:
    if request.method == "POST":
        _, format = REPORTS.choose(request.headers.get("Accept"), request.values.get("format"))
        inference, shapes = _options()
        engine, with_graph = _engine(), _with_graph()
        upload, shapes_upload = _upload(), _shapes_upload()
        service = _service()
        job = ValidationJob(uploads=(upload,), inference=inference, shape_iris=shapes,
                            format=format, engine=engine, with_graph=with_graph,
                            dataset=service.dataset() if with_graph else None,
                            shapes=shapes_upload, iris=public_base())
        return _answer(service.run(job))
    _, format = SERVED_REPORTS.choose(request.headers.get("Accept"), request.args.get("format"))
    if format == "form":
        response = Response(_form_page(), content_type=_MEDIA_TYPES["html"])
        response.vary.add("Accept")
        return response
    inference, shapes = _options()
    return _answer(_service().served_report(inference, shapes, format, _engine(), public_base()))


@blueprint.route("/shapes")
def shapes() -> Response:
    media_type, format = SHAPES.choose(request.headers.get("Accept"), request.args.get("format"))
    body = _shapes_page() if format == "html" else _shapes_graph_text(format)
    response = Response(body, content_type=_MEDIA_TYPES[format])
    response.vary.add("Accept")
    return response


def _bundled_shapes():
    from ..graph.bundle import default_bundle
    from ..shacl.validation import _bundled_inputs

    return _bundled_inputs(default_bundle())[0]


@lru_cache(maxsize=1)
def _form_page() -> str:
    from ..shacl.pages import render_form_html

    return render_form_html(_bundled_shapes())


@lru_cache(maxsize=1)
def _shapes_page() -> str:
    from ..shacl.pages import render_shapes_html

    return render_shapes_html(_bundled_shapes())


@lru_cache(maxsize=2)
def _shapes_graph_text(format: str) -> str:
    return _bundled_shapes().serialize(format=format)


__all__ = ["blueprint", "register", "ValidationService", "REPORTS", "SERVED_REPORTS", "SHAPES"]
