"""The workbench in a real browser (Debian chromium driven by Playwright) against a live
server: the editor runs a named example and downloads CSV, a share link reopens a query, the
editor suggests resources, a named query page reruns with a changed parameter, and a search
from the home page lands on a resource. The ``page`` fixture fails any test whose page asked
anything of a server other than ours."""

from __future__ import annotations

import csv

ACTIVE = ".tabPanel.active"


def _open_editor(page):
    page.goto("/sparql")
    page.wait_for_selector(f"{ACTIVE} .yasqe .CodeMirror")


def test_editor_opens_with_prefixes_and_offers_every_named_query(page, named_queries):
    _open_editor(page)
    text = page.evaluate("window.evawkgYasgui.getTab().getQuery()")
    assert "PREFIX evaw: <https://evawkg.example.org/ontology#>" in text
    offered = page.eval_on_selector_all("#wb-example option", "os => os.map(o => o.value)")
    assert sorted(filter(None, offered)) == sorted(named_queries)


def _editor_text_once_it_holds(page, expected: str, seconds: float = 10.0) -> str:
    """The editor's text once it holds ``expected``, or as it is after ``seconds``.

    Polled from here: Playwright's ``wait_for_function`` polls by evaluating its text in the
    page, which the page's CSP forbids ('unsafe-eval'), so it fails whenever its first check is
    false (on a busy machine, the change lands a moment after the key)."""
    text = ""
    for _ in range(int(seconds * 10)):
        text = page.evaluate("window.evawkgYasgui.getTab().getQuery()")
        if expected in text:
            break
        page.wait_for_timeout(100)
    return text


def test_editor_runs_named_example_shows_rows_and_downloads_csv(page, named_queries):
    _open_editor(page)
    page.select_option("#wb-example", "agency-mandate")
    assert "VALUES (?agency)" in _editor_text_once_it_holds(page, "VALUES (?agency)")
    page.locator(f"{ACTIVE} .yasqe_queryButton").click()
    rows = page.locator(f"{ACTIVE} .yasr table tbody tr")
    rows.first.wait_for(timeout=20000)
    assert rows.count() >= 5
    assert "UNODC" in page.locator(f"{ACTIVE} .yasr table").inner_text() or \
        "unodc" in page.locator(f"{ACTIVE} .yasr table").inner_text()
    with page.expect_download() as download:
        page.locator(f"{ACTIVE} .yasr_downloadIcon").click()
    with open(download.value.path(), newline="", encoding="utf-8") as stream:
        table = list(csv.reader(stream))
    assert "agency" in table[0] and len(table) - 1 == rows.count()


def test_editor_share_link_reopens_the_same_query(page, browser, live_server):
    _open_editor(page)
    query = "SELECT ?country WHERE { ?country evaw:iso3166Alpha2 \"NA\" }"
    page.evaluate("q => { window.evawkgYasgui.getTab().setQuery(q); }", query)
    link = page.evaluate("Yasgui.linkUtils.createShareLink(location.href.split('#')[0], "
                         "window.evawkgYasgui.getTab())")
    assert link.startswith(live_server + "/sparql#") and "query=" in link
    fresh = browser.new_context()
    try:
        reopened = fresh.new_page()
        reopened.goto(link)
        reopened.wait_for_selector(f"{ACTIVE} .yasqe .CodeMirror")
        assert reopened.evaluate("window.evawkgYasgui.getTab().getQuery()") == query
    finally:
        fresh.close()


def test_editor_suggests_resources_from_search_while_typing(page):
    _open_editor(page)
    page.evaluate("""() => { const yasqe = window.evawkgYasgui.getTab().getYasqe();
        yasqe.setValue('SELECT * WHERE { ?s ?p  }'); yasqe.focus();
        yasqe.getDoc().setCursor({line: 0, ch: 23}); }""")
    # Each key from the third asks /search again: wait for the answer to the whole word, so the
    # hint list Enter picks from is the last one shown, not one a late answer replaces.
    with page.expect_response(lambda response: "/search" in response.url
                              and "q=Namib" in response.url, timeout=10000):
        page.keyboard.type("Namib", delay=60)
    hints = page.locator(".CodeMirror-hints li")
    hints.filter(has_text="Namibia").first.wait_for(timeout=10000)
    assert "Namibia" in hints.first.inner_text()
    page.keyboard.press("Enter")
    # Each kind has its own prefix, so the suggestion is a prefixed name, not a full IRI. The pick
    # lands in the editor a moment after the key on a busy machine: wait for it, then check it.
    assert "country:NA" in _editor_text_once_it_holds(page, "country:NA")


def test_named_query_page_rerun_with_changed_parameter_shows_new_answer(page):
    page.goto("/queries/activities-in-period")
    before = int(page.locator("#row-count").inner_text())
    first_before = page.locator("table.wb-results tbody tr").first.inner_text()
    assert before > 0 and "2010-01" in first_before
    page.fill("#param-from", "2009-01")
    page.fill("#param-to", "2009-12")
    page.click("form.wb-params-form button[type=submit]")
    page.wait_for_url("**/queries/activities-in-period?from=2009-01&to=2009-12")
    rows = page.locator("table.wb-results tbody tr")
    assert int(page.locator("#row-count").inner_text()) == rows.count() > 0
    assert "2009-01" in rows.first.inner_text() and rows.first.inner_text() != first_before
    assert page.input_value("#param-from") == "2009-01"


def test_search_from_home_page_lands_on_the_resource(page):
    page.goto("/")
    page.fill("#home-search", "Namibia")
    page.press("#home-search", "Enter")
    page.wait_for_url("**/search?q=Namibia")
    page.locator("a.wb-hit").first.click()
    page.wait_for_url("**/id/country/NA")
    assert "Namibia" in page.locator("h1").first.inner_text()
