"""What the graph holds, for the home page: counts, licence, sources, and charts drawn as SVG
here (SVG 1.1, https://www.w3.org/TR/SVG11/; no script, no outside service).

The figures come from SPARQL run through the query service (its processes, time limit and
cap), and activities per region from the named query ``activities-per-region``, so the chart
and the API can never disagree. The SVG is text a template includes as it is: every label is
escaped, and each chart carries a title and one ``<title>`` per bar for screen readers and
tooltips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from ..namespaces import PREFIXES
from .named_queries import NamedQuery
from .tables import Table, named_query_table, select

# An activity counts in every year its reporting period covers.
ACTIVITY_YEARS = """
SELECT ?activity ?begin ?end WHERE {
  ?activity a/rdfs:subClassOf* evaw:Activity ;
            evaw:reportingPeriod ?period .
  ?period time:hasBeginning/time:inXSDgYearMonth ?begin ;
          time:hasEnd/time:inXSDgYearMonth ?end .
}"""

CLASS_COUNTS = """
SELECT ?class (SAMPLE(?name) AS ?label) (COUNT(DISTINCT ?thing) AS ?things) WHERE {
  ?thing a ?class .
  FILTER(STRSTARTS(STR(?class), STR(evaw:)))
  OPTIONAL { ?class rdfs:label ?name FILTER(langMatches(lang(?name), "en")) }
} GROUP BY ?class ORDER BY DESC(?things) ?class"""

FACTS = """
SELECT (MAX(STR(?modified)) AS ?lastUpdate) WHERE { ?work dcterms:modified ?modified }"""

LICENCES = """
SELECT ?licence ?work (SAMPLE(?name) AS ?label) WHERE {
  ?work dcterms:license ?licence .
  OPTIONAL { ?work dcterms:title|rdfs:label ?name FILTER(langMatches(lang(?name), "en") || lang(?name) = "") }
} GROUP BY ?licence ?work ORDER BY ?licence ?label"""

#: Names of the licences the data states (the rest are shown by their IRI).
LICENCE_NAMES = {
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/": "CC BY-SA 4.0",
    "https://spdx.org/licenses/LGPL-2.1-only.html": "GNU LGPL 2.1",
    "https://opensource.org/license/mit": "MIT",
}

SOURCES = """
SELECT ?source (SAMPLE(?name) AS ?label) WHERE {
  { ?source a evaw:InventoryRecord } UNION { ?dataset a evaw:Dataset ; dcterms:source ?source }
  OPTIONAL { ?source rdfs:label|dcterms:title ?name FILTER(langMatches(lang(?name), "en") || lang(?name) = "") }
} GROUP BY ?source ORDER BY ?label"""


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    href: str | None = None


@dataclass(frozen=True)
class Licence:
    """A licence and what it covers: the works (datasets, the ontology) that state it."""

    iri: str
    name: str
    works: tuple[Bar, ...]


@dataclass
class Overview:
    """Everything the home page partial shows."""

    classes: list[Bar] = field(default_factory=list)
    years: list[Bar] = field(default_factory=list)
    regions: list[Bar] = field(default_factory=list)
    last_update: str | None = None
    licences: list[Licence] = field(default_factory=list)
    sources: list[Bar] = field(default_factory=list)
    year_chart: str = ""
    region_chart: str = ""


def activities_per_year(table: Table) -> list[Bar]:
    """Distinct activities per year of their reporting periods, every year in between shown."""
    years: dict[int, set[str]] = {}
    for row in table.rows:
        first, last = int(row["begin"].value[:4]), int(row["end"].value[:4])
        for year in range(first, max(first, last) + 1):
            years.setdefault(year, set()).add(row["activity"].value)
    if not years:
        return []
    return [Bar(str(year), len(years.get(year, ()))) for year in range(min(years), max(years) + 1)]


def activities_per_region(table: Table, href, limit: int = 12) -> list[Bar]:
    """The regions with most activities (the world itself left out: it holds them all)."""
    bars = [Bar(row.get("regionLabel", row["region"]).value, int(row["activities"].value),
                href(row["region"].value))
            for row in table.rows if not row["region"].value.endswith("/region/world")]
    return sorted(bars, key=lambda bar: (-bar.value, bar.label))[:limit]


#: Font size of the charts' labels in px (workbench.css sets the same), and a generous estimate
#: of one character's width in it: labels are spaced by this, so they never overlap.
LABEL_FONT = 11
CHARACTER_WIDTH = LABEL_FONT * 0.62
LABEL_GAP = 4


def text_width(text: str) -> float:
    """An upper estimate of ``text``'s width in px at :data:`LABEL_FONT`."""
    return len(text) * CHARACTER_WIDTH


def label_stride(labels: list[str], slot: float) -> int:
    """Label every ``n``-th category so that neighbouring labels, each centred on a slot
    ``slot`` px wide, keep :data:`LABEL_GAP` px apart."""
    widest = max((text_width(label) for label in labels), default=0)
    return max(1, math.ceil((widest + LABEL_GAP) / slot)) if slot > 0 else 1


