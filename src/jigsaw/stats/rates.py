"""Crude rates and proportions with confidence intervals, as PHEindicatormethods computes them.

:func:`rate` gives a rate per ``per`` people with the exact Poisson interval below 10 events and
Byar's approximation from 10; :func:`proportion` gives a proportion (times ``per``) with the Wilson
score interval. Both take scalars or arrays and return a frozen :class:`Estimate` that echoes its
inputs, carries its method and source, and can give its interval at another level with
:meth:`Estimate.confidence_interval`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from jigsaw.stats._intervals import (
    ConfidenceInterval,
    byars_lower,
    byars_upper,
    check_level,
    exact_poisson_lower,
    exact_poisson_upper,
    poisson_limits,
    wilson_lower,
    wilson_upper,
    z_value,
)

__all__ = [
    "ConfidenceInterval",
    "Estimate",
    "byars_lower",
    "byars_upper",
    "exact_poisson_lower",
    "exact_poisson_upper",
    "poisson_limits",
    "proportion",
    "rate",
    "wilson_lower",
    "wilson_upper",
    "z_value",
]

PHE_SOURCE = "PHEindicatormethods 2.1.0 (UKHSA), phe_rate/phe_proportion conventions"
_RATE_SOURCE = PHE_SOURCE + "; Byar's method: Breslow & Day (1987); exact: Armitage & Berry (2002)"
_PROPORTION_SOURCE = PHE_SOURCE + "; Wilson (1927), J Am Stat Assoc 22:209-212"


@dataclass(frozen=True)
class Estimate:
    """A rate or proportion with its confidence interval.

    Array fields are numpy arrays when any input was an array and floats (``method``: a string)
    when all inputs were scalars. ``count`` and ``denominator`` echo the inputs as floats.

    Attributes
    ----------
    count, denominator : float or ndarray
        The numerator (events, or cases with the condition) and the population or total.
    per : float
        Multiplier: the value is ``count / denominator * per``.
    level : float
        Level of ``lower``/``upper`` as a fraction (0.95).
    value, lower, upper : float or ndarray
        Estimate and limits, NaN where an input was missing.
    method : str or ndarray
        ``"Exact"``/``"Byars"`` per element for rates (``None`` where the count was missing),
        ``"Wilson"`` for proportions.
    statistic : str
        Label such as ``"rate per 10000"`` or ``"proportion of 1"``.
    source : str
        Reference for the method.
    """

    count: float | np.ndarray
    denominator: float | np.ndarray
    per: float
    level: float
    value: float | np.ndarray
    lower: float | np.ndarray
    upper: float | np.ndarray
    method: str | np.ndarray
    statistic: str
    source: str
    _kind: str = field(repr=False, default="rate")

    @property
    def population(self) -> float | np.ndarray:
        """The denominator of a rate (alias of ``denominator``)."""
        return self.denominator

    @property
    def total(self) -> float | np.ndarray:
        """The denominator of a proportion (alias of ``denominator``)."""
        return self.denominator

    def confidence_interval(self, level: float = 0.95) -> ConfidenceInterval:
        """Return the interval at another level (for example 0.998) for the same inputs."""
        lower, upper, method = _limits(
            self._kind, self.count, self.denominator, self.per, check_level(level)
        )
        return ConfidenceInterval(
            _out(lower, self.value),
            _out(upper, self.value),
            float(level),
            _out_method(method, self.value),
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per element with the inputs, value, limits, level, statistic and method."""
        count = np.atleast_1d(self.count)
        frame = pd.DataFrame(
            {
                "count": count,
                "denominator": np.broadcast_to(np.atleast_1d(self.denominator), count.shape),
                "value": np.atleast_1d(self.value),
                "lower": np.atleast_1d(self.lower),
                "upper": np.atleast_1d(self.upper),
            }
        )
        frame["level"] = self.level
        frame["per"] = self.per
        frame["statistic"] = self.statistic
        frame["method"] = np.broadcast_to(
            np.atleast_1d(np.asarray(self.method, dtype=object)), count.shape
        )
        return frame


def _as_float_array(values: ArrayLike, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric") from None
    return arr


def _check_inputs(
    count: ArrayLike, denominator: ArrayLike, count_name: str, denom_name: str, proportion: bool
) -> tuple[np.ndarray, np.ndarray]:
    x = _as_float_array(count, count_name)
    n = _as_float_array(denominator, denom_name)
    x, n = np.broadcast_arrays(x, n)
    bad = np.flatnonzero(x < 0)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{count_name} must be >= 0: row {i} has {float(x.flat[i])!r}")
    bad = np.flatnonzero(n <= 0)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{denom_name} must be > 0: row {i} has {float(n.flat[i])!r}")
    if proportion:
        bad = np.flatnonzero(x > n)
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"{count_name} must not exceed {denom_name} for a proportion: row {i} has "
                f"{float(x.flat[i])!r} > {float(n.flat[i])!r}"
            )
    return x, n


