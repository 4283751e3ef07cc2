"""The persistent flag, on area-years whose lasting and yearly parts are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jigsaw.oversight.persistence import persistence


def _panel(
    seed: int = 0,
    *,
    areas: int = 120,
    years: int = 8,
    area_sd: float = 0.4,
    year_sd: float = 0.3,
    shifts: dict[int, float] | None = None,
    shifted_years: dict[int, list[int]] | None = None,
) -> pd.DataFrame:
    """Ratios exp(a_i + e_it) on a large expected count, so chance adds almost nothing."""
    rng = np.random.default_rng(seed)
    lasting = rng.normal(0, area_sd, areas)
    rows = []
    for i in range(areas):
        for t in range(years):
            y = lasting[i] + rng.normal(0, year_sd)
            if (
                shifts
                and i in shifts
                and (shifted_years is None or t in shifted_years.get(i, range(years)))
            ):
                y += shifts[i]
            rows.append(
                {
                    "area_code": f"A{i:03d}",
                    "year": 2018 + t,
                    "expected": 10_000.0,
                    "identified": 10_000.0 * np.exp(y),
                }
            )
    return pd.DataFrame(rows)


def test_the_lasting_and_yearly_variances_are_recovered():
    fit = persistence(_panel(1, areas=300))
    assert fit.area_variance == pytest.approx(0.4**2, rel=0.25)
    assert fit.year_variance == pytest.approx(0.3**2, rel=0.1)
    assert fit.mean == pytest.approx(0.0, abs=0.08)


def test_an_area_low_every_year_is_flagged_and_one_low_year_is_not():
    # A000 identifies a fifth of its peers' rate every year; A001 only in 2025.
    data = _panel(2, shifts={0: np.log(0.2), 1: np.log(0.2)}, shifted_years={1: [7]})
    table = persistence(data, level=0.95).table.set_index("area_code")
    assert table.loc["A000", "persistent"] == "lower"
    assert table.loc["A001", "persistent"] == "similar"
    # Its interval is around a fifth times its own lasting level; the limit is below typical.
    assert table.loc["A000", "persistent_ratio_upper"] < table.loc["A000", "persistent_limit"] * 1.5
    assert (table["persistent"] == "lower").sum() <= 1 + 0.05 * len(table)


def test_areas_to_be_found_do_not_widen_their_own_limits():
    clean = persistence(_panel(3))
    shifted = persistence(_panel(3, shifts={i: np.log(0.2) for i in range(12)}))
    # Twelve areas a fifth of their peers in every year: the lasting variance stays near the
    # clean one (untrimmed it would more than double) and they are flagged.
    assert shifted.area_variance == pytest.approx(clean.area_variance, rel=0.3)
    table = shifted.table.set_index("area_code")
    assert (table.loc[[f"A{i:03d}" for i in range(12)], "persistent"] == "lower").mean() >= 0.75


def test_gaps_and_small_counts_are_left_out_never_zeros():
    data = _panel(4)
    a = data["area_code"] == "A005"
    data.loc[a & (data["year"] == 2020), "identified"] = np.nan  # DfE code: not published
    data.loc[a & (data["year"] == 2021), "identified"] = 3.0  # published as "<5"
    data.loc[a & (data["year"] == 2022), "expected"] = np.nan  # held out: no comparison
    fit = persistence(data)
    row = fit.table.set_index("area_code").loc["A005"]
    assert row["persistent_years"] == 5
    kept = data[a & data["year"].isin([2018, 2019, 2023, 2024, 2025])]
    geometric = float(np.exp(np.log(kept["identified"] / kept["expected"]).mean()))
    assert row["persistent_ratio"] == pytest.approx(geometric)
    assert set(fit.years.loc[fit.years["area_code"] == "A005", "year"]) == {
        2018,
        2019,
        2023,
        2024,
        2025,
    }


def test_an_area_with_too_few_years_is_not_compared():
    data = _panel(5)
    data = data[~((data["area_code"] == "A007") & (data["year"] < 2024))]
    row = persistence(data).table.set_index("area_code").loc["A007"]
    assert row["persistent"] == "not compared"
    assert row["persistent_years"] == 2
    assert np.isnan(row["persistent_ratio"])


def test_bad_input_is_refused_with_a_clear_message():
    data = _panel(6, areas=12)
    with pytest.raises(ValueError, match="area 'A000' has year 2018 twice"):
        persistence(pd.concat([data, data.iloc[[0]]]))
    with pytest.raises(ValueError, match="missing column expected"):
        persistence(data.drop(columns="expected"))
    with pytest.raises(ValueError, match="at least 10 areas"):
        persistence(data[data["area_code"].isin(["A000", "A001"])])


def test_the_result_is_the_same_whatever_a_small_count_is():
    tables = []
    for hidden in range(5):
        data = _panel(7)
        data.loc[(data["area_code"] == "A009") & (data["year"] == 2024), "identified"] = float(
            hidden
        )
        fit = persistence(data)
        tables.append((fit.table.to_csv(), fit.area_variance, fit.year_variance))
    assert all(t == tables[0] for t in tables)
