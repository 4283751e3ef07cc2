"""Funnel-plot control limits and per-area significance labels (Poisson and Wilson).

Reproduces PHEindicatormethods 2.1.0 (``calculate_funnel_limits``,
``assign_funnel_significance``, ``calculate_funnel_points``) and the unadjusted exact-Poisson
limits of FunnelPlotR 0.6.0. An area is compared with a baseline: the pooled value of all areas
(``sum(count) / sum(denominator)``) unless a baseline is given. Its label says whether the
baseline lies outside its own 95% or 99.8% interval:

``High (0.001)``, ``High (0.025)``, ``Not significant``, ``Low (0.025)``, ``Low (0.001)``, and for
directly standardised rates with fewer than 10 events ``Not applicable for events less than 10 for
dsrs``.

References
----------
1. Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
   2005;24:1185-1202.
2. Public Health England. Fingertips technical guidance: funnel plots; implemented in
   PHEindicatormethods 2.1.0 (UKHSA).
3. FunnelPlotR 0.6.0 (NHS-R community), ``calculate_limits``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from jigsaw.stats._funnel_grid import axis_range, grid, poisson_funnel_mean
from jigsaw.stats._intervals import check_level, poisson_limits, z_value

__all__ = [
    "HIGH_001",
    "HIGH_025",
    "LABELS",
    "LOW_001",
    "LOW_025",
    "NOT_APPLICABLE_DSR",
    "NOT_SIGNIFICANT",
    "FunnelLimits",
    "FunnelSignificance",
    "funnel_points",
    "poisson_control_limits",
    "poisson_funnel_mean",
    "proportion_funnel_limits",
    "proportion_significance",
    "rate_funnel_limits",
    "rate_significance",
    "ratio_funnel_limits",
    "ratio_limits",
    "ratio_significance",
    "significance",
]

HIGH_001 = "High (0.001)"
HIGH_025 = "High (0.025)"
LOW_001 = "Low (0.001)"
LOW_025 = "Low (0.025)"
NOT_SIGNIFICANT = "Not significant"
NOT_APPLICABLE_DSR = "Not applicable for events less than 10 for dsrs"
#: Every label, in the order PHEindicatormethods gives its factor levels.
LABELS = (HIGH_001, HIGH_025, LOW_001, LOW_025, NOT_SIGNIFICANT, NOT_APPLICABLE_DSR)

PHE_SOURCE = "PHEindicatormethods 2.1.0 (UKHSA); Spiegelhalter (2005), Stat Med 24:1185-1202"
FUNNELPLOTR_SOURCE = "FunnelPlotR 0.6.0 calculate_limits (unadjusted); Spiegelhalter (2005)"
_DSR_MIN_EVENTS = 10


@dataclass(frozen=True)
class FunnelSignificance:
    """Per-area funnel significance labels with the baseline they were judged against.

    Attributes
    ----------
    count, denominator : ndarray
        Inputs echoed (for rates the denominator actually used: the population, or the one
        derived from count and rate).
    per : float
        Multiplier of ``baseline``.
    baseline : float
        Value every area is compared with, per ``per`` (1 for ratios).
    label : ndarray of str
        One of :data:`LABELS` per area (``None`` where an input was missing).
    statistic, method, source : str
        What was compared, how, and the reference.
    """

    count: np.ndarray
    denominator: np.ndarray
    per: float
    baseline: float
    label: np.ndarray
    statistic: str
    method: str
    source: str

    def to_frame(self) -> pd.DataFrame:
        """One row per area: count, denominator, baseline, label, statistic, method."""
        return pd.DataFrame(
            {
                "count": self.count,
                "denominator": self.denominator,
                "baseline": self.baseline,
                "significance": self.label,
                "statistic": self.statistic,
                "method": self.method,
            }
        )


@dataclass(frozen=True)
class FunnelLimits:
    """Funnel lines as a table of 100 points (PHEindicatormethods layout) or at given points.

    ``table`` holds one row per x-axis point and the columns ``lower_2s_limit``,
    ``upper_2s_limit`` (95%: 0.025 each side), ``lower_3s_limit``, ``upper_3s_limit`` (99.8%:
    0.001 each side) and ``baseline``, plus the x-axis column(s) named as PHEindicatormethods
    names them.
    """

    table: pd.DataFrame
    baseline: float
    per: float
    statistic: str
    method: str
    source: str

    def to_frame(self) -> pd.DataFrame:
        """A copy of ``table`` with ``statistic`` and ``method`` columns."""
        frame = self.table.copy()
        frame["statistic"] = self.statistic
        frame["method"] = self.method
        return frame


# --- input checks -------------------------------------------------------------------------


def _array(values: ArrayLike, name: str) -> np.ndarray:
    try:
        return np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric") from None


def _first_bad(mask: np.ndarray, message: str, values: np.ndarray) -> None:
    bad = np.flatnonzero(mask)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{message}: row {i} has {float(values[i])!r}")


def _counts_and_denominators(
    count: ArrayLike,
    denominator: ArrayLike,
    count_name: str,
    denom_name: str,
    proportion: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    x = _array(count, count_name)
    n = _array(denominator, denom_name)
    if x.shape != n.shape:
        raise ValueError(f"{count_name} and {denom_name} differ in length: {x.size} and {n.size}")
    _first_bad(x < 0, f"{count_name} must be >= 0", x)
    _first_bad(n <= 0, f"{denom_name} must be > 0", n)
    if proportion:
        _first_bad(x > n, f"{count_name} must not exceed {denom_name} for a proportion", x)
    return x, n


# --- labels -------------------------------------------------------------------------------


def _poisson_labels(x: np.ndarray, n: np.ndarray, baseline: float) -> np.ndarray:
    """Label each area by where ``baseline`` (per unit) lies against its own interval.

    PHEindicatormethods' ``funnel_ratio_significance``: exact Poisson limits below 10 events and
    Byar's from 10, each divided by the area's denominator.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        lo3, hi3, _ = poisson_limits(x, 0.998)
        lo2, hi2, _ = poisson_limits(x, 0.95)
        lo3, hi3, lo2, hi2 = (v / n for v in (lo3, hi3, lo2, hi2))
    # Comparisons with NaN are False, so missing limits fall through to "Not significant" as
    # dplyr::case_when does.
    label = np.select(
        [baseline < lo3, baseline < lo2, baseline > hi3, baseline > hi2],
        [HIGH_001, HIGH_025, LOW_001, LOW_025],
        NOT_SIGNIFICANT,
    ).astype(object)
    return label


