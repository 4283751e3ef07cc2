"""The oversight analysis shared by the national report and ``jigsaw oversight --areas``.

Each area is compared with its neighbours by :func:`jigsaw.stats.shortfall.compare_with_peers`;
this module adds what the report needs around it: areas shown but held out of comparisons, the
spread of rates within each neighbour group, and the suppressed CSV form that leaves Jigsaw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jigsaw.errors import InputError
from jigsaw.report.areas import covariate_columns
from jigsaw.stats import rates, shortfall
from jigsaw.stats.neighbours import nearest_neighbours

__all__ = [
    "NOT_COMPARED",
    "RESULT_COLUMNS",
    "SMALL_COUNT",
    "analyse_areas",
    "neighbours_from_covariates",
    "suppressed_csv_frame",
]

#: Comparison given to areas shown but not compared (tiny, suppressed, incompletely recorded).
NOT_COMPARED = "not compared"

#: Counts below this are shown as "<5" in anything that leaves Jigsaw (DESIGN.md).
SMALL_COUNT = 5

#: Columns of RESULT.csv and of the national report's areas.csv, in order (then any x_*).
RESULT_COLUMNS = [
    "area_code", "area_name", "identified", "children", "rate", "rate_lower", "rate_upper",
    "peers", "peer_rate", "peer_median_rate", "expected", "shortfall", "shortfall_lower",
    "shortfall_upper", "comparison", "note", "group_lowest_rate", "group_lowest_area",
    "group_highest_rate", "group_highest_area",
]

# Columns that would reveal a count below SMALL_COUNT (with children known), so are blanked.
_REVEALING = ["rate", "rate_lower", "rate_upper", "shortfall", "shortfall_lower", "shortfall_upper"]


def neighbours_from_covariates(areas: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """The ``k`` nearest areas on the ``x_*`` columns (fewer when there are few areas).

    Raises
    ------
    InputError
        No ``x_*`` column, or fewer than 4 areas.
    """
    covariates = covariate_columns(areas)
    if not covariates:
        raise InputError("areas: no x_* covariate columns to find neighbours from "
                         "(add x_* columns or give --neighbours FILE)")
    if len(areas) < 4:
        raise InputError(f"areas: need at least 4 areas to compare, got {len(areas)}")
    pairs = nearest_neighbours(areas, covariates, k=min(k, len(areas) - 1))
    return pairs[["area_code", "neighbour_code"]]


def analyse_areas(
    areas: pd.DataFrame,
    neighbours: pd.DataFrame,
    *,
    held_out: dict[str, str] | None = None,
    per: float = 10_000,
    level: float = 0.998,
) -> tuple[pd.DataFrame, shortfall.ShortfallSummary]:
    """Compare every area with its neighbours; add notes and each neighbour group's spread.

    Parameters
    ----------
    areas : DataFrame
        ``area_code``, ``area_name``, ``identified`` (NaN when not published), ``children``
        and optional ``x_*`` columns, as :func:`jigsaw.report.areas.validate_areas` returns.
    neighbours : DataFrame
        ``area_code``, ``neighbour_code`` pairs.
    held_out : dict, optional
        Area code -> reason, for areas to show but neither compare nor use as anyone's peer.
    per : float
        Rates per this many children.
    level : float
        Two-sided level of the overdispersed limits behind ``comparison``: 0.998 (the default,
        Spiegelhalter's "alarm") or 0.95 ("warning").

    Returns
    -------
    (DataFrame, ShortfallSummary)
        The frame has :data:`RESULT_COLUMNS` then the ``x_*`` columns, one row per area in the
        given order; ``comparison`` is ``lower``, ``similar``, ``higher`` or
        :data:`NOT_COMPARED` (with the reason in ``note``). The summary adds the shortfall up
        over the areas flagged ``lower``
        (:func:`jigsaw.stats.shortfall.shortfall_summary`).
    """
    held_out = dict(held_out or {})
    frame = areas.reset_index(drop=True)
    codes = frame["area_code"].astype(str)
    held = codes.isin(list(held_out)).to_numpy()
    given = frame[["area_code", "area_name", "identified", "children"]].copy()
    given.loc[held, "identified"] = np.nan
    # An area without a population (e.g. Poole before mid-2019) has no rate: it is shown only.
    has_children = given["children"].notna().to_numpy()
    fitted = shortfall.compare_with_peers(given[has_children], neighbours, per=per, level=level)
    summary = shortfall.shortfall_summary(fitted)
    result = fitted.set_index("area_code").reindex(codes).reset_index()

    known = (frame["identified"].notna() & frame["children"].notna()).to_numpy()
    own = rates.rate(np.where(known, frame["identified"], 0.0),
                     np.where(known, frame["children"], 1.0), per=per)
    out = pd.DataFrame({
        "area_code": codes,
        "area_name": frame["area_name"],
        "identified": frame["identified"].to_numpy(dtype=float),
        "children": frame["children"].to_numpy(dtype=float),
        "rate": np.where(known, own.value, np.nan),
        "rate_lower": np.where(known, own.lower, np.nan),
        "rate_upper": np.where(known, own.upper, np.nan),
    })
    for column in ("peers", "peer_rate", "peer_median_rate", "expected", "shortfall",
                   "shortfall_lower", "shortfall_upper"):
        out[column] = result[column].to_numpy()
    out.loc[held, ["expected", "shortfall", "shortfall_lower", "shortfall_upper"]] = np.nan
    comparison = result["comparison"].astype(object).to_numpy().copy()
    notes = np.full(len(out), "", dtype=object)
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
    out["comparison"] = comparison
    out["note"] = notes
    _add_group_spread(out, neighbours)
    for column in covariate_columns(frame):
        out[column] = frame[column].to_numpy()
    out.attrs["overdispersion"] = fitted.attrs["overdispersion"]
    return out, summary


def _add_group_spread(out: pd.DataFrame, neighbours: pd.DataFrame) -> None:
    """Lowest and highest rate among each area and its compared neighbours.

    Areas with a count below :data:`SMALL_COUNT` are left out: the spread names the area whose
    rate it quotes, and that rate with the area's population would reveal the count.
    """
    compared = (out["comparison"] != NOT_COMPARED) & (out["identified"] >= SMALL_COUNT)
    rate_of = dict(zip(out["area_code"][compared], out["rate"][compared], strict=True))
    name_of = dict(zip(out["area_code"], out["area_name"], strict=True))
    groups = neighbours.groupby("area_code")["neighbour_code"].apply(list).to_dict()
    low_rate, low_area, high_rate, high_area = [], [], [], []
    for code in out["area_code"]:
        members = [c for c in [code, *groups.get(code, [])] if c in rate_of]
        if len(members) < 2:
            low_rate.append(np.nan), low_area.append(""), high_rate.append(np.nan), high_area.append("")
            continue
        low = min(members, key=lambda c: rate_of[c])
        high = max(members, key=lambda c: rate_of[c])
        low_rate.append(rate_of[low]), low_area.append(name_of[low])
        high_rate.append(rate_of[high]), high_area.append(name_of[high])
    out["group_lowest_rate"] = low_rate
    out["group_lowest_area"] = low_area
    out["group_highest_rate"] = high_rate
    out["group_highest_area"] = high_area


def suppressed_csv_frame(result: pd.DataFrame) -> pd.DataFrame:
    """The form of a result that may leave Jigsaw: small counts as "<5", rounded figures.

    A count below :data:`SMALL_COUNT` is written "<5"; the area's rate, its interval and its
    shortfall are left blank because, with the number of children known, they would reveal
    the count. Rates are rounded to 2 decimals and expected counts and shortfalls to 1.

    Examples
    --------
    >>> frame = pd.DataFrame({"area_code": ["A", "B"], "identified": [3.0, 12.0],
    ...     "rate": [1.5, 6.0], "expected": [9.0, 10.0], "shortfall": [6.0, -2.0]})
    >>> suppressed_csv_frame(frame)[["identified", "rate", "shortfall"]].values.tolist()
    [['<5', '', ''], ['12', '6.00', '-2.0']]
    """
    out = result.copy()
    small = out["identified"].notna() & (out["identified"] < SMALL_COUNT)
    for column in out.columns:
        values = out[column]
        if column in ("identified", "children", "peers"):
            text = values.map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
        elif column in ("expected", "shortfall", "shortfall_lower", "shortfall_upper"):
            text = values.map(lambda v: "" if pd.isna(v) else f"{v:.1f}")
        elif column in ("rate", "rate_lower", "rate_upper", "peer_rate", "peer_median_rate",
                        "group_lowest_rate", "group_highest_rate"):
            text = values.map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
        else:
            continue
        out[column] = text
    out.loc[small, "identified"] = f"<{SMALL_COUNT}"
    for column in _REVEALING:
        if column in out.columns:
            out.loc[small, column] = ""
    return out
