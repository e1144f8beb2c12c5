"""The vendored editor assets: served by us with their version and licence, no CDN."""

from __future__ import annotations

import re
from pathlib import Path

import evawkg

PACKAGE = Path(evawkg.__file__).resolve().parent
VENDOR = PACKAGE / "static" / "vendor" / "yasgui"


def test_vendored_yasgui_records_package_version_licence_and_integrity():
    version = dict(line.split(": ", 1) for line in (VENDOR / "VERSION").read_text().splitlines())
    assert version["package"] == "@zazuko/yasgui" and version["license"] == "MIT"
    assert re.fullmatch(r"\d+\.\d+\.\d+", version["version"])
    assert version["integrity"].startswith("sha512-")
    assert "MIT License" in (VENDOR / "LICENSE").read_text()


def test_get_vendored_assets_are_served_by_us(client):
    script = client.get("/assets/vendor/yasgui/yasgui.min.js")
    style = client.get("/assets/vendor/yasgui/yasgui.min.css")
    assert script.status_code == 200 and "javascript" in script.mimetype and b"Yasgui" in script.data
    assert style.status_code == 200 and style.mimetype == "text/css"
    script.close()
    style.close()


def test_editor_page_loads_only_our_own_scripts_and_styles(client):
    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/assets/") or s == "data:," for s in sources), sources
    assert "yasgui.min.js" in page and "editor.js" in page