def column_chart(bars: list[Bar], title: str, *, width: int = 640, height: int = 240) -> str:
    """Vertical bars (one per category, e.g. a year) with the value above each. Categories are
    labelled every ``n``-th when their labels would not fit side by side, and a value is written
    above its bar only when it fits the bar's slot (each bar's ``<title>`` always has both)."""
    if not bars:
        return ""
    # Room at the sides for half of the first and last labels, which are centred on their bars.
    margin = max(8, math.ceil(max(text_width(bar.label) for bar in bars) / 2) + 2)
    top, bottom, left, right = 40, 30, margin, margin
    plot_height = height - top - bottom
    slot = (width - left - right) / len(bars)
    stride = label_stride([bar.label for bar in bars], slot)
    peak = max(bar.value for bar in bars) or 1
    parts = [_open(width, height, title)]
    for index, bar in enumerate(bars):
        bar_height = round(plot_height * bar.value / peak, 1)
        x = round(left + index * slot + slot * 0.15, 1)
        y = round(top + plot_height - bar_height, 1)
        centre = round(left + index * slot + slot / 2, 1)
        value = (f'<text class="value" x="{centre}" y="{round(y - 4, 1)}" text-anchor="middle">'
                 f'{bar.value}</text>' if text_width(str(bar.value)) + LABEL_GAP <= slot else "")
        category = (f'<text class="category" x="{centre}" y="{height - 10}" text-anchor="middle">'
                    f'{escape(bar.label)}</text>' if index % stride == 0 else "")
        parts.append(f'<g class="bar"><title>{escape(bar.label)}: {bar.value}</title>'
                     f'<rect x="{x}" y="{y}" width="{round(slot * 0.7, 1)}" height="{bar_height}"/>'
                     f'{value}{category}</g>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top + plot_height}" x2="{width - right}" '
                 f'y2="{top + plot_height}"/></svg>')
    return "".join(parts)


def bar_chart(bars: list[Bar], title: str, *, width: int = 640, row_height: int = 22) -> str:
    """Horizontal bars (one per category with a long name, e.g. a region), linked when the
    category has a page."""
    if not bars:
        return ""
    label_width, value_width, top = 210, 48, 32
    most = int((label_width - 6 - LABEL_GAP) / CHARACTER_WIDTH)
    height = top + row_height * len(bars) + 6
    plot_width = width - label_width - value_width
    peak = max(bar.value for bar in bars) or 1
    parts = [_open(width, height, title, linked=any(bar.href for bar in bars))]
    for index, bar in enumerate(bars):
        y = top + index * row_height
        length = round(plot_width * bar.value / peak, 1)
        label = (f'<text class="category" x="{label_width - 6}" y="{y + row_height * 0.7:.1f}" '
                 f'text-anchor="end">{escape(_shorten(bar.label, most))}</text>')
        if bar.href:
            label = f'<a href="{escape(bar.href)}">{label}</a>'
        parts.append(f'<g class="bar"><title>{escape(bar.label)}: {bar.value}</title>{label}'
                     f'<rect x="{label_width}" y="{y + 3}" width="{length}" '
                     f'height="{row_height - 6}"/>'
                     f'<text class="value" x="{label_width + length + 4:.1f}" '
                     f'y="{y + row_height * 0.7:.1f}">{bar.value}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str, *, linked: bool = False) -> str:
    # A chart whose categories are links is a group (its links stay reachable by keyboard and
    # screen readers); one without is a single image described by its title.
    role = f'role="group" aria-label="{escape(title)}"' if linked else 'role="img"'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" {role} '
            f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet">'
            f'<title>{escape(title)}</title>'
            f'<text class="chart-title" x="8" y="16">{escape(title)}</text>')


def _shorten(text: str, most: int = 32) -> str:
    return text if len(text) <= most else text[:most - 1] + "…"


def overview(service, queries: dict[str, NamedQuery], *, timeout: float, href) -> Overview:
    """The figures and charts of the home page, ``href`` mapping an IRI to its page."""
    found = Overview()
    classes = select(service, CLASS_COUNTS, timeout=timeout)
    found.classes = [Bar(row["label"].value if "label" in row else _local(row["class"].value),
                         int(row["things"].value), href(row["class"].value))
                     for row in classes.rows]
    found.years = activities_per_year(select(service, ACTIVITY_YEARS, timeout=timeout))
    if "activities-per-region" in queries:
        table = named_query_table(service, queries["activities-per-region"], {}, timeout=timeout)
        found.regions = activities_per_region(table, href)
    facts = select(service, FACTS, timeout=timeout)
    if facts.rows and "lastUpdate" in facts.rows[0]:
        found.last_update = facts.rows[0]["lastUpdate"].value
    found.licences = licences(select(service, LICENCES, timeout=timeout), href)
    found.sources = [Bar(row["label"].value if "label" in row else row["source"].value, 0,
                         href(row["source"].value))
                     for row in select(service, SOURCES, timeout=timeout).rows]
    found.year_chart = column_chart(found.years, "Activities per year of their reporting period")
    found.region_chart = bar_chart(found.regions, "Inventory measures per M49 region")
    return found


def licences(table: Table, href) -> list[Licence]:
    """Each licence stated in the graph with the works that state it."""
    works: dict[str, list[Bar]] = {}
    for row in table.rows:
        if "licence" not in row or "work" not in row:
            continue
        work = row["work"].value
        label = row["label"].value if "label" in row else work
        works.setdefault(row["licence"].value, []).append(Bar(label, 0, href(work)))
    return [Licence(iri, LICENCE_NAMES.get(iri, iri), tuple(found)) for iri, found in works.items()]


def _local(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


__all__ = ["Bar", "Licence", "Overview", "licences", "text_width", "label_stride", "overview", "column_chart", "bar_chart", "activities_per_year",
           "activities_per_region"]
