"""The root finder the oversight path uses instead of scipy.optimize gives scipy's roots, bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from jigsaw.stats._roots import brentq


def _functions(rng: np.random.Generator) -> list[tuple[object, float, float]]:
    cases = []
    for _ in range(300):
        c = float(rng.uniform(-5, 5))
        k = float(rng.uniform(0.1, 10))
        cases.append((lambda x, c=c, k=k: math.tanh(k * (x - c)), c - 7.0, c + 11.0))
        y = rng.normal(size=int(rng.integers(5, 60)))
        s2 = rng.uniform(0.01, 1.0, size=y.size)
        kappa = float(rng.uniform(0.3, 0.9))

        # The shape the overdispersion and persistence modules solve: a mean of ratios
        # minus a target, in the between-area variance.
        def excess(t: float, y: np.ndarray = y, s2: np.ndarray = s2, kappa: float = kappa) -> float:
            return float(np.mean(y**2 / (s2 + t)) - kappa)

        if excess(0.0) > 0:
            high = 1e-6
            while excess(high) > 0:
                high *= 2.0
            cases.append((excess, 0.0, high))
        p = float(rng.uniform(1.5, 4))
        cases.append((lambda x, p=p: x**3 - p * x - 1.0, 0.0, 4.0))
    return cases


def test_same_root_as_scipy_to_the_bit() -> None:
    rng = np.random.default_rng(2026)
    cases = _functions(rng)
    assert len(cases) > 700
    for f, a, b in cases:
        assert brentq(f, a, b) == optimize.brentq(f, a, b)
        assert brentq(f, a, b, xtol=1e-12) == optimize.brentq(f, a, b, xtol=1e-12)


def test_root_at_an_end_and_errors() -> None:
    assert brentq(lambda x: x - 1.0, 1.0, 3.0) == 1.0
    with pytest.raises(ValueError, match="different signs"):
        brentq(lambda x: x * x + 1.0, -1.0, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        brentq(lambda x: math.nan if x > 0 else -1.0, -1.0, 1.0)
    with pytest.raises(RuntimeError, match="no convergence"):
        brentq(lambda x: math.tanh(5 * (x - 0.3)), 0.0, 10.0, maxiter=2)
