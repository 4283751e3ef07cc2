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

__all__ = ["REVEALING", "result_csv", "result_frame"]

#: Columns that would give a small count back beside the published number of children.
REVEALING = ("rate", "rate_lower", "rate_upper", "shortfall", "shortfall_lower", "shortfall_upper")

_DIGITS = {
    **dict.fromkeys(("expected", "shortfall", "shortfall_lower", "shortfall_upper"), 1),
    **dict.fromkeys(("rate", "rate_lower", "rate_upper", "peer_rate", "peer_median_rate",
                     "group_lowest_rate", "group_highest_rate"), 2),
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
    out = disclosure.suppress_frame(table, count="identified", revealing=REVEALING,
                                    counts=("children", "peers"), digits=_DIGITS)
    ordered = list(columns or RESULT_COLUMNS)
    return out[ordered + [c for c in covariate_columns(out) if c not in ordered]]


def result_csv(table: pd.DataFrame, columns: list[str] | None = None) -> str:
    """:func:`result_frame` as CSV text."""
    return result_frame(table, columns).to_csv(index=False)
