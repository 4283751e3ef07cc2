"""The persistent flag, the related-indicators model and the mismatch view on 2018-2025 England.

The figures the README's headline and docs/methods/oversight.md quote, and the published form
of the new columns (areas.csv and the page) under the one disclosure rule.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from jigsaw import disclosure
from jigsaw.datasets import england
from jigsaw.oversight import analyse_national, load_national
from jigsaw.report.national import render_page
from jigsaw.report.published import NATIONAL_COLUMNS, result_csv


@pytest.fixture(scope="module")
def analysis():
    return analyse_national(load_national(2025))


@pytest.fixture(scope="module")
def published(analysis):
    text = result_csv(analysis.alarm.table, NATIONAL_COLUMNS)
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).set_index("area_name")


def test_the_headline_counts_of_each_method(analysis):
    methods = analysis.summary.methods
    assert methods["persistent"]["alarm"] == []
    assert set(methods["persistent"]["warning"]) == {
        "Essex",
        "Lincolnshire",
        "Doncaster",
        "North Tyneside",
        "Birmingham",
    }
    assert set(methods["related"]["alarm"]) == {"Oldham", "Brighton and Hove"}
    assert len(methods["related"]["warning"]) == 8
    assert methods["related"]["variance_removed"] == pytest.approx(0.66, abs=0.02)
    assert set(methods["mismatch"]) == {
        "Waltham Forest",
        "Oldham",
        "Bournemouth, Christchurch and Poole",
    }
    # The split of one year's spread: about 0.20 lasting, 0.16 from year to year.
    assert methods["persistent"]["area_variance"] == pytest.approx(0.20, abs=0.02)
    assert methods["persistent"]["year_variance"] == pytest.approx(0.16, abs=0.02)


def test_years_without_a_published_count_are_gaps(analysis):
    years = analysis.persistence_alarm.years
    # Hackney (DfE code 204) made no return in 2021 and 2022 ("x"): six years, not eight.
    hackney = years[years["area_code"] == "204"]
    assert sorted(hackney["year"]) == [2018, 2019, 2020, 2023, 2024, 2025]
    row = analysis.alarm.table.set_index("area_name").loc["Hackney"]
    assert row["persistent_years"] == 6
    # Its persistent ratio is the geometric mean of those six years' ratios, recomputed.
    assert row["persistent_ratio"] == pytest.approx(np.exp(np.log(hackney["ratio"]).mean()))
    # Every year in the model has a published count of 5 or more.
    cse = england.identification("cse")
    cse = cse.assign(area_code=cse["old_la_code"].astype(str))
    joined = years.merge(cse, on=["area_code", "year"])
    assert len(joined) == len(years)
    assert (joined["identified"] >= disclosure.THRESHOLD).all()
    # A boundary change starts a new area: North Northamptonshire (940) from 2022 only.
    assert set(years.loc[years["area_code"] == "940", "year"]) <= set(range(2022, 2026))


def test_the_model_uses_the_indicators_collected_that_year(analysis):
    assert analysis.related.indicators == (
        "going_missing",
        "cce",
        "gangs",
        "trafficking",
        "sexual_abuse",
        "police_child_sexual_offences",
    )
    earlier = analyse_national(load_national(2020))
    # Criminal exploitation and sexual abuse were not collected before 2022.
    assert "cce" not in earlier.related.indicators
    assert "sexual_abuse" not in earlier.related.indicators


def test_areas_csv_has_the_new_columns_blank_where_a_small_count_would_show(analysis, published):
    assert list(published.columns[: len(NATIONAL_COLUMNS) - 1]) == [
        c for c in NATIONAL_COLUMNS if c != "area_name"
    ]
    table = analysis.alarm.table.set_index("area_name")
    for ratio, count in (("missing_ratio", "going_missing"), ("cce_ratio", "cce")):
        small = table[count].map(disclosure.is_small)
        assert small.any()  # Portsmouth recorded no criminal exploitation, for one
        assert (published.loc[small[small].index, ratio] == "").all()
    small_cse = table["identified"].map(disclosure.is_small)
    assert (published.loc[small_cse[small_cse].index, "mismatch_gap"] == "").all()
    assert published.loc["Oldham", "mismatch"] == "yes"
    assert published.loc["Essex", "persistent"] == "similar"
    assert published.loc["Oldham", "comparison_model"] == "lower"
    assert set(published["persistent"]) <= {"lower", "similar", "higher", "not compared"}


def test_the_page_shows_both_comparisons_and_the_years(analysis):
    html = render_page(analysis)
    for anchor in ("persistent", "related", "mismatch"):
        assert f'id="{anchor}"' in html
    for name in analysis.summary.methods["persistent"]["warning"]:
        assert f"{name}: ratio to its peers by year" in html
    assert "Peers only, 99.8%" in html and "With related indicators, 99.8%" in html
    assert "Read both." in html
