"""Rates, proportions and their interval primitives against the PHEindicatormethods 2.1.0 vectors."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jigsaw.stats.rates import (
    byars_lower,
    byars_upper,
    proportion,
    rate,
    wilson_lower,
    wilson_upper,
)

RTOL = 1e-12


RATES = Path(__file__).resolve().parents[1] / "data" / "rates"


def _load(name: str) -> pd.DataFrame:
    return pd.read_csv(RATES / name)


def test_byars_and_wilson_primitives_reproduce_vectors():
    df = _load("byars_wilson_limits.csv")
    assert set(df["method"]) == {"Byars", "Wilson"}
    for row in df.itertuples():
        if row.method == "Byars":
            lo, hi = byars_lower(row.x, row.confidence), byars_upper(row.x, row.confidence)
        else:
            lo = wilson_lower(row.x, row.n, row.confidence)
            hi = wilson_upper(row.x, row.n, row.confidence)
        np.testing.assert_allclose(
            [lo, hi],
            [row.expected_lower, row.expected_upper],
            rtol=RTOL,
            err_msg=f"source_row {row.source_row}",
        )


def _check_cases(df: pd.DataFrame, fn):
    for per, group in df.groupby("multiplier"):
        est95 = fn(group["numerator"].to_numpy(), group["denominator"].to_numpy(), per=per)
        ci998 = est95.confidence_interval(0.998)
        got = np.column_stack([est95.value, est95.lower, est95.upper, ci998.lower, ci998.upper])
        want = group[
            [
                "expected_value",
                "expected_lower95",
                "expected_upper95",
                "expected_lower998",
                "expected_upper998",
            ]
        ].to_numpy()
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=RTOL, equal_nan=True)
        want_method = [None if pd.isna(m) else m for m in group["expected_method"]]
        assert list(est95.method) == want_method
        assert est95.statistic == group["expected_statistic"].iloc[0]
        assert list(ci998.method) == want_method


def test_rate_reproduces_phe_rate_cases():
    df = _load("phe_rate_cases.csv")
    assert df["expected_value"].isna().any()  # the NA rows are part of the check
    _check_cases(df, rate)


def test_proportion_reproduces_phe_proportion_cases():
    _check_cases(_load("phe_proportion_cases.csv"), proportion)


def test_scalar_inputs_give_scalar_outputs_and_echo_inputs():
    r = rate(9, 1000)
    assert isinstance(r.value, float) and r.method == "Exact"
    assert (r.count, r.population, r.per, r.level) == (9.0, 1000.0, 10_000.0, 0.95)
    assert r.value == pytest.approx(90.0)
    assert "Breslow" in r.source
    assert rate(10, 1000).method == "Byars"
    frame = rate([3, 30], pd.Series([100, 100])).to_frame()
    assert list(frame["method"]) == ["Exact", "Byars"]
    assert list(frame["level"]) == [0.95, 0.95]


def test_zero_count_has_zero_lower_limit_and_exact_upper():
    r = rate(0, 1000, per=1000)
    assert r.lower == 0.0
    # Exact upper limit for 0 events at 95% is -ln(0.025) = 3.6889 events.
    assert r.upper == pytest.approx(-np.log(0.025), rel=1e-12)
    p = proportion(0, 50)
    assert p.lower == 0.0 and p.upper > 0


def test_count_above_population_is_a_rate_but_not_a_proportion():
    assert rate(12, 10, per=1).value == pytest.approx(1.2)
    with pytest.raises(ValueError, match=r"row 1 .*12\.0 > 10\.0"):
        proportion([1, 12], [10, 10])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (dict(count=-1, population=10), "count must be >= 0"),
        (dict(count=1, population=0), "population must be > 0"),
        (dict(count=1, population=10, level=95), "fraction"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(args, message):
    with pytest.raises(ValueError, match=message):
        rate(**args)


def test_wilson_at_full_confidence_is_the_unit_interval_and_bounds_are_exact_at_the_ends():
    assert wilson_lower(3, 10, 1) == 0.0 and wilson_upper(3, 10, 1) == 1.0
    p = proportion([0, 25], [25, 25])
    assert p.lower[0] == 0.0 and p.upper[1] == pytest.approx(1.0, abs=1e-15)
    assert 0 < p.upper[0] < 0.2 and 0.8 < p.lower[1] < 1