def significance(
    count: ArrayLike, population: ArrayLike, per: float = 10_000, baseline: float | None = None
) -> FunnelSignificance:
    """Funnel significance of crude rates (Poisson), as PHEindicatormethods labels them.

    Parameters
    ----------
    count : array_like
        Events per area (non-negative; NaN for missing).
    population : array_like
        Population per area (positive; NaN for missing).
    per : float, default 10,000
        Multiplier in which ``baseline`` is given and reported.
    baseline : float, optional
        Rate per ``per`` to compare with; default the pooled rate
        ``sum(count) / sum(population)`` over areas with both inputs present.

    Returns
    -------
    FunnelSignificance
        ``label`` is ``High (0.001)`` when the baseline lies below the area's 99.8% interval,
        ``High (0.025)`` below its 95% interval, ``Low (0.001)``/``Low (0.025)`` above them, else
        ``Not significant``; ``None`` where an input is missing. Intervals are exact Poisson
        below 10 events and Byar's from 10 (:func:`jigsaw.stats.rates.rate`).

    Raises
    ------
    ValueError
        Negative counts, populations that are not positive, or lengths that differ.

    Notes
    -----
    Equivalent to ``assign_funnel_significance(statistic="rate", rate_type="crude")`` of
    PHEindicatormethods 2.1.0 when the rate column is exactly count/population.

    Examples
    --------
    >>> s = significance([10, 100, 300], [10_000, 20_000, 30_000])
    >>> round(s.baseline, 4), list(s.label)
    (68.3333, ['Low (0.001)', 'Low (0.001)', 'High (0.001)'])
    """
    x, n = _counts_and_denominators(count, population, "count", "population")
    present = ~(np.isnan(x) | np.isnan(n))
    if baseline is None:
        base = float(x[present].sum() / n[present].sum())
    else:
        base = float(baseline) / per
    label = _poisson_labels(x, n, base)
    label[~present] = None
    return FunnelSignificance(
        x,
        n,
        float(per),
        base * per,
        label,
        f"rate (crude per {per:g})",
        "Poisson (exact below 10 events, Byar's from 10)",
        PHE_SOURCE,
    )


