"""Persistent under-identification: each area's ratio to its peers over several years.

One year far below similar areas may be chance or a bad year; far below in most years is much
stronger evidence. Each area-year's ratio to its peers, ``y_it = log(identified / expected)``
(expected at the peers' rate of that year), is modelled with a random-effects model (statsmodels
``MixedLM``, REML)::

    y_it = mu + a_i + e_it,   a_i ~ N(0, tau2_area),   e_it ~ N(0, sigma2_year)

``a_i`` is the area's persistent departure from its peers (real differences in prevalence that
last, and lasting differences in identification); ``e_it`` is what changes from year to year
(chance, a bad year, a change of practice). An area's persistent ratio is the geometric mean of
its yearly ratios, ``m_i = mean_t y_it`` over its ``n_i`` years, with a confidence interval from
the year-to-year variance (``sigma2_year / n_i``). It is flagged ``lower`` when ``m_i`` lies below
the limit that typical areas' persistent ratios stay above::

    mu - z(level) * sqrt(tau2_area + sigma2_year / n_i)

As in :mod:`jigsaw.stats.overdispersion`, the areas to be found must not widen their own limits:
areas whose persistent ratio lies beyond +-2.5 sd are left out of the variance estimates and the
model refitted until the set left out stops changing; ``tau2_area`` is then corrected for the
truncation (the moment equation ``mean(z**2) = 0.911`` over the areas kept, 0.911 being the
variance of a standard normal truncated at +-2.5).

Gaps are never zeros: an area-year with no published count, a small count (which
:mod:`jigsaw.disclosure` never lets a published figure depend on), no peers or held out (an
incomplete year, a boundary change) is left out of the model, and the area's persistent ratio
is over the years it has.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize

from jigsaw import disclosure
from jigsaw.oversight._fits import fitted
from jigsaw.stats._intervals import normal_cdf, normal_pdf, normal_ppf

__all__ = ["PERSISTENT_COLUMNS", "MIN_YEARS", "Persistence", "persistence"]

#: Columns :func:`persistence` gives each area (``area_code`` first).
PERSISTENT_COLUMNS = [
    "persistent_years",
    "persistent_ratio",
    "persistent_ratio_lower",
    "persistent_ratio_upper",
    "persistent_limit",
    "persistent_z",
    "persistent",
]

#: An area needs this many years in the model for a persistent comparison.
MIN_YEARS = 3

# Zero counts have no logarithm (the overdispersion module uses the same correction).
_ZERO_COUNT = 0.5
_TRIM = 2.5
_MAD_TO_SD = 1.0 / float(normal_ppf(0.75))
_MAX_PASSES = 20


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be a fraction between 0 and 1, got {level!r}")
    return float(normal_ppf(0.5 + level / 2))


@dataclass(frozen=True)
class Persistence:
    """Every area's persistent ratio to its peers, and the model behind it.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per area: ``area_code`` then :data:`PERSISTENT_COLUMNS`. ``persistent`` is
        ``lower``, ``similar``, ``higher`` or ``not compared`` (fewer than :data:`MIN_YEARS`).
    years : pandas.DataFrame
        The area-years in the model: ``area_code``, ``year``, ``ratio`` (identified / expected).
    mean : float
        ``mu``: the typical log ratio to peers.
    area_variance, year_variance : float
        ``tau2_area`` (persistent, between areas) and ``sigma2_year`` (year to year).
    excluded : tuple of str
        Areas left out of the variance estimates as outliers.
    level, confidence : float
        Two-sided level of the limits behind ``persistent``, and of the ratio's interval.
    """

    table: pd.DataFrame
    years: pd.DataFrame
    mean: float
    area_variance: float
    year_variance: float
    excluded: tuple[str, ...]
    level: float
    confidence: float

    @property
    def year_share(self) -> float:
        """Share of the variance of one year's ratio that changes from year to year."""
        return self.year_variance / (self.area_variance + self.year_variance)


def _fit(y: NDArray[np.float64], groups: NDArray[np.int64]) -> tuple[float, float, float]:
    """REML fit of the random-intercept model: (mu, tau2_area, sigma2_year)."""
    y = np.ascontiguousarray(y, dtype=float)
    mu, tau2, sigma2 = fitted("reml", (y, groups), lambda: _reml(y, groups))
    return mu, tau2, sigma2


