"""Each area against its statistical neighbours: peers' rate, expected count, shortfall, flag.

For every area, :func:`compare_with_peers` pools its neighbours (sum of identified children over
sum of children), multiplies the peers' rate by the area's children to get the number it would
have identified at its peers' rate (``expected``), and reports the shortfall
``expected - identified`` with an interval. It then compares each area with its peers allowing
for the real variation between areas (overdispersion, estimated robustly by
:func:`jigsaw.stats.overdispersion.estimate`): ``lower`` means "possible under-identification",
``higher`` means more identified than similar areas, ``similar`` neither.
:func:`shortfall_summary` adds the shortfall up over the areas flagged ``lower``.

The method is described, with its choices and the evidence for them, in
``docs/methods/shortfall.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from jigsaw.stats import overdispersion
from jigsaw.stats.rates import rate, z_value

__all__ = ["COMPARISONS", "ShortfallSummary", "compare_with_peers", "shortfall_summary"]

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
        raise _row_error("areas", row, "area_code",
                         f"duplicate area code {frame['area_code'].iloc[row]!r}")
    if "area_name" in areas.columns:
        frame["area_name"] = areas["area_name"].to_numpy()
    for column in ("identified", "children"):
        raw = areas[column].reset_index(drop=True)
        values = pd.to_numeric(raw, errors="coerce")
        for row in np.flatnonzero(values.isna() & raw.notna()):
            raise _row_error("areas", int(row), column, f"not a number ({raw.iloc[row]!r})")
        for row in np.flatnonzero(values < 0):
            raise _row_error("areas", int(row), column, f"negative ({raw.iloc[row]!r})")
        frame[column] = values.astype(float)
    for row in np.flatnonzero(frame["children"].eq(0)):
        raise _row_error("areas", int(row), "children", "zero children: no rate is possible")
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
        raise _row_error("neighbours", int(row), "neighbour_code",
                         f"area {pairs['area_code'].iloc[row]!r} lists itself")
    return pairs.drop_duplicates()


def _peer_weights(frame: pd.DataFrame, pairs: pd.DataFrame, usable: np.ndarray):
    """Sparse W with W[i, j] = 1 when j is a usable peer of i (known counts, not i itself)."""
    position = pd.Series(np.arange(len(frame)), index=frame["area_code"])
    i = position.reindex(pairs["area_code"]).to_numpy()
    j = position.reindex(pairs["neighbour_code"]).to_numpy()
    keep = ~(np.isnan(i) | np.isnan(j))
    i, j = i[keep].astype(int), j[keep].astype(int)
    keep = usable[j]
    size = len(frame)
    return sparse.csr_matrix((np.ones(int(keep.sum())), (i[keep], j[keep])), shape=(size, size))


def _row_sums(weights) -> np.ndarray:
    return np.asarray(weights.sum(axis=1)).reshape(-1)


@dataclass(frozen=True)
class _PeerGroups:
    """The peers each area was finally compared with, kept for :func:`shortfall_summary`.

    Immutable, so pandas may share it between copies of the result instead of copying it.
    """

    codes: tuple[str, ...]
    weights: sparse.csr_matrix

    def __deepcopy__(self, memo):
        return self


def _compare_once(o, n, usable, weights, per, scale, estimator, level):
    """Peers' rate -> expected count -> overdispersion -> z and comparison, for one peer set."""
    peers = _row_sums(weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        peer_rate = np.where(peers > 0, (weights @ np.where(usable, o, 0.0)) / (weights @ n),
                             np.nan)
    expected = n * peer_rate
    comparable = usable & (expected > 0)
    if comparable.sum() < 3:
        raise ValueError(f"need at least 3 areas with counts and peers to compare, got "
                         f"{int(comparable.sum())}")
    fit = overdispersion.estimate(o[comparable], expected[comparable], scale=scale,
                                  estimator=estimator, level=level)
    z = np.full(len(o), np.nan)
    z[comparable] = fit.z(o[comparable], expected[comparable])
    comparison = np.full(len(o), None, dtype=object)
    comparison[comparable] = fit.compare(o[comparable], expected[comparable])
    return expected, fit, z, comparison


def compare_with_peers(areas: pd.DataFrame, neighbours: pd.DataFrame, *, per: float = 10_000,
                       confidence: float = 0.95, level: float = 0.998,
                       estimator: str = "robust", scale: str = "log",
                       exclude_lower_peers: bool = True) -> pd.DataFrame:
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
    confidence : float
        Level of the rate and shortfall intervals (0.95).
    level : float
        Two-sided level of the overdispersed limits behind ``comparison`` (0.998:
        Spiegelhalter's "alarm" limit; 0.95 flags more areas, with more false alarms).
    estimator, scale : str
        Passed to :func:`jigsaw.stats.overdispersion.estimate` (``"robust"``, ``"log"``).

    Returns
    -------
    pandas.DataFrame
        One row per area, in the order given, with ``area_code``, ``area_name`` (if given),
        ``identified``, ``children``, ``rate``, ``rate_lower``, ``rate_upper`` (exact below 10
        events, Byar from 10), ``peers`` (neighbours with known counts, less those flagged ``lower`` when
        ``exclude_lower_peers``), ``peer_identified``,
        ``peer_children``, ``peer_rate`` (pooled), ``peer_median_rate``, ``expected``
        (children x peer_rate / per), ``shortfall`` (expected - identified, negative when the
        area identifies more than its peers), ``shortfall_lower``, ``shortfall_upper``,
        ``z`` (overdispersed z-score against the peers' rate) and ``comparison`` (``"lower"``,
        ``"similar"``, ``"higher"``, or missing when the area has no count or no peers with
        any identified child). ``attrs["overdispersion"]`` holds the fitted
        :class:`~jigsaw.stats.overdispersion.Overdispersion`, which :func:`shortfall_summary`
        needs.

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
    >>> result[["area_code", "peer_rate", "expected", "shortfall", "comparison"]].round(2)
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
    all_peers = _peer_weights(frame, pairs, usable)
    weights = all_peers
    seen: set[bytes] = set()
    for _ in range(_MAX_PASSES):
        expected, fit, z, comparison = _compare_once(o, n, usable, weights, per, scale,
                                                     estimator, level)
        if not exclude_lower_peers:
            break
        lower = np.nan_to_num(z, nan=0.0) < -z_value(_EXCLUDE_LEVEL)
        new_weights = all_peers @ sparse.diags((~lower).astype(float))
        # An area whose peers are nearly all flagged keeps them all: too few peers left
        # would make a benchmark out of one or two areas.
        thin = (_row_sums(new_weights) < _MIN_PEERS).astype(float)
        new_weights = (sparse.diags(1.0 - thin) @ new_weights
                       + sparse.diags(thin) @ all_peers).tocsr()
        if (new_weights != weights).nnz == 0 or lower.tobytes() in seen:
            weights = new_weights
            expected, fit, z, comparison = _compare_once(o, n, usable, weights, per, scale,
                                                         estimator, level)
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
    peer_median = (pd.Series(own_rates[columns]).groupby(rows).median()
                   .reindex(range(len(frame))).to_numpy())

    estimate = rate(np.where(usable, o, 0.0), n, per=per, level=confidence)
    rate_lower = np.where(usable, estimate.lower, np.nan)
    rate_upper = np.where(usable, estimate.upper, np.nan)
    variance = _shortfall_variance(weights, o0, n, peer_n, rate_lower, rate_upper, per,
                                   confidence, fit, expected)
    shortfall = expected - o
    shortfall_lower, shortfall_upper = _interval(expected, o, variance, confidence)

    result = frame.copy()
    result["rate"] = np.where(usable, estimate.value, np.nan)
    result["rate_lower"] = rate_lower
    result["rate_upper"] = rate_upper
    result["peers"] = peers.astype(int)
    result["peer_identified"] = np.where(peers > 0, peer_o, np.nan)
    result["peer_children"] = np.where(peers > 0, peer_n, np.nan)
    result["peer_rate"] = peer_rate
    result["peer_median_rate"] = peer_median
    result["expected"] = expected
    result["shortfall"] = shortfall
    result["shortfall_lower"] = shortfall_lower
    result["shortfall_upper"] = shortfall_upper
    result["z"] = z
    result["comparison"] = comparison
    result.attrs["overdispersion"] = fit
    result.attrs["peer_groups"] = _PeerGroups(tuple(frame["area_code"]), weights.tocsr())
    result.attrs["per"] = float(per)
    result.attrs["confidence"] = float(confidence)
    return result


def _interval(expected, identified, variance, confidence):
    """Interval for expected - identified, with the uncertainty on the log scale of expected.

    The uncertainty is mostly in how many the area would identify at its peers' rate, which is
    multiplicative (tau is on the log scale), so ``expected`` gets a log-normal interval with
    the same variance, ``sigma**2 = log(1 + variance / expected**2)``; a normal interval would
    reach below zero children for areas whose peers vary a lot.
    """
    expected = np.asarray(expected, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(np.log1p(variance / expected**2))
    spread = np.exp(z_value(confidence) * sigma)
    return expected / spread - identified, expected * spread - identified


def _own_count_variance(rate_lower, rate_upper, n, per, confidence) -> np.ndarray:
    """Poisson variance of the area's own count, from the width of its exact/Byar interval."""
    width = (rate_upper - rate_lower) * n / per
    return (width / (2 * z_value(confidence))) ** 2


def _shortfall_variance(weights, o0, n, peer_n, rate_lower, rate_upper, per, confidence, fit,
                        expected):
    with np.errstate(invalid="ignore", divide="ignore"):
        share = sparse.diags(np.where(peer_n > 0, n / peer_n, 0.0)) @ weights
    own = np.where(np.isnan(rate_lower), 0.0,
                   _own_count_variance(rate_lower, rate_upper, n, per, confidence))
    return share.power(2) @ _peer_count_variance(fit, o0, own) + own + _own_prevalence_variance(
        fit, expected)


def _own_prevalence_variance(fit, expected) -> np.ndarray:
    """How far the area's own expectation may sit from its peers' rate: tau2 on the count scale.

    Areas that look alike still differ in how many victims they have, so the number an area
    would identify at its peers' detection is uncertain by the between-area variance too.
    """
    e = np.nan_to_num(np.asarray(expected, dtype=float))
    return fit.count_variance(e) - e


def _peer_count_variance(fit, o0, poisson) -> np.ndarray:
    """A peer's count varies by Poisson chance and by the between-area variance tau2."""
    return poisson + (fit.count_variance(o0) - o0)


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
    confidence : float
        Level of the interval.
    method : str
        How the interval was computed.
    """

    flagged: int
    compared: int
    identified: float
    expected: float
    shortfall: float
    lower: float
    upper: float
    confidence: float
    method: str


def shortfall_summary(result: pd.DataFrame, *,
                      confidence: float | None = None) -> ShortfallSummary:
    """Add up the shortfall over the areas flagged ``lower``, with an interval.

    Parameters
    ----------
    result : pandas.DataFrame
        The frame :func:`compare_with_peers` returned, possibly re-ordered (its
        ``attrs["overdispersion"]`` and ``attrs["peer_groups"]`` are used).
    confidence : float, optional
        Level of the interval; default the level the comparison used.

    Returns
    -------
    ShortfallSummary

    Raises
    ------
    ValueError
        ``result`` did not come from :func:`compare_with_peers`, or lost rows since.

    Notes
    -----
    Neighbouring flagged areas share peers, so their shortfalls are correlated. The total is
    linear in every area's count (``sum_i children_i / peer_children_i * sum_{j in N(i)} O_j
    - sum_i O_i``), so its variance is ``sum_j c_j**2 var(O_j)`` with each peer count's
    coefficient ``c_j``, plus the flagged areas' own Poisson variances; the variances are as
    in :func:`compare_with_peers`, and the interval is log-normal in the same way. A flagged area that is also a peer of another flagged area
    enters twice (as a peer, with ``tau2``; as itself, Poisson only); the negative covariance
    between the two roles is left out, which makes the interval slightly wider than it needs
    to be.
    """
    fit = result.attrs.get("overdispersion")
    groups = result.attrs.get("peer_groups")
    if fit is None or groups is None or "comparison" not in result.columns:
        raise ValueError("result must be the frame compare_with_peers returned "
                         "(attrs['overdispersion'] or attrs['peer_groups'] is missing)")
    frame = result.reset_index(drop=True)
    codes = frame["area_code"].astype(str)
    if len(codes) != len(groups.codes) or set(codes) != set(groups.codes):
        raise ValueError("result has lost or gained rows since compare_with_peers; "
                         "summarise the whole frame")
    order = pd.Series(np.arange(len(codes)), index=list(groups.codes))[codes].to_numpy()
    weights = groups.weights[order][:, order]
    per = result.attrs.get("per", 10_000.0)
    given_confidence = result.attrs.get("confidence", 0.95)
    confidence = given_confidence if confidence is None else confidence
    o = frame["identified"].to_numpy(dtype=float)
    n = frame["children"].to_numpy(dtype=float)
    usable = ~np.isnan(o)
    flagged = frame["comparison"].eq("lower").to_numpy()
    peer_n = weights @ n
    # The rate limits in the frame are at the level compare_with_peers used.
    poisson = _own_count_variance(frame["rate_lower"].to_numpy(), frame["rate_upper"].to_numpy(),
                                  n, per, given_confidence)
    poisson = np.where(usable, poisson, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        coefficient = weights[flagged].T @ (n[flagged] / peer_n[flagged])
    coefficient = np.nan_to_num(coefficient)
    variance = float(coefficient**2 @ _peer_count_variance(fit, np.where(usable, o, 0.0), poisson)
                     + poisson[flagged].sum()
                     + _own_prevalence_variance(fit, frame["expected"].to_numpy()[flagged]).sum())
    total = float(frame.loc[flagged, "shortfall"].sum())
    lower, upper = (0.0, 0.0) if not flagged.any() else _interval(
        float(frame.loc[flagged, "expected"].sum()), float(o[flagged].sum()), variance,
        confidence)
    return ShortfallSummary(
        flagged=int(flagged.sum()),
        compared=int(frame["comparison"].notna().sum()),
        identified=float(o[flagged].sum()),
        expected=float(frame.loc[flagged, "expected"].sum()),
        shortfall=total, lower=float(lower), upper=float(upper),
        confidence=float(confidence),
        method=("sum over flagged areas; log-normal interval for the expected total, with the "
                "covariance of shared peers"),
    )
