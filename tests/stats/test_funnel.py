"""Funnel limits and significance labels against PHEindicatormethods 2.1.0 and FunnelPlotR 0.6.0."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jigsaw.stats import funnel

# The package stores about 10 significant digits; emulating its bisection reaches them.
RATE_LINE_RTOL = 1e-8
LIMIT_COLUMNS = [
    "lower_2s_population_1_year",
    "lower_2s_limit",
    "upper_2s_population_1_year",
    "upper_2s_limit",
    "lower_3s_population_1_year",
    "lower_3s_limit",
    "upper_3s_population_1_year",
    "upper_3s_limit",
    "baseline",
]


RATES = Path(__file__).resolve().parents[1] / "data" / "rates"


def _load(name: str) -> pd.DataFrame:
    return pd.read_csv(RATES / name)


def _with_largest(ev: pd.Series, value: int) -> pd.Series:
    return ev.where(ev != ev.max(), value)


def _check_rate_lines(got: funnel.FunnelLimits, want: pd.DataFrame):
    np.testing.assert_array_equal(got.table["Events"], want["Events"])
    np.testing.assert_allclose(got.table[LIMIT_COLUMNS], want[LIMIT_COLUMNS], rtol=RATE_LINE_RTOL)
    frame = got.to_frame()
    assert set(frame["statistic"]) == set(want["statistic"])
    assert set(frame["method"]) == set(want["method"]) == {"Poisson"}


def test_rate_funnel_limits_dsr():
    inp = _load("funnel_rate_input.csv")
    got = funnel.rate_funnel_limits(
        inp["ev"], inp["rate"], per=1e5, rate_type="dsr", years_of_data=3
    )
    _check_rate_lines(got, _load("funnel_rate_limits_dsr.csv"))


def test_rate_funnel_limits_crude_with_a_small_count():
    inp = _load("funnel_rate_input.csv")
    got = funnel.rate_funnel_limits(
        _with_largest(inp["ev"], 5), inp["rate"], per=1e5, rate_type="crude", years_of_data=3
    )
    _check_rate_lines(got, _load("funnel_rate_limits_crude_ev5.csv"))


def test_bisection_is_within_the_documented_distance_of_exact_quantiles():
    events = np.arange(1.0, 400.0)
    mean = funnel.poisson_funnel_mean(events, 0.025, "high")
    exact = stats.chi2.ppf(0.975, 2 * events + 2) / 2
    np.testing.assert_allclose(mean, exact, rtol=5e-5)
    np.testing.assert_allclose(mean[3:], exact[3:], rtol=3e-7)
    low = funnel.poisson_funnel_mean(events, 0.001, "low")
    np.testing.assert_allclose(low, stats.chi2.ppf(0.001, 2 * events) / 2, rtol=5e-5)


def test_funnel_points():
    inp = _load("funnel_rate_input.csv")
    cases = [
        (_with_largest(inp["ev"], 5), "dsr", 3, None, "rate_chart", "denominator_derived"),
        (inp["ev"], "crude", 3, None, "rate_chart_crude", "denominator_derived_crude"),
        (
            _with_largest(inp["ev"], 0),
            "crude",
            5,
            inp["pop"],
            "rate_chart_crude_with_denom",
            "denominator_derived_crude_with_denom",
        ),
    ]
    for ev, rate_type, years, pop, chart, derived in cases:
        got = funnel.funnel_points(
            ev, inp["rate"], per=1e5, rate_type=rate_type, years_of_data=years, population=pop
        )
        np.testing.assert_allclose(got["rate_chart"], inp[chart], rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(
            got["denominator_derived"], inp[derived], rtol=1e-9, equal_nan=True
        )
    assert inp["rate_chart"].isna().sum() == 1  # the DSR with 5 events is not charted


@pytest.mark.parametrize(
    ("column", "rate_column", "rate_type", "per"),
    [
        ("dsr_per_100000_with_0", "rate_dsr", "dsr", 1e5),
        ("dsr_per_100_with_0", "rate_dsr", "dsr", 100),
        ("crude_per_100000_with_0", "rate_crude_per_100000", "crude", 1e5),
        ("crude_per_100_with_0", "rate_crude_per_100", "crude", 100),
    ],
)
def test_rate_significance_labels(column, rate_column, rate_type, per):
    df = _load("funnel_rate_significance_with_zero.csv")
    got = funnel.rate_significance(
        df["count"], df[rate_column], per=per, rate_type=rate_type, population=df["pop"]
    )
    assert list(got.label) == list(df[column])


def test_crude_significance_from_count_and_population_matches_phe():
    df = _load("funnel_rate_significance_with_zero.csv")
    got = funnel.significance(df["count"], df["pop"], per=100_000)
    assert list(got.label) == list(df["crude_per_100000_with_0"])
    assert got.baseline == pytest.approx(df["count"].sum() / df["pop"].sum() * 1e5, rel=1e-14)
    assert set(got.label) <= set(funnel.LABELS)
    # the per-10,000 default changes only the scale of the baseline, never a label
    default = funnel.significance(df["count"], df["pop"])
    assert list(default.label) == list(got.label)
    assert default.baseline == pytest.approx(got.baseline / 10, rel=1e-14)


def test_significance_against_a_given_baseline_and_with_missing_area():
    # 30 events in 10,000: the 95% interval is 20.2-42.8 per 10,000.
    s = funnel.significance([30, np.nan], [10_000, 10_000], baseline=45.0)
    assert list(s.label) == [funnel.LOW_025, None]
    s = funnel.significance([30], [10_000], baseline=19.0)
    assert list(s.label) == [funnel.HIGH_025]


def test_proportion_significance_labels():
    df = _load("funnel_proportion_input_significance.csv")
    got = funnel.proportion_significance(df["numerator"], df["denominator"])
    assert list(got.label) == list(df["significance"])


def test_proportion_funnel_limits():
    df = _load("funnel_proportion_input_significance.csv")
    want = _load("funnel_proportion_limits.csv")
    got = funnel.proportion_funnel_limits(df["numerator"], df["denominator"], per=100)
    np.testing.assert_array_equal(got.table["Population"], want["Population"])
    np.testing.assert_allclose(got.table[want.columns], want, rtol=1e-6, atol=1e-6)
    assert got.method == "Wilson"


def test_ratio_significance_labels():
    df = _load("funnel_ratio_input_significance.csv")
    got = funnel.ratio_significance(df["obs"], df["expected"])
    assert list(got.label) == list(df["significance"])


def test_ratio_limits_match_funnelplotr():
    df = _load("funnelplotr_poisson_limits.csv")
    lo95, hi95 = funnel.ratio_limits(df["expected"], level=0.95)
    lo998, hi998 = funnel.ratio_limits(df["expected"], level=0.998)
    got = np.column_stack([lo95, hi95, lo998, hi998])
    # FunnelPlotR's test rounds to 6-7 significant digits.
    np.testing.assert_allclose(got, df[["ll95", "ul95", "ll998", "ul998"]], rtol=5e-7)


def test_bad_funnel_input_is_refused():
    with pytest.raises(ValueError, match="population must be > 0: row 1"):
        funnel.significance([1, 2], [10, 0])
    with pytest.raises(ValueError, match="must not exceed total"):
        funnel.proportion_significance([5, 12], [10, 10])
    with pytest.raises(ValueError, match="population is required"):
        funnel.rate_significance([0, 5], [0.0, 1.0], per=100)
    with pytest.raises(ValueError, match="rate_type"):
        funnel.rate_significance([3, 5], [1.0, 1.0], per=100, rate_type="isr")


def test_control_limits_at_populations_retrace_the_phe_lines():
    want = _load("funnel_rate_limits_dsr.csv")
    want = want[want["Events"] >= 4]  # the package's bisection is coarser below 4 events
    baseline = want["baseline"].iloc[0]
    for sigmas, level in (("2s", 0.95), ("3s", 0.998)):
        lower, _ = funnel.poisson_control_limits(
            want[f"lower_{sigmas}_population_1_year"] * 3, baseline, per=1e5, level=level
        )
        _, upper = funnel.poisson_control_limits(
            want[f"upper_{sigmas}_population_1_year"] * 3, baseline, per=1e5, level=level
        )
        np.testing.assert_allclose(lower, want[f"lower_{sigmas}_limit"], rtol=1e-6)
        np.testing.assert_allclose(upper, want[f"upper_{sigmas}_limit"], rtol=1e-6)


def test_control_limits_close_in_on_the_baseline_and_clip_at_zero():
    lower, upper = funnel.poisson_control_limits([50, 5_000, 500_000], 20.0)
    assert lower[0] == 0.0  # 0.1 expected events: no count is significantly low
    assert np.all(np.diff(upper) < 0) and np.all(np.diff(lower) > 0)
    assert lower[-1] < 20.0 < upper[-1]


def test_missing_rate_inputs_get_no_label_and_stay_out_of_the_baseline():
    df = _load("funnel_rate_significance_with_zero.csv")
    full = funnel.rate_significance(
        df["count"], df["rate_crude_per_100000"], per=1e5, population=df["pop"]
    )
    count = df["count"].astype(float).copy()
    count.iloc[0] = np.nan
    part = funnel.rate_significance(
        count, df["rate_crude_per_100000"], per=1e5, population=df["pop"]
    )
    assert part.label[0] is None
    rest = df.iloc[1:]
    want = (
        rest["count"].sum()
        / (rest["count"] / rest["rate_crude_per_100000"] * 1e5)
        .where(rest["count"] > 0, rest["pop"])
        .sum()
        * 1e5
    )
    assert part.baseline == pytest.approx(want, rel=1e-12)
    assert part.baseline != pytest.approx(full.baseline, rel=1e-6)
    ratio = funnel.ratio_significance([5.0, np.nan], [4.0, 3.0])
    assert list(ratio.label) == [funnel.NOT_SIGNIFICANT, None]


def test_ratio_funnel_lines_are_exact_poisson_limits_on_the_phe_grid():
    df = _load("funnel_ratio_input_significance.csv")
    isr = funnel.ratio_funnel_limits(df["obs"], df["expected"], ratio_type="isr")
    count = funnel.ratio_funnel_limits(df["obs"], df["expected"], ratio_type="count")
    t = isr.table
    events = t["Observed_events"].to_numpy()
    assert len(t) == 100 and events[0] == 1 and np.all(np.diff(events) >= 1)
    # axis from the expected counts (4.29 to 706.8): ceiling of 1.05 x max to 2 digits is 750
    assert events[-1] <= 750 < events[-1] * 1.1
    for level, conf in (("2s", 0.95), ("3s", 0.998)):
        # an observed count sits on the line where its exact interval just reaches E
        np.testing.assert_allclose(
            t[f"lower_{level}_exp_events"],
            stats.chi2.ppf(1 - (1 - conf) / 2, 2 * events + 2) / 2,
            rtol=5e-5,
        )
        np.testing.assert_allclose(
            t[f"upper_{level}_exp_events"],
            stats.chi2.ppf((1 - conf) / 2, 2 * events) / 2,
            rtol=5e-5,
        )
        np.testing.assert_allclose(
            count.table[f"upper_{level}_limit"], t[f"upper_{level}_limit"] / 100 - 1, rtol=1e-12
        )
    assert (isr.statistic, count.statistic, isr.method) == (
        "ratio (isr)",
        "ratio (count)",
        "Poisson",
    )


def test_axis_rounding_follows_r_number_formatting():
    from jigsaw.stats import _funnel_grid as g

    # R prints 100000 as "1e+05" (5 characters) but 120000 in full (6)
    assert [g._r_nchar(v) for v in (0, 7, 123, 100_000, 120_000, 1e15)] == [1, 1, 3, 5, 6, 5]
    assert g.axis_range(100, 1_000) == (0.0, 1_100.0)
    assert g.axis_range(20_000, 30_000) == (10_000.0, 32_000.0)  # 19,000 to its leading digit
