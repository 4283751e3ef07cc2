"""Fast fixed-width text for millions of identifiers (``np.char`` is too slow at that scale).

The text is built as a matrix of ASCII bytes, one row per value, and turned into Python strings
in one pass by pyarrow: a tenth of the time numpy takes to widen bytes to ``U`` text and then
make an object of each row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def strings(codes: np.ndarray) -> np.ndarray:
    """Return each row of an (n, width) ``uint8`` matrix of ASCII bytes as a Python string.

    >>> strings(np.frombuffer(b"ab-cd-", dtype=np.uint8).reshape(2, 3)).tolist()
    ['ab-', 'cd-']
    """
    import pyarrow as pa

    n, width = codes.shape
    if width == 0:
        return np.full(n, "", dtype=object)
    data = pa.py_buffer(np.ascontiguousarray(codes, dtype=np.uint8))
    # Arrow's 32-bit offsets hold up to 2 GiB of text; past that the 64-bit kind.
    large = n * width >= 2**31
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64 if large else np.int32)
    kind = pa.LargeStringArray if large else pa.StringArray
    text = kind.from_buffers(n, pa.py_buffer(offsets), data)
    return np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)


def gather(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]`` (a new object array) for a column with few distinct values.

    Taken through the values' codes: gathering millions of objects from a per-child array in
    random order waits on memory for nearly every row, while a small table of the distinct
    values stays in the cache.

    >>> gather(np.array(["a", "b", "a"], dtype=object), np.array([2, 1, 1])).tolist()
    ['a', 'b', 'b']
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(distinct, dtype=object)[codes[rows]]


def digit_codes(numbers: np.ndarray, width: int) -> np.ndarray:
    """Return the non-negative integers' zero-padded digits as an (n, width) ASCII matrix."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if len(numbers) and (numbers.min() < 0 or numbers.max() >= 10**width):
        raise ValueError(f"numbers do not fit in {width} digits")
    codes = np.empty((len(numbers), width), dtype=np.uint8)
    rest = numbers.copy()
    for place in range(width - 1, -1, -1):
        codes[:, place] = rest % 10 + 48
        rest //= 10
    return codes


def digits(numbers: np.ndarray, width: int) -> np.ndarray:
    """Return the non-negative integers as zero-padded strings of ``width`` digits (objects).

    >>> digits(np.array([7, 1234]), 5).tolist()
    ['00007', '01234']
    """
    return strings(digit_codes(numbers, width))


def ids(prefix: np.ndarray | str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Return ``prefix`` + zero-padded ``numbers`` as an object array of Python strings.

    ``prefix`` is one string for all, or one per number (all of one length, or any lengths).

    >>> ids("C", np.array([1, 22]), 4).tolist()
    ['C0001', 'C0022']
    >>> ids(np.array(["AB", "CD"]), np.array([1, 22]), 2).tolist()
    ['AB01', 'CD22']
    """
    codes = digit_codes(numbers, width)
    if isinstance(prefix, str):
        head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
        out = np.empty((len(codes), len(head) + width), dtype=np.uint8)
        out[:, : len(head)] = head
        out[:, len(head) :] = codes
        return strings(out)
    # One row of prefix bytes per distinct prefix (records have one per agency), then taken.
    which, distinct = pd.factorize(np.asarray(prefix, dtype=object))
    heads = [str(p).encode("ascii") for p in distinct]
    size = len(heads[0]) if heads else 0
    if any(len(h) != size for h in heads):
        return np.asarray(np.asarray(prefix, dtype=object) + strings(codes), dtype=object)
    table = np.frombuffer(b"".join(heads), dtype=np.uint8).reshape(len(heads), size)
    out = np.empty((len(codes), size + width), dtype=np.uint8)
    out[:, :size] = table[which]
    out[:, size:] = codes
    return strings(out)


def date_parts(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (year, month, day) integer arrays of a ``datetime64`` array (no NaT allowed)."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    months = dates.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


_DASH, _SLASH = ord("-"), ord("/")


def date_text(
    year: np.ndarray, month: np.ndarray, day: np.ndarray, day_first: np.ndarray | None = None
) -> np.ndarray:
    """Return dates as ``YYYY-MM-DD`` strings, or ``DD/MM/YYYY`` where ``day_first`` is true.

    >>> date_text(np.array([2011, 2011]), np.array([4, 4]), np.array([3, 3]),
    ...           np.array([False, True])).tolist()
    ['2011-04-03', '03/04/2011']
    """
    y, m, d = digit_codes(year, 4), digit_codes(month, 2), digit_codes(day, 2)
    text = np.empty((len(y), 10), dtype=np.uint8)
    text[:, 0:4], text[:, 4], text[:, 5:7], text[:, 7], text[:, 8:10] = y, _DASH, m, _DASH, d
    if day_first is not None and np.any(day_first):
        rows = np.flatnonzero(day_first)
        text[rows, 0:2], text[rows, 2], text[rows, 3:5] = d[rows], _SLASH, m[rows]
        text[rows, 5], text[rows, 6:10] = _SLASH, y[rows]
    return strings(text)


def iso_dates(dates: np.ndarray) -> np.ndarray:
    """Return a ``datetime64`` array as ISO strings (object array), ``""`` where NaT."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    missing = np.isnat(dates)
    filled = np.where(missing, np.datetime64("2000-01-01"), dates)
    out = date_text(*date_parts(filled))
    out[missing] = ""
    return out
