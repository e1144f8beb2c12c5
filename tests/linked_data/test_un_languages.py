"""Names in the UN's languages come from UN sources and are cited; where none was found the page
says so rather than passing English off as another language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from evawkg.graph.store import data_file_graph

DATA = Path(__file__).resolve().parents[2] / "data"
BASE = "https://evawkg.example.org/"
UNODC = URIRef(BASE + "id/organization/unodc")
UNICEF = URIRef(BASE + "id/organization/unicef")
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, DCTERMS.title)

#: Cited pages whose address does not say their language; the page itself does (an aligned UN
#: document names its languages, a copy of a UN text is in one language). Each is read for these.
PAGE_LANGUAGES = {
    # The UN's English–Russian alignment of A/65/93 and English–Arabic alignment of A/69/17.
    "https://conferences2.unite.un.org/documentrepositoryindexer/MultiLanguageAlignment.bitext"
    "?DocumentID=ed598e36-e6dd-47c4-bf7b-d1a84df4c1c9&DocumentID=cd1725c2-6efd-410a-a4ec-b7a3c5f42ee5":
        {"ru"},
    "https://conferences2.unite.un.org/documentrepositoryindexer/MultiLanguageAlignment.bitext"
    "?DocumentID=51f1f8f0-b3c8-4e36-8929-bef7ff408f38&DocumentID=fad7b05d-097e-498e-bab5-f6c053b2e816":
        {"ar"},
    # Resolution 57/168 in Arabic (MultiUN, Arabic–German).
    "https://huggingface.co/datasets/Helsinki-NLP/multiun/viewer/ar-de/train?p=1650": {"ar"},
    # The UN's English–Russian alignment of ECOSOC resolution 2002/13, English–Chinese of A/S-30/4.
    "https://conferences2.unite.un.org/documentrepositoryindexer/MultiLanguageAlignment.bitext"
    "?DocumentID=dbebeeea-4019-4555-9ae4-080a2f1ab20c&DocumentID=32442c8d-d506-4edb-bdab-822021b07ba7":
        {"ru"},
    "https://conferences2.unite.un.org/documentrepositoryindexer/MultiLanguageAlignment.bitext"
    "?DocumentID=63ef8041-c138-4ff9-9d41-0d987cb8958b&DocumentID=6b7d76de-3a4e-4d9a-aac5-b02b268fd770":
        {"zh"},
    # UNODC's multilingual trafficking feed (a Russian item), UNFPA's Russian "about" page (archived),
    # UNFPA China's Chinese page under /en/.
    "http://www.unodc.org/unodc/en/human-trafficking/human-trafficking-feed.html?page=1": {"ru"},
    "https://web.archive.org/all/20050203041551/http:/www.unfpa.org/russian/about/index.htm": {"ru"},
    "https://china.unfpa.org/en/node/35024": {"zh"},
}

#: (resource, name, language) for names added from UN pages in Arabic, Chinese and Russian.
NEW_NAMES = [
    ("organization/unodc", "مكتب الأمم المتحدة المعني بالمخدرات والجريمة", "ar"),
    ("organization/un-women", "هيئة الأمم المتحدة للمرأة", "ar"),
    ("organization/unfpa", "صندوق الأمم المتحدة للسكان", "ar"),
    ("organization/unicef", "منظمة الأمم المتحدة للطفولة", "ar"),
    ("organization/unicef", "联合国儿童基金会", "zh"),
    ("organization/unicef", "Детский фонд ООН", "ru"),
    ("organization/who", "منظمة الصحة العالمية", "ar"),
    ("organization/united-nations", "Организация Объединенных Наций", "ru"),
    ("organization/united-nations", "الأمم المتحدة", "ar"),
    ("organization/united-nations", "联合国", "zh"),
    ("organization/general-assembly", "Генеральная Ассамблея", "ru"),
    ("organization/general-assembly", "الجمعية العامة", "ar"),
    ("organization/general-assembly", "大会", "zh"),
    ("instrument/untoc", "اتفاقية الأمم المتحدة لمكافحة الجريمة المنظمة عبر الوطنية", "ar"),
    ("instrument/tip-protocol", "بروتوكول منع وقمع ومعاقبة الاتجار بالأشخاص، ولا سيما النساء والأطفال", "ar"),
    ("organization/unodc", "联合国毒品和犯罪问题办公室", "zh"),
    ("organization/unfpa", "Фонд Организации Объединенных Наций в области народонаселения", "ru"),
    ("organization/unfpa", "联合国人口基金", "zh"),
    ("organization/unfpa", "Fonds des Nations unies pour la population", "fr"),
    ("organization/who", "Всемирная организация здравоохранения", "ru"),
    ("organization/general-assembly", "Assemblée générale", "fr"),
    ("organization/ecosoc", "Экономический и Социальный Совет", "ru"),
    ("organization/ecosoc", "المجلس الاقتصادي والاجتماعي", "ar"),
    ("organization/ecosoc", "Conseil économique et social des Nations Unies", "fr"),
    ("organization/ccpcj", "联合国预防犯罪和刑事司法委员会", "zh"),
]


def _labels_file() -> Graph:
    return data_file_graph(DATA / "labels-un-languages.ttl")


def _named(graph: Graph) -> set:
    datasets = set(graph.subjects(RDF.type, URIRef("https://evawkg.example.org/ontology#Dataset")))
    return {s for p in NAME_PROPERTIES for s in graph.subjects(p, None)} - datasets


def test_every_name_in_the_labels_file_cites_a_source_in_its_language():
    graph = _labels_file()
    named = _named(graph)
    assert UNODC in named
    for subject in named:
        languages = {o.language for p in NAME_PROPERTIES for o in graph.objects(subject, p)}
        sources = [str(s) for s in graph.objects(subject, DCTERMS.source)]
        assert "en" not in languages, f"{subject}: English names belong to the record's own file"
        for language in languages:
            assert any(f"/{language}/" in source or language in PAGE_LANGUAGES.get(source, ())
                       for source in sources), (subject, language, sources)


def test_every_cited_page_is_also_listed_on_the_dataset():
    graph = _labels_file()
    dataset = URIRef(BASE + "id/dataset/labels-un-languages")
    listed = set(graph.objects(dataset, DCTERMS.source))
    cited = {source for subject in _named(graph) for source in graph.objects(subject, DCTERMS.source)}
    assert cited and cited <= listed, cited - listed


@pytest.mark.parametrize(("path", "name", "language"), NEW_NAMES,
                         ids=[f"{path}@{language}" for path, _, language in NEW_NAMES])
def test_new_name_is_in_the_labels_file_with_its_language_and_a_source(path, name, language):
    graph = _labels_file()
    subject = URIRef(BASE + "id/" + path)
    names = {o for p in (RDFS.label, DCTERMS.title) for o in graph.objects(subject, p)}
    assert Literal(name, lang=language) in names
    assert set(graph.objects(subject, DCTERMS.source))


@pytest.mark.parametrize(("path", "name", "language"), NEW_NAMES,
                         ids=[f"{path}@{language}" for path, _, language in NEW_NAMES])
def test_new_name_is_served_in_the_resource_turtle(client, path, name, language):
    # The bundle loads the file: the name reaches the server, not only the file.
    body = client.get(f"/id/{path}", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    subject = URIRef(BASE + "id/" + path)
    served = Graph().parse(data=body, format="turtle")
    assert Literal(name, lang=language) in {o for p in (RDFS.label, DCTERMS.title)
                                            for o in served.objects(subject, p)}


def test_unodc_has_its_official_french_and_spanish_names_and_no_guessed_ones():
    graph = data_file_graph(DATA / "labels-un-languages.ttl")
    assert Literal("Office des Nations Unies contre la drogue et le crime", lang="fr") in set(
        graph.objects(UNODC, SKOS.prefLabel))
    assert Literal("ONUDC", lang="fr") in set(graph.objects(UNODC, SKOS.altLabel))
    assert Literal("Oficina de las Naciones Unidas contra la Droga y el Delito", lang="es") in set(
        graph.objects(UNODC, RDFS.label))
    assert Literal("مكتب الأمم المتحدة المعني بالمخدرات والجريمة", lang="ar") in set(
        graph.objects(UNODC, SKOS.prefLabel))
    languages = {o.language for p in NAME_PROPERTIES for o in graph.objects(UNODC, p)}
    assert languages == {"fr", "es", "ar", "zh", "ru"}
    # Russian: only the acronym was read in the nominative, so there is no Russian label.
    assert {o.language for p in (RDFS.label, SKOS.prefLabel) for o in graph.objects(UNODC, p)} == {
        "fr", "es", "ar", "zh"}
    assert Literal("УНП ООН", lang="ru") in set(graph.objects(UNODC, SKOS.altLabel))


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
    assert re.search(r'<h1 lang="fr" dir="auto">Office des Nations Unies contre la drogue et le crime</h1>', text)
    assert "missing-language" not in text


def test_resource_page_in_russian_says_no_russian_name_and_marks_the_english_one(client):
    text = client.get("/id/organization/unodc?lang=ru",
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    assert re.search(r'<h1 lang="en" dir="auto">United Nations Office on Drugs and Crime</h1>', text)
    assert "No Русский name is recorded for this resource" in text
    # A link whose label is a fallback says which language it is in.
    assert re.search(r'<a href="/id/organization/un-secretariat" lang="en" dir="auto">', text)


def test_countries_use_the_un_arabic_and_russian_names_and_cite_them():
    graph = Graph().parse(DATA / "countries.ttl")
    china, usa = URIRef(BASE + "id/country/CN"), URIRef(BASE + "id/country/US")
    bolivia = URIRef(BASE + "id/country/BO")
    arabic = {o for o in graph.objects(china, SKOS.prefLabel) if o.language == "ar"}
    assert arabic == {Literal("الصين", lang="ar")}  # pycountry's has a shadda: "الصّين"
    assert Literal("بوليفيا (دولة - المتعددة القوميات)", lang="ar") in set(
        graph.objects(bolivia, RDFS.label))
    assert {o for o in graph.objects(usa, SKOS.prefLabel) if o.language == "ru"} == {
        Literal("Соединенные Штаты Америки", lang="ru")}
    assert URIRef("https://uncitral.un.org/ru/node/3299") in set(graph.objects(usa, DCTERMS.source))
    assert URIRef("https://uncitral.un.org/ar/about/faq/mandate_composition/memberhistory") in set(
        graph.objects(china, DCTERMS.source))


def test_resource_page_in_russian_shows_the_russian_name_marked_russian(client):
    text = client.get("/id/organization/unicef?lang=ru",
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    assert re.search(r'<h1 lang="ru"[^>]*>Детский фонд ООН</h1>', text)
    assert "missing-language" not in text


def test_resource_page_in_arabic_shows_the_arabic_name_marked_arabic(client):
    text = client.get("/id/organization/unodc?lang=ar",
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    assert re.search(r'<h1 lang="ar"[^>]*>مكتب الأمم المتحدة المعني بالمخدرات والجريمة</h1>', text)
    assert "missing-language" not in text


def test_resource_page_in_chinese_shows_the_chinese_name_marked_chinese(client):
    text = client.get("/id/organization/unicef?lang=zh",
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    assert re.search(r'<h1 lang="zh"[^>]*>联合国儿童基金会</h1>', text)
