"""Names in the UN's languages come from UN sources and are cited; where none was found the page
says so rather than passing English off as another language."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from evawkg.graph.store import data_file_graph

DATA = Path(__file__).resolve().parents[2] / "data"
BASE = "https://evawkg.example.org/"
UNODC = URIRef(BASE + "id/organization/unodc")
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)


def test_every_name_in_the_labels_file_cites_a_source_in_its_language():
    graph = data_file_graph(DATA / "labels-un-languages.ttl")
    datasets = set(graph.subjects(RDF.type, URIRef("https://evawkg.example.org/ontology#Dataset")))
    named = {s for p in NAME_PROPERTIES for s in graph.subjects(p, None)} - datasets
    assert UNODC in named
    for subject in named:
        languages = {o.language for p in NAME_PROPERTIES for o in graph.objects(subject, p)}
        sources = [str(s) for s in graph.objects(subject, DCTERMS.source)]
        assert "en" not in languages, f"{subject}: English names belong to the record's own file"
        for language in languages:
            assert any(f"/{language}/" in source for source in sources), (subject, language, sources)


def test_unodc_has_its_official_french_and_spanish_names_and_no_guessed_ones():
    graph = data_file_graph(DATA / "labels-un-languages.ttl")
    assert Literal("Office des Nations Unies contre la drogue et le crime", lang="fr") in set(
        graph.objects(UNODC, SKOS.prefLabel))
    assert Literal("ONUDC", lang="fr") in set(graph.objects(UNODC, SKOS.altLabel))
    assert Literal("Oficina de las Naciones Unidas contra la Droga y el Delito", lang="es") in set(
        graph.objects(UNODC, RDFS.label))
    languages = {o.language for p in NAME_PROPERTIES for o in graph.objects(UNODC, p)}
    assert languages == {"fr", "es"}


def test_countries_use_the_un_names_where_a_un_source_gives_them():
    graph = Graph().parse(DATA / "countries.ttl")
    venezuela = URIRef(BASE + "id/country/VE")
    assert set(graph.objects(venezuela, SKOS.prefLabel)) >= {
        Literal("Venezuela (República Bolivariana de)", lang="es")}
    assert Literal("Venezuela, República Bolivariana de", lang="es") not in set(
        graph.objects(venezuela, RDFS.label))
    assert URIRef("https://www.un.org/dgacm/es/content/regional-groups") in set(
        graph.objects(venezuela, DCTERMS.source))
    moldova = URIRef(BASE + "id/country/MD")
    assert Literal("République de Moldova", lang="fr") in set(graph.objects(moldova, RDFS.label))
    assert len([o for o in graph.objects(moldova, SKOS.prefLabel) if o.language == "fr"]) == 1


def test_resource_page_in_french_shows_the_french_name_marked_french(client):
    page = client.get("/id/organization/unodc?lang=fr", headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    assert re.search(r'<h1 lang="fr">Office des Nations Unies contre la drogue et le crime</h1>', text)
    assert "missing-language" not in text


def test_resource_page_in_russian_says_no_russian_name_and_marks_the_english_one(client):
    text = client.get("/id/organization/unodc?lang=ru",
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    assert re.search(r'<h1 lang="en">United Nations Office on Drugs and Crime</h1>', text)
    assert "No Русский name is recorded for this resource" in text
    # A link whose label is a fallback says which language it is in.
    assert re.search(r'<a href="/id/organization/un-secretariat" lang="en">', text)
