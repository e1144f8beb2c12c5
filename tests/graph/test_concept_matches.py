"""The SKOS concepts' matches to established vocabularies are to the right namespaces and cited.

Issue 16 asks that each concept carry, where one exists, a match to UNBIS, EuroVoc, the SDG codes
or Wikidata, cited. A match is asserted only when the identifier and its label were read together
on a stored public page; that page is a ``dcterms:source`` of the concept, and a comment above the
statement in data/concepts.ttl says which match came from which page. These tests hold the data
to that: the namespaces and identifier forms, a source able to show each namespace, one comment
per match naming its page, ``skos:exactMatch`` only where definitions were compared, and the
matches read for the forms of violence the Inventory reports.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS, DCTERMS

from evawkg.graph.bundle import default_bundle
from evawkg.graph.store import data_file_graph

ROOT = Path(__file__).resolve().parents[2]
CONCEPTS = ROOT / "data" / "concepts.ttl"
ID = "https://evawkg.example.org/id/"

MAPPINGS = {"exactMatch": SKOS.exactMatch, "closeMatch": SKOS.closeMatch, "broadMatch": SKOS.broadMatch,
            "narrowMatch": SKOS.narrowMatch, "relatedMatch": SKOS.relatedMatch}

#: The established vocabularies a concept may match, each with the form of its identifiers.
VOCABULARIES = {
    "unbis": re.compile(r"^http://metadata\.un\.org/thesaurus/\d{6,7}$"),
    "eurovoc": re.compile(r"^http://eurovoc\.europa\.eu/(\d+|c_[0-9a-f]{8})$"),
    "sdg": re.compile(r"^http://metadata\.un\.org/sdg/(\d{1,2}(\.[0-9a-z]{1,2})?|C\d{6})$"),
    "wikidata": re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9]\d*$"),
}

#: The stored pages where a vocabulary's identifiers were read beside their labels (key as in
#: the comments of data/concepts.ttl).
PAGES = {
    "unbis": "https://github.com/ClementSicard/un-unbis-thesaurus-scraper/blob/"
             "6dd402d73eadfeb363d450ca28a0b9e017f91ca0/all_topics.json",
    "sample": "https://github.com/UNStats/LOD4Stats/blob/0ae578bacb1f4339596f5a6a19338457e4b22ba3/"
              "docs/sample-extracted-concepts.json",
    "eurovoc": "https://github.com/benoitdavidfr/eurovoc/blob/ff5c75c3713a51a7c3eea9f7c9a7c9ef278b803e/"
               "eurovoc.yaml",
    "sdgkos": "https://github.com/UNStats/LOD4Stats/blob/0ae578bacb1f4339596f5a6a19338457e4b22ba3/"
              "sdg-data/sdg-kos-goals-targets-indicators.ttl",
    "sdgkos-wiki": "https://github.com/UNStats/LOD4Stats/wiki/SDG-Knowledge-Organization-System",
}

#: Which pages can show an identifier of each vocabulary.
SHOWN_ON = {"unbis": {"unbis", "sample"}, "eurovoc": {"eurovoc", "sample"}, "sdg": {"sdgkos", "sdgkos-wiki"},
            "wikidata": set()}

#: The comment above a match: ``# closeMatch UNBIS 1002285 "FEMALE GENITAL MUTILATION" [unbis]``.
COMMENT = re.compile(r'^# (?P<rel>\w+Match) (?P<vocab>UNBIS|EuroVoc|SDG KOS) (?P<id>\S+) '
                     r'(?:SDG (?:target|indicator) )?"[^"]+" \[(?P<keys>[a-z, -]+)\]')
NAMESPACE = {"UNBIS": "http://metadata.un.org/thesaurus/", "EuroVoc": "http://eurovoc.europa.eu/",
             "SDG KOS": "http://metadata.un.org/sdg/"}


@pytest.fixture(scope="module")
def data() -> Graph:
    graph = Graph()
    for source in default_bundle().data_sources():
        graph += data_file_graph(source.path)
    return graph


@cache
def vocabulary_concepts() -> frozenset[URIRef]:
    """The concepts of the vocabularies file (M49 regions are concepts too, matched to LCC elsewhere)."""
    return frozenset(data_file_graph(CONCEPTS).subjects(SKOS.inScheme, None))


def matches(graph: Graph) -> list[tuple[URIRef, str, URIRef]]:
    concepts = vocabulary_concepts()
    return sorted((s, name, o) for name, prop in MAPPINGS.items() for s, o in graph.subject_objects(prop)
                  if s in concepts)


def vocabulary(match: URIRef) -> str | None:
    return next((name for name, form in VOCABULARIES.items() if form.match(str(match))), None)


def iri(path: str) -> URIRef:
    return URIRef(ID + path)


def test_every_match_is_to_an_established_vocabulary_in_its_identifier_form(data: Graph) -> None:
    found = matches(data)
    assert len(found) > 100
    for concept, relation, match in found:
        assert vocabulary(match) is not None, (concept, relation, match)


def test_every_match_has_on_its_concept_a_source_that_shows_the_vocabulary(data: Graph) -> None:
    for concept, relation, match in matches(data):
        sources = {str(s) for s in data.objects(concept, DCTERMS.source)}
        pages = {PAGES[key] for key in SHOWN_ON[vocabulary(match)]}
        assert sources & pages, (concept, relation, match)


def test_each_match_has_a_comment_naming_the_page_it_was_read_on_and_that_page_is_a_source(data: Graph) -> None:
    text = CONCEPTS.read_text(encoding="utf-8").splitlines()
    commented: set[tuple[URIRef, str, URIRef]] = set()
    for number, line in enumerate(text):
        found = COMMENT.match(line)
        if not found:
            continue
        # The comments stand directly above the statement they describe: its subject is the first
        # line that is not a comment.
        subject = next(t for t in text[number:] if not t.startswith("#")).strip()
        prefix, local = subject.split(":", 1)
        concept = iri(f"{prefix}/{local}")
        match = URIRef(NAMESPACE[found["vocab"]] + found["id"])
        assert (concept, MAPPINGS[found["rel"]], match) in data, line
        sources = {str(s) for s in data.objects(concept, DCTERMS.source)}
        for key in found["keys"].split(", "):
            assert PAGES[key] in sources, (line, key)
        commented.add((concept, found["rel"], match))
    external = {m for m in matches(data) if vocabulary(m[2]) in ("unbis", "eurovoc")}
    assert external <= commented, sorted(external - commented)[:5]
    indicators = {m for m in matches(data) if str(m[2]).startswith("http://metadata.un.org/sdg/C")}
    assert indicators and indicators <= commented


def test_exact_matches_only_where_definitions_were_compared(data: Graph) -> None:
    # The UNBIS and EuroVoc files give labels (and a few scope notes), not definitions to set
    # beside ours: matches to them are close, broad or narrow, never exact.
    for concept, relation, match in matches(data):
        if relation == "exactMatch":
            assert vocabulary(match) in ("sdg", "wikidata"), (concept, match)


def test_a_concept_relates_to_an_outside_concept_in_one_way_only(data: Graph) -> None:
    seen: dict[tuple[URIRef, URIRef], str] = {}
    for concept, relation, match in matches(data):
        assert seen.setdefault((concept, match), relation) == relation, (concept, match)


@pytest.mark.parametrize(("concept", "relation", "match"), [
    ("topic/female-genital-mutilation", "closeMatch", "http://metadata.un.org/thesaurus/1002285"),
    ("topic/female-genital-mutilation", "broadMatch", "http://eurovoc.europa.eu/3353"),
    ("topic/child-marriage", "narrowMatch", "http://metadata.un.org/thesaurus/1001806"),
    ("topic/child-marriage", "narrowMatch", "http://metadata.un.org/thesaurus/1002453"),
    ("topic/child-marriage", "closeMatch", "http://eurovoc.europa.eu/8448"),
    ("topic/harmful-practices", "closeMatch", "http://metadata.un.org/thesaurus/1002819"),
    ("topic/domestic-violence", "closeMatch", "http://metadata.un.org/thesaurus/1001744"),
    ("topic/domestic-violence", "closeMatch", "http://eurovoc.europa.eu/6557"),
    ("topic/intimate-partner-violence", "broadMatch", "http://eurovoc.europa.eu/6557"),
    ("topic/sexual-violence", "closeMatch", "http://eurovoc.europa.eu/4727"),
    ("topic/rape", "closeMatch", "http://metadata.un.org/thesaurus/1005372"),
    ("topic/sexual-harassment", "closeMatch", "http://metadata.un.org/thesaurus/1005850"),
    ("topic/trafficking-in-persons", "closeMatch", "http://metadata.un.org/thesaurus/1006622"),
    ("topic/trafficking-in-persons", "closeMatch", "http://eurovoc.europa.eu/5933"),
    ("topic/gender-related-killing-of-women-and-girls", "broadMatch", "http://metadata.un.org/thesaurus/1002909"),
    ("topic/gender-based-violence", "closeMatch", "http://metadata.un.org/thesaurus/1002609"),
    ("topic/violence-against-women-and-girls", "broadMatch", "http://metadata.un.org/thesaurus/1006882"),
    ("indicator/sdg-5-2-1", "exactMatch", "http://metadata.un.org/sdg/C050201"),
    ("indicator/sdg-5-3-2", "exactMatch", "http://metadata.un.org/sdg/C050302"),
])
def test_the_forms_of_violence_reported_are_matched(data: Graph, concept: str, relation: str, match: str) -> None:
    assert (iri(concept), MAPPINGS[relation], URIRef(match)) in data
