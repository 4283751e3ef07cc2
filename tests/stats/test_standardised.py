"""DSR and ISR against the PHEindicatormethods 2.1.0 vectors (calculate_dsr, calculate_ISRatio)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jigsaw.stats import standardised as st

RTOL = 1e-12
LIMITS = ["value", "lower95", "upper95", "lower998", "upper998"]
EXPECTED = [
    "expected_value",
    "expected_lower95",
    "expected_upper95",
    "expected_lower998",
    "expected_upper998",
]
PERSON_COLUMNS = [f"persons_freq{k}" for k in range(1, 5)]


RATES = Path(__file__).resolve().parents[1] / "data" / "rates"


def _load(name: str) -> pd.DataFrame:
    return pd.read_csv(RATES / name)


def _check(got: pd.DataFrame, want: pd.DataFrame, *, rtol: float, totals: list[tuple[str, str]]):
    got = got.rename(columns=lambda c: c if c == "area" else "got_" + c)
    merged = want.merge(got, on="area", how="left", validate="one_to_one")
    assert len(merged) == len(want)
    for ours, theirs in totals:
        np.testing.assert_allclose(merged["got_" + ours], merged[theirs], rtol=1e-14)
    ours = merged[["got_" + c for c in LIMITS]]
    np.testing.assert_array_equal(ours.isna().to_numpy(), merged[EXPECTED].isna().to_numpy())
    np.testing.assert_allclose(
        ours.to_numpy(float), merged[EXPECTED].to_numpy(float), rtol=rtol, equal_nan=True
    )
    assert list(merged["got_statistic"]) == list(merged["expected_statistic"])
    assert list(merged["got_method"]) == list(merged["expected_method"])


def test_dsr_independent_events():
    want = _load("dsr_results.csv")
    want = want[want["expected_method"] == st.DSR_METHOD]
    got = st.dsr_by_area(_load("dsr_input_multiarea.csv"), per=100_000)
    _check(
        got, want, rtol=RTOL, totals=[("total_count", "total_count"), ("total_pop", "total_pop")]
    )


def test_dsr_non_independent_events():
    want = _load("dsr_results.csv")
    want = want[want["expected_method"] == st.DSR_NONINDEPENDENT_METHOD]
    assert len(want) == 2
    data = _load("dsr_input_nonindependent.csv")
    got = st.dsr_by_area(data, per=100_000, persons_by_frequency=PERSON_COLUMNS)
    # The non-independent rows are stored to 10 decimals, i.e. about 1e-13 relative here.
    _check(got, want, rtol=1e-11, totals=[("total_count", "total_count")])
    # the frequency breakdown reproduces the band totals it came from
    persons = data[PERSON_COLUMNS].fillna(0).to_numpy()
    np.testing.assert_array_equal(persons @ np.arange(1, 5), data["total_count_in_band"])


def test_non_independence_widens_but_does_not_move_the_dsr():
    data = _load("dsr_input_nonindependent.csv")
    big = data[data["area"] == "testdata_nonind_big"]
    plain = st.dsr(big["total_count_in_band"], big["pop"], big["esp2013"])
    adjusted = st.dsr(
        None, big["pop"], big["esp2013"], persons_by_frequency=big[PERSON_COLUMNS].to_numpy(float)
    )
    assert adjusted.value == pytest.approx(plain.value, rel=1e-14)
    assert adjusted.lower < plain.lower and adjusted.upper > plain.upper


def test_isratio_reproduces_vectors():
    data = _load("isr_input_multiarea.csv")
    want = _load("isr_results.csv")
    for refvalue, rows in want.groupby("multiplier_or_refvalue"):
        got = st.isratio_by_area(data, refvalue=refvalue)
        _check(got, rows, rtol=RTOL, totals=[("observed", "observed"), ("expected", "expected_E")])


def test_isratio_with_the_reference_table_joined_by_age_band():
    data = _load("isr_input_multiarea.csv").drop(columns=["refcount", "refpop"])
    data = data.merge(_load("isr_reference.csv"), on="ageband", how="left", validate="many_to_one")
    want = _load("isr_results.csv")
    rows = want[want["multiplier_or_refvalue"] == 100]
    _check(
        st.isratio_by_area(data, refvalue=100), rows, rtol=RTOL, totals=[("expected", "expected_E")]
    )


def test_israte_is_the_ratio_times_the_reference_rate():
    data = _load("isr_input_multiarea.csv")
    big = data[data["area"] == "testdata_big"]
    ratio = st.isratio(big["count"], big["pop"], big["refcount"], big["refpop"])
    rate = st.israte(big["count"], big["pop"], big["refcount"], big["refpop"], per=100_000)
    ref_rate = big["refcount"].fillna(0).sum() / big["refpop"].sum() * 100_000
    for a, b in [(rate.value, ratio.value), (rate.lower, ratio.lower), (rate.upper, ratio.upper)]:
        assert a == pytest.approx(b * ref_rate, rel=1e-13)
    assert rate.method == ratio.method == "Byars"


def test_dsr_result_echoes_and_refuses_bad_input():
    d = st.dsr([30, 20], [1000, 1000], [1, 1], per=1000)
    assert (d.observed, d.denominator, d.per, d.level) == (50.0, 2000.0, 1000.0, 0.95)
    assert d.statistic == "dsr per 1000" and "Dobson" in d.source
    assert list(d.to_frame().columns)[:5] == ["observed", "denominator", "value", "lower", "upper"]
    with pytest.raises(ValueError, match="population must be > 0: row 1"):
        st.dsr([1, 2], [10, 0], [1, 1])
    with pytest.raises(ValueError, match="equal length"):
        st.dsr([1, 2, 3], [10, 10], [1, 1])
    with pytest.raises(ValueError, match="count must be >= 0"):
        st.dsr([1, -2], [10, 10], [1, 1])
