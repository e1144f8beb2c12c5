"""The hygiene headers (web.security_headers): every HTML page type carries the
Content-Security-Policy, X-Frame-Options, Referrer-Policy and nosniff; every other answer
carries nosniff. Over the real bundle, so every page type has content to show."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evawkg.settings import Settings
from evawkg.web import create_app
from evawkg.web.security_headers import (YASGUI_STYLE_HASHES, content_security_policy,
                                         style_hash)

YASGUI_BUNDLE = (Path(__file__).resolve().parents[2] / "src" / "evawkg" / "static" / "vendor"
                 / "yasgui" / "yasgui.min.js")


@pytest.fixture(scope="module")
def bundle_app():
    application = create_app(Settings(max_concurrent_queries=2, queue_wait=10.0, gzip_level=0))
    service = application.extensions["evawkg"].service
    service.wait_ready(120)
    yield application
    service.close()
    application.extensions["evawkg.validation"].close()


@pytest.fixture()
def client(bundle_app):
    return bundle_app.test_client()


def html_pages(app) -> list[str]:
    name = sorted(app.extensions["evawkg.named_queries"])[0]
    return ["/", "/id/country/TH", "/id/organization/unodc", "/index/", "/ontology", "/shapes",
            "/sparql", "/queries", f"/queries/{name}", "/validate", "/search?q=x", "/api",
            "/dumps/", "/id/no-such-thing"]


def test_every_html_page_type_carries_the_policy_headers(client, bundle_app):
    policy = content_security_policy()
    for path in html_pages(bundle_app):
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.mimetype == "text/html", path
        assert response.status_code in (200, 404), (path, response.status_code)
        headers = response.headers
        assert headers["Content-Security-Policy"] == policy, path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert headers["X-Content-Type-Options"] == "nosniff", path


def test_html_error_page_and_post_answer_carry_the_policy_headers(client):
    triples = b"<https://e.org/a> <https://e.org/b> <https://e.org/c> ."
    response = client.post("/validate", data=triples, headers={
        "Content-Type": "text/turtle", "Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    response = client.get("/queries/no-such-query", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(("path", "accept"), [
    ("/healthz", "*/*"),
    ("/sparql?query=ASK%7B%7D", "text/csv"),
    ("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
    ("/id/country/TH", "text/turtle"),
    ("/assets/style.css", "*/*"),
    ("/assets/vendor/yasgui/yasgui.min.js", "*/*"),
    ("/openapi.json", "*/*"),
    ("/no/such/page", "application/json"),
])
def test_every_other_answer_carries_nosniff(client, path, accept):
    response = client.get(path, headers={"Accept": accept})
    response.close()  # a static file's answer holds the file open
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    if response.mimetype != "text/html":
        assert "Content-Security-Policy" not in response.headers


def test_policy_allows_only_own_assets_and_no_inline_script():
    directives = dict(part.split(" ", 1) for part in content_security_policy().split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["style-src-attr"] == "'unsafe-inline'"
    assert "unsafe" not in directives["style-src"] and "unsafe-eval" not in content_security_policy()
    assert all(source == "'self'" or source.startswith("'sha256-")
               for source in directives["style-src"].split())
    assert "*" not in content_security_policy() and "http" not in content_security_policy()


def test_yasgui_style_hashes_match_the_vendored_bundle():
    """The two <style> texts YASGUI's column resizer injects, read from the bundle: a YASGUI
    update that changes them must update YASGUI_STYLE_HASHES (the browser test shows why)."""
    bundle = YASGUI_BUNDLE.read_text(encoding="utf-8")
    table_styles = re.findall(r"createStyle\(\w,`([^`]*)`\)", bundle)
    drag_cursor = re.findall(r"dragCursor:`([^`]*)`", bundle)
    assert len(table_styles) == 1 and drag_cursor == ["col-resize"]
    assert "createStyle(document.querySelector(`head`),`*{cursor:`+n.opt.dragCursor+" \
           "`!important}`)" in bundle
    expected = (style_hash(table_styles[0]), style_hash(f"*{{cursor:{drag_cursor[0]}!important}}"))
    assert YASGUI_STYLE_HASHES == expected
