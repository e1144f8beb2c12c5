"""The pages under their Content-Security-Policy in a real browser (Debian chromium): the query
editor, the home page's search, a resource page's timeline and the validation form and report
work, and the browser reports no violation of the policy (web.security_headers)."""

from __future__ import annotations

import pytest

ACTIVE = ".tabPanel.active"
#: Every violation the page sees is logged to the console with this marker.
REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', e => console.error(
    'CSP-VIOLATION ' + e.violatedDirective + ' ' + e.blockedURI + ' at ' + e.sourceFile + ':'
    + e.lineNumber));"""


@pytest.fixture()
def violations(page) -> list[str]:
    """What the browser refused under the policy, on every page ``page`` opens."""
    found: list[str] = []
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: found.append(message.text)
            if "CSP-VIOLATION" in message.text or "Content Security Policy" in message.text
            else None)
    return found


def open_page(page, path: str) -> None:
    response = page.goto(path)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")


def test_query_editor_runs_resizes_and_downloads_under_the_policy(page, violations):
    open_page(page, "/sparql")
    page.wait_for_selector(f"{ACTIVE} .yasqe .CodeMirror")
    page.locator(f"{ACTIVE} .yasqe_queryButton").click()
    rows = page.locator(f"{ACTIVE} .yasr table tbody tr")
    rows.first.wait_for(timeout=20000)
    assert rows.count() > 0
    # The column resizer injects its table style, and a cursor style while dragging.
    handle = page.locator(f"{ACTIVE} .grip-handle").nth(1)
    box = handle.bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + 5, steps=4)
    page.mouse.up()
    assert page.evaluate("getComputedStyle(document.querySelector("
                         "'.tabPanel.active .yasr table')).tableLayout") == "fixed"
    with page.expect_download() as download:
        page.locator(f"{ACTIVE} .yasr_downloadIcon").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert violations == []


def test_home_search_and_resource_timeline_under_the_policy(page, violations):
    open_page(page, "/")
    page.fill("#home-search", "Namibia")
    page.press("#home-search", "Enter")
    page.wait_for_url("**/search?q=Namibia")
    assert page.locator("a.wb-hit").count() > 0
    open_page(page, "/id/organization/unodc")
    bars = page.locator(".timeline .bar")
    assert bars.count() > 0
    # The timeline places its bars with style attributes: allowed, so they have a width.
    assert bars.first.bounding_box()["width"] > 0
    assert violations == []


def test_validation_form_and_report_under_the_policy(page, violations, tmp_path):
    data = tmp_path / "upload.ttl"
    data.write_text("<https://example.org/a> <https://example.org/p> 1 .\n", encoding="utf-8")
    open_page(page, "/validate")
    # The layout's own <style> element is allowed by its hash: the page is styled.
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "960px"
    page.set_input_files("#file", str(data))
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Validation report" in page.title()
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "960px"
    assert violations == []
