"""Synthetic graphs shaped like the bundled data, of any size, for tests and benchmarks.

The real countries and UN M49 regions (from ``reference/iso3166-m49.csv``, as ``data/`` has
them) plus generated agencies, legal instruments, cities, SKOS concepts, reporting periods and,
filling the requested size, activities: lead agency, qualified partner associations with roles,
reporting period (OWL-Time, month precision), activity type, topics, target groups, places,
participation counts, legal basis, outputs and sources. The terms are the ontology's
(``ontology/evawkg.ttl``), so inference and shapes apply as they do to the real data.

Output is streamed (N-Triples, or Turtle with the project's prefixes, by the file extension), so
a million triples need no more memory than a thousand. The same ``triples`` and ``seed`` give
the same file.
"""

from __future__ import annotations

import csv
import gzip
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ..namespaces import BASE, PREFIXES

Triple = tuple[str, str, str]
Block = list[Triple]

_CSV = Path(__file__).parent.parent / "reference" / "iso3166-m49.csv"
_MONTHS_FIRST_ROUND = (2007, 7)
_ACTIVITY_TYPES = ("training", "expert-group-meeting", "publication", "research",
                   "technical-assistance", "project", "outreach", "advocacy")
_TOPICS = ("trafficking-in-persons", "domestic-violence", "women-in-detention", "juvenile-justice",
           "sexual-and-gender-based-violence", "femicide", "access-to-justice", "victim-support",
           "crime-prevention", "data-collection")
_TARGET_GROUPS = ("police-officers", "prosecutors", "judicial-officials", "girls", "women-in-detention",
                  "social-workers", "health-workers", "parliamentarians", "civil-society", "victims")
_ROLES = ("partner", "co-organiser", "contributor", "supporter")
_WORDS = ("regional", "national", "workshop", "training", "criminal", "justice", "response",
          "violence", "against", "women", "girls", "capacity", "building", "handbook", "prevention",
          "support", "victims", "police", "prosecution", "protection", "services", "data", "survey")


def _iri(value: str) -> str:
    return f"<{value}>"


def _id(path: str) -> str:
    return _iri(BASE + "id/" + path)


def _term(prefix: str, local: str) -> str:
    return _iri(PREFIXES[prefix] + local)


