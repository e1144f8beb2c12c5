"""The pages a person starts from: the home page ``/`` and the index of each class,
``/index/`` (every class with instances) and ``/index/<curie>`` (its instances, by page).

``/`` is HTML for browsers; an RDF client asking for it gets the VoID description of the
dataset (the same graph as ``/.well-known/void``). The indexes are HTML, JSON or CSV (``Accept``
or ``format=``), as Datasette gives every table: a program lists a class's instances, with
their labels in the language asked, without writing SPARQL; anything else is a 406.
"""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from ..errors import ClientError, NotFound
from ..namespaces import PREFIXES
from ..linked_data.description import as_iri, compact_iri
from .linked_data import (BY_LANGUAGE, RESOURCE, content_type, etag_for, finish, href,
                          index_href, linked_data, not_modified, public_base)
from .negotiation import MediaTable, format_asked
from .pages import LANGUAGE_NAMES, language_links, languages

blueprint = Blueprint("browse", __name__)


@blueprint.app_context_processor
def _site_header() -> dict:
    """The one navigation bar (``_site_header.html``) offers every page in the six languages."""
    return {"language_links": language_links}

PAGE_SIZE = 500

#: The classes the home page leads with, in this order.
FEATURED = ["evaw:UNEntity", "evaw:Activity", "evaw:LegalInstrument", "evaw:Country", "evaw:Region",
            "evaw:Publication", "evaw:Topic", "owl:Class", "owl:ObjectProperty"]


@blueprint.route("/")
def home() -> Response:
    _, kind = RESOURCE.choose(request.headers.get("Accept"), format_asked(request.args))
    if kind != "html":
        from .discovery import void_response

        return void_response(kind)
    langs = languages()
    etag = etag_for("home", ",".join(langs))
    cached = not_modified(etag, vary=BY_LANGUAGE)
    if cached is not None:
        return cached
    describer = linked_data().describer
    classes = {curie: ox.NamedNode(_expand(curie)) for curie in FEATURED}
    # One read for every count; a graph (--data) without some featured class just leaves it out.
    sizes = describer.class_sizes(classes.values())
    featured = [{"curie": curie, "count": sizes[cls], "href": "/index/" + curie}
                for curie, cls in classes.items() if sizes.get(cls)]
    labels = describer.labels_of(classes[f["curie"]] for f in featured)
    for entry in featured:
        entry["label"] = labels.label(classes[entry["curie"]], langs)
    body = render_template("home.html", featured=featured, langs=langs,
                           language_names=LANGUAGE_NAMES, ontology=href(linked_data().settings.base_iri
                                                                        + "ontology"))
    return finish(Response(body, content_type=content_type("html")), etag, languages=True)


#: What an index is sent as.
INDEX = MediaTable("an index", [("text/html", "html"), ("application/json", "json"),
                                ("text/csv", "csv")], {"html": "html", "json": "json", "csv": "csv"})


@blueprint.route("/index/")
def classes() -> Response:
    _, kind = INDEX.choose(request.headers.get("Accept"), format_asked(request.args))
    langs = languages()
    etag = etag_for("classes", ",".join(langs), kind)
    cached = not_modified(etag, vary=BY_LANGUAGE)
    if cached is not None:
        return cached
    describer = linked_data().describer
    rows = describer.classes()
    # Counted as each class's own index counts them (inferred types too), as /ontology does.
    sizes = describer.class_sizes(cls for cls, _ in rows)
    labels = describer.labels_of(cls for cls, _ in rows)
    entries = sorted(({"label": labels.label(cls, langs), "curie": compact_iri(cls.value),
                       "href": index_href(cls.value), "count": sizes[cls],
                       "iri": published(cls.value)} for cls, _ in rows),
                     key=lambda e: (-e["count"], e["curie"]))
    if kind != "html":
        return finish(_listing(kind, {"classes": entries}, entries,
                               ("iri", "curie", "label", "count")), etag, languages=True)
    body = render_template("classes.html", entries=entries, langs=langs,
                           language_names=LANGUAGE_NAMES)
    return finish(Response(body, content_type=content_type("html")), etag, languages=True)


