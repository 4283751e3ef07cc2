"""Take off a person's review list the pairs that are uncertain only because their own records lack
a field that the children they belong to already hold.

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

__all__ = ["BETWEEN_THRESHOLDS", "settle_review"]

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
        with ``unique_id``).
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
        members[child_id].append(by_id[record_id])
    reasons: list[str | None] = []
    for pair in review.itertuples(index=False):
        if pair.reason != BETWEEN_THRESHOLDS:
            reasons.append(None)
            continue
        reasons.append(
            _children_conflict(members[str(pair.child_id_l)], members[str(pair.child_id_r)], twins)
        )
    decided_mask = pd.Series([r is not None for r in reasons], index=review.index)
    decided = review[decided_mask].copy()
    decided["reason"] = [f"no link: {r}" for r in reasons if r is not None]
    return review[~decided_mask].reset_index(drop=True), decided.reset_index(drop=True)
