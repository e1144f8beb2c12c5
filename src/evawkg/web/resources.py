"""Every IRI under the base IRI dereferences: the resource Blueprint (Linked Data,
https://www.w3.org/DesignIssues/LinkedData; Cool URIs, https://www.w3.org/TR/cooluris/).

``GET /id/country/TH`` answers **200** with the representation the client prefers and
``Content-Location: /id/country/TH.ttl`` (the document that was sent), never a 303: one round
trip, and the IRI (the thing) and the document (``…TH.ttl``, ``…TH.html``) keep distinct names.
``docs/linked-data.md`` gives the reasons.

Representations: Turtle, JSON-LD (compacted with the project context), N-Triples, RDF/XML, HTML,
plus TriG and N-Quads, where inferred statements sit in ``graph/inferred``. ``Accept`` chooses
(:data:`~evawkg.web.linked_data.RESOURCE`), a suffix (``.ttl .jsonld .nt .rdf .html .trig .nq``)
or ``?format=`` overrides it. Unknown IRIs are 404, unavailable types 406, both in the client's
error format. Every answer carries ``Vary: Accept`` and a weak ``ETag``; ``If-None-Match`` gets 304.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, redirect, render_template, request

from ..errors import NotFound
from ..namespaces import PREFIXES
from ..linked_data.description import Description, as_iri
from .linked_data import (BY_LANGUAGE, EXTENSION, RESOURCE, SUFFIXES, content_type, etag_for,
                          finish, href, install, iri_for_path, linked_data, not_modified,
                          public_iris, serialize)
from .conditional import AssetsBlueprint
from .negotiation import format_asked
from .ontology_page import ontology_page
from .pages import LANGUAGE_NAMES, languages, resource_page

PACKAGE = Path(__file__).resolve().parents[1]

blueprint = AssetsBlueprint("resources", __name__, template_folder=str(PACKAGE / "templates"),
                            static_folder=str(PACKAGE / "static"), static_url_path="/assets")

OWL_ONTOLOGY = PREFIXES["owl"] + "Ontology"


@blueprint.record_once
def _install(state) -> None:
    install(state.app)


@blueprint.route("/<path:path>", methods=["GET", "HEAD"])
def resource(path: str) -> Response:
    state = linked_data()
    describer = state.describer
    try:
        iri, suffix = _resolve(request.path, describer)
    except NotFound:
        moved = _respelled(request.path, describer)
        if moved is None:
            raise
        return moved
    kind = _representation(suffix)
    langs = languages() if kind == "html" else []
    etag = etag_for(iri, kind, ",".join(langs), request.host_url if kind == "json-ld" else "")
    document = href(iri).split("#")[0] + "." + EXTENSION[kind]
    cached = not_modified(etag, vary=BY_LANGUAGE, content_location=document)
    if cached is not None:
        return cached
    description = describer.describe(iri, inbound=not _is_ontology_iri(iri))
    is_ontology = any(t.value == OWL_ONTOLOGY for t in description.types())
    if kind == "html":
        body = _html(description, describer, langs, is_ontology)
    else:
        body = serialize(kind, description.triples(), description.quads(), first=iri)
    response = Response(body, content_type=content_type(kind))
    response.headers["Content-Location"] = document
    if kind == "html":
        response.headers["Content-Language"] = langs[0]
    return finish(response, etag, languages=True)


def _resolve(path: str, describer) -> tuple[str, str | None]:
    """The IRI a path names and the suffix that chose a representation, if any; 404 if none.

    A decoded path may hold what no IRI can (``/id/a%5Cb`` decodes to ``/id/a\\b``): those
    characters are percent-encoded again, so the path names the IRI ``…/id/a%5Cb``."""
    named = iri_for_path(path)
    iri = as_iri(named)
    if iri is None:
        raise NotFound(f"{path[:200]!r} names no valid IRI; browse the index at {request.host_url}")
    iri = _version_alias(iri)
    if describer.exists(iri):
        return iri, None
    stem, dot, extension = iri.rpartition(".")
    if dot and extension in SUFFIXES and "/" not in extension:
        stem = _version_alias(stem)
        if describer.exists(stem):
            return stem, extension
    raise NotFound(f"nothing is known about <{iri}>; browse the index at {request.host_url} or "
                   "query /sparql")


def _respelled(path: str, describer) -> Response | None:
    """A 301 to the IRI the graph spells ``path``'s IRI as, in another case or without a
    trailing slash (``/id/country/za`` → ``/id/country/ZA``), the suffix and query kept."""
    iri = as_iri(iri_for_path(path))
    if iri is None:
        return None
    target, suffix = describer.respelled(iri), ""
    stem, dot, extension = iri.rpartition(".")
    if target is None and dot and extension in SUFFIXES and "/" not in extension:
        target, suffix = describer.respelled(stem), "." + extension
    if target is None:
        return None
    location = href(target) + suffix
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    response = redirect(location, code=301)
    response.vary.add("Accept")
    return response


def _version_alias(iri: str) -> str:
    """The versioned ontology IRI (``…/ontology/0.1.0``) names the current ontology."""
    state = linked_data()
    ontology = state.settings.base_iri + "ontology"
    return ontology if iri == f"{ontology}/{state.ontology_version}" else iri


def _is_ontology_iri(iri: str) -> bool:
    return iri == linked_data().settings.base_iri + "ontology"


def _representation(suffix: str | None) -> str:
    """``format=`` first, then the suffix, then ``Accept`` (406 naming what is available)."""
    format_name = format_asked(request.args)
    if format_name or not suffix:
        _, kind = RESOURCE.choose(request.headers.get("Accept"), format_name)
        return kind
    return SUFFIXES[suffix]


def _html(description: Description, describer, langs: list[str], is_ontology: bool) -> str:
    alternates = [(name, href(description.iri) + "." + EXTENSION[kind])
                  for name, kind in (("Turtle", "turtle"), ("JSON-LD", "json-ld"),
                                     ("N-Triples", "ntriples"), ("RDF/XML", "rdfxml"),
                                     ("TriG (inferred apart)", "trig"))]
    common = {"langs": langs, "language_names": LANGUAGE_NAMES, "alternates": alternates}
    # The page model is read in canonical IRIs (links are local paths already); the IRIs it shows
    # are published under the public base here.
    if is_ontology:
        return render_template("ontology.html",
                               page=public_iris(ontology_page(description, describer, langs)), **common)
    return render_template("resource.html",
                           page=public_iris(resource_page(description, describer, langs)), **common)


def register(app) -> None:
    """Register the linked-data Blueprints: home and indexes, discovery, then resources (whose
    catch-all route every more specific rule outranks)."""
    from .browse import blueprint as browse
    from .discovery import blueprint as discovery

    app.register_blueprint(browse)
    app.register_blueprint(discovery)
    app.register_blueprint(blueprint)


__all__ = ["blueprint", "register"]
