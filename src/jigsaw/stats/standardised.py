"""Directly and indirectly standardised rates and ratios (DSR, ISR), as PHEindicatormethods.

- :func:`dsr`: directly standardised rate with Dobson's confidence interval (Byar's limits for
  the total count), optionally adjusted for non-independent events (people counted more than
  once);
- :func:`isratio`: indirectly standardised ratio observed/expected with exact (below 10) or
  Byar's limits; :func:`israte` the corresponding indirectly standardised rate;
- :func:`dsr_by_area` and :func:`isratio_by_area`: the same over a tidy table of several areas.

Inputs for one area are aligned arrays over standardisation categories (age bands).

References
----------
1. Breslow NE, Day NE. Statistical methods in cancer research, vol. II. IARC; 1987.
2. Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums of Poisson
   parameters. Stat Med 1991;10:457-462.
3. Public Health England / OHID. Fingertips public health technical guidance: DSR chapter
   (non-independent events); implemented in PHEindicatormethods 2.1.0 ``calculate_dsr``,
   ``calculate_ISRatio``, ``calculate_ISRate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from jigsaw.stats._intervals import (
    ConfidenceInterval,
    byars_lower,
    byars_upper,
    check_level,
    poisson_limits,
)

__all__ = [
    "DSR_METHOD",
    "DSR_NONINDEPENDENT_METHOD",
    "StandardisedEstimate",
    "dsr",
    "dsr_by_area",
    "israte",
    "isratio",
    "isratio_by_area",
]

DSR_METHOD = "Dobson"
DSR_NONINDEPENDENT_METHOD = "Dobson, with confidence adjusted for non-independent events"
_DSR_MIN_COUNT = 10
_DSR_SOURCE = (
    "PHEindicatormethods 2.1.0 calculate_dsr; Dobson et al. (1991), Stat Med "
    "10:457-462; Byar's limits: Breslow & Day (1987)"
)
_ISR_SOURCE = (
    "PHEindicatormethods 2.1.0 calculate_ISRatio/calculate_ISRate; exact Poisson "
    "below 10 events, Byar's from 10 (Breslow & Day 1987)"
)


@dataclass(frozen=True)
class StandardisedEstimate:
    """A standardised rate or ratio for one area, with its interval.

    Attributes
    ----------
    observed : float
        Total events (for non-independent DSRs, events = sum of frequency x persons).
    denominator : float
        Total population (DSR) or expected events (ISR).
    per : float
        Multiplier (DSR, ISR rate) or reference value (ISR ratio, 1 or 100).
    level : float
        Level of ``lower``/``upper``.
    value, lower, upper : float
        NaN for a DSR with fewer than 10 events, which PHEindicatormethods does not publish.
    method, statistic, source : str
        ``statistic`` as PHEindicatormethods prints it (``"dsr per 100000"``,
        ``"dsr NA for total count < 10"``, ``"indirectly standardised ratio x 100"``).
    variance : float
        Variance of the DSR per unit (Dobson's), NaN for ISRs.
    """

    observed: float
    denominator: float
    per: float
    level: float
    value: float
    lower: float
    upper: float
    method: str
    statistic: str
    source: str
    variance: float = float("nan")

    def confidence_interval(self, level: float = 0.95) -> ConfidenceInterval:
        """The interval at another level (for example 0.998) for the same inputs."""
        level = check_level(level)
        if self.method.startswith(DSR_METHOD):
            lower, upper = _dobson_limits(self.value, self.variance, self.observed, self.per, level)
        else:
            lo, hi, _ = poisson_limits(self.observed, level)
            scale = self.value / self.observed if self.observed else self.per / self.denominator
            lower, upper = float(lo * scale), float(hi * scale)
        return ConfidenceInterval(lower, upper, level, self.method)

    def to_frame(self) -> pd.DataFrame:
        """One row with the inputs echoed, value, limits, level, statistic and method."""
        return pd.DataFrame(
            [
                {
                    "observed": self.observed,
                    "denominator": self.denominator,
                    "value": self.value,
                    "lower": self.lower,
                    "upper": self.upper,
                    "level": self.level,
                    "per": self.per,
                    "statistic": self.statistic,
                    "method": self.method,
                }
            ]
        )


def _bands(values: ArrayLike, name: str, *, allow_nan: bool = True) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric") from None
    if not allow_nan and np.isnan(arr).any():
        raise ValueError(
            f"{name} has a missing value in row {int(np.flatnonzero(np.isnan(arr))[0])}"
        )
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        raise ValueError(f"{name} must be >= 0: row {int(bad[0])} has {float(arr.flat[bad[0]])!r}")
    return arr


def _per_label(per: float) -> str:
    return f"{per:.0f}" if float(per).is_integer() else f"{per:g}"


def _dobson_limits(
    value: float, variance: float, total: float, per: float, level: float
) -> tuple[float, float]:
    if not total >= _DSR_MIN_COUNT:
        return float("nan"), float("nan")
    scale = np.sqrt(variance / total) * per
    lower = value + scale * (float(byars_lower(total, level)) - total)
    upper = value + scale * (float(byars_upper(total, level)) - total)
    return float(lower), float(upper)


def dsr(
    count: ArrayLike | None,
    population: ArrayLike,
    standard: ArrayLike,
    *,
    per: float = 100_000,
    level: float = 0.95,
    persons_by_frequency: ArrayLike | None = None,
    frequencies: Sequence[float] | None = None,
) -> StandardisedEstimate:
    """Directly standardised rate for one area with Dobson's confidence interval.

    Parameters
    ----------
    count : array_like
        Events per standardisation category (age band); NaN counts as 0. Ignored (pass
        ``None``) when ``persons_by_frequency`` is given.
    population : array_like
        The area's population per category; positive, no missing values.
    standard : array_like
        Standard population per category (such as the 2013 European Standard Population).
    per : float, default 100,000
        Multiplier.
    level : float, default 0.95
        Level as a fraction; :meth:`StandardisedEstimate.confidence_interval` gives others.
    persons_by_frequency : array_like, optional
        For non-independent events: a (categories x frequencies) array of the number of people
        with exactly ``frequencies[j]`` events (NaN counts as 0).
    frequencies : sequence of float, optional
        Event frequency of each column of ``persons_by_frequency`` (default 1, 2, 3, ...).

    Returns
    -------
    StandardisedEstimate
        ``value = sum(w_i x_i / n_i) / sum(w_i) * per``. Dobson's limits are
        ``value + sqrt(var / X) (Byar(X) - X) per`` with ``X`` the total count and
        ``var = sum(w_i^2 x_i / n_i^2) / sum(w_i)^2``; for non-independent events ``var`` is
        ``sum_k k^2 var_k`` over the persons with ``k`` events. Value and limits are NaN when
        the total count is below 10, as PHEindicatormethods suppresses them.

    Raises
    ------
    ValueError
        Lengths that differ, negative counts, populations that are not positive, missing
        populations or standard populations.

    Examples
    --------
    Two age bands, 30 and 20 events in 1,000 people each, standard population 1:1:

    >>> d = dsr([30, 20], [1000, 1000], [1, 1], per=1000)
    >>> round(d.value, 6), d.method
    (25.0, 'Dobson')
    """
    n = _bands(population, "population", allow_nan=False)
    w = _bands(standard, "standard", allow_nan=False)
    bad = np.flatnonzero(n <= 0)
    if bad.size:
        raise ValueError(f"population must be > 0: row {int(bad[0])} has {float(n[bad[0]])!r}")
    if persons_by_frequency is None:
        x = np.nan_to_num(_bands(count if count is not None else np.nan, "count"))
        method = DSR_METHOD
    else:
        persons = np.nan_to_num(_bands(persons_by_frequency, "persons_by_frequency"))
        if persons.ndim != 2 or persons.shape[0] != n.shape[0]:
            raise ValueError(
                "persons_by_frequency must be (categories x frequencies), one row "
                f"per category: got shape {persons.shape} for {n.shape[0]} categories"
            )
        freq = (
            np.arange(1, persons.shape[1] + 1, dtype=float)
            if frequencies is None
            else _bands(frequencies, "frequencies", allow_nan=False)
        )
        if freq.shape != (persons.shape[1],):
            raise ValueError(f"frequencies must have {persons.shape[1]} values, got {freq.size}")
        x = persons @ freq
        method = DSR_NONINDEPENDENT_METHOD
    if not (x.shape == n.shape == w.shape and x.ndim == 1):
        raise ValueError(
            f"count, population and standard must be 1-D and of equal length: "
            f"got {x.shape}, {n.shape}, {w.shape}"
        )
    level = check_level(level)
    per = float(per)
    total = float(x.sum())
    weight = w.sum()
    value = float((x * w / n).sum() / weight * per)
    if persons_by_frequency is None:
        variance = float((x * (w / n) ** 2).sum() / weight**2)
    else:
        per_freq = ((w / n) ** 2) @ persons / weight**2
        variance = float((per_freq * freq**2).sum())
    lower, upper = _dobson_limits(value, variance, total, per, level)
    statistic = f"dsr per {_per_label(per)}"
    if total < _DSR_MIN_COUNT:
        value = float("nan")
        statistic = "dsr NA for total count < 10"
    return StandardisedEstimate(
        total,
        float(n.sum()),
        per,
        level,
        value,
        lower,
        upper,
        method,
        statistic,
        _DSR_SOURCE,
        variance,
    )


def _expected(
    population: ArrayLike, reference_count: ArrayLike, reference_population: ArrayLike
) -> float:
    n = np.nan_to_num(_bands(population, "population"))
    ref_x = np.nan_to_num(_bands(reference_count, "reference_count"))
    ref_n = _bands(reference_population, "reference_population", allow_nan=False)
    if not n.shape == ref_x.shape == ref_n.shape:
        raise ValueError("population, reference_count and reference_population differ in length")
    bad = np.flatnonzero(ref_n <= 0)
    if bad.size:
        raise ValueError(f"reference_population must be > 0: row {int(bad[0])}")
    return float((ref_x / ref_n * n).sum())


def _indirect(
    observed: float, expected: float, scale: float, level: float, statistic: str
) -> StandardisedEstimate:
    lo, hi, method = poisson_limits(observed, level)
    factor = scale / expected
    return StandardisedEstimate(
        observed,
        expected,
        scale,
        level,
        observed * factor,
        float(lo * factor),
        float(hi * factor),
        str(method.item()),
        statistic,
        _ISR_SOURCE,
    )


def isratio(
    count: ArrayLike,
    population: ArrayLike,
    reference_count: ArrayLike,
    reference_population: ArrayLike,
    *,
    refvalue: float = 1,
    level: float = 0.95,
) -> StandardisedEstimate:
    """Indirectly standardised ratio (observed / expected) for one area.

    Parameters
    ----------
    count : array_like or float
        Observed events per category (summed, NaN as 0), or the area's total.
    population : array_like
        The area's population per category (NaN as 0).
    reference_count, reference_population : array_like
        Events and population of the reference (standard) population per category; the
        reference rates are ``reference_count / reference_population`` (NaN count as 0).
    refvalue : float, default 1
        1 for a ratio, 100 for a ratio x 100 (SMR style).
    level : float, default 0.95

    Returns
    -------
    StandardisedEstimate
        ``value = O / E * refvalue`` with ``E = sum(population x reference rate)``; limits are
        the exact Poisson limits of ``O`` below 10 events and Byar's from 10, divided by ``E``
        (``method`` ``"Exact"`` or ``"Byars"``). ``denominator`` is ``E``.

    Examples
    --------
    >>> r = isratio([5, 15], [1000, 1000], [10, 10], [1000, 1000], refvalue=100)
    >>> r.denominator, r.value, r.method
    (20.0, 100.0, 'Byars')
    """
    observed = float(np.nansum(_bands(count, "count")))
    expected = _expected(population, reference_count, reference_population)
    label = f"indirectly standardised ratio x {_per_label(refvalue)}"
    return _indirect(observed, expected, float(refvalue), check_level(level), label)


def israte(
    count: ArrayLike,
    population: ArrayLike,
    reference_count: ArrayLike,
    reference_population: ArrayLike,
    *,
    per: float = 100_000,
    level: float = 0.95,
) -> StandardisedEstimate:
    """Indirectly standardised rate: the ratio O/E times the reference crude rate, per ``per``.

    The reference rate is ``sum(reference_count) / sum(reference_population)`` (NaN counts as
    0); limits scale the ratio's exact/Byar's limits the same way. See :func:`isratio`.

    Examples
    --------
    >>> r = israte([5, 15], [1000, 1000], [10, 10], [1000, 1000], per=1000)
    >>> round(r.value, 9)
    10.0
    """
    ref_x = np.nan_to_num(_bands(reference_count, "reference_count"))
    ref_n = _bands(reference_population, "reference_population", allow_nan=False)
    ref_rate = float(ref_x.sum() / ref_n.sum())
    observed = float(np.nansum(_bands(count, "count")))
    expected = _expected(population, reference_count, reference_population)
    label = f"indirectly standardised rate per {_per_label(per)}"
    return _indirect(observed, expected, float(per) * ref_rate, check_level(level), label)


def _by_area_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows).reset_index(drop=True)


def _two_levels(estimate: StandardisedEstimate) -> dict[str, Any]:
    ci998 = estimate.confidence_interval(0.998)
    return {
        "value": estimate.value,
        "lower95": estimate.lower,
        "upper95": estimate.upper,
        "lower998": ci998.lower,
        "upper998": ci998.upper,
        "statistic": estimate.statistic,
        "method": estimate.method,
    }


def dsr_by_area(
    frame: pd.DataFrame,
    *,
    area: str = "area",
    count: str = "count",
    population: str = "pop",
    standard: str = "esp2013",
    per: float = 100_000,
    persons_by_frequency: Sequence[str] | None = None,
    frequencies: Sequence[float] | None = None,
) -> pd.DataFrame:
    """:func:`dsr` for every area of a tidy table (one row per area and category).

    Returns one row per area (in order of first appearance) with ``total_count``,
    ``total_pop``, ``value``, ``lower95``, ``upper95``, ``lower998``, ``upper998``,
    ``statistic`` and ``method``. For non-independent events name the person-count columns in
    ``persons_by_frequency`` (one per frequency in ``frequencies``).
    """
    rows = []
    for name, group in frame.groupby(area, sort=False):
        if persons_by_frequency is None:
            est = dsr(group[count], group[population], group[standard], per=per)
        else:
            est = dsr(
                None,
                group[population],
                group[standard],
                per=per,
                persons_by_frequency=group[list(persons_by_frequency)].to_numpy(float),
                frequencies=frequencies,
            )
        rows.append(
            {
                area: name,
                "total_count": est.observed,
                "total_pop": est.denominator,
                **_two_levels(est),
            }
        )
    return _by_area_frame(rows)


def isratio_by_area(
    frame: pd.DataFrame,
    *,
    area: str = "area",
    count: str = "count",
    population: str = "pop",
    reference_count: str = "refcount",
    reference_population: str = "refpop",
    refvalue: float = 1,
) -> pd.DataFrame:
    """:func:`isratio` for every area of a tidy table (one row per area and category).

    Returns one row per area with ``observed``, ``expected``, ``value``, ``lower95``,
    ``upper95``, ``lower998``, ``upper998``, ``statistic`` and ``method``.
    """
    rows = []
    for name, group in frame.groupby(area, sort=False):
        est = isratio(
            group[count],
            group[population],
            group[reference_count],
            group[reference_population],
            refvalue=refvalue,
        )
        rows.append(
            {area: name, "observed": est.observed, "expected": est.denominator, **_two_levels(est)}
        )
    return _by_area_frame(rows)
