"""Synthetic graphs shaped like the bundled data, of any size, for tests and benchmarks.

The real countries and UN M49 regions (from ``reference/iso3166-m49.csv``, as ``data/`` has
them) plus generated agencies, legal instruments, cities, SKOS concepts, reporting periods and,
filling the requested size, activities: lead agency, qualified partner associations with roles,
reporting period (OWL-Time, month precision), activity type, topics, target groups, places,
participation counts, legal basis, outputs and sources. Around them, modelled as ``data/`` models
UNODC's record and the Spotlight Initiative, the parts the named queries read: each agency's
mandate, an area of work for every other agency, a policy framework for every fifth agency with
its ordered instrument citations, annexed texts and ECOSOC resolutions linked to the resolutions
(adopts, approves, supplements, consistent with, recommended by, revises), funds, trust funds and initiatives with
their phases, grant-making programmes and qualified fundings, grants to some activities, and
participation counts with a quantity kind (people trained on training activities), target group,
qualifier and the source's words. The terms are the ontology's (``ontology/evawkg.ttl``), so
inference and shapes apply as they do to the real data.

Output is streamed (N-Triples, or Turtle with the project's prefixes, by the file extension), so
a million triples need no more memory than a thousand. The same ``triples`` and ``seed`` give
the same file. The parts added for the named queries draw from a random stream of their own, so
the countries, agencies, instruments and activities drawn before them are those of the earlier
generator (fewer activities, since the new parts take part of the size).
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

#: Values for the named queries' parameters that name resources every synthetic graph has (the
#: bundle's defaults name UNODC and its instruments, which a synthetic graph lacks): with them
#: each named query answers rows, so a benchmark times real work (bench/bench_queries.py).
QUERY_VALUES = {
    "agency": BASE + "id/organization/agency-0",
    "instrument": BASE + "id/instrument/a-res-60-0",
    "initiative": BASE + "id/organization/initiative-0",
    "topic": BASE + "id/topic/domestic-violence",
    "keyword": "police",
}
_MONTHS_FIRST_ROUND = (2007, 7)
_ACTIVITY_TYPES = ("training", "expert-group-meeting", "publication", "research",
                   "technical-assistance", "project", "outreach", "advocacy")
_TOPICS = ("trafficking-in-persons", "domestic-violence", "women-in-detention", "juvenile-justice",
           "sexual-and-gender-based-violence", "femicide", "access-to-justice", "victim-support",
           "crime-prevention", "data-collection")
_TARGET_GROUPS = ("police-officers", "prosecutors", "judicial-officials", "girls", "women-in-detention",
                  "social-workers", "health-workers", "parliamentarians", "civil-society", "victims")
_ROLES = ("partner", "co-organiser", "contributor", "supporter")
#: What a participation count counts, by activity type (people trained on training, as in data/).
_QUANTITY_KINDS = ("people-trained", "people-targeted", "people-reached", "attendees")
_KIND_OF_TYPE = {"training": "people-trained", "expert-group-meeting": "attendees",
                 "outreach": "people-reached", "advocacy": "people-reached"}
_KIND_VERBS = {"people-trained": "were trained", "people-targeted": "were targeted",
               "people-reached": "were reached", "attendees": "attended"}
_QUALIFIERS = ("total", "over", "nearly")
_QUALIFIER_WORDS = {"total": "a total of", "over": "over", "nearly": "nearly"}
_FUNDING_TYPES = ("initial-investment", "contribution", "grant")
#: Narrower groups of civil society (data/concepts.ttl has them under target-group:civil-society),
#: so civil-society-funds walks skos:broader* as it does on the bundle.
_NARROWER_GROUPS = (("local-and-grassroots-organizations", "civil-society"),
                    ("grassroots-ngos", "local-and-grassroots-organizations"),
                    ("feminist-and-womens-rights-groups", "civil-society"))
#: What an annexed text is, by its position among the annexes: a protocol supplements the
#: convention before it, rules are consistent with the declaration before the convention.
_ANNEX_KINDS = (("Declaration", "declaration"), ("Convention", "convention"), ("Protocol", "protocol"),
                ("RulesAndStandards", "rules-and-standards"))
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
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
    "reportedBy", "describesAgency", "itemId", "unAgencyId",
    # mandates, areas of work, policy frameworks (data/mandates.ttl)
    "Mandate", "AreaOfWork", "PolicyFramework", "InstrumentCitation", "mandateOf", "areaOfWorkOf",
    "policyFrameworkOf", "groundedIn", "inLineWith", "hasInstrumentCitation", "citedInstrument",
    "citationOrder", "citationMarker", "citedAs", "pertinentTo",
    # instruments and their relations (data/instruments.ttl)
    "Declaration", "Convention", "Protocol", "RulesAndStandards", "adoptsInstrument",
    "approvesInstrument", "supplements", "consistentWith", "recommendedBy", "revises",
    # funds, initiatives, funding (data/organizations.ttl, data/spotlight.ttl)
    "Fund", "TrustFund", "Initiative", "InitiativePhase", "GrantMakingProgramme", "Funding",
    "channelsResourcesTo", "managedBy", "secretariatProvidedBy", "launchedWithHelpOf",
    "establishedInCollaborationWith", "establishedBy", "programmeOf", "phaseOf", "phaseNumber",
    "partOfActivity", "qualifiedFunding", "funder", "fundingRecipient", "fundingType", "amount",
    "currency", "QuantityKind", "Qualifier", "FundingType", "quantityKind", "qualifier",
    "verbatimText")}
SKOS = {name: _term("skos", name) for name in ("Concept", "ConceptScheme", "inScheme", "broader",
                                              "notation", "prefLabel")}
PROV = {name: _term("prov", name) for name in ("wasAssociatedWith", "qualifiedAssociation",
                                              "Association", "agent", "hadRole", "atLocation",
                                              "generated")}
TIME = {name: _term("time", name) for name in ("hasBeginning", "hasEnd", "Instant", "inXSDgYearMonth")}
DCT = {name: _term("dcterms", name) for name in ("title", "description", "date", "identifier",
                                                 "references")}
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
                               ("document-type", "DocumentType",
                                ("resolution", *(slug for _, slug in _ANNEX_KINDS))),
                               ("quantity-kind", "QuantityKind", _QUANTITY_KINDS),
                               ("qualifier", "Qualifier", _QUALIFIERS),
                               ("funding-type", "FundingType", _FUNDING_TYPES)):
        scheme_node = _id(f"scheme/{scheme}s")
        yield [(scheme_node, A, SKOS["ConceptScheme"]), (scheme_node, LABEL, _literal(scheme, lang="en")),
               (scheme_node, SOURCE, INVENTORY_PAGE)]
        for slug in slugs:
            node = _id(f"{scheme}/{slug}")
            label = _literal(slug.replace("-", " "), lang="en")
            yield [(node, A, E[cls]), (node, A, SKOS["Concept"]), (node, LABEL, label),
                   (node, SKOS["prefLabel"], label), (node, SKOS["inScheme"], scheme_node),
                   (node, SOURCE, INVENTORY_PAGE)]
    for slug, broader in _NARROWER_GROUPS:
        node = _id(f"target-group/{slug}")
        label = _literal(slug.replace("-", " "), lang="en")
        yield [(node, A, E["TargetGroup"]), (node, A, SKOS["Concept"]), (node, LABEL, label),
               (node, SKOS["prefLabel"], label), (node, SKOS["inScheme"], _id("scheme/target-groups")),
               (node, SKOS["broader"], _id(f"target-group/{broader}")), (node, SOURCE, INVENTORY_PAGE)]


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
        symbol = _symbol(index)
        block = [(node, A, E["Resolution"]), (node, LABEL, _literal(symbol, lang="en")),
                 (node, E["symbol"], _literal(symbol)),
                 (node, DCT["title"], _literal(_sentence(rng, 8), lang="en")),
                 (node, DCT["date"], _literal(f"{_year(index)}-12-{1 + index % 28:02d}", datatype="date")),
                 (node, ELI_TYPE_DOCUMENT, _id("document-type/resolution")),
                 (node, ELI_PASSED_BY, _id("organization/general-assembly")),
                 (node, SOURCE, _iri(f"https://undocs.org/{symbol}"))]
        written += len(block)
        yield block
    # The parts the named queries read, from a stream of their own (see the module's docstring).
    extra = random.Random(f"evawkg-synthetic-{seed}")
    annexes: list[str] = []
    funds: list[str] = []
    for part in (_instrument_relation_blocks(extra, instruments, annexes),
                 _mandate_blocks(extra, agencies, records, instruments, annexes),
                 _funding_blocks(extra, scale, agencies, records, instruments, funds)):
        for block in part:
            written += len(block)
            yield block
    index = 0
    while written < triples:
        block = _activity(rng, index, agencies, records, instruments, countries, cities, periods,
                          extra, funds)
        written += len(block)
        index += 1
        yield block


def _symbol(index: int) -> str:
    """The symbol of the ``index``-th synthetic General Assembly resolution."""
    return f"A/RES/{60 + index // 300}/{index % 300}"


def _year(index: int) -> int:
    """The year the ``index``-th synthetic resolution was adopted (its dcterms:date's year)."""
    return 1980 + index % 27


def _year_of(period: str) -> str:
    """The year a reporting period ends (``<…/period/2007-07_2008-02>`` ends in 2008)."""
    return period.rstrip(">").rpartition("_")[2][:4]


def _instrument_relation_blocks(extra: random.Random, instruments: list[str],
                                annexes: list[str]) -> Iterator[Block]:
    """Annexed texts and ECOSOC resolutions, one of each per five General Assembly resolutions,
    related as data/instruments.ttl relates 48/104, 65/229, the Protocol and the rules: resolution
    5k adopts annex k and is recommended by ECOSOC resolution k, resolution 5k+2 approves it;
    a protocol supplements the convention before it, rules are consistent with the text three
    before them, an annex revises the one of its kind before it. Fills ``annexes``."""
    for k in range(len(instruments) // 5):
        adopting, year = instruments[5 * k], _year(5 * k)
        cls, doc_type = _ANNEX_KINDS[k % len(_ANNEX_KINDS)]
        annex = _id(f"instrument/annex-{k}")
        annexes.append(annex)
        title = _sentence(extra, 7)
        block = [(annex, A, E[cls]), (annex, LABEL, _literal(f"{cls} annexed to {_symbol(5 * k)}", lang="en")),
                 (annex, DCT["title"], _literal(title, lang="en")),
                 (annex, ELI_TYPE_DOCUMENT, _id(f"document-type/{doc_type}")),
                 (annex, SOURCE, _iri(f"https://undocs.org/{_symbol(5 * k)}")),
                 (adopting, E["adoptsInstrument"], annex)]
        if doc_type == "protocol":
            block.append((annex, E["supplements"], annexes[k - 1]))
        if doc_type == "rules-and-standards":
            block.append((annex, E["consistentWith"], annexes[k - 3]))
        if k >= len(_ANNEX_KINDS):
            block.append((annex, E["revises"], annexes[k - len(_ANNEX_KINDS)]))
        if 5 * k + 2 < len(instruments):
            block.append((instruments[5 * k + 2], E["approvesInstrument"], annex))
        ecosoc = _id(f"instrument/e-res-{year}-{k + 1}")
        symbol = f"E/RES/{year}/{k % 999 + 1}"
        block += [(ecosoc, A, E["Resolution"]), (ecosoc, LABEL, _literal(symbol, lang="en")),
                  (ecosoc, E["symbol"], _literal(symbol)),
                  (ecosoc, DCT["title"], _literal(_sentence(extra, 8), lang="en")),
                  (ecosoc, DCT["date"], _literal(f"{year}-07-{1 + k % 28:02d}", datatype="date")),
                  (ecosoc, ELI_TYPE_DOCUMENT, _id("document-type/resolution")),
                  (ecosoc, ELI_PASSED_BY, _id("organization/ecosoc")),
                  (ecosoc, SOURCE, _iri(f"https://undocs.org/{symbol}")),
                  (adopting, E["recommendedBy"], ecosoc)]
        yield block


def _mandate_blocks(extra: random.Random, agencies: list[str], records: list[str],
                    instruments: list[str], annexes: list[str]) -> Iterator[Block]:
    """Per agency, as data/mandates.ttl has UNODC's: a mandate statement referring to two
    instruments; for every other agency an area of work in line with one; for every fifth
    (agency-0 among them) a policy framework grounded in three to six instruments (annexed texts
    among them) with one ordered citation each. Sparing, so small graphs keep their activities."""
    cited = instruments + annexes
    for index, agency in enumerate(agencies):
        record, name = records[index], f"Agency {index}"
        mandate = _id(f"mandate/agency-{index}-mandate")
        block = [(mandate, A, E["Mandate"]), (mandate, LABEL, _literal(f"Mandate of {name}", lang="en")),
                 (mandate, E["mandateOf"], agency), (mandate, E["topic"], _id(f"topic/{extra.choice(_TOPICS)}")),
                 (mandate, DCT["description"], _literal(_sentence(extra, 25), lang="en")),
                 (mandate, SOURCE, record)]
        block += [(mandate, DCT["references"], instrument) for instrument in extra.sample(instruments, 2)]
        for area in range(1 if index % 2 == 0 else 0):
            node = _id(f"mandate/agency-{index}-aow-{area}")
            block += [(node, A, E["AreaOfWork"]), (node, LABEL, _literal(_sentence(extra, 6), lang="en")),
                      (node, E["areaOfWorkOf"], agency),
                      (node, E["activityType"], _id(f"activity-type/{extra.choice(_ACTIVITY_TYPES)}")),
                      (node, E["topic"], _id(f"topic/{extra.choice(_TOPICS)}")),
                      (node, E["inLineWith"], extra.choice(instruments)),
                      (node, DCT["description"], _literal(_sentence(extra, 15), lang="en")),
                      (node, SOURCE, record)]
        if index % 5 == 0:
            framework = f"mandate/agency-{index}-policy-framework"
            node = _id(framework)
            chosen = extra.sample(cited, min(len(cited), extra.randint(3, 6)))
            block += [(node, A, E["PolicyFramework"]),
                      (node, LABEL, _literal(f"{name}'s policy framework for addressing violence against women",
                                             lang="en")),
                      (node, E["policyFrameworkOf"], agency), (node, E["topic"], _id("topic/domestic-violence")),
                      (node, SOURCE, record)]
            for order, instrument in enumerate(chosen, 1):
                citation = _id(f"{framework}#citation-{order}")
                marker = f"({_ROMAN[order - 1]})"
                pertinent = (f"target-group/{extra.choice(_TARGET_GROUPS)}" if extra.random() < 0.3
                             else f"topic/{extra.choice(_TOPICS)}")
                block += [(node, E["groundedIn"], instrument), (node, E["hasInstrumentCitation"], citation),
                          (citation, A, E["InstrumentCitation"]),
                          (citation, LABEL, _literal(f"{name} policy framework, item {marker}", lang="en")),
                          (citation, E["citedInstrument"], instrument),
                          (citation, E["citationOrder"], _literal(str(order), datatype="integer")),
                          (citation, E["citationMarker"], _literal(marker)),
                          (citation, E["citedAs"], _literal(_sentence(extra, 6))),
                          (citation, E["pertinentTo"], _id(pertinent)), (citation, SOURCE, record)]
        yield block


def _funding(extra: random.Random, node: str, recipient: str, funder: str, funding_type: str,
             source: str, *, year: str) -> Block:
    """A qualified funding (an evaw:Funding as data/spotlight.ttl states the EU's): funder,
    recipient, kind, amount and ISO 4217 currency as written, qualifier, year, words, source."""
    amount, currency = extra.randint(1, 500) * 100_000, extra.choice(("USD", "EUR"))
    qualifier = extra.choice(_QUALIFIERS)
    words = f"{_QUALIFIER_WORDS[qualifier]} {amount:,} {currency}"
    return [(node, A, E["Funding"]),
            (node, LABEL, _literal(f"{funding_type.replace('-', ' ').capitalize()} of {amount:,} {currency} ({year})",
                                   lang="en")),
            (node, E["funder"], funder), (node, E["fundingRecipient"], recipient),
            (node, E["fundingType"], _id(f"funding-type/{funding_type}")),
            (node, E["amount"], _literal(str(amount), datatype="decimal")),
            (node, E["currency"], _literal(currency)), (node, E["qualifier"], _id(f"qualifier/{qualifier}")),
            (node, E["verbatimText"], _literal(words)), (node, DCT["date"], _literal(year, datatype="gYear")),
            (node, SOURCE, source)]


def _funding_blocks(extra: random.Random, scale: float, agencies: list[str], records: list[str],
                    instruments: list[str], funds: list[str]) -> Iterator[Block]:
    """Funds and initiatives, as data/organizations.ttl and data/spotlight.ttl have them: a
    handful growing with the size (3 + N/25k funds, 1 + N/25k initiatives). Funds cycle through
    trust fund (established by a resolution, managed by an agency), fund with an agency's
    secretariat, fund launched with an agency's help; most channel resources to civil society or
    a narrower group, every fifth to another group. Each initiative has a phase and a
    grant-making programme (part of the phase, or a programme of the initiative directly) set up
    with two funds, and 2 + N/40k qualified fundings from agencies and funds. Fills ``funds``."""
    groups = ("civil-society", *(slug for slug, _ in _NARROWER_GROUPS))
    for index in range(3 + int(scale / 25)):
        node, runner_index = _id(f"organization/fund-{index}"), extra.randrange(len(agencies))
        runner = agencies[runner_index]
        funds.append(node)
        group = extra.choice(groups) if index % 5 != 4 else extra.choice(("victims", "girls"))
        label = _literal(f"Fund {index}", lang="en")
        block = [(node, LABEL, label), (node, SKOS["prefLabel"], label),
                 (node, E["channelsResourcesTo"], _id(f"target-group/{group}")),
                 (node, E["topic"], _id(f"topic/{extra.choice(_TOPICS)}")),
                 (node, SOURCE, records[runner_index])]
        if index % 3 == 0:
            block += [(node, A, E["TrustFund"]), (node, E["managedBy"], runner),
                      (node, E["establishedBy"], extra.choice(instruments))]
        else:
            block += [(node, A, E["Fund"]),
                      (node, E["secretariatProvidedBy"] if index % 3 == 1 else E["launchedWithHelpOf"], runner)]
        yield block
    for index in range(1 + int(scale / 25)):
        node, name = _id(f"organization/initiative-{index}"), f"Initiative {index}"
        phase = _id(f"activity/initiative-{index}-phase-1")
        programme = _id(f"activity/initiative-{index}-grant-making")
        source = records[index % len(records)]
        label = _literal(name, lang="en")
        block = [(node, A, E["Initiative"]), (node, LABEL, label), (node, SKOS["prefLabel"], label),
                 (node, E["topic"], _id(f"topic/{extra.choice(_TOPICS)}")), (node, SOURCE, source),
                 (phase, A, E["InitiativePhase"]), (phase, LABEL, _literal(f"{name}, first phase", lang="en")),
                 (phase, E["phaseOf"], node), (phase, E["phaseNumber"], _literal("1", datatype="integer")),
                 (phase, E["activityType"], _id("activity-type/project")),
                 (phase, SOURCE, source),
                 (programme, A, E["GrantMakingProgramme"]),
                 (programme, LABEL, _literal(f"{name}'s civil society grant-making programme", lang="en")),
                 (programme, E["partOfActivity"] if index % 2 == 0 else E["programmeOf"],
                  phase if index % 2 == 0 else node),
                 (programme, E["channelsResourcesTo"], _id("target-group/civil-society")),
                 (programme, E["activityType"], _id("activity-type/project")),
                 (programme, SOURCE, source)]
        block += [(programme, E["establishedInCollaborationWith"], fund) for fund in extra.sample(funds, 2)]
        for number in range(2 + int(scale / 40)):
            funding = _id(f"organization/initiative-{index}#funding-{number}")
            funder = extra.choice(agencies) if number % 2 == 0 else extra.choice(funds)
            kind = "initial-investment" if number == 0 else "contribution"
            block.append((node, E["qualifiedFunding"], funding))
            block += _funding(extra, funding, node, funder, kind, source, year=str(2010 + number % 15))
        yield block


def _guid(rng: random.Random) -> str:
    digits = f"{rng.getrandbits(128):032X}"
    return "{" + "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:])) + "}"


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize()


def _activity(rng: random.Random, index: int, agencies, records, instruments, countries, cities,
              periods, extra: random.Random, funds: list[str]) -> Block:
    node = _id(f"activity/activity-{index}")
    lead_index = rng.randrange(len(agencies))
    lead = agencies[lead_index]
    record = records[lead_index]
    block = [(node, A, E["Measure"]), (node, LABEL, _literal(_sentence(rng, 5), lang="en")),
             (node, DCT["description"], _literal(_sentence(rng, 30), lang="en")),
             (node, PROV["wasAssociatedWith"], lead), (node, E["reportedBy"], lead)]
    period = rng.choice(periods)
    activity_type = rng.choice(_ACTIVITY_TYPES)
    block += [(node, E["reportingPeriod"], period),
             (node, E["activityType"], _id(f"activity-type/{activity_type}")),
             (node, E["pursuantTo"], rng.choice(instruments)), (node, SOURCE, record),
             (record, E["reportsMeasure"], node)]
    for topic in rng.sample(_TOPICS, rng.randint(1, 3)):
        block.append((node, E["topic"], _id(f"topic/{topic}")))
    groups = rng.sample(_TARGET_GROUPS, rng.randint(1, 2))
    for group in groups:
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
        # As data/activities.ttl states a count: what it counts (people trained on a training),
        # of which group, how the source qualifies it, in its words.
        count, people = f"_:c{index}", rng.randint(5, 500)
        kind = _KIND_OF_TYPE.get(activity_type, "people-targeted")
        qualifier, group = extra.choice(_QUALIFIERS), groups[0].replace("-", " ")
        words = f"{_QUALIFIER_WORDS[qualifier]} {people} {group} {_KIND_VERBS[kind]}"
        block += [(node, E["hasParticipationCount"], count), (count, A, E["ParticipationCount"]),
                  (count, E["count"], _literal(str(people), datatype="integer")),
                  (count, E["quantityKind"], _id(f"quantity-kind/{kind}")),
                  (count, E["targetGroup"], _id(f"target-group/{groups[0]}")),
                  (count, E["qualifier"], _id(f"qualifier/{qualifier}")),
                  (count, E["verbatimText"], _literal(words)),
                  (count, LABEL, _literal(f"{people} {group}, {kind.replace('-', ' ')} ({qualifier})", lang="en")),
                  (count, SOURCE, record)]
    if funds and extra.random() < 0.05:
        # A grant from a fund to the activity, a qualified funding as data/spotlight.ttl has.
        block += _funding(extra, _id(f"activity/activity-{index}#grant"), node, extra.choice(funds),
                          "grant", record, year=_year_of(period))
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
