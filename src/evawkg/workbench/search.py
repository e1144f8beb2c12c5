"""Finding resources by what they are called: labels, alternative labels and descriptions in
every language, ranked.

The search runs where the graph is (the query service's ``call``: a query process, under its
time limit): one SPARQL query reads the texts of those properties, and each is compared with the
words asked for after both are folded (:func:`fold`: Unicode compatibility decomposition, marks
dropped, case folded), so case and accents are ignored in every script ("thailande" finds
"Thaïlande", "елка" finds "Ёлка", Arabic with or without its vowel marks). SPARQL's own
``REGEX``/``REPLACE`` could fold only by recompiling an expression for every text (seconds per
search); folding here takes milliseconds and only the hits leave the query process.
Ranking is done here, on folded text too, because it is about people's expectations rather than
the graph:

1. how the text matches: the whole text (exact) > its start (prefix) > the start of one of its
   words > anywhere (substring);
2. which property matched: a label > an alternative label or code > a description;
3. then shorter texts first (a closer match), then the label in alphabetical order.

Each resource appears once, at its best hit, with a label in the reader's language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import ClientError
from ..namespaces import PREFIXES

_P = PREFIXES
LABELS = (_P["rdfs"] + "label", _P["skos"] + "prefLabel", _P["dcterms"] + "title", _P["foaf"] + "name")
ALT_LABELS = (_P["skos"] + "altLabel", _P["skos"] + "hiddenLabel", _P["skos"] + "notation")
DESCRIPTIONS = (_P["dcterms"] + "description", _P["rdfs"] + "comment", _P["skos"] + "definition",
                _P["skos"] + "scopeNote")
FIELDS = {**{p: "label" for p in LABELS}, **{p: "altLabel" for p in ALT_LABELS},
          **{p: "description" for p in DESCRIPTIONS}}
FIELD_RANK = {"label": 0, "altLabel": 1, "description": 2}
MATCH_RANK = {"exact": 0, "prefix": 1, "word": 2, "substring": 3}

MAX_QUERY_LENGTH = 200
MAX_LIMIT = 100

#: Every text of the searched properties (filtered in :func:`find`, where the store is).
TEXTS_QUERY = """
SELECT ?resource ?property ?text WHERE {
  VALUES ?property { %s }
  ?resource ?property ?text .
  FILTER(isIRI(?resource) && isLiteral(?text))
}""" % " ".join(f"<{p}>" for p in FIELDS)

_LABEL_PREDICATES = tuple(ox.NamedNode(_P[prefix] + name)
                          for prefix, name in (("rdfs", "label"), ("skos", "prefLabel")))

#: Letters compatibility decomposition leaves whole, folded by hand (ø is no o + mark in Unicode).
_FOLDED_LETTERS = str.maketrans({"ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l",
                                 "ı": "i", "ħ": "h", "Ħ": "h", "ŧ": "t", "Ŧ": "t"})


#: Letters that decompose into a letter and a mark but are letters of their own, kept whole:
#: Cyrillic й (и + breve) and Belarusian ў (у + breve) are not и and у in those languages, as ё is
#: commonly written е. Shielded behind private-use characters while the marks are dropped.
_KEPT_LETTERS = {"й": "\ue000", "Й": "\ue001", "ў": "\ue002", "Ў": "\ue003"}
_SHIELD = str.maketrans(_KEPT_LETTERS)
_UNSHIELD = str.maketrans({"\ue000": "й", "\ue001": "й", "\ue002": "ў", "\ue003": "ў"})


def fold(text: str) -> str:
    """``text`` as search compares it: compatibility-decomposed, marks dropped, case folded
    ("Thaïlande" → "thailande", "Ёлка" → "елка", "ДЕТСКИЙ" → "детский", "ﬁ" → "fi")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLDED_LETTERS).translate(_SHIELD))
    kept = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return kept.casefold().translate(_UNSHIELD)


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    text: str
    field: str
    match: str
    language: str | None

    def as_json(self, href: str) -> dict:
        return {"iri": self.iri, "label": self.label, "href": href, "field": self.field,
                "match": self.match, "text": self.text, "language": self.language}