def _reml(y: NDArray[np.float64], groups: NDArray[np.int64]) -> tuple[float, float, float]:
    # Imported here: statsmodels is slow to import and only this model needs it.
    from statsmodels.regression.mixed_linear_model import MixedLM

    start = _moments(y, groups)
    if start[1] <= 0:
        # No persistent part at all: REML's information matrix is singular on the boundary,
        # and the moment estimates are the answer.
        return start
    model = MixedLM(y, np.ones((y.size, 1)), groups)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Started from the moment estimates: from statsmodels' own start the optimiser
            # can stop on the boundary (tau2_area = 0) far from the optimum.
            result = model.fit(
                start_params=np.array([start[0], np.sqrt(start[1] / start[2])]),
                reml=True,
                method=["lbfgs", "powell"],
            )
        fitted = (
            float(result.fe_params[0]),
            float(np.asarray(result.cov_re)[0, 0]),
            float(result.scale),
        )
    except (np.linalg.LinAlgError, ValueError):
        return start
    if not (result.converged and all(np.isfinite(fitted))):
        return start
    return fitted


def _moments(y: NDArray[np.float64], groups: NDArray[np.int64]) -> tuple[float, float, float]:
    """One-way ANOVA moment estimates (Henderson's method 1) of (mu, tau2_area, sigma2_year)."""
    sizes = np.bincount(groups).astype(float)
    means = np.bincount(groups, weights=y) / sizes
    k, n = sizes.size, float(y.size)
    within = float(np.sum((y - means[groups]) ** 2)) / (n - k)
    grand = float(y.mean())
    between = float(np.sum(sizes * (means - grand) ** 2)) / (k - 1)
    n0 = (n - float(np.sum(sizes**2)) / n) / (k - 1)
    tau2 = max((between - within) / n0, 0.0)
    weights = 1.0 / (tau2 + within / sizes)
    return float(np.sum(weights * means) / np.sum(weights)), tau2, within


