"""The 2025 national report on the real DfE data: files, figures, offline page, round trip."""

import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from jigsaw.cli import main
from jigsaw.datasets import england
from jigsaw.oversight import RESULT_COLUMNS
from jigsaw.report.national import build_national_report
from jigsaw.stats.neighbours import statistical_neighbours


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("national")
    summary = build_national_report(2025, out)
    html = (out / "index.html").read_text(encoding="utf-8")
    areas = pd.read_csv(out / "areas.csv", dtype=str, keep_default_na=False)
    return summary, html, areas, out


def test_areas_csv_has_every_la_in_the_result_form(report):
    _, _, areas, _ = report
    assert len(areas) == 153
    assert set(RESULT_COLUMNS) <= set(areas.columns)
    assert areas["area_code"].is_unique
    assert set(areas["comparison"]) <= {"lower", "similar", "higher", "not compared"}


def test_tiny_and_incomplete_areas_are_shown_but_not_compared(report):
    _, html, areas, _ = report
    held = areas[areas["comparison"] == "not compared"].set_index("area_name")
    assert sorted(held.index) == ["City of London", "Isles of Scilly", "Wolverhampton"]
    assert held.loc["City of London", "note"].startswith("tiny population")
    assert held.loc["Wolverhampton", "note"].startswith("recording incomplete")
    # Their zero counts are small counts: "<5", never a rate that would reveal them.
    assert held.loc["Isles of Scilly", "identified"] == "<5"
    assert held.loc["Isles of Scilly", "rate"] == ""
    assert "<b>Wolverhampton</b> is shown but not compared" in html


def test_headline_adds_up_from_the_table(report):
    summary, html, areas, _ = report
    flagged = areas[areas["comparison"] == "lower"]
    assert summary.lower == len(flagged) >= 1
    assert summary.compared == 150
    total = flagged["shortfall"].astype(float).sum()
    assert summary.shortfall == pytest.approx(total, abs=0.05 * len(flagged))
    assert summary.shortfall_lower < summary.shortfall < summary.shortfall_upper
    assert f"{summary.lower} of {summary.compared} local authorities" in html
    assert f"{summary.shortfall:,.0f}" in html
    # Published check figure: 12,401 CSE episodes in 2025 (README, file 1).
    assert summary.identified == 12_401
    assert round(summary.median_rate, 1) == 10.0
    assert sorted(summary.flagged_areas) == sorted(flagged["area_name"])


def test_peer_rate_and_group_spread_recomputed_from_the_sources(report):
    _, _, areas, _ = report
    cse = england.identification("cse", years=[2025]).set_index("new_la_code")
    comparable = cse[cse["comparable"]]
    sn = statistical_neighbours(2025)
    rows = areas.set_index("area_code")
    for code in ("E06000009", "E08000016", "E10000012"):  # Blackpool, Barnsley, Essex
        peers = [
            c for c in sn.loc[sn["area_code"] == code, "neighbour_code"] if c in comparable.index
        ]
        peer_rate = (
            comparable.loc[peers, "identified"].sum()
            / comparable.loc[peers, "children"].sum()
            * 1e4
        )
        assert float(rows.loc[code, "peer_rate"]) == pytest.approx(peer_rate, abs=0.005)
        group = comparable.loc[[code, *peers], "rate_per_10k"]
        assert float(rows.loc[code, "group_lowest_rate"]) == pytest.approx(group.min(), abs=0.005)
        assert float(rows.loc[code, "group_highest_rate"]) == pytest.approx(group.max(), abs=0.005)
        assert rows.loc[code, "group_highest_area"] == comparable.loc[group.idxmax(), "la_name"]


def test_page_is_self_contained_and_well_formed(report):
    _, html, _, _ = report
    # Nothing is fetched: no external stylesheet, script, font, image or frame.
    assert not re.search(r"<(link|img|iframe)\b", html)
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "@import" not in html and "@font-face" not in html and "url(" not in html
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    for svg in svgs:
        ET.fromstring(svg)  # every chart is well-formed XML
    assert sum("chart funnel" in s for s in svgs) == 1
    assert sum("chart spark" in s for s in svgs) == 153


def test_page_has_every_section(report):
    summary, html, areas, _ = report
    for anchor in (
        "headline",
        "spread",
        "funnel",
        "flagged",
        "table",
        "caveats",
        "problems",
        "method",
    ):
        assert f'id="{anchor}"' in html
    for name in summary.flagged_areas:
        assert f"{name} against its statistical neighbours" in html
    w = summary.widest_group
    assert w["highest_rate"] > 4 * w["lowest_rate"]
    assert f"{w['highest_rate']:.1f}" in html
    assert "Assessments, not victims." in html
    assert "Hackney" in html and "cyber attack" in html  # problem LA-years are listed
    assert html.count("<tr>") >= 153 + 10
    assert 'id="dark-figure"' not in html  # only with --linked


