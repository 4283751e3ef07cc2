"""What a person reviews: one question per pair of children, and none that the children's records
already answer.

Clustering leaves review pairs of records. Two children met by several such pairs (a child of
five records and another of three can give fifteen) pose one question, "are these one child?",
so :func:`review_by_child` puts them on one row: the strongest pair, as evidence, with the count
and the ids of the others. A person still decides every link: nothing is joined without an
answer, and an answer is about the two whole children that the row names.

:func:`settle_review` takes off the list the pairs that are uncertain only because their own
records lack a field that the children they belong to already hold.

A pair between the review and link thresholds is uncertain: its two records agree on some
identifiers and lack others. But each record already belongs to a child, and the two children
together often hold what the pair lacks: a valid NHS number on another record of each child,
dates of birth on others. When those say the two children cannot be one (two different valid NHS
numbers, twins, dates of birth none within a recording slip of each other), a reviewer answering
"same child" could not join them without breaking the rules the batch clustering keeps, so the
pair is decided automatically, with that reason, and not shown. Pairs refused by a constraint
above the link threshold stay for a person: only a person can find the clerical error that would
explain them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import pandas as pd

from jigsaw.linkage._comparisons import COMPARISONS
from jigsaw.linkage._decide import conflict

__all__ = ["BETWEEN_THRESHOLDS", "records_to_settle", "review_by_child", "settle_review"]

#: The reason clustering gives a review pair that no constraint refused.
BETWEEN_THRESHOLDS = "between the review and link thresholds"
_DOB = next(c for c in COMPARISONS if c.name == "dob")
_DIFFERENT_DOB = len(_DOB.levels) - 1


def _children_conflict(
    left: Sequence[Mapping[str, object]], right: Sequence[Mapping[str, object]], twins: bool
) -> str | None:
    """Why two children cannot be one, reading every record of each, as clustering reads them."""
    for a in left:
        for b in right:
            reason = conflict(a, b, twins=twins)
            if reason:
                return f"{reason}, between records {a['unique_id']} and {b['unique_id']} of the two children"
    dated_left = [a for a in left if a.get("dob")]
    dated_right = [b for b in right if b.get("dob")]
    if (
        dated_left
        and dated_right
        and all(_DOB.level_of(a, b) == _DIFFERENT_DOB for a in dated_left for b in dated_right)
    ):
        return "the two children's dates of birth are none within a recording slip of each other"
    return None


def settle_review(
    records: Sequence[Mapping[str, object]],
    clusters: pd.DataFrame,
    review: pd.DataFrame,
    *,
    twins: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split review pairs into those for a person and those the children's records decide.

    Parameters
    ----------
    records : sequence of mappings
        The prepared records of the run (``Prepared.records()`` or ``prepare_record`` rows,
        with ``unique_id``): all of them, or at least those :func:`records_to_settle` names.
    clusters, review : pandas.DataFrame
        ``LinkResult.clusters`` and ``LinkResult.review`` of the same run.
    twins : bool
        Whether the model keeps twins apart (``Model.keep_twins_apart``).

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.DataFrame)
        The review pairs for a person (as given, fewer rows), and those decided, with
        ``reason`` saying why they cannot be one child ("no link: ...").
    """
    if review.empty:
        return review, review.iloc[0:0]
    by_id = {str(r["unique_id"]): r for r in records}
    members: dict[str, list[Mapping[str, object]]] = defaultdict(list)
    for record_id, child_id in zip(
        clusters["record_id"].astype(str), clusters["child_id"], strict=True
    ):
        # Only the records given: at least those of :func:`records_to_settle`.
        if record_id in by_id:
            members[child_id].append(by_id[record_id])
    reasons: list[str | None] = [
        _children_conflict(members[str(left)], members[str(right)], twins) if open_ else None
        for left, right, open_ in zip(
            review["child_id_l"], review["child_id_r"], _settleable(review), strict=True
        )
    ]
    decided_mask = pd.Series([r is not None for r in reasons], index=review.index)
    decided = review[decided_mask].copy()
    decided["reason"] = [f"no link: {r}" for r in reasons if r is not None]
    return review[~decided_mask].reset_index(drop=True), decided.reset_index(drop=True)