def _derived_denominator(
    x: np.ndarray, rate: ArrayLike, per: float, rate_type: str, population: ArrayLike | None
) -> np.ndarray:
    """Denominator implied by count and rate, as PHEindicatormethods derives it."""
    if rate_type not in ("crude", "dsr"):
        raise ValueError(f"rate_type must be 'crude' or 'dsr', got {rate_type!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = x / rate * per
    if rate_type == "dsr":
        return np.where(x == 0, np.nan, derived)
    if np.any(x == 0):
        if population is None:
            raise ValueError("population is required for crude rates when a count is 0")
        return np.where(x == 0, population, derived)
    return derived


def _pooled(x: np.ndarray, derived: np.ndarray) -> float:
    """Pooled rate per unit over areas with both a count and a (derived) denominator."""
    present = ~(np.isnan(x) | np.isnan(derived))
    return float(x[present].sum() / derived[present].sum())


def rate_significance(
    count: ArrayLike,
    rate: ArrayLike,
    *,
    per: float,
    rate_type: str = "crude",
    population: ArrayLike | None = None,
) -> FunnelSignificance:
    """Funnel significance of crude or directly standardised rates given as count and rate.

    Parameters
    ----------
    count : array_like
        Events per area.
    rate : array_like
        Rate per ``per`` per area (a DSR for ``rate_type="dsr"``); may be NaN where count is 0.
    per : float
        Multiplier of ``rate``.
    rate_type : {"crude", "dsr"}
        For ``"dsr"`` areas with fewer than 10 events get :data:`NOT_APPLICABLE_DSR` and areas
        with none are left out of the baseline. Areas with a missing count or rate get ``None``
        and are left out of the baseline.
    population : array_like, optional
        Needed for crude rates when any count is 0 (its denominator cannot be derived).

    Returns
    -------
    FunnelSignificance
        The baseline is ``sum(count) / sum(count / rate * per)``, the pooled rate implied by
        each area's count and rate.

    Notes
    -----
    ``assign_funnel_significance(statistic="rate")`` of PHEindicatormethods 2.1.0.
    """
    x = _array(count, "count")
    r = _array(rate, "rate")
    pop = None if population is None else _array(population, "population")
    if pop is not None:
        x, pop = _counts_and_denominators(x, pop, "count", "population")
    else:
        _first_bad(x < 0, "count must be >= 0", x)
    if r.shape != x.shape:
        raise ValueError(f"count and rate differ in length: {x.size} and {r.size}")
    derived = _derived_denominator(x, r, float(per), rate_type, pop)
    base = _pooled(x, derived)
    label = _poisson_labels(x, derived, base)
    if rate_type == "dsr":
        label[x < _DSR_MIN_EVENTS] = NOT_APPLICABLE_DSR
    # A missing count or rate gets no label (PHEindicatormethods would return NA for every area).
    label[np.isnan(x) | (np.isnan(derived) & ~((rate_type == "dsr") & (x == 0)))] = None
    return FunnelSignificance(
        x,
        derived,
        float(per),
        base * per,
        label,
        f"rate ({rate_type} per {per:g})",
        "Poisson (exact below 10 events, Byar's from 10)",
        PHE_SOURCE,
    )


def ratio_significance(observed: ArrayLike, expected: ArrayLike) -> FunnelSignificance:
    """Funnel significance of ratios observed/expected: is 1 outside the interval of O/E?

    Uses exact Poisson limits below 10 observed events and Byar's from 10 (the
    ``statistic="ratio"`` branch of PHEindicatormethods 2.1.0 ``assign_funnel_significance``).
    Returns labels with ``baseline`` 1 (``None`` where an input is missing).
    """
    x, e = _counts_and_denominators(observed, expected, "observed", "expected")
    label = _poisson_labels(x, e, 1.0)
    label[np.isnan(x) | np.isnan(e)] = None
    return FunnelSignificance(
        x,
        e,
        1.0,
        1.0,
        label,
        "ratio",
        "Poisson (exact below 10 events, Byar's from 10)",
        PHE_SOURCE,
    )


def _wilson_funnel(z: float, n: ArrayLike, theta: float, side: int) -> np.ndarray:
    """Proportion at which a Wilson score interval for sample size ``n`` has ``theta`` as limit.

    Closed form of PHEindicatormethods' ``sigma_adjustment`` (returned as a proportion).
    """
    n = np.asarray(n, dtype=float)
    z2 = z * z
    a = 1 / z2 + 1 / n
    b = theta * (n / z2 + 1)
    c = theta * (n * (theta * (n / z2 + 2) - 1) + z2 * (theta - 1))
    with np.errstate(invalid="ignore"):
        proportion: np.ndarray = (b + side * np.sqrt(b * b - a * c)) / a / n
    return proportion


def proportion_significance(count: ArrayLike, total: ArrayLike) -> FunnelSignificance:
    """Funnel significance of proportions against the pooled proportion (Wilson based).

    Parameters
    ----------
    count, total : array_like
        Cases with the condition and sample size per area; ``0 <= count <= total``.

    Returns
    -------
    FunnelSignificance
        Labels as in the ``statistic="proportion"`` branch of PHEindicatormethods 2.1.0
        ``assign_funnel_significance``; ``baseline`` is the pooled proportion.
    """
    x, n = _counts_and_denominators(count, total, "count", "total", proportion=True)
    present = ~(np.isnan(x) | np.isnan(n))
    theta = float(x[present].sum() / n[present].sum())
    p = x / n
    z95, z998 = z_value(0.95), z_value(0.998)
    label = np.select(
        [
            p < _wilson_funnel(z998, n, theta, -1),
            p < _wilson_funnel(z95, n, theta, -1),
            p > _wilson_funnel(z998, n, theta, +1),
            p > _wilson_funnel(z95, n, theta, +1),
        ],
        [LOW_001, LOW_025, HIGH_001, HIGH_025],
        NOT_SIGNIFICANT,
    ).astype(object)
    label[~present] = None
    return FunnelSignificance(x, n, 1.0, theta, label, "proportion", "Wilson", PHE_SOURCE)


# --- lines --------------------------------------------------------------------------------


def poisson_control_limits(
    population: ArrayLike, baseline: float, *, per: float = 10_000, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson funnel limits for a rate at given populations (the lines of :func:`rate_funnel_limits`).

    Parameters
    ----------
    population : array_like
        Populations (x-axis points) at which to draw the lines; positive.
    baseline : float
        The funnel's centre, a rate per ``per``.
    per : float, default 10,000
    level : float, default 0.95
        0.95 for the 2-sigma lines, 0.998 for the 3-sigma lines.

    Returns
    -------
    (lower, upper) : tuple of ndarray
        Rates per ``per``. With ``mu = population * baseline / per`` and ``a = (1 - level)
        / 2``, the upper line is ``x / population * per`` where the count ``x`` (continuous)
        satisfies ``P(X >= x | mu) = a``, i.e. the regularised gamma ``P(x, mu) = a``; the lower
        line solves ``P(X <= x | mu) = a`` (``Q(x + 1, mu) = a``), clipped at 0. A count on a
        line has its exact Poisson interval just touching the baseline, so these are the curves
        PHEindicatormethods tabulates, evaluated where the chart needs them.

    Examples
    --------
    >>> lo, hi = poisson_control_limits([10_000, 1_000_000], 50.0)
    >>> [round(float(v), 1) for v in (lo[0], hi[0], lo[1], hi[1])]
    [36.1, 64.8, 48.6, 51.4]
    """
    n = _array(population, "population")
    _first_bad(~(n > 0), "population must be > 0", n)
    alpha = (1 - check_level(level)) / 2
    mu = n * float(baseline) / per
    top = mu + 12 * np.sqrt(mu) + 40
    # Bisection on the count: both tail probabilities are monotone in x, and 80 halvings of
    # [0, top] leave an error far below double precision of the rate.
    lo_x, hi_x = np.zeros_like(mu), top.copy()
    lo_u, hi_u = np.full_like(mu, 1e-300), top.copy()
    for _ in range(80):
        mid = (lo_x + hi_x) / 2
        below = special.gammaincc(mid + 1, mu) < alpha
        lo_x, hi_x = np.where(below, mid, lo_x), np.where(below, hi_x, mid)
        mid_u = (lo_u + hi_u) / 2
        above = special.gammainc(mid_u, mu) > alpha
        lo_u, hi_u = np.where(above, mid_u, lo_u), np.where(above, hi_u, mid_u)
    lower_count = np.where(special.gammaincc(1, mu) >= alpha, 0.0, (lo_x + hi_x) / 2)
    return lower_count / n * per, (lo_u + hi_u) / 2 / n * per


def funnel_points(
    count: ArrayLike,
    rate: ArrayLike,
    *,
    per: float,
    rate_type: str = "crude",
    years_of_data: float = 1,
    population: ArrayLike | None = None,
) -> pd.DataFrame:
    """Chart positions of areas on a rate funnel: ``rate_chart`` and ``denominator_derived``.

    ``denominator_derived`` is the yearly population implied by count and rate
    (``per * count / rate / years_of_data``; the given population for crude rates with 0
    events). DSRs with fewer than 10 events are not charted (NaN). As
    ``calculate_funnel_points`` of PHEindicatormethods 2.1.0.
    """
    x = _array(count, "count")
    r = _array(rate, "rate")
    pop = None if population is None else _array(population, "population")
    derived = _derived_denominator(x, r, float(per), rate_type, pop) / years_of_data
    chart = r.copy()
    if rate_type == "dsr":
        small = x < _DSR_MIN_EVENTS
        chart[small] = np.nan
        derived[small] = np.nan
    return pd.DataFrame(
        {"count": x, "rate": r, "rate_chart": chart, "denominator_derived": derived}
    )


def rate_funnel_limits(
    count: ArrayLike,
    rate: ArrayLike,
    *,
    per: float,
    rate_type: str = "crude",
    years_of_data: float = 1,
    population: ArrayLike | None = None,
) -> FunnelLimits:
    """Poisson funnel lines for rates, on PHEindicatormethods' 100-point grid of event counts.

    Parameters
    ----------
    count, rate : array_like
        Events and rate per ``per`` for each area (pooled over ``years_of_data`` years).
    per : float
        Multiplier of the rates (100,000 in Fingertips, 10,000 in Jigsaw).
    rate_type : {"crude", "dsr"}
    years_of_data : float, default 1
        Years pooled; populations on the x-axis are per year.
    population : array_like, optional
        Needed for crude rates when any count is 0.

    Returns
    -------
    FunnelLimits
        ``table`` columns ``Events``, ``lower_2s_population_1_year``, ``lower_2s_limit``,
        ``upper_2s_population_1_year``, ``upper_2s_limit``, ``lower_3s_population_1_year``,
        ``lower_3s_limit``, ``upper_3s_population_1_year``, ``upper_3s_limit``, ``baseline``.
        Each line is a set of (yearly population, rate) points: the population at which that
        many events puts the line's rate on the baseline's Poisson limit.

    Notes
    -----
    ``calculate_funnel_limits(statistic="rate")`` of PHEindicatormethods 2.1.0, including its
    bisection (:func:`poisson_funnel_mean`).
    """
    x = _array(count, "count")
    r = _array(rate, "rate")
    pop = None if population is None else _array(population, "population")
    derived = _derived_denominator(x, r, float(per), rate_type, pop)
    av = _pooled(x, derived)
    lo, hi = axis_range(np.nanmin(derived), np.nanmax(derived), years_of_data)
    events = grid(np.floor(lo * av), np.ceil(hi * av))
    table: dict[str, np.ndarray | float] = {"Events": events}
    for level, p in (("2s", 0.025), ("3s", 0.001)):
        for name, side in (("lower", "high"), ("upper", "low")):
            pop_line = poisson_funnel_mean(events, p, side) / av
            table[f"{name}_{level}_population_1_year"] = pop_line / years_of_data
            table[f"{name}_{level}_limit"] = events / pop_line * per
    table["baseline"] = av * per
    label = f"rate ({rate_type} per {per:,.0f})"
    return FunnelLimits(pd.DataFrame(table), av * per, float(per), label, "Poisson", PHE_SOURCE)


def proportion_funnel_limits(
    count: ArrayLike, total: ArrayLike, *, per: float = 100
) -> FunnelLimits:
    """Wilson-based funnel lines for proportions on PHEindicatormethods' 100-point grid.

    Returns
    -------
    FunnelLimits
        ``table`` columns ``Population``, ``lower_2s_limit``, ``upper_2s_limit``,
        ``lower_3s_limit``, ``upper_3s_limit``, ``baseline`` (all times ``per``). Limits are
        clipped to [0, ``per``].

    Notes
    -----
    ``calculate_funnel_limits(statistic="proportion")`` of PHEindicatormethods 2.1.0 (which
    clips at 100 whatever the multiplier; here the clip is the multiplier itself, the same for
    percentages).
    """
    x, n = _counts_and_denominators(count, total, "count", "total", proportion=True)
    present = ~(np.isnan(x) | np.isnan(n))
    theta = float(x[present].sum() / n[present].sum())
    lo, hi = axis_range(n[present].min(), n[present].max())
    population = grid(lo, hi)
    table: dict[str, np.ndarray | float] = {"Population": population}
    for level, conf in (("2s", 0.95), ("3s", 0.998)):
        z = z_value(conf)
        table[f"lower_{level}_limit"] = np.maximum(
            0.0, _wilson_funnel(z, population, theta, -1) * per
        )
        table[f"upper_{level}_limit"] = np.minimum(
            per, _wilson_funnel(z, population, theta, +1) * per
        )
    table["baseline"] = theta * per
    return FunnelLimits(
        pd.DataFrame(table), theta * per, float(per), "proportion", "Wilson", PHE_SOURCE
    )


def ratio_funnel_limits(
    observed: ArrayLike, expected: ArrayLike, *, ratio_type: str = "isr"
) -> FunnelLimits:
    """Poisson funnel lines for ratios observed/expected on PHEindicatormethods' 100-point grid.

    Parameters
    ----------
    observed, expected : array_like
        Observed and expected events per area; the grid of observed counts spans the range of
        ``expected`` as PHEindicatormethods lays it out.
    ratio_type : {"isr", "count"}
        ``"isr"``: limits on the ratio x 100; ``"count"``: limits on the ratio minus 1.

    Returns
    -------
    FunnelLimits
        ``table`` columns ``Observed_events``, and for ``2s`` (95%) and ``3s`` (99.8%) the
        ``lower_/upper_*_exp_events`` (expected events at which that count lies on the line)
        and ``lower_/upper_*_limit``. ``baseline`` is 100 (isr) or 0 (count).

    Notes
    -----
    ``calculate_funnel_limits(statistic="ratio")`` of PHEindicatormethods 2.1.0, including its
    bisection (:func:`poisson_funnel_mean`).
    """
    if ratio_type not in ("isr", "count"):
        raise ValueError(f"ratio_type must be 'isr' or 'count', got {ratio_type!r}")
    x, e = _counts_and_denominators(observed, expected, "observed", "expected")
    present = ~(np.isnan(x) | np.isnan(e))
    lo, hi = axis_range(e[present].min(), e[present].max())
    events = grid(lo, hi, offset=1)
    table: dict[str, np.ndarray | float] = {"Observed_events": events}
    for level, p in (("2s", 0.025), ("3s", 0.001)):
        for name, side in (("lower", "high"), ("upper", "low")):
            expected_line = poisson_funnel_mean(events, p, side)
            ratio = events / expected_line
            table[f"{name}_{level}_exp_events"] = expected_line
            table[f"{name}_{level}_limit"] = ratio * 100 if ratio_type == "isr" else ratio - 1
    baseline = 100.0 if ratio_type == "isr" else 0.0
    return FunnelLimits(
        pd.DataFrame(table),
        baseline,
        100.0 if ratio_type == "isr" else 1.0,
        f"ratio ({ratio_type})",
        "Poisson",
        PHE_SOURCE,
    )


def ratio_limits(
    expected: ArrayLike, target: float = 1.0, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson funnel limits for a standardised ratio O/E at expected count ``expected``.

    ``lower = target * chi2.ppf(a, 2E) / (2E)``, ``upper = target * chi2.ppf(1-a, 2E+2) / (2E)``
    with ``a = (1 - level) / 2`` and E continuous (FunnelPlotR 0.6.0, unadjusted limits).

    Returns
    -------
    (lower, upper) : tuple of ndarray

    Examples
    --------
    >>> lo, hi = ratio_limits([15.0], level=0.95)
    >>> round(float(lo[0]), 6), round(float(hi[0]), 6)
    (0.559692, 1.649348)
    """
    e = _array(expected, "expected")
    _first_bad(e <= 0, "expected must be > 0", e)
    alpha = 1 - check_level(level)
    lower: np.ndarray = target * special.chdtri(2 * e, 1 - alpha / 2) / 2 / e
    upper: np.ndarray = target * special.chdtri(2 * e + 2, alpha / 2) / 2 / e
    return lower, upper
