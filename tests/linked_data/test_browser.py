"""A real browser (Debian's chromium driven by Playwright) reads the pages: home → agency,
country, instrument, ontology term; screenshots go to test-artifacts/; and a crawl of every
internal link from the home page finds no error."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "linked_data"

@pytest.fixture(scope="module")
def page(browser, live_base):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="en-GB")
    outside: list[str] = []
    # Nothing may leave the machine: every script, style and font is ours.
    context.route("**/*", lambda route: route.continue_()
                  if urlsplit(route.request.url).hostname == "127.0.0.1"
                  else (outside.append(route.request.url), route.abort()))
    tab = context.new_page()
    tab.outside = outside
    yield tab
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_browser_follows_links_from_home_to_agency_country_instrument_and_term(page, live_base):
    page.goto(live_base + "/")
    assert "violence against women" in page.locator("h1").inner_text()
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
    shot(page, "home")

    page.get_by_role("link", name="UN entity").first.click()
    page.get_by_role("link", name="United Nations Office on Drugs and Crime").click()
    assert page.locator("h1").inner_text() == "United Nations Office on Drugs and Crime"
    assert page.locator(".timeline .bar").count() >= 5
    assert "Activities over time" in page.locator(".timeline h2").inner_text()
    # Each activity once: in the timeline, not again under "Linked from" for each way it links.
    assert page.locator("section.inbound").get_by_text("reported by").count() == 0
    assert page.locator("a[href='/id/activity/unodc-2009-10-expert-group-meeting-women-in-"
                        "detention']").count() == 1
    shot(page, "agency")

    page.locator(".timeline .bar-label", has_text="expert group meeting").first.click()
    assert "expert group meeting" in page.locator("h1").inner_text()
    page.locator("table.properties a", has_text="Thailand").first.click()
    assert page.locator("h1").inner_text() == "Thailand"
    path = page.locator(".region-path li").all_inner_texts()
    assert path == ["World", "Asia", "South-eastern Asia", "Thailand"]
    assert page.locator(".activities-here a").count() >= 1
    shot(page, "country")

    page.goto(live_base + "/index/evaw:LegalInstrument")
    page.get_by_role("link", name="General Assembly resolution 52/86").click()
    adoption = page.locator("h3", has_text="Adoption")
    assert adoption.count() == 1
    facts = page.locator("section.description").first.inner_text()
    assert "1997-12-12" in facts and "General Assembly" in facts
    assert page.locator("section.inbound").count() == 1
    shot(page, "instrument")

    page.locator("p.types a.type").first.click()
    assert page.url.endswith("/ontology#Resolution")
    term = page.locator("article.term#Resolution")
    assert term.is_visible()
    assert "resolution" in term.inner_text().lower() and "evaw:Resolution" in term.inner_text()
    shot(page, "ontology-term")
    assert page.outside == []


def test_browser_shows_labels_in_the_chosen_language(page, live_base):
    page.goto(live_base + "/id/country/TH")
    page.get_by_role("link", name="中文").click()
    assert page.locator("h1").inner_text() == "泰国"
    # The interface is English; each name is marked with its own language.
    assert page.locator("h1").get_attribute("lang") == "zh"
    shot(page, "country-zh")


@pytest.mark.parametrize(("language", "link", "name"), [
    ("fr", "Français", "Office des Nations Unies contre la drogue et le crime"),
    ("ar", "العربية", "مكتب الأمم المتحدة المعني بالمخدرات والجريمة"),
])
def test_browser_shows_the_agency_by_its_un_name_in_french_and_arabic(page, live_base, language,
                                                                      link, name):
    # The names come from UN pages in each language (data/labels-un-languages.ttl).
    page.goto(live_base + "/id/organization/unodc")
    page.get_by_role("link", name=link).click()
    assert page.locator("h1").inner_text() == name
    assert page.locator("h1").get_attribute("lang") == language
    assert page.locator(".missing-language").count() == 0
    shot(page, f"agency-{language}")


DATA_SUFFIXES = (".ttl", ".jsonld", ".nt", ".rdf", ".trig", ".nq")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value and tag in ("a", "link", "script", "img"):
                self.links.append(value)


def test_crawl_of_every_internal_link_finds_no_error(live_base):
    seen: set[str] = set()
    queue = deque([live_base + "/"])
    failures: list[str] = []
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        request = urllib.request.Request(url, headers={"Accept": "text/html"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                kind = response.headers.get_content_type()
                body = response.read()
        except urllib.error.HTTPError as error:
            failures.append(f"{error.code} {url}")
            continue
        if kind != "text/html" or "/dumps/" in url and not url.endswith("/dumps/"):
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        for link in parser.links:
            target = urldefrag(urljoin(url, link))[0]
            # Data representations (.ttl, .jsonld…) are checked by the negotiation tests.
            if (target.startswith(live_base) and "/sparql" not in target and "?" not in target
                    and not target.endswith(DATA_SUFFIXES)):
                queue.append(target)
    assert not failures, failures
    assert len(seen) > 500