def _literal(text: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^{_term("xsd", datatype)}'
    return f'"{escaped}"'


A = _term("rdf", "type")
LABEL = _term("rdfs", "label")
SOURCE = _term("dcterms", "source")
E = {name: _term("evaw", name) for name in (
    "Country", "Region", "City", "UNEntity", "Resolution", "Measure", "ReportingPeriod",
    "ParticipationCount", "Handbook", "InventoryRecord", "ActivityType", "Topic", "TargetGroup",
    "Role", "DocumentType", "locatedIn", "iso3166Alpha2", "iso3166Alpha3", "iso3166Numeric", "m49Code", "basedIn",
    "partnersWith", "symbol", "reportingPeriod", "activityType", "topic", "targetGroup",
    "hasParticipationCount", "count", "pursuantTo", "intendedOutput", "reportsMeasure",
    "reportedBy", "describesAgency", "itemId", "unAgencyId")}
SKOS = {name: _term("skos", name) for name in ("Concept", "ConceptScheme", "inScheme", "broader",
                                              "notation", "prefLabel")}
PROV = {name: _term("prov", name) for name in ("wasAssociatedWith", "qualifiedAssociation",
                                              "Association", "agent", "hadRole", "atLocation",
                                              "generated")}
TIME = {name: _term("time", name) for name in ("hasBeginning", "hasEnd", "Instant", "inXSDgYearMonth")}
DCT = {name: _term("dcterms", name) for name in ("title", "description", "date", "identifier")}
REFERENCE_SOURCE = _iri("https://github.com/lukes/ISO-3166-Countries-with-Regional-Codes")
INVENTORY_PAGE = _iri("https://evaw-un-inventory.unwomen.org/en/agencies")
ELI_TYPE_DOCUMENT = _term("eli", "type_document")
ELI_PASSED_BY = _term("eli", "passed_by")
PUBLISHER = _term("dcterms", "publisher")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _reference_blocks() -> Iterator[Block]:
    """The real countries and M49 regions: the fixed part of every synthetic graph."""
    regions: dict[str, tuple[str, str, str | None]] = {"world": ("World", "001", None)}
    countries = []
    with _CSV.open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            parent = "world"
            for level in ("region", "sub-region", "intermediate-region"):
                name = row[level]
                if name:
                    regions.setdefault(_slug(name), (name, row[level + "-code"], parent))
                    parent = _slug(name)
            countries.append((row, parent))
    scheme = _id("scheme/m49")
    yield [(scheme, A, SKOS["ConceptScheme"]), (scheme, LABEL, _literal("UN M49 regions", lang="en")),
           (scheme, SOURCE, REFERENCE_SOURCE)]
    for slug, (name, code, parent) in regions.items():
        node = _id(f"region/{slug}")
        block = [(node, A, E["Region"]), (node, A, SKOS["Concept"]), (node, LABEL, _literal(name, lang="en")),
                 (node, SKOS["prefLabel"], _literal(name, lang="en")), (node, SKOS["inScheme"], scheme),
                 (node, SKOS["notation"], _literal(code)), (node, E["m49Code"], _literal(code)),
                 (node, SOURCE, REFERENCE_SOURCE)]
        if parent:
            block += [(node, E["locatedIn"], _id(f"region/{parent}")),
                      (node, SKOS["broader"], _id(f"region/{parent}"))]
        yield block
    for row, region in countries:
        node = _id(f"country/{row['alpha-2']}")
        yield [(node, A, E["Country"]), (node, LABEL, _literal(row["name"], lang="en")),
               (node, SKOS["prefLabel"], _literal(row["name"], lang="en")),
               (node, E["iso3166Alpha2"], _literal(row["alpha-2"])),
               (node, E["iso3166Alpha3"], _literal(row["alpha-3"])),
               (node, E["iso3166Numeric"], _literal(row["country-code"])),
               (node, E["m49Code"], _literal(row["country-code"])),
               (node, E["locatedIn"], _id(f"region/{region}")), (node, SOURCE, REFERENCE_SOURCE)]


def _concept_blocks() -> Iterator[Block]:
    for scheme, cls, slugs in (("activity-type", "ActivityType", _ACTIVITY_TYPES), ("topic", "Topic", _TOPICS),
                               ("target-group", "TargetGroup", _TARGET_GROUPS), ("role", "Role", (*_ROLES, "lead")),
                               ("document-type", "DocumentType", ("resolution",))):
        scheme_node = _id(f"scheme/{scheme}s")
        yield [(scheme_node, A, SKOS["ConceptScheme"]), (scheme_node, LABEL, _literal(scheme, lang="en")),
               (scheme_node, SOURCE, INVENTORY_PAGE)]
        for slug in slugs:
            node = _id(f"{scheme}/{slug}")
            label = _literal(slug.replace("-", " "), lang="en")
            yield [(node, A, E[cls]), (node, A, SKOS["Concept"]), (node, LABEL, label),
                   (node, SKOS["prefLabel"], label), (node, SKOS["inScheme"], scheme_node),
                   (node, SOURCE, INVENTORY_PAGE)]


def _period(index: int) -> tuple[str, Block]:
    year, month = _MONTHS_FIRST_ROUND
    start = year * 12 + month - 1 + 6 * index
    end = start + 7
    begin_text = f"{start // 12}-{start % 12 + 1:02d}"
    end_text = f"{end // 12}-{end % 12 + 1:02d}"
    node = _id(f"period/{begin_text}_{end_text}")
    block = [(node, A, E["ReportingPeriod"]), (node, LABEL, _literal(f"{begin_text} - {end_text}", lang="en"))]
    for which, text in (("hasBeginning", begin_text), ("hasEnd", end_text)):
        instant = f"_:{which.lower()}{index}"
        block += [(node, TIME[which], instant), (instant, A, TIME["Instant"]),
                  (instant, TIME["inXSDgYearMonth"], _literal(text, datatype="gYearMonth"))]
    return node, block


def synthetic_blocks(triples: int = 10_000, *, seed: int = 0) -> Iterator[Block]:
    """Statements grouped by subject, about ``triples`` of them in all (never fewer than the
    ~3,500 of the fixed countries, regions and concepts)."""
    rng = random.Random(seed)
    written = 0
    for block in (*_reference_blocks(), *_concept_blocks()):
        written += len(block)
        yield block
    with _CSV.open(encoding="utf-8") as stream:
        countries = [_id(f"country/{row['alpha-2']}") for row in csv.DictReader(stream)]
    scale = max(triples, 1) / 1000
    n_agencies, n_instruments, n_cities = int(5 + scale), int(10 + 2 * scale), int(10 + 3 * scale)
    periods = []
    for index in range(14):
        node, block = _period(index)
        periods.append(node)
        written += len(block)
        yield block
    cities = []
    for index in range(n_cities):
        node = _id(f"place/city-{index}")
        cities.append(node)
        block = [(node, A, E["City"]), (node, LABEL, _literal(f"City {index}", lang="en")),
                 (node, E["locatedIn"], rng.choice(countries)), (node, SOURCE, REFERENCE_SOURCE)]
        written += len(block)
        yield block
    agencies = [_id(f"organization/agency-{index}") for index in range(n_agencies)]
    records = [""] * n_agencies
    for index, node in enumerate(agencies):
        item_id = _guid(rng)
        record = records[index] = _id("record/" + item_id.strip("{}").lower())
        block = [(node, A, E["UNEntity"]), (node, LABEL, _literal(f"Agency {index}", lang="en")),
                 (node, SKOS["prefLabel"], _literal(f"Agency {index}", lang="en")),
                 (node, E["basedIn"], rng.choice(cities)), (node, E["partnersWith"], rng.choice(agencies)),
                 (node, SOURCE, record),
                 (record, A, E["InventoryRecord"]),
                 (record, LABEL, _literal(f"Inventory record: Agency {index}", lang="en")),
                 (record, PUBLISHER, _id("organization/un-women")), (record, SOURCE, INVENTORY_PAGE),
                 (record, E["describesAgency"], node), (record, E["itemId"], _literal(item_id)),
                 (record, E["unAgencyId"], _literal(_guid(rng)))]
        written += len(block)
        yield block
    instruments = [_id(f"instrument/a-res-{60 + index // 300}-{index % 300}") for index in range(n_instruments)]
    for index, node in enumerate(instruments):
        symbol = f"A/RES/{60 + index // 300}/{index % 300}"
        block = [(node, A, E["Resolution"]), (node, LABEL, _literal(symbol, lang="en")),
                 (node, E["symbol"], _literal(symbol)),
                 (node, DCT["title"], _literal(_sentence(rng, 8), lang="en")),
                 (node, DCT["date"], _literal(f"{1980 + index % 27}-12-{1 + index % 28:02d}", datatype="date")),
                 (node, ELI_TYPE_DOCUMENT, _id("document-type/resolution")),
                 (node, ELI_PASSED_BY, _id("organization/general-assembly")),
                 (node, SOURCE, _iri(f"https://undocs.org/{symbol}"))]
        written += len(block)
        yield block
    index = 0
    while written < triples:
        block = _activity(rng, index, agencies, records, instruments, countries, cities, periods)
        written += len(block)
        index += 1
        yield block


def _guid(rng: random.Random) -> str:
    digits = f"{rng.getrandbits(128):032X}"
    return "{" + "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:])) + "}"


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize()


