"""Capture-history tables: validation, the complete 2^t - 1 cells, and building from linked records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jigsaw.datasets.csvfile import read_text_csv
from jigsaw.errors import InputError

MIN_LISTS = 2
MAX_LISTS = 10


@dataclass(frozen=True)
class CaptureTable:
    """Counts of distinct children by the set of lists they are on.

    Cells are every non-empty capture pattern, in order of the integer code whose bit ``i`` is
    list ``i`` (so cell ``k`` holds pattern ``k + 1``). The all-zero pattern, the dark figure,
    is never a cell.

    Attributes
    ----------
    lists : tuple of str
        List (agency) names, in column order.
    patterns : numpy.ndarray
        ``(2**t - 1, t)`` array of 0/1.
    counts : numpy.ndarray
        ``(2**t - 1,)`` integer counts, zeros for unobserved patterns.
    source : str
        Where the table came from, for messages.
    """

    lists: tuple[str, ...]
    patterns: np.ndarray
    counts: np.ndarray
    source: str = "table"

    @property
    def n_lists(self) -> int:
        return len(self.lists)

    @property
    def observed(self) -> int:
        """Number of distinct children on at least one list."""
        return int(self.counts.sum())

    def with_counts(self, counts: np.ndarray) -> CaptureTable:
        """Return the same lists and cells with other counts (bootstrap, jackknife)."""
        return CaptureTable(self.lists, self.patterns, np.asarray(counts), self.source)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per cell: a 0/1 column per list and ``count``."""
        frame = pd.DataFrame(self.patterns, columns=list(self.lists))
        frame["count"] = self.counts
        return frame

    def merge_lists(self, a: str, b: str) -> CaptureTable:
        """Return the table with lists ``a`` and ``b`` merged into one list named ``a+b``."""
        frame = self.to_frame()
        merged = f"{a}+{b}"
        frame[merged] = frame[a] | frame[b]
        keep = [name for name in self.lists if name not in (a, b)]
        names = keep[: self.lists.index(a)] + [merged] + keep[self.lists.index(a) :]
        return table_from_frame(
            frame[names + ["count"]], source=f"{self.source} ({a} and {b} merged)"
        )


def all_patterns(t: int) -> np.ndarray:
    """Return the ``(2**t - 1, t)`` 0/1 patterns in integer-code order (bit i is list i)."""
    codes = np.arange(1, 2**t)
    return ((codes[:, None] >> np.arange(t)[None, :]) & 1).astype(np.int8)