# A path: a class of no predeclared namespace is named by its IRI, slashes and all.
@blueprint.route("/index/<path:curie>")
def instances(curie: str) -> Response:
    _, kind = INDEX.choose(request.headers.get("Accept"), format_asked(request.args))
    page = _page_number(request.args.getlist("page") or ["1"])
    langs = languages()
    cls = ox.NamedNode(_expand(curie))
    etag = etag_for("index", curie, str(page), ",".join(langs), kind)
    # A tag of this data version names a page that exists; "*" holds only once the read below
    # has found the page (RFC 9110 section 13.1.2), else it made a 304 of every missing class.
    anything = request.if_none_match.star_tag
    cached = None if anything else not_modified(etag, vary=BY_LANGUAGE)
    if cached is not None:
        return cached
    describer = linked_data().describer
    things, total = describer.instances(cls, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    if not total:
        raise NotFound(f"no resource has the type {curie}; see /index/ for the classes in use")
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    if page > pages:
        raise NotFound(f"the index of {curie} has {pages} page(s); there is no page {page}")
    cached = not_modified(etag, vary=BY_LANGUAGE) if anything else None
    if cached is not None:
        return cached
    labels = describer.labels_of([cls, *things])
    entries = sorted(({"label": labels.label(t, langs), "href": href(t.value),
                       "iri": published(t.value)} for t in things),
                     key=lambda e: e["label"].lower())
    if kind != "html":
        listing = {"class": published(cls.value), "curie": curie, "label": labels.label(cls, langs),
                   "total": total, "page": page, "pages": pages,
                   "next": f"{index_href(cls.value)}?page={page + 1}" if page < pages else None,
                   "instances": entries}
        return finish(_listing(kind, listing, entries, ("iri", "label")), etag, languages=True)
    body = render_template("index.html", title=labels.label(cls, langs), curie=curie,
                           class_href=href(cls.value), entries=entries, total=total, page=page,
                           pages=pages, langs=langs, language_names=LANGUAGE_NAMES)
    return finish(Response(body, content_type=content_type("html")), etag, languages=True)


def published(iri: str) -> str:
    """``iri`` as this address publishes it (the IRIs of the JSON and CSV indexes)."""
    return public_base().iri_out(iri)


def _listing(kind: str, document: dict, rows: list[dict], columns: tuple[str, ...]) -> Response:
    """An index as JSON (``document``) or CSV (``rows``' ``columns``, a header first)."""
    if kind == "json":
        return Response(json.dumps(document, ensure_ascii=False, indent=1) + "\n",
                        content_type="application/json")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([row[column] for column in columns] for row in rows)
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8")


def _expand(curie: str) -> str:
    prefix, colon, local = curie.partition(":")
    if colon and prefix in PREFIXES:
        iri = PREFIXES[prefix] + local
    elif curie.startswith(("http://", "https://")):
        iri = curie
    else:
        raise NotFound(f"{curie[:200]!r} is not a class name; use a prefixed name such as "
                       "evaw:Country or a class's IRI (/index/ links every class in use)")
    if as_iri(iri) != iri:
        raise NotFound(f"{curie[:200]!r} names no valid IRI; use a prefixed name such as "
                       "evaw:Country or a class's IRI (/index/ links every class in use)")
    return iri


#: No index has more pages (500 instances each): a larger number is refused before any read.
MAX_PAGE = 1_000_000


def _page_number(given: list[str]) -> int:
    if len(set(given)) > 1:  # the first was taken silently
        raise ClientError(f"page= is given {len(given)} times; give one page number")
    text = given[0]
    # Length first: int() of thousands of digits is slow, and past 4,300 an error of its own.
    if not (text.isascii() and text.isdigit() and len(text) <= 7 and 1 <= int(text) <= MAX_PAGE):
        raise ClientError(f"page={text[:20]!r} is not a page number; pages run from 1 to the "
                          "last one the index shows")
    return int(text)


__all__ = ["blueprint"]
