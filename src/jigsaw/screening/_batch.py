"""Grade a whole partnership's children at once, by the same rules as ``grade_child``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from jigsaw.catalogue import GRADES, Catalogue, load
from jigsaw.screening._grade import _evaluate


def grade_frame(
    concerns: pd.DataFrame,
    dobs: Mapping[object, dt.date] | pd.Series,
    today: dt.date,
    *,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Grade every child in ``dobs`` from a table of concerns.

    Parameters
    ----------
    concerns : pandas.DataFrame
        One row per concern with columns ``child_id``, ``agency``, ``date`` (dates, or
        timestamps at midnight) and ``indicators`` (a list of ids, or ids separated by ``;`` as
        the synthetic world writes them). Concerns dated after ``today`` are left out, so one
        table can be graded as at several dates.
    dobs : mapping or pandas.Series
        Child id -> date of birth, for every child to grade (children with no concerns are
        graded ``none``).
    today : datetime.date
        The date to grade for.
    catalogue : Catalogue, optional
        Defaults to the shipped catalogue.

    Returns
    -------
    pandas.DataFrame
        Indexed by child id, in the order of ``dobs``, with ``level`` (ordered categorical
        none < low < medium < high) and ``score``: the same values :func:`grade_child` gives.

    Raises
    ------
    ValueError
        When a column is missing, a concern names a child not in ``dobs``, or a concern is
        refused by :func:`grade_child` (the message then names the child).
    """
    cat = catalogue or load()
    missing = {"child_id", "agency", "date", "indicators"} - set(concerns.columns)
    if missing:
        raise ValueError(f"concerns: missing column {sorted(missing)[0]!r}")
    if isinstance(dobs, pd.Series):
        dobs = dict(zip(dobs.index, dobs.to_numpy(), strict=True))
    dob_of = {k: _as_date(v) for k, v in dobs.items()}

    dates = concerns["date"]
    if pd.api.types.is_datetime64_any_dtype(dates):
        dates = dates.dt.date
    grouped: dict[object, list[dict]] = {}
    for child, agency, date, indicators in zip(
        concerns["child_id"].tolist(), concerns["agency"].tolist(), list(dates),
        concerns["indicators"].tolist(), strict=True,
    ):
        if date > today:
            continue
        if isinstance(indicators, str):
            indicators = [i for i in indicators.split(";") if i]
        grouped.setdefault(child, []).append(
            {"agency": agency, "date": date, "indicators": indicators}
        )

    unknown = set(grouped) - set(dob_of)
    if unknown:
        raise ValueError(f"concerns: child_id {sorted(map(str, unknown))[0]!r} has no date of birth")
    levels: list[int] = []
    scores: list[float] = []
    for child, dob in dob_of.items():
        rows = grouped.get(child)
        if not rows:
            levels.append(0)
            scores.append(0.0)
            continue
        try:
            level, score, _ = _evaluate(dob, rows, today, cat, explain=False)
        except ValueError as exc:
            raise ValueError(f"child {child}: {exc}") from None
        levels.append(level)
        scores.append(score)
    return pd.DataFrame(
        {
            "level": pd.Categorical.from_codes(levels, categories=list(GRADES), ordered=True),
            "score": scores,
        },
        index=pd.Index(list(dob_of), name="child_id"),
    )


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()
