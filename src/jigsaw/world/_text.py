"""Fast fixed-width text for millions of identifiers (``np.char`` is too slow at that scale)."""

from __future__ import annotations

import numpy as np


def digits(numbers: np.ndarray, width: int) -> np.ndarray:
    """Return the non-negative integers as zero-padded strings of ``width`` digits (dtype ``U``).

    >>> digits(np.array([7, 1234]), 5).tolist()
    ['00007', '01234']
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    if len(numbers) and (numbers.min() < 0 or numbers.max() >= 10**width):
        raise ValueError(f"numbers do not fit in {width} digits")
    # The digits as ASCII bytes, one row per number, read as byte strings and widened to text
    # once: half the time of picking one-character strings (four bytes each) digit by digit.
    codes = np.empty((len(numbers), width), dtype=np.uint8)
    rest = numbers.copy()
    for place in range(width - 1, -1, -1):
        codes[:, place] = rest % 10 + 48
        rest //= 10
    return codes.view(f"S{width}").ravel().astype(f"U{width}")


def ids(prefix: np.ndarray | str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Return ``prefix`` + zero-padded ``numbers`` as an object array of Python strings.

    >>> ids("C", np.array([1, 22]), 4).tolist()
    ['C0001', 'C0022']
    """
    text = digits(numbers, width).astype(object)
    if isinstance(prefix, str):
        return np.asarray(prefix + text, dtype=object)
    return np.asarray(np.asarray(prefix, dtype=object) + text, dtype=object)


def date_parts(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (year, month, day) integer arrays of a ``datetime64`` array (no NaT allowed)."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    months = dates.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def date_text(
    year: np.ndarray, month: np.ndarray, day: np.ndarray, day_first: np.ndarray | None = None
) -> np.ndarray:
    """Return dates as ``YYYY-MM-DD`` strings, or ``DD/MM/YYYY`` where ``day_first`` is true.

    >>> date_text(np.array([2011, 2011]), np.array([4, 4]), np.array([3, 3]),
    ...           np.array([False, True])).tolist()
    ['2011-04-03', '03/04/2011']
    """
    n = len(year)
    y, m, d = digits(year, 4), digits(month, 2), digits(day, 2)
    y = y.view("U1").reshape(n, 4)
    m = m.view("U1").reshape(n, 2)
    d = d.view("U1").reshape(n, 2)
    iso = np.empty((n, 10), dtype="U1")
    iso[:, 0:4], iso[:, 4], iso[:, 5:7], iso[:, 7], iso[:, 8:10] = y, "-", m, "-", d
    if day_first is not None and np.any(day_first):
        rows = np.flatnonzero(day_first)
        iso[rows, 0:2], iso[rows, 2], iso[rows, 3:5] = d[rows], "/", m[rows]
        iso[rows, 5], iso[rows, 6:10] = "/", y[rows]
    return iso.view("U10").ravel()


def iso_dates(dates: np.ndarray) -> np.ndarray:
    """Return a ``datetime64`` array as ISO strings (object array), ``""`` where NaT."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    missing = np.isnat(dates)
    filled = np.where(missing, np.datetime64("2000-01-01"), dates)
    out = date_text(*date_parts(filled)).astype(object)
    out[missing] = ""
    return out
