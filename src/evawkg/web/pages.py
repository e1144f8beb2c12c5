"""HTML pages of resources: the visitor's languages and the view of a description a template shows.

Nothing here decides what the graph says (that is :mod:`evawkg.linked_data.description`); it only arranges a
description for people: labels in the visitor's language (``?lang=``, else ``Accept-Language``
among the six UN languages, else English), properties grouped (names and codes, description,
adoption facts for instruments, links, facts, sources), blank nodes shown inside their owner,
inferred statements marked, and links pointing at the resource grouped by how they point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import request

from ..namespaces import EVAW, PREFIXES
from ..linked_data.description import LANGUAGES, RDF_TYPE, Description, Labels, compact_iri
from ..linked_data.reader import GraphReader
from .linked_data import href, is_local

LANGUAGE_NAMES = {"ar": "العربية", "zh": "中文", "en": "English", "es": "Español",
                  "fr": "Français", "ru": "Русский"}

_P = PREFIXES
NAMES = [_P["skos"] + "prefLabel", _P["rdfs"] + "label", _P["skos"] + "altLabel",
         _P["skos"] + "hiddenLabel", _P["dcterms"] + "title", _P["foaf"] + "name",
         _P["skos"] + "notation", _P["dcterms"] + "identifier", str(EVAW.symbol),
         str(EVAW.iso3166Alpha2), str(EVAW.iso3166Alpha3), str(EVAW.iso3166Numeric),
         str(EVAW.m49Code), str(EVAW.iso3166_2Code)]
DESCRIPTIONS = [_P["dcterms"] + "description", _P["rdfs"] + "comment", _P["skos"] + "definition",
                _P["skos"] + "scopeNote", _P["skos"] + "note"]
SOURCES = [_P["dcterms"] + "source", _P["prov"] + "wasDerivedFrom", str(EVAW.describedByRecord),
           str(EVAW.reportedInRecord), _P["rdfs"] + "isDefinedBy"]
ADOPTION = [_P["eli"] + "type_document", _P["eli"] + "passed_by", _P["eli"] + "date_document",
            str(EVAW.resolutionNumber), str(EVAW.adoptedAtSession), str(EVAW.adoptedByResolution),
            str(EVAW.adoptsInstrument), str(EVAW.adoptedWithoutVote), str(EVAW.officialDocument)]
INSTRUMENT = str(EVAW.LegalInstrument)
ORGANIZATION = _P["org"] + "Organization"
PLACE = str(EVAW.Place)


def languages() -> list[str]:
    """The UN languages the visitor reads, preferred first (``?lang=`` wins)."""
    chosen = request.args.get("lang", "").lower()
    if chosen in LANGUAGES:
        return [chosen]
    ordered = []
    for value, _quality in request.accept_languages:
        primary = value.split("-")[0].lower()
        if primary in LANGUAGES and primary not in ordered:
            ordered.append(primary)
    return ordered or ["en"]


@dataclass
class Value:
    text: str
    href: str | None = None
    language: str | None = None
    datatype: str | None = None
    inferred: bool = False
    local: bool = False
    rows: list[Row] = field(default_factory=list)  # a blank node's own properties


@dataclass
class Row:
    label: str
    iri: str
    href: str
    values: list[Value]

    @property
    def all_inferred(self) -> bool:
        return all(value.inferred for value in self.values)


@dataclass
class Section:
    subject: str
    anchor: str | None
    title: str
    groups: list[tuple[str, list[Row]]]


class PageBuilder:
    """Turns a description into what the resource template shows, in ``langs``."""

    def __init__(self, description: Description, langs: list[str]):
        self.description = description
        self.langs = langs
        self.labels: Labels = description.labels

    def label(self, term) -> str:
        return self.labels.label(term, self.langs)

    def term(self, term, inferred: bool = False, depth: int = 0) -> Value:
        if isinstance(term, ox.NamedNode):
            return Value(self.label(term), href(term.value), inferred=inferred,
                         local=is_local(term.value))
        if isinstance(term, ox.BlankNode):
            rows = self.rows(term, depth + 1) if depth < 6 else []
            return Value(self.labels.get(term, self.langs) or "", inferred=inferred, rows=rows)
        datatype = term.datatype.value
        shown = None if datatype.endswith(("#string", "#langString")) else compact_iri(datatype)
        return Value(term.value, language=term.language, datatype=shown, inferred=inferred)

    def rows(self, subject, depth: int = 0, skip: tuple[str, ...] = ()) -> list[Row]:
        by_predicate: dict[str, list[Value]] = {}
        for statement in self.description.about:
            if statement.subject != subject or statement.predicate.value in skip:
                continue
            by_predicate.setdefault(statement.predicate.value, []).append(
                self.term(statement.object, statement.inferred, depth))
        rows = [Row(self.label(ox.NamedNode(p)), p, href(p), sorted(
                    values, key=lambda v: (v.inferred, v.language not in (None, *self.langs), v.text)))
                for p, values in by_predicate.items()]
        return sorted(rows, key=lambda row: row.label.lower())

    def section(self, subject: ox.NamedNode, *, instrument: bool) -> Section:
        rows = self.rows(subject, skip=(RDF_TYPE.value,))
        order = [("Names and codes", NAMES), ("Description", DESCRIPTIONS)]
        if instrument:
            order.append(("Adoption", ADOPTION))
        order.append(("Sources", SOURCES))
        groups: dict[str, list[Row]] = {title: [] for title, _ in order}
        links: list[Row] = []
        facts: list[Row] = []
        for row in rows:
            for title, predicates in order:
                if row.iri in predicates:
                    groups[title].append(row)
                    break
            else:
                (links if all(v.href or v.rows for v in row.values) else facts).append(row)
        named = [(title, groups[title]) for title, _ in order if title != "Sources"]
        arranged = [*named, ("Links", links), ("Facts", facts), ("Sources", groups["Sources"])]
        for title, predicates in order:
            groups[title].sort(key=lambda row: predicates.index(row.iri))
        anchor = subject.value.partition("#")[2] or None
        return Section(subject.value, anchor, self.label(subject),
                       [(title, group) for title, group in arranged if group])

    def inbound(self) -> list[tuple[str, list[Value]]]:
        grouped: dict[str, dict[str, Value]] = {}
        for link in self.description.links:
            name = " / ".join(self.label(p) for p in link.path)
            value = self.term(link.source, link.inferred)
            known = grouped.setdefault(name, {}).get(link.source.value)
            if known is None or (known.inferred and not value.inferred):
                grouped[name][link.source.value] = value
        return [(name, sorted(values.values(), key=lambda v: v.text.lower()))
                for name, values in sorted(grouped.items())]


def resource_page(description: Description, describer: GraphReader, langs: list[str]) -> dict:
    """Everything ``resource.html`` needs."""
    builder = PageBuilder(description, langs)
    node = description.node
    types = description.types()
    all_types = {t.value for t in types}
    instrument = INSTRUMENT in all_types
    subjects = [node] + sorted({s.subject for s in description.about
                                if isinstance(s.subject, ox.NamedNode) and s.subject != node}, key=str)
    page = {
        "iri": description.iri,
        "title": builder.label(node),
        "types": [builder.term(t, False) for t in types if not _inferred_type(description, t)],
        "inferred_types": [builder.term(t, True) for t in types if _inferred_type(description, t)],
        "summary": _summary(description, builder),
        "sections": [builder.section(s, instrument=instrument) for s in subjects],
        "inbound": builder.inbound(),
        "inbound_left_out": description.inbound_left_out,
        "timeline": None, "region_path": None, "activities_here": None,
    }
    if ORGANIZATION in all_types:
        page["timeline"] = timeline(describer.activities_of(node), describer, langs)
    if PLACE in all_types:
        path = describer.region_path(node)
        labels = describer.labels_of(path)
        page["region_path"] = [Value(labels.label(p, langs), href(p.value)) for p in reversed(path)]
        here = describer.activities_at(node)
        names = describer.labels_of(a["iri"] for a in here)
        page["activities_here"] = [Value(names.label(a["iri"], langs), href(a["iri"].value))
                                   for a in here]
    return page


def _inferred_type(description: Description, cls: ox.NamedNode) -> bool:
    return all(s.inferred for s in description.about
               if s.subject == description.node and s.predicate == RDF_TYPE and s.object == cls)


def _summary(description: Description, builder: PageBuilder) -> str | None:
    for predicate in DESCRIPTIONS[:3]:
        values = [s.object for s in description.about if s.subject == description.node
                  and s.predicate.value == predicate and isinstance(s.object, ox.Literal)]
        if values:
            for language in (*builder.langs, "en", ""):
                for value in values:
                    if (value.language or "") == language:
                        return value.value
            return values[0].value
    return None


@dataclass
class Bar:
    label: str
    href: str
    start: str
    end: str
    left: float
    width: float
    row: int


def timeline(activities: list[dict], describer: GraphReader, langs: list[str]) -> dict | None:
    """Bars positioned in percent of the years the activities span (an SVG-free CSS timeline)."""
    dated = [a for a in activities if a["start"]]
    if not dated:
        return None
    labels = describer.labels_of(a["iri"] for a in dated)
    first = min(_year_fraction(a["start"], False) for a in dated)
    last = max(_year_fraction(a["end"] or a["start"], True) for a in dated)
    first_year, last_year = int(first), int(last) + (0 if last == int(last) else 1)
    span = max(last_year - first_year, 1)
    bars = []
    for row, activity in enumerate(dated):
        start = _year_fraction(activity["start"], False)
        end = max(_year_fraction(activity["end"] or activity["start"], True), start + 1 / 24)
        bars.append(Bar(labels.label(activity["iri"], langs), href(activity["iri"].value),
                        activity["start"], activity["end"] or activity["start"],
                        round((start - first_year) / span * 100, 2),
                        round((end - start) / span * 100, 2), row))
    years = [(year, round((year - first_year) / span * 100, 2))
             for year in range(first_year, last_year + 1)]
    return {"bars": bars, "years": years, "undated": len(activities) - len(dated)}


def _year_fraction(text: str, end: bool) -> float:
    """``2009-10`` → 2009.75 (start of October) or 2009.83 (its end) for ``end``."""
    parts = text.split("-")
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else (12 if end else 1)
    return year + (month - (0 if end else 1)) / 12


__all__ = ["languages", "resource_page", "PageBuilder", "LANGUAGE_NAMES", "timeline"]
