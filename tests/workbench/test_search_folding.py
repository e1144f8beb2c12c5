"""Search ignores case and accents in every language: "thailande" finds "Thaïlande", "ONUDC" and
"onudc" find UNODC by its French name, Cyrillic and Arabic fold the same way."""

from __future__ import annotations

import pytest

from evawkg.workbench.search import fold, match_kind

TH = "https://evawkg.example.org/id/country/TH"
UNODC = "https://evawkg.example.org/id/organization/unodc"


@pytest.mark.parametrize(("text", "folded"), [
    ("Thaïlande", "thailande"), ("THAÏLANDE", "thailande"), ("Côte d’Ivoire", "cote d’ivoire"),
    ("Ёлка", "елка"), ("Straße", "strasse"), ("Øresund", "oresund"), ("ﬁn", "fin"),
    ("أفغانستان", "افغانستان"), ("泰国", "泰国"), ("Thai\u0308lande", "thailande"),
])
def test_fold_drops_case_and_marks_in_every_script(text, folded):
    assert fold(text) == folded


def test_match_kind_ignores_accents_on_both_sides():
    assert match_kind("Thaïlande", "thailande") == "exact"
    assert match_kind("Thailande", "Thaïlande") == "exact"
    assert match_kind("Office des Nations Unies contre la drogue et le crime", "OFFICE DES NATIONS") == "prefix"


@pytest.mark.parametrize("q", ["Thaïlande", "thailande", "THAILANDE", "Thailande"])
def test_get_search_finds_thailand_by_its_french_name_whatever_the_accents(client, q):
    hits = client.get("/search", query_string={"q": q, "lang": "fr"}).get_json()["hits"]
    assert hits and hits[0]["iri"] == TH and hits[0]["language"] == "fr"
    assert hits[0]["label"] == "Thaïlande"


@pytest.mark.parametrize("q", ["таиланд", "ТАИЛАНД", "تايلاند", "泰国"])
def test_get_search_finds_thailand_in_russian_arabic_and_chinese(client, q):
    hits = client.get("/search", query_string={"q": q}).get_json()["hits"]
    assert hits and hits[0]["iri"] == TH


@pytest.mark.parametrize("q", ["ONUDC", "onudc", "Onudc"])
def test_get_search_finds_unodc_by_its_french_acronym(client, q):
    hits = client.get("/search", query_string={"q": q, "lang": "fr"}).get_json()["hits"]
    assert [hit["iri"] for hit in hits].count(UNODC) == 1
    assert hits[0]["iri"] == UNODC and hits[0]["language"] == "fr"
    assert hits[0]["label"] == "Office des Nations Unies contre la drogue et le crime"


def test_get_search_html_page_lists_the_hit_once(client):
    page = client.get("/search?q=thailande", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert page.count('class="wb-hit" href="/id/country/TH"') == 1


# --- names in Arabic, Chinese and Russian from UN pages (data/labels-un-languages.ttl) ----------

ORG = "https://evawkg.example.org/id/organization/"
INSTRUMENT = "https://evawkg.example.org/id/instrument/"


@pytest.mark.parametrize(("q", "iri"), [
    # Russian, whatever the case: Cyrillic folds like Latin.
    ("Детский фонд ООН", ORG + "unicef"), ("детский фонд оон", ORG + "unicef"),
    ("ДЕТСКИЙ ФОНД ООН", ORG + "unicef"), ("юнисеф", ORG + "unicef"),
    ("Генеральная Ассамблея", ORG + "general-assembly"),
    # Arabic as written, without its hamza seats, and with vowel marks added.
    ("مكتب الأمم المتحدة المعني بالمخدرات والجريمة", ORG + "unodc"),
    ("مكتب الامم المتحدة المعني بالمخدرات", ORG + "unodc"),
    ("مُنَظَّمَةُ الصِّحَّةِ العَالَمِيَّةِ", ORG + "who"),
    ("هيئة الامم المتحدة للمراة", ORG + "un-women"),
    ("صندوق الأمم المتحدة للسكان", ORG + "unfpa"),
    ("اتفاقية الأمم المتحدة لمكافحة الجريمة المنظمة", INSTRUMENT + "untoc"),
    # Chinese.
    ("联合国儿童基金会", ORG + "unicef"), ("儿基会", ORG + "unicef"),
    ("联合国毒品和犯罪问题办公室", ORG + "unodc"), ("унп оон", ORG + "unodc"),
    ("всемирная организация здравоохранения", ORG + "who"),
    ("ЭКОНОМИЧЕСКИЙ И СОЦИАЛЬНЫЙ СОВЕТ", ORG + "ecosoc"),
])
def test_get_search_finds_the_un_name_in_arabic_chinese_and_russian(client, q, iri):
    hits = client.get("/search", query_string={"q": q, "limit": 100}).get_json()["hits"]
    assert hits and hits[0]["iri"] == iri, [hit["iri"] for hit in hits[:3]]
    assert [hit["iri"] for hit in hits].count(iri) == 1


def test_fold_removes_arabic_vowel_marks_and_hamza_seats_and_cyrillic_case():
    assert fold("مُنَظَّمَةُ الصِّحَّةِ") == fold("منظمة الصحة")
    assert fold("الأمم") == fold("الامم")
    assert fold("ДЕТСКИЙ ФОНД") == "детский фонд"


def test_get_search_in_russian_labels_the_hit_in_russian(client):
    hits = client.get("/search", query_string={"q": "юнисеф", "lang": "ru"}).get_json()["hits"]
    assert hits[0]["iri"] == ORG + "unicef"
    assert hits[0]["label"] == "Детский фонд ООН"
