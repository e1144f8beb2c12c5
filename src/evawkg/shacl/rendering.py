"""A validation report in each of the forms every interface offers (one place for the list)."""

from __future__ import annotations

from ..errors import ClientError
from ..graph.public_base import PublicBase
from .pages import render_report_html
from .report import (Report, publish_report, published_prefixes, render_graph, render_json,
                     render_text)

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


def render_published(report: Report, format: str, iris: PublicBase | None) -> str:
    """``report`` rendered with its IRIs under ``iris``'s public base, as the server publishes
    every IRI (/validate, a refused write's report); ``None``: as computed."""
    if iris is None or iris.identity:
        return render_report(report, format)
    with published_prefixes(iris):
        return render_report(publish_report(report, iris), format)


__all__ = ["REPORT_FORMATS", "render_report", "render_published"]
