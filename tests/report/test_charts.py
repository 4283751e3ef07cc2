"""SVG charts: well-formed, accessible, and honest about gaps."""

import math
import xml.etree.ElementTree as ET

import pytest

from jigsaw.report import charts

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg):
    root = ET.fromstring(svg)
    assert root.find("s:title", NS).text
    assert root.find("s:desc", NS).text
    return root


def test_funnel_plot_draws_one_mark_per_area_with_a_rate():
    curve = charts.LimitCurve("limits", (([1000, 100000], [2, 8]), ([1000, 100000], [30, 12])))
    svg = charts.funnel_plot(
        [5000, 20000, 80000, float("nan")],
        [12.0, float("nan"), 4.0, 9.0],
        ["A", "B", "C", "D"],
        ["similar", "similar", "lower", "similar"],
        [curve],
        10.0,
    )
    root = parse(svg)
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(t.startswith("A: 12.0") for t in titles)
    assert any(t.startswith("C: 4.0") and "(lower)" in t for t in titles)
    assert not any(t.startswith(("B:", "D:")) for t in titles)  # no rate or no population
    labels = [t.text for t in root.findall("s:text", NS)]
    assert "C" in labels and "A" not in labels  # flagged areas are named on the chart
    assert "2 areas" in root.find("s:desc", NS).text and "1 lower" in root.find("s:desc", NS).text


def test_funnel_plot_refuses_mismatched_or_empty_input():
    with pytest.raises(ValueError, match="differ in length"):
        charts.funnel_plot([1, 2], [1.0], ["a"], ["similar"], [], 1.0)
    with pytest.raises(ValueError, match="no area"):
        charts.funnel_plot([math.nan], [1.0], ["a"], ["similar"], [], 1.0)


def test_sparkline_leaves_gaps_never_zeros():
    svg = charts.sparkline([2018, 2019, 2020, 2021, 2022], [10, 12, float("nan"), 8, 6], label="X")
    root = parse(svg)
    lines = root.findall("s:polyline", NS)
    assert len(lines) == 2  # 2018-2019 and 2021-2022; 2020 is a gap
    assert "2020: no rate" in root.find("s:desc", NS).text
    texts = [t.text for t in root.findall("s:text", NS)]
    assert texts == ["10.0", "6.0"]  # first and last values
    # The highest point (12) touches the top of the area's own scale, zero the bottom line.
    ys = [float(p.split(",")[1]) for p in lines[0].get("points").split()]
    assert min(ys) == pytest.approx(3.0)


def test_dot_plot_marks_the_subject_and_the_peer_rate():
    rows = [
        {"name": "Subject", "rate": 2.0, "lower": 1.0, "upper": 3.5, "subject": True},
        {"name": "Peer one", "rate": 9.0, "lower": 7.0, "upper": 11.0},
        {"name": "Peer two", "rate": float("nan"), "lower": float("nan"), "upper": float("nan")},
    ]
    root = parse(charts.dot_plot(rows, 8.5, title="Subject against its neighbours"))
    circles = root.findall("s:circle", NS)
    assert len(circles) == 2
    assert circles[0].get("fill") == charts.COLOURS["lower"]
    assert "no rate" in [t.text for t in root.findall("s:text", NS)]
    assert "peers' rate 8.5" in ET.tostring(root, encoding="unicode")