def table_from_frame(
    frame: pd.DataFrame, *, count_column: str = "count", source: str = "table"
) -> CaptureTable:
    """Build a :class:`CaptureTable` from one 0/1 column per list and a count column.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per capture pattern (repeated patterns are added up; absent patterns count 0;
        an all-zero row is refused because the dark figure cannot be observed).
    count_column : str
        Name of the count column (default ``count``).
    source : str
        File name or description used in error messages.

    Returns
    -------
    CaptureTable

    Raises
    ------
    InputError
        Naming the source, row and column: a missing count column, fewer than 2 or more than 10
        lists, a list column that is not 0/1, a negative, fractional or missing count, an all-zero
        pattern with a positive count, and a list that is empty or holds every observed child
        (its main effect cannot be estimated).
    """
    if count_column not in frame.columns:
        raise InputError(
            f"{source}: no '{count_column}' column (columns are {', '.join(map(str, frame.columns))})"
        )
    lists = [str(c) for c in frame.columns if c != count_column]
    if len(lists) < MIN_LISTS:
        raise InputError(
            f"{source}: {len(lists)} list column(s); multiple systems estimation needs at least {MIN_LISTS} lists"
        )
    if len(lists) > MAX_LISTS:
        raise InputError(f"{source}: {len(lists)} list columns; at most {MAX_LISTS} are supported")
    if len(set(lists)) != len(lists):
        raise InputError(f"{source}: repeated list column names")
    t = len(lists)
    bits = np.zeros((len(frame), t), dtype=np.int64)
    for j, name in enumerate(lists):
        column = pd.to_numeric(frame[name], errors="coerce")
        bad = ~column.isin([0, 1])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{source}: row {i + 2}, column '{name}': {frame[name].iloc[i]!r} is not 0 or 1"
            )
        bits[:, j] = column.to_numpy().astype(np.int64)
    count = pd.to_numeric(frame[count_column], errors="coerce").to_numpy(dtype=float)
    for i, value in enumerate(count):
        raw = frame[count_column].iloc[i]
        if not np.isfinite(value):
            raise InputError(
                f"{source}: row {i + 2}, column '{count_column}': {raw!r} is not a number"
            )
        if value < 0:
            raise InputError(
                f"{source}: row {i + 2}, column '{count_column}': negative count {raw!r}"
            )
        if value != np.floor(value):
            raise InputError(
                f"{source}: row {i + 2}, column '{count_column}': fractional count {raw!r}"
            )
    codes = bits @ (1 << np.arange(t))
    zero_rows = np.flatnonzero((codes == 0) & (count > 0))
    if zero_rows.size:
        raise InputError(
            f"{source}: row {zero_rows[0] + 2}: a pattern on no list has count {int(count[zero_rows[0]])}; "
            "the dark figure cannot be observed"
        )
    counts = np.zeros(2**t - 1, dtype=np.int64)
    keep = codes > 0
    np.add.at(counts, codes[keep] - 1, count[keep].astype(np.int64))
    patterns = all_patterns(t)
    total = counts.sum()
    if total == 0:
        raise InputError(f"{source}: no child is on any list")
    on_list = patterns.T.astype(np.int64) @ counts
    for j, name in enumerate(lists):
        if on_list[j] == 0:
            raise InputError(
                f"{source}: column '{name}': the list is empty; drop it before estimating"
            )
        if on_list[j] == total:
            raise InputError(
                f"{source}: column '{name}': the list contains every observed child, so nothing can be "
                "learnt about who it misses; drop it or merge it"
            )
    return CaptureTable(tuple(lists), patterns, counts, source)


def read_table(path: str | Path) -> CaptureTable:
    """Read a capture-history CSV (one 0/1 column per list, then ``count``).

    Raises ``FileNotFoundError`` for a missing file and ``InputError`` (naming file, row and
    column) for bad content; see :func:`table_from_frame`.
    """
    path = Path(path)
    return table_from_frame(read_text_csv(path), source=str(path))


def table_from_records(
    records: pd.DataFrame,
    *,
    list_column: str = "agency",
    child_column: str = "child_id",
    source: str = "records",
) -> CaptureTable:
    """Build a capture-history table from linked records.

    Parameters
    ----------
    records : pandas.DataFrame
        One row per record: the linked child identifier and the list (agency) it came from. A
        child on the same list twice counts once.
    list_column, child_column : str
        Column names.
    source : str
        Used in error messages.

    Returns
    -------
    CaptureTable
        Lists in sorted name order.

    Raises
    ------
    InputError
        A missing column, a blank child identifier or list name (naming the row), or any of the
        table errors of :func:`table_from_frame`.
    """
    for column in (list_column, child_column):
        if column not in records.columns:
            raise InputError(
                f"{source}: no '{column}' column (columns are {', '.join(map(str, records.columns))})"
            )
    for column in (list_column, child_column):
        values = records[column]
        blank = values.isna() | (values.astype(str).str.strip() == "")
        if blank.any():
            i = int(np.flatnonzero(blank.to_numpy())[0])
            raise InputError(f"{source}: row {i + 2}, column '{column}': blank value")
    pairs = records[[child_column, list_column]].astype(str).drop_duplicates()
    wide = pd.crosstab(pairs[child_column], pairs[list_column]).clip(upper=1)
    wide = wide[sorted(wide.columns)]
    grouped = wide.groupby(list(wide.columns)).size().rename("count").reset_index()
    return table_from_frame(grouped, source=source)
