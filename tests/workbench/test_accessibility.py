"""Every page type passes axe-core's WCAG 2.1 A and AA rules and works with the keyboard alone,
in Debian's chromium (Playwright) against a live server: home, a resource, the class index and
a class's index, the ontology, the shapes, the query editor, the named queries and one of them,
the validation form and a report, and search. Each is checked, and photographed into
test-artifacts/accessibility/, in English and in French.

axe-core is vendored in tests/vendor/axe-core (tests/vendor/vendor.sh fetches it from npm and
checks its integrity) and run in the page by ``page.evaluate``, which the pages'
Content-Security-Policy does not govern, so the policy stays as strict as it is served.
"""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "accessibility"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: (name, path): one of each page type.
PAGES = [
    ("home", "/"),
    ("resource", "/id/organization/unodc"),
    ("class-index", "/index/"),
    ("instances", "/index/evaw:Country"),
    ("ontology", "/ontology"),
    ("shapes", "/shapes"),
    ("sparql", "/sparql"),
    ("queries", "/queries"),
    ("named-query", "/queries/agency-activities"),
    ("validate", "/validate"),
    ("search", "/search?q=thailande"),
]
LANGUAGES = ["en", "fr"]

RUN_AXE = """async tags => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({rule: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + (n.failureSummary || ''))}));
}"""

UPLOAD = ("@prefix evaw: <https://evawkg.example.org/ontology#> .\n"
          "<https://example.org/activity/1> a evaw:Activity .\n")


def _with_language(path: str, language: str) -> str:
    return path + ("&" if "?" in path else "?") + "lang=" + language


def _open(page, path: str) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    if path.startswith("/sparql"):
        page.wait_for_selector(".yasqe .CodeMirror [contenteditable]")


def _validation_report(page, tmp_path: Path, language: str) -> None:
    data = tmp_path / "upload.ttl"
    data.write_text(UPLOAD, encoding="utf-8")
    _open(page, _with_language("/validate", language))
    page.set_input_files("#file", str(data))
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Validation report" in page.title()


