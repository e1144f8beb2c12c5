"""The IRIs this project mints and the prefixes it predeclares: the one place for both.

Base IRI (documented in docs/iris.md): ``https://evawkg.example.org/``. It is a placeholder under
``example.org`` (reserved by RFC 2606) because the project owns no domain yet; the server maps
any base IRI it is configured with onto its own paths, so changing it later is a setting.

* ontology: ``{BASE}ontology`` (document), terms ``{BASE}ontology#Term``;
* resources: ``{BASE}id/<kind>/<slug>``;
* named graphs: ``{BASE}graph/<name>``.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, VOID, XSD

BASE = "https://evawkg.example.org/"
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

#: Prefixes predeclared for SPARQL queries and used when serialising.
PREFIXES: dict[str, str] = {
    "evaw": str(EVAW),
    "id": str(ID),
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
