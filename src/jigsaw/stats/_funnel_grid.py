"""PHEindicatormethods' funnel-line machinery: its axis rounding, 100-point grid and bisection.

Private to :mod:`jigsaw.stats.funnel`, which re-exports :func:`poisson_funnel_mean`. Kept apart
because it emulates R and PHE quirks exactly (R's number formatting, round half to even, the
23-step bisection) so that the package's stored lines are reproduced to about 1e-9.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

__all__ = ["axis_range", "grid", "poisson_funnel_mean"]

_GRID_POINTS = 100


def _r_nchar(value: float) -> int:
    """Characters R's ``as.character`` uses for a whole number (R prefers 1e+05 to 100000)."""
    fixed = str(int(value))
    digits = fixed.lstrip("-").rstrip("0") or "0"
    exponent = len(fixed.lstrip("-")) - 1
    sci = len(digits) + (1 if len(digits) > 1 else 0) + 2 + max(2, len(str(exponent)))
    sci += len(fixed) - len(fixed.lstrip("-"))
    return len(fixed) if len(fixed) <= sci else sci


def _signif_floor(x: float, down: float = 0.95) -> float:
    if x == 0:
        return 0.0
    digits = _r_nchar(np.floor(x * down)) - 1
    return float(np.floor(x * down / 10**digits) * 10**digits)


def _signif_ceiling(x: float, up: float = 1.05) -> float:
    if x == 0:
        return 0.0
    digits = _r_nchar(np.ceil(x * up)) - 2
    return float(np.ceil(x * up / 10.0**digits) * 10.0**digits)


def grid(axis_minimum: float, axis_maximum: float, offset: int = 0) -> np.ndarray:
    """100 x-axis points spaced geometrically, closer at the small end (PHE's layout)."""
    points = [max(1.0, axis_minimum)]
    for j in range(2, _GRID_POINTS + 1):
        prev = points[-1]
        step = (axis_maximum / prev) ** (1 / (101 - j + offset)) * prev
        # numpy rounds half to even, as R's round() does.
        points.append(max(float(np.round(step)), prev + 1))
    return np.array(points)


def axis_range(min_den: float, max_den: float, years: float = 1.0) -> tuple[float, float]:
    """X-axis range from the smallest and largest denominators, rounded as PHE rounds it.

    The axis starts at 0 when the denominators span more than a factor of two, else at 95% of
    the smallest rounded down to its leading digit; it ends at 105% of the largest rounded up to
    two significant digits. Rate funnels round the yearly denominators (``years``).
    """
    if max_den > 2 * min_den:
        lo = 0.0
    else:
        lo = _signif_floor(min_den / years) * years
    return lo, _signif_ceiling(max_den / years) * years


def poisson_funnel_mean(events: ArrayLike, p: float, side: str) -> np.ndarray:
    """Poisson mean at which ``events`` sits on a funnel line, found by PHE's bisection.

    ``side="low"``: the mean ``mu`` with ``P(X >= events | mu) = p`` (the upper line);
    ``side="high"``: ``P(X <= events | mu) = p`` (the lower line). The search runs 23 halvings
    on ``v = mu / (mu + events + 1)`` exactly as PHEindicatormethods 2.1.0 does, so its results
    match to about 1e-9 (they differ from the exact chi-square quantile by up to 5e-5
    relative).
    """
    if side not in ("low", "high"):
        raise ValueError(f"side must be 'low' or 'high', got {side!r}")
    obs = np.atleast_1d(np.asarray(events, dtype=float))
    v = np.full(obs.shape, 0.5)
    dv = 0.5
    while dv > 1e-7:
        dv /= 2
        mu = (1 + obs) * v / (1 - v)
        if side == "low":
            # P(X >= obs) = regularised lower incomplete gamma P(obs, mu); 1 when obs is 0.
            tail = np.where(obs == 0, 1.0, special.gammainc(np.maximum(obs, 1e-300), mu))
            v = np.where(tail > p, v - dv, v + dv)
        else:
            tail = special.gammaincc(obs + 1, mu)
            v = np.where(tail < p, v - dv, v + dv)
    mean: np.ndarray = (1 + obs) * v / (1 - v)
    return mean
