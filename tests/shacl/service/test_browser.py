"""The upload form in a real browser (Debian chromium driven by Playwright): choose a file,
submit, read the report, follow its link to the shape's documentation."""

from __future__ import annotations

import pytest

from .conftest import FIXTURES, upload_of


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def test_upload_form_in_chromium_shows_the_report_and_links_the_shape(server, page, tmp_path):
    upload = tmp_path / "my-data.ttl"
    upload.write_bytes(upload_of(FIXTURES / "activity-label-missing.ttl"))
    page.goto(f"{server}/validate")
    assert page.title().startswith("Validate RDF")
    page.set_input_files("input#file", str(upload))
    page.check('input[name="shapes"][value="ActivityShape"]')
    page.click("button[type=submit]")
    page.wait_for_selector("#verdict")
    assert "does not conform" in page.inner_text("#verdict")
    section = page.locator('section[data-shape="shapes:Activity-label"]')
    assert "Give the activity an English rdfs:label" in section.inner_text()
    assert "activity:test" in section.inner_text()
    section.locator('a[href="/shapes#Activity-label"]').click()
    page.wait_for_url("**/shapes#Activity-label")
    row = page.locator("tr#Activity-label")
    assert row.is_visible() and "Violation" in row.inner_text()


def test_upload_form_in_chromium_reports_an_unparsable_file(server, page, tmp_path):
    upload = tmp_path / "broken.ttl"
    upload.write_bytes(b"@prefix ex: <http://e.org/> .\nex:a ex:b .\n")
    page.goto(f"{server}/validate")
    page.set_input_files("input#file", str(upload))
    page.click("button[type=submit]")
    page.wait_for_load_state()
    text = page.inner_text("body")
    assert "400" in text and "broken.ttl:2" in text
