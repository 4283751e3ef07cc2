"""Small-count suppression: the one rule for every figure that leaves Jigsaw.

A count of children below :data:`THRESHOLD` (zero included) is published as :data:`SUPPRESSED`
("<5"), and nothing published beside it may give it back: not a rate, an interval or a
shortfall of the same area (the number of children is published, so each would reveal the
count), not a total (the total minus the shown cells would be the hidden one), not a chart
axis scaled to the hidden value. The decision and the reasons, including why zero is
suppressed too, are in ``docs/adr/0005-small-count-suppression.md``.

The report, ``jigsaw oversight``, the partnership figures of the web application and the
screening validation all call this module. The scalar functions need neither pandas nor
Django, so the web page uses them as they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SUPPRESSED",
    "THRESHOLD",
    "ShownTotal",
    "count_text",
    "hidden",
    "is_small",
    "shown_total",
    "suppress_frame",
]

#: Counts below this (0 to 4) are never published.
THRESHOLD = 5

#: What is published instead of a suppressed count.
SUPPRESSED = f"<{THRESHOLD}"


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(value)  # type: ignore[arg-type]
    except TypeError:
        return False


def is_small(count: float | None) -> bool:
    """True when ``count`` is known and below :data:`THRESHOLD`: zero is small too.

    >>> [is_small(c) for c in (0, 4, 5, None, float("nan"))]
    [True, True, False, False, False]
    """
    return not _missing(count) and float(count) < THRESHOLD  # type: ignore[arg-type]


def count_text(count: float | None, *, missing: str = "", grouped: bool = True) -> str:
    """A count as published: ``"<5"`` for 0 to 4, else the whole number (``1,234``).

    Parameters
    ----------
    count : number or None
        The exact count (``None`` or NaN when unknown).
    missing : str
        Text for an unknown count.
    grouped : bool
        Separate thousands with commas (pages); False for CSV files.

    >>> [count_text(c) for c in (0, 3, 5, 12401)], count_text(None, missing="not published")
    (['<5', '<5', '5', '12,401'], 'not published')
    """
    if _missing(count):
        return missing
    if is_small(count):
        return SUPPRESSED
    return f"{float(count):,.0f}" if grouped else f"{float(count):.0f}"  # type: ignore[arg-type]


def hidden(value: float, count: float | None) -> float:
    """``value`` if it may be published beside ``count``, else NaN (for charts and tables).

    A rate, interval or shortfall of an area with a small count would give the count back,
    and so would a chart axis scaled to it: blank it before anything is drawn.

    >>> hidden(1.25, 3), hidden(6.0, 12)
    (nan, 6.0)
    """
    return math.nan if is_small(count) else value


@dataclass(frozen=True)
class ShownTotal:
    """A total that may be published beside its cells.

    Attributes
    ----------
    value : float
        The sum of the cells that are shown: the cells suppressed are left out, so the total
        minus the shown cells is always zero and reveals nothing about them.
    withheld : int
        Cells left out (suppressed); say so beside the total.
    """

    value: float
    withheld: int

    def text(self) -> str:
        """The total for a page: ``"12,401"``.

        >>> ShownTotal(12401.0, 2).text()
        '12,401'
        """
        return f"{self.value:,.0f}"

    def note(self, *, what: str = "areas") -> str:
        """What to say beside the total: which cells it leaves out ("" when none).

        >>> ShownTotal(12401.0, 2).note(what="LAs")
        'the 2 LAs with fewer than 5 are left out'
        """
        if not self.withheld:
            return ""
        return f"the {self.withheld} {what} with fewer than {THRESHOLD} are left out"


def shown_total(counts: Iterable[float | None]) -> ShownTotal:
    """The publishable total of some counts: the sum of those shown, and how many were left out.

    Unknown counts (None or NaN) are neither added nor counted as withheld.

    >>> shown_total([120, 3, 57, 0, None])
    ShownTotal(value=177.0, withheld=2)
    """
    value, withheld = 0.0, 0
    for count in counts:
        if _missing(count):
            continue
        if is_small(count):
            withheld += 1
        else:
            value += float(count)  # type: ignore[arg-type]
    return ShownTotal(value=value, withheld=withheld)


def suppress_frame(
    frame: pd.DataFrame,
    *,
    count: str,
    revealing: Sequence[str],
    counts: Sequence[str] = (),
    digits: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """The published form of a table: figures as text, small counts as "<5", revealing cells blank.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per area (or group), with the exact figures.
    count : str
        The column of the count that is suppressed when small.
    revealing : sequence of str
        Columns that, beside the row's published denominators, would give the count back (its
        rate and interval, its shortfall): blank on every row whose count is small.
    counts : sequence of str
        Other whole-number columns (written without decimals, not suppressed: populations).
    digits : mapping, optional
        Column -> decimals for the other numeric columns to write.

    Returns
    -------
    pandas.DataFrame
        A copy, with the listed columns as text (blank when unknown); other columns as given.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"area": ["A", "B", "C"], "identified": [3.0, 12.0, 0.0],
    ...                       "rate": [1.5, 6.0, 0.0]})
    >>> suppress_frame(table, count="identified", revealing=["rate"],
    ...                digits={"rate": 2}).values.tolist()
    [['A', '<5', ''], ['B', '12', '6.00'], ['C', '<5', '']]
    """
    out = frame.copy()
    small = [is_small(v) for v in out[count]]

    def formatted(values: Any, places: int) -> list[str]:
        return ["" if _missing(v) else f"{float(v):.{places}f}" for v in values]

    for column in counts:
        if column in out.columns:
            out[column] = formatted(out[column], 0)
    for column, places in (digits or {}).items():
        if column in out.columns:
            out[column] = formatted(out[column], places)
    out[count] = [count_text(v, grouped=False) for v in out[count]]
    for column in revealing:
        if column in out.columns:
            values = out[column].astype(object).to_numpy().copy()
            values[small] = ""
            out[column] = values
    return out
