"""Compare any set of areas with their peers: the analysis behind every oversight output.

Each area is compared with its neighbours by :func:`jigsaw.stats.shortfall.compare_with_peers`;
this module adds what every output needs around it: areas shown but held out of comparisons,
the spread of rates within each neighbour group, and the disclosure rule applied to the
analysis itself (:mod:`jigsaw.disclosure`): an area whose count will be published as "<5" is
no one's peer, stays out of the group spreads and out of the shortfall total, because each of
those published figures would otherwise give its count back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jigsaw import disclosure
from jigsaw.errors import InputError
from jigsaw.oversight.areas import covariate_columns
from jigsaw.stats import rates, shortfall
from jigsaw.stats.neighbours import nearest_neighbours
from jigsaw.stats.overdispersion import Overdispersion

__all__ = [
    "NOT_COMPARED",
    "RESULT_COLUMNS",
    "AreaComparison",
    "analyse_areas",
    "neighbours_from_covariates",
]

#: Comparison given to areas shown but not compared (tiny, suppressed, incompletely recorded).
NOT_COMPARED = "not compared"

#: Columns of RESULT.csv and of the national report's areas.csv, in order (then any x_*).
RESULT_COLUMNS = [
    "area_code",
    "area_name",
    "identified",
    "children",
    "rate",
    "rate_lower",
    "rate_upper",
    "peers",
    "peer_rate",
    "peer_median_rate",
    "expected",
    "shortfall",
    "shortfall_lower",
    "shortfall_upper",
    "comparison",
    "note",
    "group_lowest_rate",
    "group_lowest_area",
    "group_highest_rate",
    "group_highest_area",
]


@dataclass(frozen=True)
class AreaComparison:
    """Every area against its peers at one level of the limits.

    Attributes
    ----------
    table : pandas.DataFrame
        :data:`RESULT_COLUMNS` then the ``x_*`` columns, one row per area in the given order
        (exact figures: publish through :mod:`jigsaw.disclosure`).
    total : ShortfallSummary
        The shortfall added up over the flagged areas whose counts are published; flagged
        areas with a small count are left out of it (``total.left_out``).
    overdispersion : Overdispersion
        The between-area variance the limits allow for.
    level : float
        Two-sided level of the limits behind ``comparison``.
    """

    table: pd.DataFrame
    total: shortfall.ShortfallSummary
    overdispersion: Overdispersion
    level: float

    def flagged(self) -> pd.DataFrame:
        """Rows flagged ``lower``, largest shortfall first."""
        lower = self.table[self.table["comparison"] == "lower"]
        return lower.sort_values("shortfall", ascending=False)

    @property
    def compared(self) -> int:
        """Areas with a comparison."""
        return int((self.table["comparison"] != NOT_COMPARED).sum())


def neighbours_from_covariates(areas: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """The ``k`` nearest areas on the ``x_*`` columns (fewer when there are few areas).

    Raises
    ------
    ValueError
        No ``x_*`` column, or fewer than 4 areas.
    """
    covariates = covariate_columns(areas)
    if not covariates:
        raise InputError(
            "areas: no x_* covariate columns to find neighbours from "
            "(add x_* columns or give --neighbours FILE)"
        )
    if len(areas) < 4:
        raise InputError(f"areas: need at least 4 areas to compare, got {len(areas)}")
    pairs = nearest_neighbours(areas, covariates, k=min(k, len(areas) - 1))
    return pairs[["area_code", "neighbour_code"]]


def analyse_areas(
    areas: pd.DataFrame,
    neighbours: pd.DataFrame,
    *,
    held_out: Mapping[str, str] | None = None,
    per: float = 10_000,
    level: float = 0.998,
) -> AreaComparison:
    """Compare every area with its neighbours; add notes and each neighbour group's spread.

    Parameters
    ----------
    areas : DataFrame
        ``area_code``, ``area_name``, ``identified`` (NaN when not published), ``children``
        and optional ``x_*`` columns, as :func:`jigsaw.oversight.areas.validate_areas` returns.
    neighbours : DataFrame
        ``area_code``, ``neighbour_code`` pairs.
    held_out : mapping, optional
        Area code -> reason, for areas to show but neither compare nor use as anyone's peer.
    per : float
        Rates per this many children.
    level : float
        Two-sided level of the overdispersed limits behind ``comparison``: 0.998 (the default,
        Spiegelhalter's "alarm") or 0.95 ("warning").

    Returns
    -------
    AreaComparison
        ``comparison`` is ``lower``, ``similar``, ``higher`` or :data:`NOT_COMPARED` (with the
        reason in ``note``).
    """
    held_out = dict(held_out or {})
    frame = areas.reset_index(drop=True)
    codes = frame["area_code"].astype(str)
    held = codes.isin(list(held_out)).to_numpy()
    given = frame[["area_code", "area_name", "identified", "children"]].copy()
    given.loc[held, "identified"] = np.nan
    small = np.array([disclosure.is_small(v) for v in given["identified"]], dtype=bool)
    # An area without a population (e.g. Poole before mid-2019) has no rate: it is shown only.
    has_children = given["children"].notna().to_numpy()
    # A small count is published as "<5": as a peer, the published peers' rate times the peers'
    # published children would give it back, so it is no one's peer (as DfE's own suppressed
    # counts are not).
    fitted = shortfall.compare_with_peers(
        given[has_children], neighbours, per=per, level=level, not_peers=list(codes[small])
    )
    result = fitted.table.set_index("area_code").reindex(codes).reset_index()
    # Nor may the total over flagged areas include one: the other flagged areas' shortfalls and
    # its own expected count are published, so the total would give its count back.
    total = fitted.summary(leave_out=list(codes[small]))

    known = (frame["identified"].notna() & frame["children"].notna()).to_numpy()
    own = rates.rate(
        np.where(known, frame["identified"], 0.0), np.where(known, frame["children"], 1.0), per=per
    )
    held_figures = ("expected", "shortfall", "shortfall_lower", "shortfall_upper")
    columns: dict[str, object] = {
        "area_code": codes.to_numpy(),
        "area_name": frame["area_name"].to_numpy(),
        "identified": frame["identified"].to_numpy(dtype=float),
        "children": frame["children"].to_numpy(dtype=float),
        "rate": np.where(known, own.value, np.nan),
        "rate_lower": np.where(known, own.lower, np.nan),
        "rate_upper": np.where(known, own.upper, np.nan),
    }
    for column in ("peers", "peer_rate", "peer_median_rate", *held_figures):
        values = result[column].to_numpy()
        if column in held_figures:
            values = np.where(held, np.nan, values)
        columns[column] = values
    comparison = result["comparison"].astype(object).to_numpy().copy()
    notes = np.full(len(frame), "", dtype=object)
    for i, code in enumerate(codes):
        if code in held_out:
            comparison[i], notes[i] = NOT_COMPARED, held_out[code]
        elif comparison[i] is None or pd.isna(comparison[i]):
            comparison[i] = NOT_COMPARED
            if not has_children[i]:
                notes[i] = "no population estimate"
            elif not known[i]:
                notes[i] = "no published count"
            else:
                notes[i] = "no neighbour with a comparable count"
    columns["comparison"] = comparison
    columns["note"] = notes
    columns.update(_group_spread(columns, neighbours))
    for column in covariate_columns(frame):
        columns[column] = frame[column].to_numpy()
    # One frame built at once: a column added at a time costs pandas a new block each.
    out = pd.DataFrame(columns)
    return AreaComparison(table=out, total=total, overdispersion=fitted.overdispersion, level=level)


def _group_spread(columns: Mapping[str, Any], neighbours: pd.DataFrame) -> dict[str, list[Any]]:
    """Lowest and highest rate among each area and its compared neighbours.

    Areas with a small count are left out: the spread names the area whose rate it quotes,
    and that rate with the area's population would reveal the count.
    """
    codes, names, rate = columns["area_code"], columns["area_name"], columns["rate"]
    identified = columns["identified"]
    compared = [
        c != NOT_COMPARED and not disclosure.is_small(v) and not np.isnan(v)
        for c, v in zip(columns["comparison"], identified, strict=True)
    ]
    rate_of = {c: r for c, r, keep in zip(codes, rate, compared, strict=True) if keep}
    name_of = dict(zip(codes, names, strict=True))
    groups: dict[str, list[str]] = {}
    for area, neighbour in zip(neighbours["area_code"], neighbours["neighbour_code"], strict=True):
        groups.setdefault(area, []).append(neighbour)
    low_rate: list[float] = []
    low_area: list[str] = []
    high_rate: list[float] = []
    high_area: list[str] = []
    for code in codes:
        members = [c for c in [code, *groups.get(code, [])] if c in rate_of]
        if len(members) < 2:
            low_rate.append(np.nan)
            low_area.append("")
            high_rate.append(np.nan)
            high_area.append("")
            continue
        low = min(members, key=lambda c: rate_of[c])
        high = max(members, key=lambda c: rate_of[c])
        low_rate.append(rate_of[low])
        low_area.append(name_of[low])
        high_rate.append(rate_of[high])
        high_area.append(name_of[high])
    return {
        "group_lowest_rate": low_rate,
        "group_lowest_area": low_area,
        "group_highest_rate": high_rate,
        "group_highest_area": high_area,
    }
