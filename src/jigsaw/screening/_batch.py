"""Grade a whole partnership's children at once, by the same rules as ``grade_child``.

The rules are applied to arrays (one row per indicator sighting) rather than child by child, so
50,000 children take well under the 5-second target for grading a partnership. ``tests/screening/test_batch.py`` checks,
child for child, that the result equals ``grade_child``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from jigsaw.catalogue import Catalogue, Grade, load
from jigsaw.screening._grade import _birthday, _context

_DAY = "datetime64[D]"


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
        When a column is missing, or a concern names a child not in ``dobs``, an unknown agency
        or indicator, or a date before the child's birth; the message names the child.
    """
    cat = catalogue or load()
    rules = cat.rules
    missing = {"child_id", "agency", "date", "indicators"} - set(concerns.columns)
    if missing:
        raise ValueError(f"concerns: missing column {sorted(missing)[0]!r}")
    if isinstance(dobs, pd.Series):
        dobs = dict(zip(dobs.index, dobs.to_numpy(), strict=True))
    children = pd.Index(list(dobs))
    dob_dates = [_as_date(d) for d in dobs.values()]
    n = len(children)
    if n == 0:
        return _result(children, np.zeros(0, np.int8), np.zeros(0))

    dates = pd.to_datetime(pd.Series(concerns["date"].to_numpy())).to_numpy(_DAY)
    keep = dates <= np.datetime64(today, "D")
    child_code = children.get_indexer(pd.Index(concerns["child_id"].to_numpy()[keep]))
    if (child_code < 0).any():
        bad = concerns["child_id"].to_numpy()[keep][child_code < 0][0]
        raise ValueError(f"concerns: child_id {str(bad)!r} has no date of birth")
    agency_ids = [a.id for a in cat.agencies]
    agency_code = pd.Categorical(concerns["agency"].to_numpy()[keep], categories=agency_ids).codes
    if (agency_code < 0).any():
        row = int(np.flatnonzero(agency_code < 0)[0])
        raise ValueError(
            f"child {children[child_code[row]]}: field 'agency': unknown agency "
            f"{concerns['agency'].to_numpy()[keep][row]!r}"
        )
    dob = np.array(dob_dates, dtype=_DAY)
    dates = dates[keep]
    early = dates < dob[child_code]
    if early.any():
        row = int(np.flatnonzero(early)[0])
        raise ValueError(
            f"child {children[child_code[row]]}: field 'date': {dates[row]} is before the "
            f"child's birth ({dob[child_code[row]]})"
        )

    # One row per indicator sighting.
    raw = concerns["indicators"].to_numpy()[keep]
    lists = [s.split(";") if isinstance(s, str) else list(s) for s in raw]
    lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    flat = [i for x in lists for i in x]
    ind_ids = [i.id for i in cat.indicators]
    ind_code = pd.Categorical(flat, categories=ind_ids).codes.astype(np.int64)
    blank = np.array([i == "" for i in flat], dtype=bool)
    if (ind_code[~blank] < 0).any():
        row = int(np.flatnonzero((ind_code < 0) & ~blank)[0])
        owner = np.repeat(child_code, lengths)[row]
        raise ValueError(
            f"child {children[owner]}: field 'indicators': unknown indicator id {flat[row]!r} "
            f"(catalogue {cat.version})"
        )
    child = np.repeat(child_code, lengths)[~blank]
    agency = np.repeat(agency_code, lengths)[~blank].astype(np.int64)
    when = np.repeat(dates, lengths)[~blank]
    ind = ind_code[~blank]

    _, _, full_cut, reduced_cut, window_cut = _context(cat, today)
    weight = np.where(
        when >= np.datetime64(full_cut, "D"),
        1.0,
        np.where(when >= np.datetime64(reduced_cut, "D"), rules.reduced_weight, 0.0),
    )
    live = weight > 0
    child, agency, when, ind, weight = (
        child[live],
        agency[live],
        when[live],
        ind[live],
        weight[live],
    )

    points = np.array([rules.points[i.level] for i in cat.indicators], dtype=float)
    vulnerable = np.array([i.kind == "vulnerability" for i in cat.indicators])
    disclosure = np.array([i.kind == "disclosure" for i in cat.indicators])
    high = np.array([i.level == "high" and i.kind != "vulnerability" for i in cat.indicators])
    sexual = np.array([i.id in cat.sexual_activity_indicators for i in cat.indicators])

    # Each indicator counts once per child, at its highest weight.
    n_ind = len(ind_ids)
    pair = child * n_ind + ind
    best = pd.Series(weight).groupby(pair, sort=False).max()
    pair_child = best.index.to_numpy() // n_ind
    pair_ind = best.index.to_numpy() % n_ind
    value = points[pair_ind] * best.to_numpy()
    score = np.bincount(pair_child, weights=value, minlength=n)
    sign_score = np.bincount(pair_child, weights=value * ~vulnerable[pair_ind], minlength=n)

    bands = rules.bands
    band = np.select(
        [score >= bands[g.value] for g in (Grade.HIGH, Grade.MEDIUM, Grade.LOW)],
        [g.rank for g in (Grade.HIGH, Grade.MEDIUM, Grade.LOW)],
        Grade.NONE.rank,
    )
    band[sign_score == 0] = Grade.NONE.rank

    sign = ~vulnerable[ind]
    in_window = sign & (when >= np.datetime64(window_cut, "D"))
    agency_pairs = np.unique(child[in_window] * len(agency_ids) + agency[in_window])
    n_agencies = np.bincount(agency_pairs // len(agency_ids), minlength=n)

    level = band.copy()
    level = np.where(
        n_agencies >= rules.raise_agencies, np.minimum(level + 1, Grade.HIGH.rank), level
    )
    level = np.where(
        n_agencies >= rules.medium_agencies, np.maximum(level, Grade.MEDIUM.rank), level
    )

    turns_13 = np.array([_birthday(d, 13) for d in dob_dates], dtype=_DAY)
    turns_14 = np.array([_birthday(d, 14) for d in dob_dates], dtype=_DAY)
    hard_row = sign & (
        disclosure[ind]
        | (sexual[ind] & (when < turns_13[child]))
        | (high[ind] & (when < turns_14[child]))
    )
    level[np.unique(child[hard_row])] = Grade.HIGH.rank
    return _result(children, level.astype(np.int8), score)


def _result(children: pd.Index, level: np.ndarray, score: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": pd.Categorical.from_codes(
                level.tolist(), categories=pd.Index([g.value for g in Grade]), ordered=True
            ),
            "score": score,
        },
        index=children.rename("child_id"),
    )


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()