def persistence(
    years: pd.DataFrame,
    *,
    level: float = 0.998,
    confidence: float = 0.95,
    min_years: int = MIN_YEARS,
) -> Persistence:
    """Fit the persistence model to area-years and compare each area's persistent ratio.

    Parameters
    ----------
    years : pandas.DataFrame
        One row per area-year: ``area_code``, ``year``, ``identified`` (NaN for a gap) and
        ``expected`` at the peers' rate (NaN for no comparison). Gaps, small counts and
        non-positive expectations are left out of the model (never zeros).
    level : float
        Two-sided level of the limits behind ``persistent`` (0.998 or 0.95).
    confidence : float
        Level of the persistent ratio's interval.
    min_years : int
        Fewest years an area needs for a comparison.

    Returns
    -------
    Persistence

    Raises
    ------
    ValueError
        A missing column, a repeated area-year, or fewer than 10 areas with ``min_years``.

    Examples
    --------
    Twenty areas at their peers' rate for eight years, one at a fifth of it every year:

    >>> rng = np.random.default_rng(1)
    >>> rows = [{"area_code": f"A{i}", "year": t, "expected": 100.0,
    ...          "identified": float(rng.poisson(100 * (0.2 if i == 0 else 1.0)))}
    ...         for i in range(20) for t in range(8)]
    >>> fit = persistence(pd.DataFrame(rows))
    >>> fit.table.set_index("area_code").loc[["A0", "A1"], "persistent"].tolist()
    ['lower', 'similar']
    """
    missing = [c for c in ("area_code", "year", "identified", "expected") if c not in years.columns]
    if missing:
        raise ValueError(f"persistence: missing column {', '.join(missing)}")
    frame = years[["area_code", "year", "identified", "expected"]].copy()
    frame["area_code"] = frame["area_code"].astype(str)
    repeated = frame.duplicated(["area_code", "year"])
    if repeated.any():
        row = frame[repeated].iloc[0]
        raise ValueError(f"persistence: area {row['area_code']!r} has year {row['year']} twice")
    o = frame["identified"].to_numpy(dtype=float)
    e = frame["expected"].to_numpy(dtype=float)
    usable = (
        np.isfinite(o)
        & np.isfinite(e)
        & (e > 0)
        & np.array([not disclosure.is_small(v) for v in o], dtype=bool)
    )
    frame = frame[usable].copy()
    frame["y"] = np.log(np.maximum(frame["identified"], _ZERO_COUNT) / frame["expected"])
    all_codes = list(dict.fromkeys(years["area_code"].astype(str)))
    counts = frame.groupby("area_code")["y"].size()
    enough = counts[counts >= min_years].index
    model = frame[frame["area_code"].isin(enough)]
    if len(enough) < 10:
        raise ValueError(
            f"persistence: need at least 10 areas with {min_years} or more years, got {len(enough)}"
        )
    codes = np.asarray(model["area_code"])
    index = pd.Index(sorted(enough))
    groups = index.get_indexer(codes).astype(np.int64)
    y = model["y"].to_numpy(dtype=float)
    means = model.groupby("area_code")["y"].mean().reindex(index).to_numpy()
    sizes = model.groupby("area_code")["y"].size().reindex(index).to_numpy(dtype=float)

    # Start from a high-breakdown set: area means within 2.5 MADs of their median.
    centre = float(np.median(means))
    kept = np.abs(means - centre) <= _TRIM * _MAD_TO_SD * float(np.median(np.abs(means - centre)))
    seen: set[bytes] = set()
    mu = tau2 = sigma2 = 0.0
    for _ in range(_MAX_PASSES):
        rows = kept[groups]
        mu, tau2, sigma2 = _fit(y[rows], np.unique(groups[rows], return_inverse=True)[1])
        if not kept.all():
            # Corrected at every pass: a truncated tau2 would trim more areas at the next pass,
            # and shrink further.
            tau2 = _truncation_corrected(means[kept] - mu, sigma2 / sizes[kept], tau2)
        u = (means - mu) / np.sqrt(tau2 + sigma2 / sizes)
        new = np.abs(u) <= _TRIM
        if (new == kept).all() or new.tobytes() in seen:
            break
        seen.add(kept.tobytes())
        kept = new

    spread = np.sqrt(tau2 + sigma2 / sizes)
    z = (means - mu) / spread
    crit, half = _z(level), _z(confidence) * np.sqrt(sigma2 / sizes)
    label = np.where(z < -crit, "lower", np.where(z > crit, "higher", "similar")).astype(object)
    fitted = pd.DataFrame(
        {
            "area_code": index,
            "persistent_years": sizes.astype(int),
            "persistent_ratio": np.exp(means),
            "persistent_ratio_lower": np.exp(means - half),
            "persistent_ratio_upper": np.exp(means + half),
            "persistent_limit": np.exp(mu - crit * spread),
            "persistent_z": z,
            "persistent": label,
        }
    ).set_index("area_code")
    table = fitted.reindex(all_codes)
    table["persistent_years"] = counts.reindex(all_codes).fillna(0).astype(int).to_numpy()
    table["persistent"] = (
        table["persistent"].astype(object).where(table["persistent"].notna(), "not compared")
    )
    table = table.reset_index().rename(columns={"index": "area_code"})
    used = frame.assign(ratio=np.exp(frame["y"]))[["area_code", "year", "ratio"]]
    return Persistence(
        table=table,
        years=used.reset_index(drop=True),
        mean=mu,
        area_variance=tau2,
        year_variance=sigma2,
        excluded=tuple(str(c) for c in index[~kept]),
        level=level,
        confidence=confidence,
    )


def _truncation_corrected(y: NDArray[np.float64], s2: NDArray[np.float64], start: float) -> float:
    """``tau2`` with ``mean(y**2 / (s2 + tau2)) = kappa``, kappa the +-2.5 truncated variance."""
    c = _TRIM
    kappa = 1.0 - 2.0 * c * normal_pdf(c) / (2.0 * normal_cdf(c) - 1.0)

    def excess(tau2: float) -> float:
        return float(np.mean(y**2 / (s2 + tau2)) - kappa)

    if excess(0.0) <= 0:
        return 0.0
    high = max(start, 1e-6)
    while excess(high) > 0:
        high *= 2.0
    return float(optimize.brentq(excess, 0.0, high))
