"""Read and check a mentions file: one clear error naming the file, row and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from jigsaw.connect._resolve import KINDS
from jigsaw.errors import InputError

__all__ = ["MENTION_COLUMNS", "check_mentions", "read_mentions"]

MENTION_COLUMNS = ("mention_id", "child_id", "agency", "date", "kind", "value")


def check_mentions(frame: pd.DataFrame, source: str = "mentions") -> pd.DataFrame:
    """Return the mentions with ``date`` as dates and ``kind`` in lower case, or raise.

    Raises
    ------
    ValueError
        Naming ``source``, the row (counting data rows from 1; the line is one more, after the
        header) and the field of the first bad value: a missing column, a blank required field,
        a repeated ``mention_id``, a date not ``YYYY-MM-DD`` or a kind not one of
        ``person, vehicle, phone, online, place``.
    """
    missing = [c for c in MENTION_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{source}: missing column(s) {', '.join(missing)}")
    out = frame[list(MENTION_COLUMNS)].fillna("").astype(str).apply(lambda c: c.str.strip())
    seen: dict[str, int] = {}
    dates = []
    for row, values in enumerate(out.itertuples(index=False), 1):
        where = f"{source}: row {row} (line {row + 1})"
        for field in MENTION_COLUMNS:
            if getattr(values, field) == "":
                raise InputError(f"{where}, {field}: blank")
        if values.mention_id in seen:
            raise InputError(
                f"{where}, mention_id: {values.mention_id!r} repeats row {seen[values.mention_id]}"
            )
        seen[values.mention_id] = row
        if values.kind.lower() not in KINDS:
            raise InputError(f"{where}, kind: {values.kind!r} is not one of {', '.join(KINDS)}")
        try:
            dates.append(dt.date.fromisoformat(values.date))
        except ValueError:
            raise InputError(f"{where}, date: {values.date!r} is not a date YYYY-MM-DD") from None
    out["kind"] = out["kind"].str.lower()
    out["date"] = (
        pd.to_datetime(pd.Series(dates, dtype="object"), format="ISO8601")
        if dates
        else pd.Series([], dtype="datetime64[ns]")
    )
    checked: pd.DataFrame = out.reset_index(drop=True)
    return checked


def read_mentions(path: str | Path) -> pd.DataFrame:
    """Read ``MENTIONS.csv`` (``mention_id, child_id, agency, date, kind, value``) and check it."""
    from jigsaw.datasets.csvfile import read_text_csv

    return check_mentions(read_text_csv(path), str(path))
