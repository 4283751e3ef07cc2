"""The interval of a sum over strata: joint bootstrap (BCa) or delta method, checked by known answers
and by coverage of a known truth in simulation."""

import numpy as np
import pytest

from jigsaw.datasets.shipped import mse_example
from jigsaw.stats.mse import CaptureTable, estimate, read_table
from jigsaw.stats.mse._strata import stratified_tables, sum_interval
from jigsaw.stats.mse._table import all_patterns

BASE = np.array([0.25, 0.30, 0.15, 0.20])


def simulated_area(n: int, rng: np.random.Generator) -> CaptureTable:
    """Four lists catching each of n children independently (main effects are the truth)."""
    caught = rng.random((n, 4)) < BASE
    counts = np.bincount(caught @ (1 << np.arange(4)), minlength=16)[1:]
    return CaptureTable(
        ("police", "social_care", "health", "school"), all_patterns(4), counts, "simulated area"
    )


def test_one_stratum_sum_is_that_stratums_own_wald_interval():
    uk = read_table(mse_example("UKdat"))
    alone = estimate(uk, "stepwise")
    frame = stratified_tables({"all": uk}).set_index("stratum")
    assert frame.loc["TOTAL", "total"] == pytest.approx(alone.total)
    assert frame.loc["TOTAL", "ci_low"] == pytest.approx(alone.ci_low, rel=1e-12)
    assert frame.loc["TOTAL", "ci_high"] == pytest.approx(alone.ci_high, rel=1e-12)
    assert "delta method" in frame.loc["TOTAL", "note"]


def test_one_stratum_joint_bootstrap_is_that_stratums_own_bca_interval():
    korea = read_table(mse_example("Korea"))
    alone = estimate(korea, "stepwise", ci="bca", boot=200, seed=5)
    low, high, how = sum_interval([alone])
    assert (low, high) == pytest.approx((alone.ci_low, alone.ci_high), rel=1e-12)
    assert "joint bootstrap" in how


def test_strata_are_resampled_independently():
    rng = np.random.default_rng(8)
    tables = {name: simulated_area(300, rng) for name in ("a", "b")}
    same = dict(a=tables["a"], b=tables["a"])  # two copies of one table
    frame = stratified_tables(same, ci="bca", boot=100, seed=3, workers=1).set_index("stratum")
    # The same table in two strata gets two different seeds, hence different intervals.
    assert frame.loc["a", "total"] == frame.loc["b", "total"]
    assert (frame.loc["a", "ci_low"], frame.loc["a", "ci_high"]) != (
        frame.loc["b", "ci_low"],
        frame.loc["b", "ci_high"],
    )


def test_sum_of_two_strata_joint_bootstrap_is_narrower_than_adding_the_limits():
    rng = np.random.default_rng(9)
    tables = {name: simulated_area(300, rng) for name in ("a", "b")}
    frame = stratified_tables(tables, ci="bca", boot=200, seed=4, workers=1).set_index("stratum")
    width = frame.loc["TOTAL", "ci_high"] - frame.loc["TOTAL", "ci_low"]
    added = (frame.loc["a", "ci_high"] + frame.loc["b", "ci_high"]) - (
        frame.loc["a", "ci_low"] + frame.loc["b", "ci_low"]
    )
    # Independent errors partly cancel: the sum's interval is narrower than the limits added up.
    assert width < 0.9 * added
    assert (
        frame.loc["TOTAL", "ci_low"] < frame.loc["TOTAL", "total"] < frame.loc["TOTAL", "ci_high"]
    )


@pytest.mark.parametrize(("ci", "sims", "floor"), [("wald", 80, 0.85), ("bca", 30, 0.8)])
def test_sum_over_three_strata_covers_the_true_total(ci, sims, floor):
    # Three areas of 300, 200 and 120 children: the true total is 620. A 95% interval should
    # hold it in about 95% of partnerships (binomial sd ~2.4 points at 80, ~4 at 30).
    rng = np.random.default_rng(2026)
    sizes = {"north": 300, "south": 200, "west": 120}
    covered = 0
    for _ in range(sims):
        tables = {name: simulated_area(n, rng) for name, n in sizes.items()}
        row = (
            stratified_tables(
                tables, method="main", ci=ci, boot=100, workers=1, seed=int(rng.integers(1 << 31))
            )
            .set_index("stratum")
            .loc["TOTAL"]
        )
        covered += row.ci_low <= sum(sizes.values()) <= row.ci_high
    assert covered / sims >= floor