def test_national_csv_round_trips_through_the_areas_command(report, tmp_path):
    """The national areas.csv fed back with DfE's neighbours gives the same comparisons."""
    _, _, areas, _ = report
    compared = areas[areas["comparison"] != "not compared"]
    compared[["area_code", "area_name", "children", "identified"]].to_csv(
        tmp_path / "a.csv", index=False
    )
    codes = set(compared["area_code"])
    sn = statistical_neighbours(2025)
    sn = sn[sn["area_code"].isin(codes) & sn["neighbour_code"].isin(codes)]
    sn[["area_code", "neighbour_code"]].to_csv(tmp_path / "n.csv", index=False)
    out = tmp_path / "r.csv"
    assert (
        main(
            [
                "oversight",
                "--areas",
                str(tmp_path / "a.csv"),
                "--neighbours",
                str(tmp_path / "n.csv"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    again = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("area_code")
    before = compared.set_index("area_code")
    for column in ("peer_rate", "expected", "shortfall", "comparison"):
        assert (again[column] == before[column]).all(), column


def test_cli_writes_the_report_and_refuses_bad_years(tmp_path, capsys):
    assert main(["oversight", "--year", "2017", "--out", str(tmp_path)]) == 2
    assert "--year must be one of 2018-2025" in capsys.readouterr().err
    assert not (tmp_path / "index.html").exists()


def test_earlier_years_keep_areas_without_population_as_shown_only(tmp_path):
    # 2018: 152 LAs; Bournemouth, Poole and old Dorset have no mid-2017 population estimate.
    summary = build_national_report(2018, tmp_path)
    areas = pd.read_csv(tmp_path / "areas.csv", dtype=str, keep_default_na=False).set_index(
        "area_name"
    )
    assert len(areas) == 152 and summary.areas == 152
    for name in ("Bournemouth", "Poole", "Dorset"):
        assert areas.loc[name, "comparison"] == "not compared"
        assert areas.loc[name, "note"].startswith("no population estimate")
        assert areas.loc[name, "rate"] == ""
    # The 2021 neighbour vintage is used before 2024.
    assert (
        "DfE's 2021 children's services statistical neighbours"
        in (tmp_path / "index.html").read_text()
    )


def test_a_flagged_area_with_a_small_count_keeps_it_hidden_in_its_chart():
    from jigsaw.oversight import analyse_areas, neighbours_from_covariates
    from jigsaw.report.national import _flagged

    # Gorton identifies 3 of 24,000 children where its neighbours identify about 21 per
    # 10,000: flagged lower, but the 3 (rate 1.25) must not reach the page.
    areas = pd.DataFrame(
        {
            "area_code": ["A06", "A07", "A08", "A09", "A10"],
            "area_name": ["Fenby", "Gorton", "Hale", "Ivybridge", "Jarrow"],
            "children": [26000.0, 24000.0, 21000.0, 27000.0, 23000.0],
            "identified": [55.0, 3.0, 44.0, 60.0, 51.0],
            "x_deprivation": [30.0, 31.0, 29.0, 32.0, 28.5],
        }
    )
    result = analyse_areas(areas, neighbours_from_covariates(areas, k=4)).table
    result["region"] = "North"
    gorton = next(r for r in result.itertuples(index=False) if r.area_code == "A07")
    assert gorton.comparison == "lower"
    groups = {"A07": ["A06", "A08", "A09", "A10"]}
    card = _flagged(gorton, groups, result.set_index("area_code"))
    assert card["identified_text"] == "<5"
    assert "3" not in card["shortfall_text"]
    assert "Gorton: " not in card["svg"]  # the tooltip "Gorton: 1.2 (95% CI ...)"
    assert card["svg"].count("<circle") == 4  # the four neighbours' dots, not Gorton's


def test_the_sorting_script_is_inline_alone_and_a_file_when_served_in_the_app(report):
    from jigsaw.report.national import served_in_app, sort_script

    _, html, _, _ = report
    # Standalone: one file that works offline, the package's one copy of the script inline.
    inline = re.findall(r'<script id="jigsaw-sort">(.*?)</script>', html, flags=re.S)
    assert len(inline) == 1 and inline[0].strip() == sort_script().strip()
    served = served_in_app(html, home="/", script_url="/oversight/national/sort.js")
    # In the app: no inline script left, the same script as a file, and a way back.
    assert re.findall(r"<script\b[^>]*>(.*?)</script>", served, flags=re.S) == [""]
    assert '<script id="jigsaw-sort" src="/oversight/national/sort.js"></script>' in served
    assert '<a class="back" href="/">Back to Jigsaw</a>' in served
    assert '<a class="brand" href="/">Jigsaw</a>' in served
    # Everything else is the same page.
    assert served.count("<tr") == html.count("<tr")
    with pytest.raises(ValueError, match="not a national report page"):
        served_in_app("<h1>Something else</h1>", home="/", script_url="/x.js")
