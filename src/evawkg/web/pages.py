"""HTML pages of resources: the visitor's languages and the view of a description a template shows.

Nothing here decides what the graph says (that is :mod:`evawkg.linked_data.description`); it only arranges a
description for people: labels in the visitor's language (``?lang=``, else ``Accept-Language``
among the six UN languages, else English), properties grouped (names and codes, description,
adoption facts for instruments, links, facts, sources), blank nodes shown inside their owner,
inferred statements marked (and left out where they only restate what the page already says:
:mod:`evawkg.web.declutter`), and links pointing at the resource grouped by how they point, each
linking resource once. Every label carries the language it is in, so a page asked for in French
says which names it only has in English rather than passing them off as French.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import request

from ..namespaces import EVAW, PREFIXES
from ..linked_data.description import LANGUAGES, RDF_TYPE, Description, Labels, compact_iri
from ..linked_data.reader import GraphReader
from .declutter import Broader, hidden_statements, shown_links, terms_to_look_up
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

#: Lists longer than this are folded behind their count (``contains (11)``).
FOLD_AFTER = 8


def languages() -> list[str]:
    """The UN languages the visitor reads, preferred first (``?lang=`` wins)."""
    chosen = request.args.get("lang", "").lower()
    if chosen in LANGUAGES:
        return [chosen]
    ordered = []
    for value, quality in request.accept_languages:
        primary = value.split("-")[0].lower()
        if quality <= 0:  # "fr;q=0" refuses French (werkzeug keeps it in the list, last)
            continue
        if primary in LANGUAGES and primary not in ordered:
            ordered.append(primary)
    return ordered or ["en"]


def language_links() -> list[tuple[str, str, str, bool]]:
    """(code, name, link, chosen) for the page in each UN language: the same page and query,
    ``lang=`` changed (a search keeps its words)."""
    chosen = languages()[0]
    links = []
    for code, name in LANGUAGE_NAMES.items():
        args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
        links.append((code, name, request.path + "?" + urlencode([*args, ("lang", code)]),
                      code == chosen))
    return links


@dataclass
class Value:
    text: str
    href: str | None = None
    language: str | None = None
    datatype: str | None = None
    inferred: bool = False
    local: bool = False
    rows: list[Row] = field(default_factory=list)  # a blank node's own properties
    #: For a link: the language of its label when that is not the one asked for (a fallback).
    label_language: str | None = None
    #: For a link: the language of its label, whichever (its ``lang``, so a reader voices it).
    text_language: str | None = None


@dataclass
class Row:
    label: str
    iri: str
    href: str
    values: list[Value]

    @property
    def all_inferred(self) -> bool:
        return all(value.inferred for value in self.values)

    @property
    def folded(self) -> bool:
        return len(self.values) > FOLD_AFTER


@dataclass
class Section:
    subject: str
    anchor: str | None
    title: str
    groups: list[tuple[str, list[Row]]]


@dataclass
class Inbound:
    """Resources linking to the described one the same way(s), each listed once."""

    name: str
    values: list[Value]

    @property
    def folded(self) -> bool:
        return len(self.values) > FOLD_AFTER


def label_language(labels: Labels, term, langs: list[str]) -> str | None:
    """The language of the label :meth:`Labels.label` picks for ``term`` (``None``: no label, or
    one without a language)."""
    key = term.value if isinstance(term, ox.NamedNode) else str(term)
    candidates = labels.table.get(key)
    if not candidates:
        return None
    for language in (*langs, "en", ""):
        matching = sorted(c for c in candidates
                          if c[1] == language or (language and c[1].startswith(language + "-")))
        if matching:
            return matching[0][1] or None
    return sorted(candidates)[0][1] or None


class PageBuilder:
    """Turns a description into what the resource template shows, in ``langs``; with
    ``broader`` (each property's and class's broader terms) it leaves out the inferred statements
    that only restate others."""

    def __init__(self, description: Description, langs: list[str], broader: Broader | None = None):
        self.description = description
        self.langs = langs
        self.labels: Labels = description.labels
        self.broader = broader or {}
        self.hidden = hidden_statements(description, self.broader) if broader is not None else set()

    def label(self, term) -> str:
        return self.labels.label(term, self.langs)

    def fallback_language(self, term) -> str | None:
        """The language of ``term``'s label when it is not the visitor's first language."""
        return self._fallback(label_language(self.labels, term, self.langs))

    def _fallback(self, language: str | None) -> str | None:
        return language if language and language.split("-")[0] != self.langs[0] else None

    def term(self, term, inferred: bool = False, depth: int = 0) -> Value:
        if isinstance(term, ox.NamedNode):
            language = label_language(self.labels, term, self.langs)
            return Value(self.label(term), href(term.value), inferred=inferred,
                         local=is_local(term.value), label_language=self._fallback(language),
                         text_language=language)
        if isinstance(term, ox.BlankNode):
            rows = self.rows(term, depth + 1) if depth < 6 else []
            return Value(self.labels.get(term, self.langs) or "", inferred=inferred, rows=rows)
        datatype = term.datatype.value
        shown = None if datatype.endswith(("#string", "#langString")) else compact_iri(datatype)
        return Value(term.value, language=term.language, datatype=shown, inferred=inferred)

    def rows(self, subject, depth: int = 0, skip: tuple[str, ...] = ()) -> list[Row]:
        by_predicate: dict[str, list[Value]] = {}
        for statement in self.description.about:
            if (statement.subject != subject or statement.predicate.value in skip
                    or statement.triple in self.hidden):
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

    def inbound(self, listed_elsewhere: set[str] = frozenset()) -> list[Inbound]:
        """Resources linking here, each once, grouped by the ways they link (``reported by ·
        was associated with``); those in ``listed_elsewhere`` (the timeline's) are left out."""
        links = shown_links(self.description, self.broader, self.hidden)
        ways: dict[str, set[str]] = {}
        values: dict[str, Value] = {}
        for link in links:
            if link.source.value in listed_elsewhere:
                continue
            ways.setdefault(link.source.value, set()).add(
                " / ".join(self.label(p) for p in link.path))
            value = self.term(link.source, link.inferred)
            known = values.get(link.source.value)
            if known is None or (known.inferred and not value.inferred):
                values[link.source.value] = value
        grouped: dict[str, list[Value]] = {}
        for source, names in ways.items():
            grouped.setdefault(" · ".join(sorted(names)), []).append(values[source])
        return [Inbound(name, sorted(group, key=lambda v: v.text.lower()))
                for name, group in sorted(grouped.items())]


def resource_page(description: Description, describer: GraphReader, langs: list[str]) -> dict:
    """Everything ``resource.html`` needs."""
    builder = PageBuilder(description, langs, describer.broader_terms(terms_to_look_up(description)))
    node = description.node
    types = description.types()
    all_types = {t.value for t in types}
    instrument = INSTRUMENT in all_types
    subjects = [node] + sorted({s.subject for s in description.about
                                if isinstance(s.subject, ox.NamedNode) and s.subject != node}, key=str)
    shown_types = [t for t in types if ox.Triple(node, RDF_TYPE, t) not in builder.hidden]
    page = {
        "iri": description.iri,
        "title": builder.label(node),
        "title_language": label_language(builder.labels, node, langs),
        "title_fallback": builder.fallback_language(node),
        "language_name": LANGUAGE_NAMES.get(langs[0], langs[0]),
        "types": [builder.term(t, False) for t in shown_types if not _inferred_type(description, t)],
        "inferred_types": [builder.term(t, True) for t in shown_types
                           if _inferred_type(description, t)],
        "summary": _summary(description, builder),
        "sections": [builder.section(s, instrument=instrument) for s in subjects],
        "inbound_left_out": description.inbound_left_out,
        "timeline": None, "region_path": None, "activities_here": None,
    }
    listed: set[str] = set()
    if ORGANIZATION in all_types:
        activities = describer.activities_of(node)
        page["timeline"] = timeline(activities, describer, langs)
        listed = {a["iri"].value for a in activities}
    page["inbound"] = builder.inbound(listed)
    if PLACE in all_types:
        path = describer.region_path(node)
        labels = describer.labels_of(path)
        page["region_path"] = [_link(labels, p, langs) for p in reversed(path)]
        here = describer.activities_at(node)
        names = describer.labels_of(a["iri"] for a in here)
        page["activities_here"] = [_link(names, a["iri"], langs) for a in here]
    return page


def _link(labels: Labels, node: ox.NamedNode, langs: list[str]) -> Value:
    language = label_language(labels, node, langs)
    return Value(labels.label(node, langs), href(node.value),
                 label_language=language if language and language != langs[0] else None,
                 text_language=language)


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
    label_language: str | None = None  # of the label, whichever (its lang)


def timeline(activities: list[dict], describer: GraphReader, langs: list[str]) -> dict | None:
    """Bars positioned in percent of the years the activities span (an SVG-free CSS timeline)."""
    if not activities:
        return None
    labels = describer.labels_of(a["iri"] for a in activities)
    undated = [_link(labels, a["iri"], langs) for a in activities if not a["start"]]
    dated = [a for a in activities if a["start"]]
    if not dated:
        return {"bars": [], "years": [], "undated": undated}
    first = min(_year_fraction(a["start"], False) for a in dated)
    last = max(_year_fraction(a["end"] or a["start"], True) for a in dated)
    first_year, last_year = int(first), int(last) + (0 if last == int(last) else 1)
    span = max(last_year - first_year, 1)
    bars = []
    for row, activity in enumerate(dated):
        start = _year_fraction(activity["start"], False)
        end = max(_year_fraction(activity["end"] or activity["start"], True), start + 1 / 24)
        link = _link(labels, activity["iri"], langs)
        bars.append(Bar(link.text, link.href, activity["start"], activity["end"] or activity["start"],
                        round((start - first_year) / span * 100, 2),
                        round((end - start) / span * 100, 2), row, link.text_language))
    years = [(year, round((year - first_year) / span * 100, 2))
             for year in range(first_year, last_year + 1)]
    return {"bars": bars, "years": years, "undated": undated}


def _year_fraction(text: str, end: bool) -> float:
    """``2009-10`` → 2009.75 (start of October) or 2009.83 (its end) for ``end``."""
    parts = text.split("-")
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else (12 if end else 1)
    return year + (month - (0 if end else 1)) / 12


__all__ = ["languages", "language_links", "resource_page", "PageBuilder", "LANGUAGE_NAMES", "timeline",
           "label_language", "FOLD_AFTER"]
