"""The CSV form of an oversight result: what may leave Jigsaw, as ``RESULT.csv`` and ``areas.csv``.

Small counts follow :mod:`jigsaw.disclosure`: written "<5", with the area's rate, its interval
and its shortfall left blank, because with the number of children published each would give
the count back. Rates are rounded to 2 decimals, expected counts and shortfalls to 1.
"""

from __future__ import annotations

import pandas as pd

from jigsaw import disclosure
from jigsaw.oversight.analysis import RESULT_COLUMNS
from jigsaw.oversight.areas import covariate_columns

__all__ = ["NATIONAL_COLUMNS", "REVEALING", "result_csv", "result_frame"]

#: Columns that would give a small count back beside the published number of children
#: (the mismatch gap is the log of the count over its expected count, less the related ratio).
REVEALING = (
    "rate",
    "rate_lower",
    "rate_upper",
    "shortfall",
    "shortfall_lower",
    "shortfall_upper",
    "mismatch_gap",
)

#: Ratios to peers of a related indicator, blank where that indicator's own count is small:
#: with the children published, the ratio and the peers' rate would give it back.
_RELATED_REVEALING = {"missing_ratio": "going_missing", "cce_ratio": "cce"}

#: Columns of the national report's areas.csv: :data:`RESULT_COLUMNS` with the region, then
#: the persistent flag over years and the model-based comparison and mismatch view.
NATIONAL_COLUMNS = [
    *RESULT_COLUMNS[:2],
    "region",
    *RESULT_COLUMNS[2:],
    "persistent_years",
    "persistent_ratio",
    "persistent_ratio_lower",
    "persistent_ratio_upper",
    "persistent_limit",
    "persistent",
    "expected_model",
    "comparison_model",
    "missing_ratio",
    "cce_ratio",
    "mismatch_gap",
    "mismatch",
]

_DIGITS = {
    **dict.fromkeys(
        ("expected", "shortfall", "shortfall_lower", "shortfall_upper", "expected_model"), 1
    ),
    **dict.fromkeys(
        (
            "persistent_ratio",
            "persistent_ratio_lower",
            "persistent_ratio_upper",
            "persistent_limit",
            "missing_ratio",
            "cce_ratio",
            "mismatch_gap",
        ),
        3,
    ),
    **dict.fromkeys(
        (
            "rate",
            "rate_lower",
            "rate_upper",
            "peer_rate",
            "peer_median_rate",
            "group_lowest_rate",
            "group_highest_rate",
        ),
        2,
    ),
}


def result_frame(table: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The published form of an analysed table, in ``columns`` order then its ``x_*`` columns.

    Examples
    --------
    >>> frame = pd.DataFrame({"area_code": ["A", "B"], "identified": [3.0, 12.0],
    ...     "rate": [1.5, 6.0], "expected": [9.0, 10.0], "shortfall": [6.0, -2.0]})
    >>> result_frame(frame, ["area_code", "identified", "rate", "shortfall"]).values.tolist()
    [['A', '<5', '', ''], ['B', '12', '6.00', '-2.0']]
    """
    table = table.copy()
    for ratio, count in _RELATED_REVEALING.items():
        if ratio in table.columns and count in table.columns:
            table[ratio] = [
                disclosure.hidden(v, c) for v, c in zip(table[ratio], table[count], strict=True)
            ]
    if "mismatch" in table.columns:
        table["mismatch"] = ["yes" if v is True or v == 1 else "" for v in table["mismatch"]]
    out = disclosure.suppress_frame(
        table,
        count="identified",
        revealing=REVEALING,
        counts=("children", "peers", "persistent_years"),
        digits=_DIGITS,
    )
    ordered = list(columns or RESULT_COLUMNS)
    return out[ordered + [c for c in covariate_columns(out) if c not in ordered]]


def result_csv(table: pd.DataFrame, columns: list[str] | None = None) -> str:
    """:func:`result_frame` as CSV text."""
    return result_frame(table, columns).to_csv(index=False)