def _activity(rng: random.Random, index: int, agencies, records, instruments, countries, cities,
              periods) -> Block:
    node = _id(f"activity/activity-{index}")
    lead_index = rng.randrange(len(agencies))
    lead = agencies[lead_index]
    record = records[lead_index]
    block = [(node, A, E["Measure"]), (node, LABEL, _literal(_sentence(rng, 5), lang="en")),
             (node, DCT["description"], _literal(_sentence(rng, 30), lang="en")),
             (node, PROV["wasAssociatedWith"], lead), (node, E["reportedBy"], lead),
             (node, E["reportingPeriod"], rng.choice(periods)),
             (node, E["activityType"], _id(f"activity-type/{rng.choice(_ACTIVITY_TYPES)}")),
             (node, E["pursuantTo"], rng.choice(instruments)), (node, SOURCE, record),
             (record, E["reportsMeasure"], node)]
    for topic in rng.sample(_TOPICS, rng.randint(1, 3)):
        block.append((node, E["topic"], _id(f"topic/{topic}")))
    for group in rng.sample(_TARGET_GROUPS, rng.randint(1, 2)):
        block.append((node, E["targetGroup"], _id(f"target-group/{group}")))
    for place in rng.sample(countries, rng.randint(1, 3)) + ([rng.choice(cities)] if rng.random() < 0.3 else []):
        block.append((node, PROV["atLocation"], place))
    for partner in range(rng.randint(0, 2)):
        association = f"_:a{index}x{partner}"
        agent, role = rng.choice(agencies), rng.choice(_ROLES)
        # The lead drawn as a partner is named as the lead: prov:wasAssociatedWith holds only the
        # lead, and an agent with it has the lead role (shapes:Activity-lead).
        block += [(node, PROV["qualifiedAssociation"], association), (association, A, PROV["Association"]),
                  (association, PROV["agent"], agent),
                  (association, PROV["hadRole"], _id("role/lead" if agent == lead else f"role/{role}"))]
    if rng.random() < 0.5:
        count, people = f"_:c{index}", rng.randint(5, 500)
        block += [(node, E["hasParticipationCount"], count), (count, A, E["ParticipationCount"]),
                  (count, E["count"], _literal(str(people), datatype="integer")),
                  (count, LABEL, _literal(f"{people} participants", lang="en")), (count, SOURCE, record)]
    if rng.random() < 0.2:
        output = _id(f"publication/handbook-{index}")
        block += [(node, PROV["generated"], output), (node, E["intendedOutput"], output),
                  (output, A, E["Handbook"]), (output, DCT["title"], _literal(_sentence(rng, 6), lang="en")),
                  (output, LABEL, _literal(f"Handbook {index}", lang="en")),
                  (output, SOURCE, record)]
    return block


