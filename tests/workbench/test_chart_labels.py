"""Chart labels never overlap, however many categories there are, and the home page's licences
say what each covers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from evawkg.workbench.charts import Bar, bar_chart, column_chart, text_width

SVG = "{http://www.w3.org/2000/svg}"


def _boxes(svg: str, cls: str) -> list[tuple[float, float, float, float]]:
    """(left, right, top, bottom) of each text of class ``cls``, its width estimated."""
    boxes = []
    for text in ET.fromstring(svg).iter(SVG + "text"):
        if text.get("class") != cls:
            continue
        x, y, width = float(text.get("x")), float(text.get("y")), text_width(text.text)
        anchor = text.get("text-anchor", "start")
        left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
        boxes.append((left, left + width, y - 11, y + 3))
    return boxes


def _overlapping(boxes):
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]]


@pytest.mark.parametrize("years", [3, 12, 30, 60, 120])
def test_column_chart_year_labels_never_overlap(years):
    bars = [Bar(str(1950 + n), n * 37 % 1000) for n in range(years)]
    svg = column_chart(bars, "Activities per year")
    categories = _boxes(svg, "category")
    values = _boxes(svg, "value")
    assert categories and not _overlapping(categories)
    assert not _overlapping(values)
    assert all(0 <= box[0] and box[1] <= 640 for box in categories)
    # The first year is always labelled, and every bar keeps its name for tooltips and readers.
    assert ET.fromstring(svg).find(f"{SVG}g/{SVG}text[@class='category']").text == "1950"
    assert len(ET.fromstring(svg).findall(f"{SVG}g/{SVG}title")) == years


def test_column_chart_values_stay_below_the_title():
    svg = column_chart([Bar("2009", 100), Bar("2010", 99)], "A long title of a chart over the bars")
    title = _boxes(svg, "chart-title")[0]
    assert all(box[2] >= title[3] for box in _boxes(svg, "value"))


def test_bar_chart_labels_fit_their_column_and_rows_do_not_overlap():
    long = "Latin America and the Caribbean, and a region with a much longer name"
    svg = bar_chart([Bar(long, 12, "/id/region/x"), Bar("Africa", 3), Bar("Asia", 1)], "Regions")
    categories = _boxes(svg, "category")
    assert all(box[0] >= 0 for box in categories), "a label runs off the chart's left edge"
    assert not _overlapping(categories + _boxes(svg, "value"))
    assert not _overlapping(categories + _boxes(svg, "chart-title"))
    assert long in svg, "the full name stays in the bar's title"


def test_home_page_licences_say_what_each_covers(client):
    page = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    licences = re.search(r'<ul class="wb-licences">(.*?)</ul>', page, re.S).group(1)
    text = " ".join(re.sub(r"<[^>]+>", " ", licences).split())
    assert "CC BY-SA 4.0 covers" in text and "ISO 3166-1 countries with their UN M49 region" in text
    assert "GNU LGPL 2.1 covers ISO 3166-2 subdivisions named in the record" in text
    assert "CC BY 4.0 covers" in text and "evawkg ontology" in text
    assert "Everything else in the graph" in text
