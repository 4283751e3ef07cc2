"""The related-indicators model and the mismatch view, on areas whose truth is constructed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jigsaw.oversight.related import log_ratios, mismatch, related_model


def _areas(seed: int = 0, n: int = 150, noise: float = 0.15):
    """CSE ratios to peers driven by 'going missing' (coefficient 0.8) and one other indicator."""
    rng = np.random.default_rng(seed)
    missing = rng.normal(0, 0.5, n)
    other = rng.normal(0, 0.5, n)
    cse = 0.8 * missing + 0.3 * other + rng.normal(0, noise, n)
    expected = np.full(n, 2_000.0)
    areas = pd.DataFrame(
        {
            "area_code": [f"A{i:03d}" for i in range(n)],
            "identified": np.round(expected * np.exp(cse)),
            "expected": expected,
        }
    )
    ratios = pd.DataFrame({"going_missing": missing, "sexual_abuse": other})
    return areas, ratios


def test_the_indicators_remove_the_variance_they_explain():
    areas, ratios = _areas()
    fit = related_model(areas, ratios)
    # Total variance 0.8**2 0.25 + 0.3**2 0.25 + 0.15**2 = 0.205; left 0.0225.
    assert fit.tau2_peers == pytest.approx(0.205, rel=0.25)
    assert fit.tau2_model == pytest.approx(0.0225, rel=0.4)
    assert fit.variance_removed > 0.8
    assert fit.coefficients["going_missing"] == pytest.approx(0.8, abs=0.05)
    assert fit.coefficients["sexual_abuse"] == pytest.approx(0.3, abs=0.05)


def test_an_area_never_explains_itself():
    areas, ratios = _areas(1)
    before = related_model(areas, ratios).table
    changed = areas.copy()
    changed.loc[3, "identified"] = 40.0  # a fiftieth of its peers' rate
    after = related_model(changed, ratios).table
    # Its own expected count comes from a fit without its fold, so it does not move ...
    assert after.loc[3, "expected_model"] == pytest.approx(before.loc[3, "expected_model"])
    # ... and, far below what its indicators predict, it is flagged.
    assert after.loc[3, "comparison_model"] == "lower"


def test_under_recording_everything_hides_an_area_from_the_model_not_from_its_peers():
    areas, ratios = _areas(2)
    # A000 identifies a fifth of the CSE its indicators predict, and records them normally;
    # A001 identifies a fifth and records a fifth of every indicator as well.
    for i in (0, 1):
        areas.loc[i, "identified"] = np.round(areas.loc[i, "expected"] * np.exp(np.log(0.2)))
        ratios.loc[i] = 0.0
    ratios.loc[1] = np.log(0.2)
    table = related_model(areas, ratios, level=0.95).table
    assert table.loc[0, "comparison_model"] == "lower"
    assert table.loc[1, "comparison_model"] == "similar"


def test_an_unknown_indicator_is_not_a_zero():
    areas, ratios = _areas(3)
    ratios.loc[5, "sexual_abuse"] = np.nan  # suppressed: predicted from going missing alone
    ratios.loc[6] = np.nan  # nothing known: no model-based comparison
    table = related_model(areas, ratios).table
    assert np.isfinite(table.loc[5, "expected_model"])
    assert table.loc[6, "comparison_model"] == "not compared"
    assert np.isnan(table.loc[6, "expected_model"])


def test_a_small_count_moves_no_other_areas_figure():
    areas, ratios = _areas(4)
    areas.loc[7, "identified"] = 0.0
    first = related_model(areas, ratios)
    areas.loc[7, "identified"] = 4.0
    second = related_model(areas, ratios)
    others = first.table.index != 7
    assert np.allclose(
        first.table.loc[others, "expected_model"], second.table.loc[others, "expected_model"]
    )
    assert first.coefficients == second.coefficients
    assert first.tau2_model == second.tau2_model


def test_the_mismatch_view_finds_much_going_missing_and_little_cse():
    rng = np.random.default_rng(5)
    cse = rng.normal(0, 0.3, 60)
    missing = cse + rng.normal(0, 0.2, 60)
    cce = cse + rng.normal(0, 0.2, 60)
    cse[0], missing[0] = np.log(0.3), np.log(1.5)  # many missing, little CSE
    cse[1], cce[1] = np.log(0.3), np.log(2.0)  # much criminal exploitation, little CSE
    cse[2], missing[2], cce[2] = np.log(0.3), np.log(0.3), np.log(0.3)  # low on everything
    view = mismatch(cse, {"going_missing": missing, "cce": cce})
    flagged = set(np.flatnonzero(view["mismatch"]).tolist())
    assert {0, 1} <= flagged and 2 not in flagged
    assert len(flagged - {0, 1}) <= 3  # a 95% limit: about one in forty by chance
    assert view.loc[0, "missing_ratio"] == pytest.approx(1.5)
    assert view.loc[1, "cce_ratio"] == pytest.approx(2.0)


def test_log_ratios_keep_unknowns_unknown():
    assert np.isnan(log_ratios(np.array([np.nan]), np.array([3.0]))[0])
    assert np.isnan(log_ratios(np.array([2.0]), np.array([np.nan]))[0])
    assert log_ratios(np.array([0.0]), np.array([5.0]))[0] == pytest.approx(np.log(0.1))


def test_rows_that_do_not_match_are_refused():
    areas, ratios = _areas(6)
    with pytest.raises(ValueError, match="149 rows of ratios for 150 areas"):
        related_model(areas, ratios.iloc[1:])