def _limits(
    kind: str, x: ArrayLike, n: ArrayLike, per: float, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    if kind == "rate":
        lo, hi, method = poisson_limits(x, level)
        with np.errstate(invalid="ignore"):
            return lo / n * per, hi / n * per, method
    lo = wilson_lower(x, n, level) * per
    hi = wilson_upper(x, n, level) * per
    return lo, hi, np.full(x.shape, "Wilson", dtype=object)


def _out(arr: ArrayLike, like: ArrayLike) -> float | np.ndarray:
    """Scalars back as floats when the inputs were scalars."""
    if np.ndim(like) == 0:
        return float(np.asarray(arr).reshape(()))
    return np.asarray(arr, dtype=float)


def _out_method(method: ArrayLike, like: ArrayLike) -> Any:
    if np.ndim(like) == 0:
        return np.asarray(method, dtype=object).reshape(()).item()
    return np.asarray(method, dtype=object)


def _per_label(per: float) -> str:
    return f"{per:.0f}" if float(per).is_integer() else f"{per:g}"


def _estimate(
    kind: str,
    count: ArrayLike,
    denominator: ArrayLike,
    per: float,
    level: float,
    names: tuple[str, str],
    statistic: str,
    source: str,
) -> Estimate:
    level = check_level(level)
    per = float(per)
    if not per > 0:
        raise ValueError(f"per must be positive, got {per!r}")
    scalar = np.ndim(count) == 0 and np.ndim(denominator) == 0
    x, n = _check_inputs(count, denominator, names[0], names[1], proportion=(kind == "proportion"))
    with np.errstate(invalid="ignore", divide="ignore"):
        value = x / n * per
    lower, upper, method = _limits(kind, x, n, per, level)
    like = 0.0 if scalar else value
    return Estimate(
        count=_out(x, like),
        denominator=_out(n, like),
        per=per,
        level=level,
        value=_out(value, like),
        lower=_out(lower, like),
        upper=_out(upper, like),
        method=_out_method(method, like),
        statistic=statistic,
        source=source,
        _kind=kind,
    )


def rate(
    count: ArrayLike, population: ArrayLike, per: float = 10_000, level: float = 0.95
) -> Estimate:
    """Crude rate per ``per`` people with a Poisson confidence interval.

    Parameters
    ----------
    count : float or array_like
        Events (identified children); non-negative; NaN for missing.
    population : float or array_like
        Population at risk; positive; NaN for missing. Broadcast against ``count``. A count above
        its population is allowed (events can recur), as in PHEindicatormethods.
    per : float, default 10,000
        Multiplier for the rate.
    level : float, default 0.95
        Level as a fraction; use :meth:`Estimate.confidence_interval` for a second level.

    Returns
    -------
    Estimate
        ``value = count / population * per``. Limits use the exact Poisson interval
        (chi-square quantiles; lower limit 0 for 0 events) when ``count < 10`` and Byar's
        approximation otherwise; ``method`` says which. Missing inputs give NaN and method None.

    Raises
    ------
    ValueError
        A negative count, a population that is not positive, or a level outside (0, 1).

    Notes
    -----
    Follows ``phe_rate`` of PHEindicatormethods 2.1.0 exactly.

    References
    ----------
    1. Breslow NE, Day NE. Statistical methods in cancer research, vol. II. IARC; 1987.
    2. Armitage P, Berry G. Statistical methods in medical research, 4th edn. Blackwell; 2002.

    Examples
    --------
    20 events in 100 people, per 100 (PHEindicatormethods test data, Area3):

    >>> r = rate(20, 100, per=100)
    >>> round(r.value, 6), round(r.lower, 6), round(r.upper, 6), r.method
    (20.0, 12.211429, 30.88988, 'Byars')
    >>> round(rate(1, 100, per=100).confidence_interval(0.998).upper, 6)
    9.233413
    """
    return _estimate(
        "rate",
        count,
        population,
        per,
        level,
        ("count", "population"),
        f"rate per {_per_label(per)}",
        _RATE_SOURCE,
    )


def proportion(count: ArrayLike, total: ArrayLike, per: float = 1, level: float = 0.95) -> Estimate:
    """Proportion ``count / total`` (times ``per``) with the Wilson score interval.

    Parameters
    ----------
    count : float or array_like
        Cases with the condition; non-negative, not above ``total``; NaN for missing.
    total : float or array_like
        Cases in the sample; positive; NaN for missing.
    per : float, default 1
        1 for a proportion, 100 for a percentage.
    level : float, default 0.95
        Level as a fraction.

    Returns
    -------
    Estimate
        With ``method == "Wilson"``; NaN value and limits where an input is missing.

    Raises
    ------
    ValueError
        A negative count, a total that is not positive, a count above its total (as
        PHEindicatormethods refuses), or a level outside (0, 1).

    References
    ----------
    1. Wilson EB. Probable inference, the law of succession, and statistical inference.
       J Am Stat Assoc 1927;22:209-212.
    2. Newcombe RG, Altman DG. Proportions and their differences. In: Statistics with
       confidence, 2nd edn. BMJ Books; 2000:46-48.

    Examples
    --------
    65 of 100 (PHEindicatormethods test data for its Wilson limits):

    >>> p = proportion(65, 100)
    >>> round(p.lower, 4), round(p.upper, 4)
    (0.5525, 0.7364)
    """
    label = "percentage" if per == 100 else f"proportion of {_per_label(per)}"
    return _estimate(
        "proportion", count, total, per, level, ("count", "total"), label, _PROPORTION_SOURCE
    )
