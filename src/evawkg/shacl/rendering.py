"""A validation report in each of the forms every interface offers (one place for the list)."""

from __future__ import annotations

from ..errors import ClientError
from .pages import render_report_html
from .report import Report, render_graph, render_json, render_text

#: What a validation answers with, in every interface: a readable text, the JSON summary,
#: SHACL's own report graph (Turtle, JSON-LD) and an HTML page (``evawkg.shacl.pages``).
REPORT_FORMATS = ("text", "json", "turtle", "json-ld", "html")


def render_report(report: Report, format: str) -> str:
    """``report`` in one of :data:`REPORT_FORMATS`."""
    if format == "text":
        return render_text(report)
    if format == "json":
        return render_json(report)
    if format == "html":
        return render_report_html(report)
    if format in ("turtle", "json-ld"):
        return render_graph(report, format)
    raise ClientError(f"unknown report format {format!r}; use one of: " + ", ".join(REPORT_FORMATS))


__all__ = ["REPORT_FORMATS", "render_report"]