def write_synthetic(path: Path | str, triples: int = 10_000, *, seed: int = 0) -> int:
    """Write a synthetic graph of about ``triples`` triples to ``path`` (``.nt`` N-Triples,
    ``.ttl`` Turtle, either optionally ``.gz``); return how many were written."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    turtle = path.name.removesuffix(".gz").endswith(".ttl")
    written = 0
    with opener(path, "wt", encoding="utf-8", newline="\n") as stream:
        if turtle:
            stream.write("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n")
        for block in synthetic_blocks(triples, seed=seed):
            written += len(block)
            (_write_turtle if turtle else _write_ntriples)(stream, block)
    return written


def _write_ntriples(stream: TextIO, block: Block) -> None:
    stream.write("".join(f"{s} {p} {o} .\n" for s, p, o in block))


_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_NAMESPACES = sorted(((ns, prefix) for prefix, ns in PREFIXES.items()), key=lambda item: -len(item[0]))


def _short(term: str) -> str:
    if not term.startswith("<"):
        return term
    iri = term[1:-1]
    for namespace, prefix in _NAMESPACES:
        if iri.startswith(namespace) and _LOCAL.match(iri[len(namespace):]):
            return f"{prefix}:{iri[len(namespace):]}"
    return term


def _write_turtle(stream: TextIO, block: Block) -> None:
    subject = None
    for s, p, o in block:
        predicate = "a" if p == A else _short(p)
        if s != subject:
            if subject is not None:
                stream.write(" .\n")
            stream.write(f"{_short(s)} {predicate} {_short(o)}")
            subject = s
        else:
            stream.write(f" ;\n    {predicate} {_short(o)}")
    if subject is not None:
        stream.write(" .\n")
