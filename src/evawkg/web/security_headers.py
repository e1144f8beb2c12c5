"""The HTTP hygiene headers every answer carries: one ``after_request`` hook, one place.

* ``X-Content-Type-Options: nosniff`` on every response: a browser never guesses a type other
  than the one sent (a CSV or Turtle answer echoing a query is never run as HTML or script).
* On HTML pages, a Content-Security-Policy (https://www.w3.org/TR/CSP3/) that allows only this
  server's own scripts, styles, images and requests, and nothing else (``default-src 'none'``:
  no fonts, frames, media, workers or plug-ins are used): no inline script and no ``eval``, no
  ``<base>``, forms that post only here, and no framing (``frame-ancestors 'none'``, with
  ``X-Frame-Options: DENY`` for older browsers).
* ``Referrer-Policy: strict-origin-when-cross-origin`` on HTML pages: a link to another site
  tells it this server's origin, never a page's address (a query's text is in its URL).

The policy is the strictest under which every page works, found by running them in Chromium
(``tests/workbench/test_content_security_policy.py`` keeps it so). Its allowances:

* ``style-src-attr 'unsafe-inline'``: ``style`` *attributes*, which the resource page's timeline
  uses to place its bars; never a ``<style>`` element, whose selectors could read the page.
* three ``<style>`` elements by hash: the validation pages' own stylesheet (inline so that a
  report saved as a file still shows styled), and the two that YASGUI's column resizer injects
  into the query page (:data:`YASGUI_STYLE_HASHES`).
* ``img-src data:``: the workbench pages' empty icon (``<link rel="icon" href="data:,">``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from pathlib import Path

from flask import Response

#: The validation pages' layout, whose ``<style>`` element is allowed by its hash.
VALIDATION_LAYOUT = Path(__file__).resolve().parents[1] / "templates" / "validation" / "layout.html"

#: The ``<style>`` elements the vendored YASGUI (4.6.2) adds to the query page: its column
#: resizer's table style, and the cursor while a column is dragged. A YASGUI update that changes
#: them fails the browser test and ``test_yasgui_style_hashes_match_the_vendored_bundle``.
YASGUI_STYLE_HASHES = (
    "sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk=",  # .grip-resizable{table-layout:fixed;}…
    "sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg=",  # *{cursor:col-resize!important}
)

REFERRER_POLICY = "strict-origin-when-cross-origin"

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def style_hash(css: str) -> str:
    """A CSP source for one ``<style>`` element's text (CSP3 §8.4: sha256 of its UTF-8)."""
    return "sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()


def inline_style_hashes(template: Path) -> list[str]:
    """The hashes of a template's ``<style>`` elements (static text: no template code inside)."""
    return [style_hash(css) for css in
            re.findall(r"<style>(.*?)</style>", template.read_text(encoding="utf-8"), re.S)]


@functools.cache
def content_security_policy() -> str:
    """The Content-Security-Policy of every HTML page (built once, on first use)."""
    styles = " ".join(["'self'", *(f"'{h}'" for h in inline_style_hashes(VALIDATION_LAYOUT)),
                       *(f"'{h}'" for h in YASGUI_STYLE_HASHES)])
    return "; ".join((
        "default-src 'none'",
        "script-src 'self'",
        f"style-src {styles}",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def add_security_headers(response: Response) -> Response:
    """``after_request`` hook: nosniff on every response; CSP, framing and referrer policies on
    HTML pages (a view that sets its own keeps it)."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype in _HTML_TYPES:
        headers.setdefault("Content-Security-Policy", content_security_policy())
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    return response


__all__ = ["add_security_headers", "content_security_policy", "REFERRER_POLICY",
           "YASGUI_STYLE_HASHES", "style_hash"]