def records_to_settle(clusters: pd.DataFrame, review: pd.DataFrame) -> set[str]:
    """The ids of the records :func:`settle_review` reads: those of the children in a review
    pair between the thresholds (the only pairs it can decide), so a national run builds a
    few thousand records' fields instead of a million."""
    between = review[_settleable(review)]
    children = set(between["child_id_l"].astype(str)) | set(between["child_id_r"].astype(str))
    wanted = clusters["child_id"].astype(str).isin(children)
    return set(clusters.loc[wanted, "record_id"].astype(str))


def _settleable(review: pd.DataFrame) -> pd.Series:
    """Which review pairs the children's records may settle: only those between the thresholds.
    A pair a constraint refused stays for a person, who sees why."""
    return review["reason"] == BETWEEN_THRESHOLDS


#: The columns :func:`review_by_child` adds to a review table.
CHILD_REVIEW_COLUMNS = ("pairs", "reasons", "other_pairs")


def review_by_child(pairs: pd.DataFrame) -> pd.DataFrame:
    """One review row per pair of children, from review pairs of records (strongest first).

    Parameters
    ----------
    pairs : pandas.DataFrame
        Review pairs as clustering gives them (``record_id_l``, ``record_id_r``,
        ``child_id_l``, ``child_id_r``, ``match_probability``, ``match_weight``, ``reason``,
        ``explanation``), strongest first.

    Returns
    -------
    pandas.DataFrame
        The strongest pair of each pair of children, in the same order and columns, plus
        ``pairs`` (how many record pairs between the two children are at or above the review
        threshold), ``reasons`` (their distinct reasons, strongest pair's first) and
        ``other_pairs`` (the other record pairs, ``left~right`` separated by ``; ``).

    >>> import pandas as pd
    >>> pairs = pd.DataFrame({"record_id_l": ["1", "2", "5"], "record_id_r": ["3", "3", "6"],
    ...     "child_id_l": ["C1", "C1", "C3"], "child_id_r": ["C2", "C2", "C4"],
    ...     "match_probability": [0.9, 0.5, 0.4], "match_weight": [3.2, 0.0, -0.6],
    ...     "reason": ["different valid NHS numbers", "between the review and link thresholds",
    ...                "between the review and link thresholds"], "explanation": ["", "", ""]})
    >>> review_by_child(pairs)[["record_id_l", "record_id_r", "pairs", "other_pairs"]].to_dict("list")
    {'record_id_l': ['1', '5'], 'record_id_r': ['3', '6'], 'pairs': [2, 1], 'other_pairs': ['2~3', '']}
    """
    if pairs.empty:
        out = pairs.copy()
        out["pairs"] = pd.Series(dtype="int64")
        for column in ("reasons", "other_pairs"):
            out[column] = pd.Series(dtype=object)
        return out
    keys = [
        (a, b) if a <= b else (b, a)
        for a, b in zip(
            pairs["child_id_l"].astype(str), pairs["child_id_r"].astype(str), strict=True
        )
    ]
    first: dict[tuple[str, str], int] = {}
    count: dict[tuple[str, str], int] = defaultdict(int)
    reasons: dict[tuple[str, str], list[str]] = defaultdict(list)
    others: dict[tuple[str, str], list[str]] = defaultdict(list)
    for position, (key, left, right, reason) in enumerate(
        zip(keys, pairs["record_id_l"], pairs["record_id_r"], pairs["reason"], strict=True)
    ):
        count[key] += 1
        if str(reason) not in reasons[key]:
            reasons[key].append(str(reason))
        if key in first:
            others[key].append(f"{left}~{right}")
        else:
            first[key] = position
    chosen = list(first.values())
    out = pairs.iloc[chosen].reset_index(drop=True)
    out["pairs"] = [count[k] for k in first]
    out["reasons"] = ["; ".join(reasons[k]) for k in first]
    out["other_pairs"] = ["; ".join(others[k]) for k in first]
    return out
