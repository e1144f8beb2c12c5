"""The analyst's workbench: the query editor, search, and the home page's figures and charts.

* The query editor is YASGUI (vendored from npm into ``static/vendor/yasgui``, served by us).
  ``GET /sparql`` from a browser renders it: the SPARQL protocol Blueprint calls the page
  function this Blueprint installs as ``app.extensions["evawkg.query_page"]``. Prefixes are
  prefilled, the named queries are offered as examples, and YASGUI's share link
  (``/sparql#query=…``) reopens a query.
* ``GET /search?q=``: resources by label, alternative label or description in any language,
  case and accents ignored, ranked (:mod:`evawkg.workbench.search`), as JSON or HTML; the
  editor suggests resources from it.
* Templates get ``workbench_overview()``, the figures and SVG charts of :mod:`evawkg.workbench.charts`,
  which ``templates/workbench/_home_overview.html`` shows on the home page.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, render_template, request

from ..workbench.charts import Overview, overview
from ..errors import EvawError, NotReady, TooManyRequests
from ..namespaces import PREFIXES
from ..sparql.query_text import rewrite_iris
from ..workbench.search import check_limit, check_query, find
from .conditional import AssetsBlueprint
from .linked_data import href, public_base, public_iris
from .named_queries import editor_text, named_queries
from .negotiation import HTML, MediaTable

log = logging.getLogger("evawkg.web")

PACKAGE = Path(__file__).resolve().parents[1]
LANGUAGES = ("ar", "zh", "en", "es", "fr", "ru")

blueprint = AssetsBlueprint("workbench", __name__, template_folder=str(PACKAGE / "templates"),
                            static_folder=str(PACKAGE / "static"), static_url_path="/assets")

#: Search answers: JSON for programs (and the editor), HTML for people.
SEARCH = MediaTable("search results", [("application/json", "json"), (HTML, "html")],
                    {"json": "json", "html": "html"})


@blueprint.record_once
def _install(state) -> None:
    state.app.extensions["evawkg.query_page"] = editor_page
    state.app.extensions["evawkg.overview"] = {}
    state.app.extensions["evawkg.overview_lock"] = threading.Lock()


#: Where the home page sends people; a destination is shown once a Blueprint has a rule for it
#: (the ontology is a resource of the graph, served by the linked-data catch-all).
DESTINATIONS = (("query editor", "/sparql"), ("named queries", "/queries"), ("API", "/api"),
                ("dumps", "/dumps/"), ("ontology", None), ("validation", "/validate"))


@blueprint.app_context_processor
def _template_functions() -> dict:
    return {"workbench_overview": workbench_overview, "workbench_destinations": destinations}


def destinations() -> list[tuple[str, str]]:
    served = {rule.rule for rule in current_app.url_map.iter_rules()}
    return [(label, path or "/ontology") for label, path in DESTINATIONS
            if path is None or path in served]


def local_href(iri: str) -> str:
    """The path of this server where ``iri`` is described (IRIs under the canonical or the
    public base), else ``iri``."""
    return href(iri)


def languages() -> list[str]:
    """The UN languages the reader prefers: ``?lang=``, else ``Accept-Language``, else English."""
    chosen = request.args.get("lang", "").lower()
    if chosen in LANGUAGES:
        return [chosen]
    found = []
    for value, _quality in request.accept_languages:
        primary = value.split("-")[0].lower()
        if primary in LANGUAGES and primary not in found:
            found.append(primary)
    return found or ["en"]


def editor_page() -> str:
    """The YASGUI page ``GET /sparql`` answers to browsers."""
    queries = named_queries()
    # The prefixes as published: a query written with them runs (the server maps the public base
    # back), and the IRIs of its answers are under the same base.
    iris = public_base()
    prefixes = iris.prefixes_out(PREFIXES)
    prefix_lines = "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in prefixes.items())
    examples = [{"name": q.name, "summary": q.summary,
                 "query": with_prefixes(rewrite_iris(editor_text(q, {p.name: p.default for p in
                                                                     q.parameters}), iris.iri_out),
                                        prefixes)}
                for q in queries.values()]
    default_query = (prefix_lines + "\n\nSELECT ?class (COUNT(?thing) AS ?things)\nWHERE { ?thing a ?class }\n"
                     "GROUP BY ?class\nORDER BY DESC(?things)\nLIMIT 20\n")
    config = {"endpoint": request.base_url, "prefixes": prefixes, "prefixLines": prefix_lines,
              "defaultQuery": default_query, "examples": examples, "search": "/search"}
    return render_template("workbench/editor.html", config=config, examples=examples)


def with_prefixes(text: str, prefixes: dict[str, str] | None = None) -> str:
    """``text`` with ``PREFIX`` lines for the predeclared prefixes (``prefixes``, by default
    the project's) it uses, after its ``#`` header (the server knows them anyway; the editor's
    checker and readers need them)."""
    prefixes = PREFIXES if prefixes is None else prefixes
    lines = text.splitlines()
    header = 0
    while header < len(lines) and lines[header].lstrip().startswith("#"):
        header += 1
    body = "\n".join(lines[header:])
    used = [prefix for prefix in prefixes
            if re.search(rf"(?<![\w<:/.#-]){re.escape(prefix)}:", body)]
    declarations = [f"PREFIX {prefix}: <{prefixes[prefix]}>" for prefix in used]
    return "\n".join(lines[:header] + declarations + lines[header:]) + "\n"


@blueprint.route("/search")
def search() -> Response:
    _, kind = SEARCH.choose(request.headers.get("Accept"), request.args.get("format"))
    langs = languages()
    raw = request.args.get("q")
    if kind == "html" and not (raw or "").strip():
        return _search_page("", [], langs)
    q = check_query(raw)
    limit = check_limit(request.args.get("limit"))
    state = current_app.extensions["evawkg"]
    hits = state.service.call(find, q, langs, limit, timeout=state.settings.query_timeout)
    if kind == "json":
        response = current_app.json.response(
            {"q": q, "hits": [public_iris(hit.as_json(local_href(hit.iri))) for hit in hits]})
    else:
        response = _search_page(q, public_iris(hits), langs)
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    return response


def _search_page(q: str, hits, langs: list[str]) -> Response:
    body = render_template("workbench/search.html", q=q, hits=hits, href=local_href, langs=langs)
    return Response(body, mimetype="text/html")


#: Seconds before figures that failed to compute (a timeout on a large graph) are tried again:
#: until then the home page goes without them instead of spending a query slot per visit.
OVERVIEW_RETRY = 600.0


@dataclass(frozen=True)
class _Failed:
    retry_at: float


def workbench_overview() -> Overview | None:
    """The home page's figures and charts, computed once per data version; ``None`` (and the
    partial shows nothing) while the graph loads, while another request computes them, or for
    :data:`OVERVIEW_RETRY` seconds after they failed."""
    state = current_app.extensions["evawkg"]
    cache = current_app.extensions["evawkg.overview"]
    version = state.service.data_version
    known = cache.get(version)
    if isinstance(known, Overview):
        return known
    if isinstance(known, _Failed) and time.monotonic() < known.retry_at:
        return None
    lock = current_app.extensions["evawkg.overview_lock"]
    # One computation at a time: on a large graph it takes the whole query time limit, and the
    # visitors meanwhile get the page without figures rather than wait for it.
    if not lock.acquire(blocking=False):
        return None
    try:
        known = cache.get(version)
        if isinstance(known, Overview):
            return known
        computed = overview(state.service, named_queries(),
                            timeout=state.settings.query_timeout, href=local_href)
        cache.clear()  # a writable store makes a version per commit: keep the current one only
        cache[version] = computed
        return cache[version]
    except (NotReady, TooManyRequests) as error:
        log.info("home page figures wait: %s", error.message)  # cheap to retry: not remembered
        return None
    except EvawError as error:
        log.warning("home page figures are unavailable for %g s: %s", OVERVIEW_RETRY, error.message)
        cache[version] = _Failed(time.monotonic() + OVERVIEW_RETRY)
        return None
    finally:
        lock.release()


__all__ = ["blueprint", "editor_page", "local_href", "workbench_overview", "SEARCH"]