def find(store: ox.Store, q: str, langs: list[str], limit: int) -> list[Hit]:
    """In a query process (``service.call(find, q, langs, limit, timeout=…)``): the resources
    whose texts contain ``q``, case and accents ignored, ranked by :func:`rank`."""
    needle = fold(" ".join(q.split()))
    rows = []
    for solution in store.query(TEXTS_QUERY, use_default_graph_as_union=True):
        text = solution["text"]
        if needle in fold(" ".join(text.value.split())):
            rows.append({"resource": solution["resource"], "property": solution["property"],
                         "text": text})
    for row in rows:
        labels = [quad.object for predicate in _LABEL_PREDICATES
                  for quad in store.quads_for_pattern(row["resource"], predicate, None, None)
                  if isinstance(quad.object, ox.Literal)]
        row["labels"] = labels
    return rank(rows, q, langs, limit)


def check_query(q: str | None) -> str:
    """The words to look for; :class:`ClientError` when there are none or too many."""
    text = " ".join((q or "").split())
    if not text:
        raise ClientError("q= is empty; give a word or a name to search for, e.g. /search?q=trafficking")
    if len(text) > MAX_QUERY_LENGTH:
        raise ClientError(f"q= has {len(text)} characters; search for at most {MAX_QUERY_LENGTH}")
    return text


def check_limit(value: str | None, default: int = 20) -> int:
    if value in (None, ""):
        return default
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise ClientError(f"limit={value!r} must be a whole number from 1 to {MAX_LIMIT}")
    return int(value)


def match_kind(text: str, q: str) -> str | None:
    """How ``text`` matches ``q`` (both folded: case and accents ignored), or ``None``."""
    haystack, needle = fold(" ".join(text.split())), fold(" ".join(q.split()))
    if haystack == needle:
        return "exact"
    if haystack.startswith(needle):
        return "prefix"
    if re.search(r"(?<!\w)" + re.escape(needle), haystack):
        return "word"
    if needle in haystack:
        return "substring"
    return None


def rank(rows, q: str, langs: list[str], limit: int) -> list[Hit]:
    """The best hit of each resource, best resources first. ``rows`` map ``resource``,
    ``property`` and ``text`` to terms, and ``labels`` to the resource's labels."""
    best: dict[str, tuple] = {}
    labels: dict[str, dict[str, str]] = {}
    for row in rows:
        iri = row["resource"].value
        for label in row.get("labels", [row["label"]] if "label" in row else []):
            labels.setdefault(iri, {}).setdefault(label.language or "", label.value)
        text = row["text"]
        kind = match_kind(text.value, q)
        if kind is None:
            continue
        field = FIELDS[row["property"].value]
        key = (MATCH_RANK[kind], FIELD_RANK[field], len(text.value))
        language_penalty = 0 if (text.language or "") in (*langs, "") else 1
        candidate = (key, language_penalty, field, kind, text.value, text.language)
        if iri not in best or candidate[:2] < best[iri][:2]:
            best[iri] = candidate
    hits = []
    for iri, (key, penalty, field, kind, text, language) in best.items():
        hits.append((key, penalty, Hit(iri, _label(labels.get(iri, {}), langs, iri), text, field,
                                       kind, language)))
    hits.sort(key=lambda item: (item[0], item[1], item[2].label.casefold(), item[2].iri))
    return [hit for _, _, hit in hits[:limit]]


def _label(by_language: dict[str, str], langs: list[str], iri: str) -> str:
    for language in (*langs, "en", ""):
        if language in by_language:
            return by_language[language]
    if by_language:
        return by_language[sorted(by_language)[0]]
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1] or iri


__all__ = ["TEXTS_QUERY", "Hit", "find", "rank", "match_kind", "check_query", "check_limit",
           "fold"]
