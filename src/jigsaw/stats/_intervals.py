"""Interval primitives shared by rates, funnels and standardised statistics.

Closed forms only (no iteration); every function is vectorised over numpy arrays and follows the
conventions of PHEindicatormethods 2.1.0 so that its reference vectors are reproduced to about
1e-12 relative error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from jigsaw.errors import InputError

__all__ = [
    "ConfidenceInterval",
    "byars_lower",
    "byars_upper",
    "check_level",
    "normal_cdf",
    "normal_pdf",
    "normal_ppf",
    "exact_poisson_lower",
    "exact_poisson_upper",
    "poisson_limits",
    "wilson_lower",
    "wilson_upper",
    "z_value",
]

#: Below this many events PHEindicatormethods uses the exact Poisson interval, from it Byar's.
BYARS_FROM = 10


@dataclass(frozen=True)
class ConfidenceInterval:
    """Limits of a confidence interval, with the level and the method that produced them.

    ``lower`` and ``upper`` are floats for scalar input and numpy arrays otherwise; ``method`` is
    a string, or an array of strings (``None`` where the input was missing) when it varies.
    """

    lower: float | np.ndarray
    upper: float | np.ndarray
    level: float
    method: str | np.ndarray


def check_level(level: float) -> float:
    """Return a confidence level as a float after checking it is a fraction in (0, 1).

    The one check of a level across :mod:`jigsaw.stats`: every function and method that takes a
    ``level`` validates it here, so all refuse the same things with the same message.

    Raises
    ------
    InputError
        For percentages such as ``95`` (give ``0.95``) and for anything outside (0, 1).

    >>> check_level(0.998)
    0.998
    """
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise InputError(f"level must be a number, got {level!r}") from None
    if not 0 < value < 1:
        hint = " (give a fraction such as 0.95, not a percentage)" if value > 1 else ""
        raise InputError(f"level must be a fraction strictly between 0 and 1, got {level!r}{hint}")
    return value


# The standard normal distribution, as scipy.stats.norm computes it (the same special functions,
# so the same bits), without importing scipy.stats: that import alone is about half a second of
# every command that compares areas.
_SQRT_2PI = float(np.sqrt(2 * np.pi))


def normal_pdf(x: float) -> float:
    """Standard normal density (``scipy.stats.norm.pdf``)."""
    return float(np.exp(-(x**2) / 2.0) / _SQRT_2PI)


def normal_cdf(x: float) -> float:
    """Standard normal distribution function (``scipy.stats.norm.cdf``)."""
    return float(special.ndtr(x))


def normal_ppf(p: float) -> float:
    """Standard normal quantile (``scipy.stats.norm.ppf``)."""
    return float(special.ndtri(p))


def z_value(level: float) -> float:
    """Two-sided standard normal quantile for a confidence ``level``: the one z helper of
    :mod:`jigsaw.stats`.

    >>> round(z_value(0.95), 6), round(z_value(0.998), 6)
    (1.959964, 3.090232)
    """
    return float(special.ndtri(0.5 + check_level(level) / 2))


def byars_lower(x: ArrayLike, level: float = 0.95) -> np.ndarray:
    """Byar's approximate lower confidence limit for a Poisson count.

    ``x (1 - 1/(9x) - z/(3 sqrt x))^3``; negative results (tiny counts at a high level) are
    returned as NaN, as PHEindicatormethods does. Source: Breslow & Day (1987), vol. II.
    """
    x = np.asarray(x, dtype=float)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    return np.where(out < 0, np.nan, out)


def byars_upper(x: ArrayLike, level: float = 0.95) -> np.ndarray:
    """Byar's approximate upper confidence limit for a Poisson count.

    ``(x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3``. Source: Breslow & Day (1987), vol. II.
    """
    x1 = np.asarray(x, dtype=float) + 1
    z = z_value(level)
    return cast(NDArray[np.float64], x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3)


def exact_poisson_lower(x: ArrayLike, level: float = 0.95) -> np.ndarray:
    """Exact (Garwood) lower limit for a Poisson count: ``chi2.ppf((1-c)/2, 2x) / 2``; 0 at x=0."""
    x = np.asarray(x, dtype=float)
    alpha = 1 - check_level(level)
    with np.errstate(invalid="ignore"):
        # scipy's chi-square with 0 degrees of freedom is undefined; R (and the limit) give 0.
        out = special.chdtri(2 * x, 1 - alpha / 2) / 2
    return np.where(x == 0, 0.0, out)


def exact_poisson_upper(x: ArrayLike, level: float = 0.95) -> np.ndarray:
    """Exact (Garwood) upper limit for a Poisson count: ``chi2.ppf(1-(1-c)/2, 2x+2) / 2``."""
    x = np.asarray(x, dtype=float)
    alpha = 1 - check_level(level)
    return cast(NDArray[np.float64], special.chdtri(2 * x + 2, alpha / 2) / 2)


def poisson_limits(x: ArrayLike, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Limits for a count as PHEindicatormethods computes them: exact below 10 events, Byar's from 10.

    Returns ``(lower, upper, method)`` where ``method`` holds ``"Exact"``, ``"Byars"`` or ``None``
    (missing count).
    """
    x = np.asarray(x, dtype=float)
    exact = x < BYARS_FROM
    with np.errstate(invalid="ignore"):
        lower = np.where(exact, exact_poisson_lower(x, level), byars_lower(x, level))
        upper = np.where(exact, exact_poisson_upper(x, level), byars_upper(x, level))
    method = np.where(exact, "Exact", "Byars").astype(object)
    method[np.isnan(x)] = None
    return lower, upper, method


def _wilson(x: ArrayLike, n: ArrayLike, level: float, sign: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    if level == 1:
        # The 100% interval is the whole of [0, 1], as PHEindicatormethods returns it.
        return np.broadcast_to(
            np.where(np.isnan(x + n), np.nan, float(sign > 0)), np.broadcast(x, n).shape
        ).copy()
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
        return cast(NDArray[np.float64], (2 * x + z**2 + sign * root) / 2 / (n + z**2))


def wilson_lower(x: ArrayLike, n: ArrayLike, level: float = 0.95) -> np.ndarray:
    """Wilson score lower limit for the proportion ``x / n``.

    ``(2x + z^2 - z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))``. Source: Wilson (1927), JASA 22,
    209-212; Newcombe & Altman (2000). ``level=1`` gives 0 (and 1 for the upper limit).
    """
    return _wilson(x, n, level, -1)


def wilson_upper(x: ArrayLike, n: ArrayLike, level: float = 0.95) -> np.ndarray:
    """Wilson score upper limit for the proportion ``x / n`` (see :func:`wilson_lower`)."""
    return _wilson(x, n, level, +1)
