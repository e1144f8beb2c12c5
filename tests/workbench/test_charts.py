"""Home page figures and SVG charts drawn by :mod:`evawkg.workbench.charts`."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from evawkg.workbench.charts import Bar, activities_per_year, bar_chart, column_chart
from evawkg.workbench.tables import Cell, Table

SVG = "{http://www.w3.org/2000/svg}"


def test_column_chart_is_svg_with_one_bar_and_title_per_value():
    svg = ET.fromstring(column_chart([Bar("2009", 2), Bar("2010", 5), Bar("2011", 0)], "Per year"))
    assert svg.tag == SVG + "svg" and svg.get("role") == "img"
    assert svg.find(SVG + "title").text == "Per year"
    bars = svg.findall(f"{SVG}g")
    assert [bar.find(SVG + "title").text for bar in bars] == ["2009: 2", "2010: 5", "2011: 0"]
    heights = [float(bar.find(SVG + "rect").get("height")) for bar in bars]
    assert heights[1] == max(heights) and heights[2] == 0 and heights[0] == heights[1] * 2 / 5


def test_bar_chart_escapes_labels_and_links_categories():
    svg = bar_chart([Bar("<Africa & co>", 3, "/id/region/africa?x=1&y=2")], "Regions")
    root = ET.fromstring(svg)
    link = root.find(f"{SVG}g/{SVG}a")
    assert link.get("href") == "/id/region/africa?x=1&y=2"
    assert link.find(SVG + "text").text == "<Africa & co>"


def test_empty_charts_draw_nothing():
    assert column_chart([], "t") == "" and bar_chart([], "t") == ""


def test_activities_per_year_counts_every_year_a_period_covers():
    def row(activity, begin, end):
        return {"activity": Cell(activity, "uri"), "begin": Cell(begin, "literal"),
                "end": Cell(end, "literal")}
    table = Table(("activity", "begin", "end"), (row("a", "2009-10", "2010-02"),
                                                 row("b", "2012-01", "2012-03")))
    assert [(bar.label, bar.value) for bar in activities_per_year(table)] == [
        ("2009", 1), ("2010", 1), ("2011", 0), ("2012", 1)]


def test_get_home_shows_counts_charts_licence_sources_and_where_to_go(client):
    response = client.get("/", headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("<svg") >= 2 and "Activities per year" in page and "M49 region" in page
    assert 'href="/id/region/' in page
    assert "creativecommons.org/licenses/by/4.0" in page and "Last update" in page
    assert 'href="/id/record/' in page
    for target in ("/sparql", "/queries", "/api", "/dumps/", "/ontology"):
        assert f'href="{target}"' in page
    validation_served = any(rule.rule == "/validate" for rule in client.application.url_map.iter_rules())
    assert ('href="/validate"' in page) == validation_served, "only destinations that exist"
    assert 'action="/search"' in page
