"""The IRIs this project mints and the prefixes it predeclares: the one place for both.

Base IRI (docs/architecture.md): ``https://evawkg.example.org/``, the *canonical* base the data
is written under. It is a placeholder under ``example.org`` (reserved by RFC 2606) because the
project owns no domain; the server publishes every IRI under its *public* base instead (the
``public_base`` setting, by default the server's own address) and maps between the two at its
edges (:mod:`evawkg.graph.public_base`, docs/linked-data.md).

* ontology: ``{BASE}ontology`` (document), terms ``{BASE}ontology#Term``;
* resources: ``{BASE}id/<kind>/<slug>``;
* named graphs: ``{BASE}graph/<name>``.
"""

from __future__ import annotations

import re

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, VOID, XSD

BASE = "https://evawkg.example.org/"
#: An absolute IRI: a scheme, a colon, and no character IRIs exclude (RFC 3987).
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")
ONTOLOGY_IRI = BASE + "ontology"
EVAW = Namespace(ONTOLOGY_IRI + "#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
SHAPES = Namespace(BASE + "shapes#")

ORG = Namespace("http://www.w3.org/ns/org#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SCHEMA = Namespace("https://schema.org/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
WD = Namespace("http://www.wikidata.org/entity/")
SDG = Namespace("http://metadata.un.org/sdg/")
LCC_CR = Namespace("https://www.omg.org/spec/LCC/Countries/CountryRepresentation/")
LCC_3166_1 = Namespace("https://www.omg.org/spec/LCC/Countries/ISO3166-1-CountryCodes/")
LCC_M49 = Namespace("https://www.omg.org/spec/LCC/Countries/UN-M49-RegionCodes/")

#: Every kind of resource under ``{BASE}id/`` (docs/architecture.md), each with its own prefix
#: ``<kind>:`` = ``{BASE}id/<kind>/``: ``country:TH``, ``organization:unodc``,
#: ``instrument:a-res-65-229``, ``topic:trafficking-in-persons``. ``id:country/TH`` is no legal
#: prefixed name (a local name holds no unescaped ``/``), so without these a query must write
#: ``id:country\/TH`` and Turtle is full of ``id:activity\/…``. The SKOS concept kinds are the
#: singular slugs of their schemes (``id:scheme/activity-types`` holds ``activity-type:…``).
ID_KINDS: tuple[str, ...] = (
    # resources
    "organization", "activity", "instrument", "publication", "mandate", "period", "place",
    "country", "region", "subdivision", "record", "citation", "dataset", "scheme",
    # concepts of the SKOS schemes
    "topic", "activity-type", "target-group", "role", "qualifier", "quantity-kind", "status",
    "area-of-focus", "approach", "outcome", "funding-type", "document-type", "publication-type",
    "activity-level", "measure-type", "indicator",
)

#: Prefixes predeclared for SPARQL queries and used when serialising (longest namespace wins, so
#: ``country:TH`` is written rather than ``id:country\/TH``; ``id:`` stays for older queries).
PREFIXES: dict[str, str] = {
    "evaw": str(EVAW),
    "id": str(ID),
    **{kind: f"{ID}{kind}/" for kind in ID_KINDS},
    "graph": str(GRAPH),
    "shapes": str(SHAPES),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "org": str(ORG),
    "prov": str(PROV),
    "time": str(TIME),
    "skos": str(SKOS),
    "vcard": str(VCARD),
    "schema": str(SCHEMA),
    "eli": str(ELI),
    "sh": str(SH),
    "void": str(VOID),
    "wd": str(WD),
    "sdg": str(SDG),
    "lcc-cr": str(LCC_CR),
    "lcc-3166-1": str(LCC_3166_1),
    "lcc-m49": str(LCC_M49),
}
