"""Each area against its statistical neighbours: peers' rate, expected count, shortfall, flag.

For every area, :func:`compare_with_peers` pools its neighbours (sum of identified children over
sum of children), multiplies the peers' rate by the area's children to get the number it would
have identified at its peers' rate (``expected``), and reports the shortfall
``expected - identified`` with an interval. It then compares each area with its peers allowing
for the real variation between areas (overdispersion, estimated robustly by
:func:`jigsaw.stats.overdispersion.estimate`): ``lower`` means "possible under-identification",
``higher`` means more identified than similar areas, ``similar`` neither.
:func:`shortfall_summary` adds the shortfall up over the areas flagged ``lower``. The result is
a frozen :class:`PeerComparison`: the per-area table with the fit and peer groups it rests on.

The method is described, with its choices and the evidence for them, in
``docs/methods/shortfall.md``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from jigsaw.stats import overdispersion
from jigsaw.stats.rates import rate, z_value

__all__ = [
    "COMPARISONS",
    "PeerComparison",
    "ShortfallSummary",
    "compare_with_peers",
    "shortfall_summary",
]

Floats = NDArray[np.float64]

COMPARISONS = ("lower", "similar", "higher")

SOURCE = (
    "Peers' rate pooled over DfE statistical neighbours (or k nearest on covariates); "
    "comparison with Spiegelhalter (2005) overdispersed limits, robust tau2 (Jigsaw); rate "
    "intervals: PHEindicatormethods conventions (exact below 10 events, Byar from 10)"
)

_MAX_PASSES = 20
# Fewest peers a benchmark may rest on once flagged peers are left out.
_MIN_PEERS = 5
# Peers are left out of others' benchmarks only when below their own 99.8% ("alarm") limit,
# whatever level the comparison is reported at: at 95% one area in forty would be left out by
# chance, and each exclusion raises its neighbours' benchmarks (more false alarms).
_EXCLUDE_LEVEL = 0.998
_AREA_COLUMNS = ("area_code", "identified", "children")
_NEIGHBOUR_COLUMNS = ("area_code", "neighbour_code")


def _row_error(table: str, row: int, column: str, message: str) -> ValueError:
    return ValueError(f"{table} row {row + 1}, column {column}: {message}")


def _check_areas(areas: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in _AREA_COLUMNS if c not in areas.columns]
    if missing:
        raise ValueError(f"areas: missing column(s) {', '.join(missing)}")
    frame = pd.DataFrame({"area_code": areas["area_code"]}).reset_index(drop=True)
    for row, code in enumerate(frame["area_code"]):
        if pd.isna(code) or str(code).strip() == "":
            raise _row_error("areas", row, "area_code", "missing area code")
    frame["area_code"] = frame["area_code"].astype(str)
    duplicated = frame["area_code"].duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated)[0])
        raise _row_error(
            "areas", row, "area_code", f"duplicate area code {frame['area_code'].iloc[row]!r}"
        )
    if "area_name" in areas.columns:
        frame["area_name"] = areas["area_name"].to_numpy()
    for column in ("identified", "children"):
        raw = areas[column].reset_index(drop=True)
        values = pd.to_numeric(raw, errors="coerce")
        for bad in np.flatnonzero(values.isna() & raw.notna()):
            raise _row_error("areas", int(bad), column, f"not a number ({raw.iloc[bad]!r})")
        for bad in np.flatnonzero(values < 0):
            raise _row_error("areas", int(bad), column, f"negative ({raw.iloc[bad]!r})")
        frame[column] = values.astype(float)
    for bad in np.flatnonzero(frame["children"].eq(0)):
        raise _row_error("areas", int(bad), "children", "zero children: no rate is possible")
    return frame


def _check_neighbours(neighbours: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in _NEIGHBOUR_COLUMNS if c not in neighbours.columns]
    if missing:
        raise ValueError(f"neighbours: missing column(s) {', '.join(missing)}")
    pairs = neighbours[list(_NEIGHBOUR_COLUMNS)].reset_index(drop=True)
    for column in _NEIGHBOUR_COLUMNS:
        for row in np.flatnonzero(pairs[column].isna()):
            raise _row_error("neighbours", int(row), column, "missing code")
    pairs = pairs.astype(str)
    for row in np.flatnonzero(pairs["area_code"] == pairs["neighbour_code"]):
        raise _row_error(
            "neighbours",
            int(row),
            "neighbour_code",
            f"area {pairs['area_code'].iloc[row]!r} lists itself",
        )
    return pairs.drop_duplicates()


def _peer_weights(
    frame: pd.DataFrame, pairs: pd.DataFrame, usable: NDArray[np.bool_]
) -> sparse.csr_matrix:
    """Sparse W with W[i, j] = 1 when j is a usable peer of i (known counts, not i itself)."""
    position = pd.Series(np.arange(len(frame)), index=frame["area_code"])
    i = position.reindex(pairs["area_code"]).to_numpy()
    j = position.reindex(pairs["neighbour_code"]).to_numpy()
    keep = ~(np.isnan(i) | np.isnan(j))
    i, j = i[keep].astype(int), j[keep].astype(int)
    keep = usable[j]
    size = len(frame)
    return sparse.csr_matrix((np.ones(int(keep.sum())), (i[keep], j[keep])), shape=(size, size))


def _row_sums(weights: Any) -> Floats:
    return np.asarray(weights.sum(axis=1), dtype=float).reshape(-1)


@dataclass(frozen=True)
class PeerComparison:
    """Every area against its peers: the per-area table and what the comparison rested on.

    :func:`compare_with_peers` returns it; :func:`shortfall_summary` (or :meth:`summary`)
    adds the shortfall up over the flagged areas from it.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per area in the order given (columns as :func:`compare_with_peers` lists).
        Treat it as read-only: the summary relies on it matching :attr:`weights`.
    overdispersion : Overdispersion
        The fitted between-area variance behind ``comparison``.
    weights : scipy.sparse.csr_matrix
        ``weights[i, j] = 1`` when area ``j`` was finally one of area ``i``'s peers.
    per : float
        Rates are per this many children.
    interval_level : float
        Level of the rate and shortfall intervals.
    level : float
        Two-sided level of the overdispersed limits behind ``comparison``.
    """

    table: pd.DataFrame
    overdispersion: overdispersion.Overdispersion
    weights: sparse.csr_matrix
    per: float
    interval_level: float
    level: float

    def summary(
        self, *, interval_level: float | None = None, leave_out: Collection[str] = ()
    ) -> ShortfallSummary:
        """The shortfall added up over the flagged areas (:func:`shortfall_summary`)."""
        return shortfall_summary(self, interval_level=interval_level, leave_out=leave_out)


def _compare_once(
    o: Floats,
    n: Floats,
    usable: NDArray[np.bool_],
    weights: Any,
    per: float,
    scale: str,
    estimator: str,
    level: float,
) -> tuple[Floats, overdispersion.Overdispersion, Floats, NDArray[np.object_]]:
    """Peers' rate -> expected count -> overdispersion -> z and comparison, for one peer set."""
    peers = _row_sums(weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        peer_rate = np.where(
            peers > 0, (weights @ np.where(usable, o, 0.0)) / (weights @ n), np.nan
        )
    expected = n * peer_rate
    comparable = usable & (expected > 0)
    if comparable.sum() < 3:
        raise ValueError(
            f"need at least 3 areas with counts and peers to compare, got {int(comparable.sum())}"
        )
    fit = overdispersion.estimate(
        o[comparable], expected[comparable], scale=scale, estimator=estimator, level=level
    )
    z = np.full(len(o), np.nan)
    z[comparable] = fit.z(o[comparable], expected[comparable])
    comparison = np.full(len(o), None, dtype=object)
    comparison[comparable] = fit.compare(o[comparable], expected[comparable])
    return expected, fit, z, comparison


def compare_with_peers(
    areas: pd.DataFrame,
    neighbours: pd.DataFrame,
    *,
    per: float = 10_000,
    interval_level: float = 0.95,
    level: float = 0.998,
    estimator: str = "robust",
    scale: str = "log",
    exclude_lower_peers: bool = True,
    not_peers: Collection[str] = (),
) -> PeerComparison:
    """Compare each area's identified children with its statistical neighbours.

    Parameters
    ----------
    areas : pandas.DataFrame
        One row per area: ``area_code``, ``identified`` (children identified, a count),
        ``children`` (population, > 0) and optionally ``area_name``. A missing ``identified``
        (for example a suppressed count) is allowed: that area gets no comparison and is left
        out of its neighbours' peer groups.
    neighbours : pandas.DataFrame
        One row per (``area_code``, ``neighbour_code``) pair, e.g. from
        :func:`jigsaw.stats.neighbours.statistical_neighbours` or
        :func:`jigsaw.stats.neighbours.nearest_neighbours`. Neighbours that are not in
        ``areas`` are ignored.
    per : float
        Rates are per this many children (10,000).
    interval_level : float
        Level of the rate and shortfall intervals (0.95).
    level : float
        Two-sided level of the overdispersed limits behind ``comparison`` (0.998:
        Spiegelhalter's "alarm" limit; 0.95 flags more areas, with more false alarms).
    estimator, scale : str
        Passed to :func:`jigsaw.stats.overdispersion.estimate` (``"robust"``, ``"log"``).
    exclude_lower_peers : bool
        Pool each benchmark over the neighbours not flagged ``lower`` themselves (see Notes).
    not_peers : collection of str
        Codes of areas that are compared but never used in anyone's peers' rate (for example
        areas whose small counts are suppressed when published: a published peers' rate,
        times the peers' published children, would give the hidden count back).

    Returns
    -------
    PeerComparison
        ``table`` has one row per area, in the order given, with ``area_code``, ``area_name`` (if given),
        ``identified``, ``children``, ``rate``, ``rate_lower``, ``rate_upper`` (exact below 10
        events, Byar from 10), ``peers`` (neighbours with known counts, less those flagged ``lower`` when
        ``exclude_lower_peers``), ``peer_identified``,
        ``peer_children``, ``peer_rate`` (pooled), ``peer_median_rate``, ``expected``
        (children x peer_rate / per), ``shortfall`` (expected - identified, negative when the
        area identifies more than its peers), ``shortfall_lower``, ``shortfall_upper``,
        ``z`` (overdispersed z-score against the peers' rate) and ``comparison`` (``"lower"``,
        ``"similar"``, ``"higher"``, or missing when the area has no count or no peers with
        any identified child); ``overdispersion`` is the fitted
        :class:`~jigsaw.stats.overdispersion.Overdispersion`.

    Raises
    ------
    ValueError
        Missing columns; a missing, duplicate or self-listed area code; a non-numeric or
        negative count; zero children (messages name the table, the row counted from 1 for
        the first data row, and the column); fewer than 3 areas that can be compared.

    Notes
    -----
    The shortfall estimates how many more children the area would have identified had it
    identified like its peers. Its interval is ``expected * exp(-+ z * sigma) - identified``
    with ``sigma**2 = log(1 + se**2 / expected**2)`` (log-normal, as the uncertainty is
    multiplicative) and
    ``se**2 = sum_j (children_i / peer_children_i)**2 var(identified_j) + var(identified_i)
    + expected_i**2 tau2``: the peers' counts vary by Poisson chance plus the between-area
    variance (``O + O**2 tau2`` on the log scale); the area's own count by Poisson chance
    (taken from the width of its exact/Byar interval, so a zero count still has some); and,
    because similar areas still differ in how many victims they have, the area's own
    expectation may sit ``tau2`` away from its peers' rate.

    When ``exclude_lower_peers`` is true (the default) the comparison is repeated with each
    area's peers' rate pooled over the neighbours that are not themselves below their own
    99.8% limit (keeping all neighbours where fewer than 5 would be left), until the set left
    out stops changing: an under-identifying neighbour would otherwise lower the benchmark of
    every area it neighbours and hide them too.

    Examples
    --------
    A's peers are B and C: (30 + 20) / (20,000 + 20,000) = 12.5 per 10,000, so at its peers'
    rate A's 10,000 children would give 12.5 identified, 2.5 more than its 10.

    >>> areas = pd.DataFrame({"area_code": ["A", "B", "C", "D"], "identified": [10, 30, 20, 40],
    ...                       "children": [10_000, 20_000, 20_000, 40_000]})
    >>> pairs = pd.DataFrame({"area_code": list("AABBCCDD"), "neighbour_code": list("BCCDDAAB")})
    >>> result = compare_with_peers(areas, pairs)
    >>> result.table[["area_code", "peer_rate", "expected", "shortfall", "comparison"]].round(2)
      area_code  peer_rate  expected  shortfall comparison
    0         A      12.50     12.50       2.50    similar
    1         B      10.00     20.00     -10.00    similar
    2         C      10.00     20.00       0.00    similar
    3         D      13.33     53.33      13.33    similar
    """
    frame = _check_areas(areas)
    pairs = _check_neighbours(neighbours)
    o = frame["identified"].to_numpy()
    n = frame["children"].to_numpy()
    usable = ~np.isnan(o)
    o0 = np.where(usable, o, 0.0)
    peer_ok = usable & ~frame["area_code"].isin([str(c) for c in not_peers]).to_numpy()
    all_peers = _peer_weights(frame, pairs, peer_ok)
    weights = all_peers
    seen: set[bytes] = set()
    for _ in range(_MAX_PASSES):
        expected, fit, z, comparison = _compare_once(
            o, n, usable, weights, per, scale, estimator, level
        )
        if not exclude_lower_peers:
            break
        lower = np.nan_to_num(z, nan=0.0) < -z_value(_EXCLUDE_LEVEL)
        new_weights = all_peers @ sparse.diags((~lower).astype(float))
        # An area whose peers are nearly all flagged keeps them all: too few peers left
        # would make a benchmark out of one or two areas.
        thin = (_row_sums(new_weights) < _MIN_PEERS).astype(float)
        new_weights = (
            sparse.diags(1.0 - thin) @ new_weights + sparse.diags(thin) @ all_peers
        ).tocsr()
        if (new_weights != weights).nnz == 0 or lower.tobytes() in seen:
            weights = new_weights
            expected, fit, z, comparison = _compare_once(
                o, n, usable, weights, per, scale, estimator, level
            )
            break
        seen.add(lower.tobytes())
        weights = new_weights
    peers = _row_sums(weights)
    peer_o = weights @ o0
    peer_n = weights @ n
    with np.errstate(invalid="ignore", divide="ignore"):
        peer_rate = np.where(peers > 0, peer_o / peer_n * per, np.nan)
        own_rates = o0 / n * per
    rows, columns = weights.nonzero()
    peer_median = (
        pd.Series(own_rates[columns]).groupby(rows).median().reindex(range(len(frame))).to_numpy()
    )

    estimate = rate(np.where(usable, o, 0.0), n, per=per, level=interval_level)
    rate_lower = np.where(usable, estimate.lower, np.nan)
    rate_upper = np.where(usable, estimate.upper, np.nan)
    variance = _shortfall_variance(
        weights, o0, n, peer_n, rate_lower, rate_upper, per, interval_level, fit, expected
    )
    shortfall = expected - o
    shortfall_lower, shortfall_upper = _interval(expected, o, variance, interval_level)

    # One frame built at once: a column added at a time costs pandas a new block each.
    result = pd.DataFrame(
        {
            **{column: frame[column].to_numpy() for column in frame.columns},
            "rate": np.where(usable, estimate.value, np.nan),
            "rate_lower": rate_lower,
            "rate_upper": rate_upper,
            "peers": peers.astype(int),
            "peer_identified": np.where(peers > 0, peer_o, np.nan),
            "peer_children": np.where(peers > 0, peer_n, np.nan),
            "peer_rate": peer_rate,
            "peer_median_rate": peer_median,
            "expected": expected,
            "shortfall": shortfall,
            "shortfall_lower": shortfall_lower,
            "shortfall_upper": shortfall_upper,
            "z": z,
            "comparison": comparison,
        }
    )
    return PeerComparison(
        table=result,
        overdispersion=fit,
        weights=sparse.csr_matrix(weights),
        per=float(per),
        interval_level=float(interval_level),
        level=float(level),
    )


def _interval(
    expected: Any, identified: Any, variance: Any, interval_level: float
) -> tuple[Any, Any]:
    """Interval for expected - identified, with the uncertainty on the log scale of expected.

    The uncertainty is mostly in how many the area would identify at its peers' rate, which is
    multiplicative (tau is on the log scale), so ``expected`` gets a log-normal interval with
    the same variance, ``sigma**2 = log(1 + variance / expected**2)``; a normal interval would
    reach below zero children for areas whose peers vary a lot.
    """
    expected = np.asarray(expected, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(np.log1p(variance / expected**2))
    spread = np.exp(z_value(interval_level) * sigma)
    return expected / spread - identified, expected * spread - identified


def _own_count_variance(
    rate_lower: Floats, rate_upper: Floats, n: Floats, per: float, interval_level: float
) -> Floats:
    """Poisson variance of the area's own count, from the width of its exact/Byar interval."""
    width = (rate_upper - rate_lower) * n / per
    return np.asarray((width / (2 * z_value(interval_level))) ** 2, dtype=float)


def _shortfall_variance(
    weights: Any,
    o0: Floats,
    n: Floats,
    peer_n: Floats,
    rate_lower: Floats,
    rate_upper: Floats,
    per: float,
    interval_level: float,
    fit: overdispersion.Overdispersion,
    expected: Floats,
) -> Floats:
    with np.errstate(invalid="ignore", divide="ignore"):
        share = sparse.diags(np.where(peer_n > 0, n / peer_n, 0.0)) @ weights
    own = np.where(
        np.isnan(rate_lower),
        0.0,
        _own_count_variance(rate_lower, rate_upper, n, per, interval_level),
    )
    peer_part = np.asarray(share.power(2) @ _peer_count_variance(fit, o0, own), dtype=float)
    return peer_part + own + _own_prevalence_variance(fit, expected)


def _own_prevalence_variance(fit: overdispersion.Overdispersion, expected: Any) -> Floats:
    """How far the area's own expectation may sit from its peers' rate: tau2 on the count scale.

    Areas that look alike still differ in how many victims they have, so the number an area
    would identify at its peers' detection is uncertain by the between-area variance too.
    """
    e = np.nan_to_num(np.asarray(expected, dtype=float))
    return np.asarray(fit.count_variance(e) - e, dtype=float)


def _peer_count_variance(fit: overdispersion.Overdispersion, o0: Floats, poisson: Floats) -> Floats:
    """A peer's count varies by Poisson chance and by the between-area variance tau2."""
    return np.asarray(poisson + (fit.count_variance(o0) - o0), dtype=float)


@dataclass(frozen=True)
class ShortfallSummary:
    """The shortfall added up over the areas flagged ``lower``.

    Attributes
    ----------
    flagged : int
        Areas flagged ``lower`` (possible under-identification).
    compared : int
        Areas that had a comparison.
    identified, expected : float
        Children identified in the flagged areas, and expected at their peers' rates.
    shortfall, lower, upper : float
        Sum of the flagged areas' shortfalls and its interval.
    interval_level : float
        Level of the interval.
    method : str
        How the interval was computed.
    left_out : int
        Flagged areas left out of the total (``leave_out``), not counted in ``flagged``.
    """

    flagged: int
    compared: int
    identified: float
    expected: float
    shortfall: float
    lower: float
    upper: float
    interval_level: float
    method: str
    left_out: int = 0


def shortfall_summary(
    result: PeerComparison, *, interval_level: float | None = None, leave_out: Collection[str] = ()
) -> ShortfallSummary:
    """Add up the shortfall over the areas flagged ``lower``, with an interval.

    Parameters
    ----------
    result : PeerComparison
        What :func:`compare_with_peers` returned.
    interval_level : float, optional
        Level of the interval; default the level the comparison used.
    leave_out : collection of str
        Codes of flagged areas to leave out of the total (for example those whose counts are
        suppressed when published: with the other areas' shortfalls and its own expected
        count shown, a total including such an area would give its count back).

    Returns
    -------
    ShortfallSummary

    Raises
    ------
    ValueError
        ``result`` is not what :func:`compare_with_peers` returned.

    Notes
    -----
    Neighbouring flagged areas share peers, so their shortfalls are correlated. The total is
    linear in every area's count (``sum_i children_i / peer_children_i * sum_{j in N(i)} O_j
    - sum_i O_i``), so its variance is ``sum_j c_j**2 var(O_j)`` with each peer count's
    coefficient ``c_j``, plus the flagged areas' own Poisson variances; the variances are as
    in :func:`compare_with_peers`, and the interval is log-normal in the same way. A flagged
    area that is also a peer of another flagged area enters twice (as a peer, with ``tau2``;
    as itself, Poisson only); the negative covariance between the two roles is left out,
    which makes the interval slightly wider than it needs to be.
    """
    if not isinstance(result, PeerComparison):
        raise ValueError(
            "result must be the PeerComparison compare_with_peers returned, "
            f"not {type(result).__name__}"
        )
    fit = result.overdispersion
    frame = result.table
    weights = result.weights
    per = result.per
    interval_level = result.interval_level if interval_level is None else interval_level
    o = frame["identified"].to_numpy(dtype=float)
    n = frame["children"].to_numpy(dtype=float)
    usable = ~np.isnan(o)
    left_out = frame["area_code"].isin([str(c) for c in leave_out]).to_numpy()
    flagged = frame["comparison"].eq("lower").to_numpy() & ~left_out
    peer_n = weights @ n
    # The rate limits in the table are at the level compare_with_peers used.
    poisson = _own_count_variance(
        frame["rate_lower"].to_numpy(dtype=float),
        frame["rate_upper"].to_numpy(dtype=float),
        n,
        per,
        result.interval_level,
    )
    poisson = np.where(usable, poisson, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        coefficient = weights[flagged].T @ (n[flagged] / peer_n[flagged])
    coefficient = np.nan_to_num(np.asarray(coefficient, dtype=float))
    expected = frame["expected"].to_numpy(dtype=float)
    variance = float(
        coefficient**2 @ _peer_count_variance(fit, np.where(usable, o, 0.0), poisson)
        + poisson[flagged].sum()
        + _own_prevalence_variance(fit, expected[flagged]).sum()
    )
    total = float(frame["shortfall"].to_numpy(dtype=float)[flagged].sum())
    lower, upper = (
        (0.0, 0.0)
        if not flagged.any()
        else _interval(
            float(expected[flagged].sum()), float(o[flagged].sum()), variance, interval_level
        )
    )
    return ShortfallSummary(
        flagged=int(flagged.sum()),
        compared=int(frame["comparison"].notna().sum()),
        identified=float(o[flagged].sum()),
        expected=float(expected[flagged].sum()),
        shortfall=total,
        lower=float(lower),
        upper=float(upper),
        interval_level=float(interval_level),
        method=(
            "sum over flagged areas; log-normal interval for the expected total, with the "
            "covariance of shared peers"
        ),
        left_out=int((frame["comparison"].eq("lower").to_numpy() & left_out).sum()),
    )
