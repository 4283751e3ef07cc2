"""Inference as a method: ``MSEEstimate.confidence_interval`` gives what a new estimate at that
level gives, for every kind of interval, and every stats function checks a level the same way."""

import numpy as np
import pytest

from jigsaw.datasets.shipped import folder
from jigsaw.stats import funnel, overdispersion, rates, standardised
from jigsaw.stats.mse import estimate, read_table

MSE = folder("mse")


@pytest.mark.parametrize(
    ("method", "ci"), [("aic", "wald"), ("stepwise", "profile"), ("main", "bca")]
)
def test_another_level_equals_estimating_at_that_level(method, ci):
    table = read_table(MSE / "Korea.csv")
    base = estimate(table, method, ci=ci, boot=200, seed=7, workers=1)
    again = estimate(table, method, ci=ci, level=0.8, boot=200, seed=7, workers=1)
    interval = base.confidence_interval(0.8)
    assert (interval.lower, interval.upper) == pytest.approx(
        (again.ci_low, again.ci_high), rel=1e-12
    )
    assert interval.level == 0.8
    assert (
        base.ci_low < interval.lower < base.total < interval.upper < base.ci_high
    )  # 80% is narrower


def test_another_kind_of_interval_for_the_same_model():
    table = read_table(MSE / "UKdat.csv")
    wald = estimate(table, "aic")
    profile = estimate(table, "aic", ci="profile")
    interval = wald.confidence_interval(0.95, ci="profile")
    assert (interval.lower, interval.upper) == pytest.approx(
        (profile.ci_low, profile.ci_high), rel=1e-12
    )
    with pytest.raises(ValueError, match="BCa interval needs the bootstrap"):
        wald.confidence_interval(0.95, ci="bca")


@pytest.mark.parametrize(
    "call",
    [
        lambda level: rates.rate(5, 1000, level=level),
        lambda level: rates.rate(5, 1000).confidence_interval(level),
        lambda level: standardised.isratio([5, 7], [100, 120], [50, 60], [1000, 1100], level=level),
        lambda level: funnel.ratio_limits([15.0], level=level),
        lambda level: funnel.poisson_control_limits([1000.0], 30.0, level=level),
        lambda level: overdispersion.estimate([10, 25, 40, 90], [12, 20, 45, 80], level=level),
        lambda level: estimate(read_table(MSE / "Korea.csv"), "main", level=level),
        lambda level: estimate(read_table(MSE / "Korea.csv"), "main").confidence_interval(level),
    ],
)
def test_every_level_is_a_fraction_checked_the_same_way(call):
    with pytest.raises(
        ValueError,
        match=r"level must be a fraction strictly between 0 and 1, got 95 "
        r"\(give a fraction such as 0\.95, not a percentage\)",
    ):
        call(95)


def test_bca_that_cannot_be_computed_says_why():
    from jigsaw.errors import InputError
    from jigsaw.stats.mse._intervals import bca_limits

    with pytest.raises(InputError, match="only 3 of 20 bootstrap resamples"):
        bca_limits(np.array([1.0, 2.0, 3.0] + [np.nan] * 17), 2.0, 0.0)
    with pytest.raises(InputError, match="every bootstrap total is above the estimate"):
        bca_limits(np.arange(20.0) + 5, 2.0, 0.0)
    low, high = bca_limits(np.arange(1.0, 101.0), 50.5, 0.0)
    assert low < 50.5 < high
