"""Related indicators: what else an area records predicts where CSE should be found.

Children going missing, criminally exploited, in gangs, trafficked or sexually abused, and
police recorded sexual offences against children, are recorded by the same services and the same
children as CSE. An area that records many of them relative to its peers should, other things
equal, find more CSE than its peers too. Two uses:

**Model-based expected count.** Each area's log ratio to its peers for CSE,
``d_i = log(identified_i / expected_i)``, is regressed on its log ratios to the same peers for
each related indicator, ``r_ik = log(count_ik / expected_ik)`` (a robust Huber regression,
statsmodels ``RLM``, so that the areas to be found do not pull the fit). The prediction for each
area comes from a fit without it (k-fold cross-validation), so an area never explains itself:
``expected_model_i = expected_i * exp(d_hat_i)``. The areas are then compared with those expected
counts exactly as with their peers' (the robust overdispersion of :mod:`jigsaw.stats.overdispersion`),
and ``variance_removed = 1 - tau2_model / tau2_peers`` says how much of the unexplained
between-area variance the indicators remove.

**Mismatch.** An area that records at least as many children going missing or criminally
exploited as its peers, but CSE far below its peers, shows the pattern the national inquiry
warned about. ``mismatch_gap_i = d_i - max(r_i,going_missing, r_i,cce)``; it is a ``mismatch``
when the larger of those two ratios is at least 1 and the gap lies below the lower two-sided
limit (``level``, 95% by default) of the gaps' robust spread (median and MAD).

An area that under-identifies may under-record all of these together; the model then expects
little of it and does not flag it. The model-based comparison is therefore shown beside the
peers-only one, never instead of it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from jigsaw import disclosure
from jigsaw.oversight._fits import fitted
from jigsaw.stats import overdispersion
from jigsaw.stats._intervals import normal_ppf

__all__ = [
    "ENGLAND_INDICATORS",
    "MISMATCH_BASIS",
    "RELATED_COLUMNS",
    "RelatedModel",
    "england_indicators",
    "log_ratios",
    "mismatch",
    "peer_log_ratios",
    "related_model",
    "usable_indicators",
]

#: The indicators whose excess over peers, beside little CSE, is a mismatch.
MISMATCH_BASIS = ("going_missing", "cce")

#: Columns :func:`related_model` gives each area (with ``area_code``), in order.
RELATED_COLUMNS = [
    "expected_model",
    "comparison_model",
    "missing_ratio",
    "cce_ratio",
    "mismatch_gap",
    "mismatch",
]

_ZERO_COUNT = 0.5
_MAD_TO_SD = 1.0 / float(normal_ppf(0.75))


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be a fraction between 0 and 1, got {level!r}")
    return float(normal_ppf(0.5 + level / 2))


def log_ratios(counts: NDArray[np.float64], expected: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log(count / expected)`` (a zero count as 0.5); NaN where either is unknown.

    >>> log_ratios(np.array([10.0, 0.0, np.nan]), np.array([10.0, 2.0, 5.0])).round(3).tolist()
    [0.0, -1.386, nan]
    """
    c = np.asarray(counts, dtype=float)
    e = np.asarray(expected, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.log(np.maximum(c, _ZERO_COUNT) / e)
    return np.where(np.isfinite(c) & np.isfinite(e) & (e > 0), out, np.nan)


@dataclass(frozen=True)
class RelatedModel:
    """The model-based comparison and the mismatch view of one year.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per area, in the order given: ``area_code`` then :data:`RELATED_COLUMNS`.
        ``comparison_model`` is ``lower``/``similar``/``higher`` or ``not compared`` (no CSE
        comparison or a related indicator missing); ``mismatch`` is True or False.
    indicators : tuple of str
        The indicators in the model.
    coefficients : dict
        Indicator -> coefficient of the fit on all areas (``intercept`` too).
    tau2_peers, tau2_model : float
        Robust between-area variance around the peers' and around the model-based expected counts.
    folds : int
        Folds of the cross-validation.
    level : float
        Level of the limits behind ``comparison_model``.
    """

    table: pd.DataFrame
    indicators: tuple[str, ...]
    coefficients: dict[str, float]
    tau2_peers: float
    tau2_model: float
    folds: int
    level: float

    @property
    def variance_removed(self) -> float:
        """Share of the unexplained between-area variance the indicators remove (out of fold)."""
        return 1.0 - self.tau2_model / self.tau2_peers if self.tau2_peers > 0 else 0.0


def _huber(design: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.array(fitted("huber", (design, y), lambda: _rlm(design, y)), dtype=float)


def _rlm(design: NDArray[np.float64], y: NDArray[np.float64]) -> list[float]:
    # Imported here, and from its own modules rather than statsmodels.api (which loads its
    # plotting and time-series modules too): only this fit needs statsmodels.
    from statsmodels.robust.norms import HuberT
    from statsmodels.robust.robust_linear_model import RLM

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params: list[float] = np.asarray(RLM(y, design, M=HuberT()).fit().params).tolist()
    return params


def related_model(
    areas: pd.DataFrame,
    ratios: pd.DataFrame,
    *,
    level: float = 0.998,
    folds: int = 10,
    seed: int = 0,
    mismatch_level: float = 0.95,
) -> RelatedModel:
    """Sharpen each area's expected count with related indicators; find mismatches.

    Parameters
    ----------
    areas : pandas.DataFrame
        ``area_code``, ``identified`` and ``expected`` (at the peers' rate, NaN when the area
        has no comparison), one row per area.
    ratios : pandas.DataFrame
        One column per related indicator: each area's ``log(count / expected at peers' rate)``
        (:func:`log_ratios`), NaN when unknown; rows as ``areas``. Columns named
        ``going_missing`` and ``cce`` also give the mismatch view.
    level : float
        Two-sided level of the limits behind ``comparison_model``.
    folds : int
        Folds of the cross-validation (each area is predicted by a fit without its fold).
    seed : int
        Seed of the fold assignment.
    mismatch_level : float
        Two-sided level of the limit below which a gap is a mismatch.

    Raises
    ------
    ValueError
        Rows that do not match, or fewer than ``folds`` areas with every indicator.
    """
    if len(ratios) != len(areas):
        raise ValueError(f"related_model: {len(ratios)} rows of ratios for {len(areas)} areas")
    indicators = tuple(str(c) for c in ratios.columns)
    o = areas["identified"].to_numpy(dtype=float)
    e = areas["expected"].to_numpy(dtype=float)
    d = log_ratios(o, e)
    r = ratios.to_numpy(dtype=float)
    known = np.isfinite(r)
    # An area with an indicator unknown (a suppressed count) is predicted from the indicators
    # it has, by a fit over the areas that have those: never from a zero put in its place.
    usable = np.isfinite(d) & known.any(axis=1)
    if (np.isfinite(d) & known.all(axis=1)).sum() < max(folds, len(indicators) + 3):
        raise ValueError(
            f"related_model: only {int((np.isfinite(d) & known.all(axis=1)).sum())} "
            f"areas have CSE and every indicator ({', '.join(indicators)})"
        )
    # A small count (published as "<5") is in no fit, so no published coefficient, variance
    # or other area's expected count depends on it (docs/adr/0005-small-count-suppression.md).
    shown = np.array([not disclosure.is_small(v) for v in o], dtype=bool)
    fold_of = np.random.default_rng(seed).permutation(len(areas)) % folds
    predicted = np.full(len(areas), np.nan)
    for pattern in {tuple(row) for row in known[usable]}:
        columns = np.array(pattern, dtype=bool)
        train = np.isfinite(d) & shown & known[:, columns].all(axis=1)
        if train.sum() < max(folds, int(columns.sum()) + 3):
            continue
        target = usable & (known == columns).all(axis=1)
        design = np.column_stack([np.ones(len(areas)), np.where(known, r, 0.0)[:, columns]])
        for k in range(folds):
            test = target & (fold_of == k)
            if test.any():
                beta = _huber(design[train & (fold_of != k)], d[train & (fold_of != k)])
                predicted[test] = design[test] @ beta
    full = np.isfinite(d) & shown & known.all(axis=1)
    beta_all = _huber(np.column_stack([np.ones(int(full.sum())), r[full]]), d[full])
    rows = np.flatnonzero(np.isfinite(predicted))

    expected_model = e * np.exp(predicted)
    fitted = rows[shown[rows]]
    peers_fit = overdispersion.estimate(o[fitted], e[fitted])
    model_fit = overdispersion.estimate(o[fitted], expected_model[fitted])
    comparison = np.full(len(areas), "not compared", dtype=object)
    comparison[rows] = model_fit.compare(o[rows], expected_model[rows], level)
    table = pd.DataFrame(
        {
            "area_code": areas["area_code"].astype(str).to_numpy(),
            "expected_model": expected_model,
            "comparison_model": comparison,
        }
    )
    mismatch_table = mismatch(
        d, {name: r[:, j] for j, name in enumerate(indicators)}, level=mismatch_level
    )
    for column in mismatch_table.columns:
        table[column] = mismatch_table[column].to_numpy()
    return RelatedModel(
        table=table,
        indicators=indicators,
        coefficients=dict(zip(("intercept", *indicators), map(float, beta_all), strict=True)),
        tau2_peers=float(peers_fit.tau2),
        tau2_model=float(model_fit.tau2),
        folds=folds,
        level=level,
    )


def mismatch(
    cse: NDArray[np.float64],
    related: dict[str, NDArray[np.float64]],
    *,
    level: float = 0.95,
    basis: Sequence[str] = MISMATCH_BASIS,
) -> pd.DataFrame:
    """The mismatch view: much going missing or criminal exploitation, little CSE, against peers.

    Parameters
    ----------
    cse : array
        Each area's CSE log ratio to its peers (NaN when unknown).
    related : dict
        Indicator -> log ratios to peers; those named in ``basis`` are used.
    level : float
        Two-sided level of the limit on the gap's robust spread.

    Returns
    -------
    pandas.DataFrame
        ``missing_ratio`` and ``cce_ratio`` (ratios to peers, NaN when unknown),
        ``mismatch_gap`` (log scale) and ``mismatch`` (bool).

    Examples
    --------
    Forty areas like their peers on everything, and one recording twice its peers' going
    missing with a fifth of their CSE:

    >>> rng = np.random.default_rng(0)
    >>> cse = np.append(rng.normal(0, 0.2, 40), np.log(0.2))
    >>> missing = np.append(rng.normal(0, 0.2, 40), np.log(2.0))
    >>> view = mismatch(cse, {"going_missing": missing, "cce": np.full(41, np.nan)})
    >>> view["mismatch"].to_numpy().nonzero()[0].tolist()
    [40]
    """
    n = np.asarray(cse, dtype=float).size
    columns = {
        name: np.asarray(related[name], dtype=float) if name in related else np.full(n, np.nan)
        for name in basis
    }
    stacked = np.column_stack(list(columns.values()))
    known = np.isfinite(stacked).any(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        most = np.where(
            known, np.nanmax(np.where(np.isfinite(stacked), stacked, -np.inf), axis=1), np.nan
        )
    gap = np.asarray(cse, dtype=float) - most
    finite = np.isfinite(gap)
    flagged = np.zeros(n, dtype=bool)
    if finite.sum() >= 10:
        centre = float(np.median(gap[finite]))
        spread = _MAD_TO_SD * float(np.median(np.abs(gap[finite] - centre)))
        limit = centre - _z(level) * spread
        flagged = finite & (most >= 0) & (np.where(finite, gap, np.inf) < limit)
    return pd.DataFrame(
        {
            "missing_ratio": np.exp(columns.get("going_missing", np.full(n, np.nan))),
            "cce_ratio": np.exp(columns.get("cce", np.full(n, np.nan))),
            "mismatch_gap": gap,
            "mismatch": flagged,
        }
    )


#: England's related indicators: CIN factor keys (sexual abuse is the sum of its three parts)
#: and police recorded sexual offences against children (force level, apportioned by children).
ENGLAND_INDICATORS = (
    "going_missing",
    "cce",
    "gangs",
    "trafficking",
    "sexual_abuse",
    "police_child_sexual_offences",
)

_SEXUAL_ABUSE_PARTS = (
    "sexual_abuse_adult_on_child",
    "sexual_abuse_child_on_child",
    "sexual_abuse_unknown",
)


def england_indicators(year: int, areas: pd.DataFrame) -> pd.DataFrame:
    """Counts of each of :data:`ENGLAND_INDICATORS` for the LAs of one reporting year.

    Parameters
    ----------
    year : int
        CIN reporting year.
    areas : pandas.DataFrame
        ``area_code`` (GSS) and ``children``, one row per LA (as
        :func:`jigsaw.oversight.load_national` gives them).

    Returns
    -------
    pandas.DataFrame
        One column per indicator, rows as ``areas``; NaN where DfE published no count (a
        suppressed part of sexual abuse leaves the sum unknown, never a smaller sum). Police
        offences of a force are shared among its LAs by their children (file 11 holds 2017/18
        only, so every year uses it).
    """
    # Imported here so the module's statistics need no data files.
    from jigsaw.datasets import england

    codes = areas["area_code"].astype(str)
    factors = england.factor_counts(
        ["going_missing", "cce", "gangs", "trafficking", *_SEXUAL_ABUSE_PARTS]
    )
    factors = factors[factors["year"] == year]
    wide = factors.pivot_table(
        index="new_la_code", columns="factor", values="count", aggfunc="first", dropna=False
    )
    out = pd.DataFrame(index=codes)
    for name in ("going_missing", "cce", "gangs", "trafficking"):
        out[name] = wide[name].reindex(codes).to_numpy() if name in wide else np.nan
    parts = [
        wide[p].reindex(codes).to_numpy() if p in wide else np.full(len(codes), np.nan)
        for p in _SEXUAL_ABUSE_PARTS
    ]
    out["sexual_abuse"] = np.sum(parts, axis=0)  # NaN if any part is unknown
    police = england.police_child_sexual_offences().set_index("new_la_code")
    force = codes.map(police["force_name"])
    children = pd.Series(areas["children"].to_numpy(dtype=float), index=codes)
    force_children = children.groupby(force.to_numpy()).transform("sum")
    share = children / force_children
    out["police_child_sexual_offences"] = (
        codes.map(police["force_offences"]).to_numpy() * share.to_numpy()
    )
    return out.reset_index(drop=True)


#: An indicator enters the model only when it is known for at least this share of the areas:
#: criminal exploitation and sexual abuse were not collected before 2022 ("x" for every LA).
#: An area missing one (trafficking is suppressed for about a quarter of LAs) is predicted
#: from the others.
MIN_KNOWN_SHARE = 0.5


def usable_indicators(ratios: pd.DataFrame, min_share: float = MIN_KNOWN_SHARE) -> list[str]:
    """The columns of ``ratios`` known for at least ``min_share`` of the rows.

    >>> usable_indicators(pd.DataFrame({"a": [0.1, np.nan, np.nan], "b": [0.0, 0.1, np.nan]}))
    ['b']
    """
    known = ratios.notna().mean()
    return [str(c) for c in ratios.columns if known[c] >= min_share]


def peer_log_ratios(
    areas: pd.DataFrame,
    counts: pd.DataFrame,
    neighbours: pd.DataFrame,
    *,
    not_peers: Sequence[str] = (),
) -> pd.DataFrame:
    """Each area's log ratio to its peers for every column of ``counts``.

    The expected count at the peers' rate comes from
    :func:`jigsaw.stats.shortfall.compare_with_peers` on that indicator (the one definition
    of a peers' rate); an indicator no area has is left out (all NaN).
    """
    from jigsaw.stats.shortfall import compare_with_peers

    out = pd.DataFrame(index=range(len(areas)))
    for column in counts.columns:
        values = counts[column].to_numpy(dtype=float)
        if np.isfinite(values).sum() < 3:
            continue
        frame = pd.DataFrame(
            {
                "area_code": areas["area_code"].astype(str).to_numpy(),
                "identified": np.round(values),
                "children": areas["children"].to_numpy(dtype=float),
            }
        )
        has_children = frame["children"].notna().to_numpy()
        fitted = compare_with_peers(
            frame[has_children], neighbours, not_peers=[c for c in not_peers]
        )
        expected = np.full(len(areas), np.nan)
        expected[has_children] = fitted.table["expected"].to_numpy(dtype=float)
        out[column] = log_ratios(values, expected)
    return out