def _axe_violations(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(RUN_AXE, WCAG_21_AA)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "path"), PAGES, ids=[name for name, _ in PAGES])
def test_page_passes_axe_wcag_21_aa(page, name, path, language):
    _open(page, _with_language(path, language))
    assert _axe_violations(page) == []
    _shot(page, f"{name}-{language}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_validation_report_passes_axe_wcag_21_aa(page, tmp_path, language):
    _validation_report(page, tmp_path, language)
    assert page.locator("section.shape").count() >= 1, "the report should show a failing shape"
    assert _axe_violations(page) == []
    _shot(page, f"validation-report-{language}")


def test_resource_page_in_arabic_passes_axe(page):
    _open(page, "/id/country/TH?lang=ar")
    assert page.locator("h1").get_attribute("lang") == "ar"
    assert _axe_violations(page) == []
    _shot(page, "resource-ar")


# -- the keyboard alone ---------------------------------------------------------------------------

#: For each page, the controls Tab must reach (CSS selectors), in no particular order.
CONTROLS = {
    "/": ["a.skip-link", "#site-search-q", "#home-search", "ul.cards a", "nav.languages a"],
    "/id/organization/unodc": ["a.skip-link", ".timeline a.bar-label", "table.properties a",
                               "details > summary", ".formats a"],
    "/index/": ["a.skip-link", "table.listing a[href^='/index/evaw:']"],
    "/index/evaw:Country": ["a.skip-link", "ul.listing a[href^='/id/country/']"],
    "/ontology": ["a.skip-link", ".toc a[href^='#']", "article.term a"],
    "/shapes": ["a.skip-link", "a[href='/shapes?format=turtle']", "main nav a[href^='#']"],
    "/sparql": ["a.skip-link", "#wb-example", ".CodeMirror [contenteditable]",
                ".yasqe_queryButton"],
    "/queries": ["a.skip-link", ".wb-queries h2 a"],
    "/queries/agency-activities": ["a.skip-link", "#param-agency", "#param-from",
                                   "form.wb-params-form button[type=submit]", "table.wb-results a"],
    "/validate": ["a.skip-link", "#file", "#inference", "#report-format",
                  "input[name=shapes]", "form button[type=submit]"],
    "/search?q=thailande": ["a.skip-link", "main input[type=search]", "a.wb-hit"],
}

MATCHING = """selectors => selectors.filter(s => document.activeElement
    && document.activeElement !== document.body && document.activeElement.matches(s))"""
# Month and date fields take the focus in their own parts too (the calendar button), which the
# browser draws focused itself: the page's outline shows on the field's other stops.
FOCUS_SHOWN = """() => { const e = document.activeElement; const s = getComputedStyle(e);
    if (e.matches('input[type=month], input[type=date]')) return true;
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; }"""


def _tab_until_reached(page, selectors: list[str], most: int = 400) -> tuple[set[str], bool]:
    """Press Tab (at most ``most`` times) until every selector has had the focus; the selectors
    reached, and whether every focused control showed a visible focus indicator."""
    reached: set[str] = set()
    always_shown = True
    unseen: list[str] = []
    for _ in range(most):
        page.keyboard.press("Tab")
        matched = page.evaluate(MATCHING, selectors)
        if matched and not page.evaluate(FOCUS_SHOWN):
            always_shown = False
            unseen.extend(matched)
        reached.update(matched)
        if reached == set(selectors):
            break
    assert always_shown, f"focused without a visible focus indicator: {unseen}"
    return reached, always_shown


def _from_the_top(page) -> None:
    """Focus back at the start of the page (the editor and the search page focus their main
    field when they open, so Tab would start from there)."""
    page.evaluate("""() => { const start = document.createElement('span'); start.tabIndex = -1;
        document.body.prepend(start); start.focus(); }""")


@pytest.mark.parametrize("path", list(CONTROLS))
def test_tab_alone_reaches_every_main_control_with_a_visible_focus(page, path):
    _open(page, path)
    _from_the_top(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main" or page.url.endswith("#main")
    _open(page, path)
    _from_the_top(page)
    reached, shown = _tab_until_reached(page, CONTROLS[path])
    assert reached == set(CONTROLS[path]), f"not reached by Tab: {set(CONTROLS[path]) - reached}"
    assert shown, "a control took the focus without a visible focus indicator"


def test_keyboard_runs_a_query_in_the_editor(page):
    _open(page, "/sparql")
    _tab_until_reached(page, [".CodeMirror [contenteditable]"])
    page.keyboard.press("Control+Enter")
    rows = page.locator(".tabPanel.active .yasr table tbody tr")
    rows.first.wait_for(timeout=20000)
    assert rows.count() > 0
    # Tab leaves the editor: the next stop is the run button, not an indentation.
    before = page.evaluate("window.evawkgYasgui.getTab().getQuery()")
    _tab_until_reached(page, [".yasqe_queryButton"], most=10)
    assert page.evaluate("window.evawkgYasgui.getTab().getQuery()") == before


def test_keyboard_changes_a_named_query_parameter_and_reruns_it(page):
    _open(page, "/queries/agency-activities")
    _tab_until_reached(page, ["#param-agency"])
    page.keyboard.press("Control+a")
    page.keyboard.type("id:organization/un-women")
    page.keyboard.press("Enter")
    page.wait_for_url("**/queries/agency-activities?agency=id%3Aorganization%2Fun-women*")
    assert page.input_value("#param-agency") == "id:organization/un-women"


def test_keyboard_opens_a_folded_list_and_searches_from_the_navigation_bar(page):
    _open(page, "/id/organization/unodc")
    _tab_until_reached(page, ["details > summary"])
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.parentElement.open") is True
    _open(page, "/")
    _tab_until_reached(page, ["#site-search-q"])
    page.keyboard.type("Thaïlande")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=Tha*")
    assert page.locator("a.wb-hit").first.inner_text() == "Thailand"
