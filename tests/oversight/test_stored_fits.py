"""The national report's stored model fits: statsmodels' own, complete, and used.

The fits of the shipped DfE data are stored so that ``jigsaw oversight`` on the published data
needs neither statsmodels nor its fitting time; these tests refit every one of them.
(``tests/test_startup.py`` checks that the command then loads no statsmodels.)
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from jigsaw.oversight import _fits
from jigsaw.oversight.national import analyse_national, load_national
from jigsaw.report.national import render_page


@pytest.fixture(scope="module")
def refitted() -> dict[str, tuple[float, ...]]:
    return _fits.shipped_fits()


def test_every_fit_of_the_shipped_years_is_stored_as_statsmodels_fits_it(refitted):
    stored = json.loads(_fits.STORED.read_text(encoding="utf-8"))["fits"]
    # Both models of every year from the third (persistence) and of every year (related).
    assert len(refitted) > 100
    assert set(stored) == set(refitted), "run `make national-fits` after changing the report"
    for key, values in refitted.items():
        np.testing.assert_allclose(stored[key], values, rtol=1e-7, atol=1e-12, err_msg=key)


def test_the_report_is_the_same_with_the_stored_fits_and_fitted_afresh():
    with_stored = render_page(analyse_national(load_national(2025)))
    with _fits.fitting_all() as computed:
        afresh = render_page(analyse_national(load_national(2025)))
    assert computed, "fitting afresh fitted nothing"
    assert afresh == with_stored


def test_a_key_ignores_the_last_bits_of_a_float_but_not_a_real_change():
    y = np.array([0.1, 0.2, 0.0, 1e-5, -2.5])
    groups = np.array([0, 0, 1, 1, 2])
    nudged = y * (1 + 2e-16)
    assert not np.array_equal(nudged, y)
    assert _fits.key("reml", nudged, groups) == _fits.key("reml", y, groups)
    # A difference of sums that should be zero: tiny against the array's largest value.
    assert _fits.key("reml", y + np.array([0, 0, 1e-17, 0, 0]), groups) == _fits.key(
        "reml", y, groups
    )
    assert _fits.key("reml", y * (1 + 1e-6), groups) != _fits.key("reml", y, groups)
    assert _fits.key("reml", y + np.array([0, 0, 0, 1e-5, 0]), groups) != _fits.key(
        "reml", y, groups
    )
    assert _fits.key("huber", y, groups) != _fits.key("reml", y, groups)
    assert _fits.key("reml", y, groups[::-1]) != _fits.key("reml", y, groups)


def test_every_stored_fit_is_found_when_every_input_differs_in_its_last_bit(monkeypatch):
    # What another processor's vector code may do to a logarithm or a sum.
    from jigsaw.datasets import england

    rng = np.random.default_rng(0)
    exact = _fits.key

    def nudged(kind, *arrays):
        arrays = tuple(
            np.nextafter(a, np.where(rng.random(a.shape) < 0.5, -np.inf, np.inf))
            if np.asarray(a).dtype.kind == "f"
            else a
            for a in map(np.asarray, arrays)
        )
        return exact(kind, *arrays)

    monkeypatch.setattr(_fits, "key", nudged)
    monkeypatch.setattr(_fits, "_memo", {})
    for year in england.YEARS:
        analyse_national(load_national(year))
    assert _fits._memo == {}, "a fit was computed: its inputs' key changed with the last bits"


def test_inputs_not_stored_are_fitted_on_the_run():
    calls = []

    def fit() -> list[float]:
        calls.append(1)
        return [1.5, 2.5]

    arrays = (np.array([3.0, 4.0, 5.0]),)
    assert _fits.fitted("huber", arrays, fit) == (1.5, 2.5)
    assert _fits.fitted("huber", arrays, fit) == (1.5, 2.5)
    assert len(calls) == 1
