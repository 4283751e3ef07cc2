"""Today's clustering, frozen as the reference implementation of jigsaw.linkage._decide.cluster.

A verbatim copy of the Python-object version (a union-find over dictionaries of record fields)
that the array version replaced; tests/linkage/test_speed_equivalence.py checks that both give
the same children, confidences, review pairs and refusals. Do not change it to follow the
package's code: it is the known answer.

Changed once on purpose, when the rule itself changed (not its implementation): the twins test
is the link's own pair first, and the children's other records are read only when that pair
does not share a forename (``same_forename``), as docs/methods/linkage.md says. Written here in
the plain dictionary form, so the array version is still checked against an obvious one.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

from jigsaw.linkage._comparisons import COMPARISONS
from jigsaw.linkage._decide import Clusters, conflict, explain_pair, same_forename, waterfall_text
from jigsaw.linkage._model import Model

_DOB = next(c for c in COMPARISONS if c.name == "dob")
_DIFFERENT_DOB = len(_DOB.levels) - 1


class _Partition:
    """Union-find over record positions that refuses unions breaking a constraint."""

    def __init__(self, records: list[dict[str, Any]], twins: bool):
        self.twins = twins
        self.records = records
        self.parent = list(range(len(records)))
        self.nhs: dict[int, str] = {
            i: r["nhs_number"] for i, r in enumerate(records) if r.get("nhs_number")
        }
        # Members with a date of birth, the only ones a cross-cluster conflict can involve.
        self.dated: dict[int, list[int]] = {i: [i] for i, r in enumerate(records) if r.get("dob")}
        self.size = [1] * len(records)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def blocked(self, a: int, b: int, i: int, j: int) -> str | None:
        if a in self.nhs and b in self.nhs:
            # One valid NHS number on both sides decides: the same child, or two children.
            return None if self.nhs[a] == self.nhs[b] else "different valid NHS numbers"
        dated_a, dated_b = self.dated.get(a, ()), self.dated.get(b, ())
        if not dated_a or not dated_b:
            return None
        reason = conflict(self.records[i], self.records[j], twins=self.twins)
        if reason:
            return reason
        twins = self.twins and not same_forename(self.records[i], self.records[j])
        compatible = False
        for x in dated_a:
            for y in dated_b:
                left, right = self.records[x], self.records[y]
                reason = conflict(left, right, twins=twins)
                if reason:
                    return reason
                compatible = compatible or _DOB.level_of(left, right) != _DIFFERENT_DOB
        # No date of birth on one side is within a recording slip of any on the other: the
        # pattern of two siblings with the same name, met through a record without a date.
        return None if compatible else "different dates of birth within one child"

    def union(self, a: int, b: int) -> None:
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        if b in self.nhs:
            self.nhs.setdefault(a, self.nhs[b])
            del self.nhs[b]
        if b in self.dated:
            self.dated.setdefault(a, []).extend(self.dated.pop(b))


# The fields the constraints read (forename and date-of-birth comparisons, NHS number).
_CONSTRAINT_FIELDS = (
    "nhs_number",
    "dob",
    "dob_year",
    "dob_month",
    "dob_day",
    "dob_masks",
    "dob_slips",
    "forename",
    "forename_group",
    "forename_sdx",
    "forename_del",
    "initial",
    "near_groups",
    "middle_names",
    "surname",
    "sex",
)


def _light_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = {
        c: [None if v is pd.NA else v for v in frame[c].astype(object).tolist()]
        for c in _CONSTRAINT_FIELDS
    }
    return [
        dict(zip(_CONSTRAINT_FIELDS, values, strict=True))
        for values in zip(*columns.values(), strict=True)
    ]


def _link(
    records: list[dict[str, Any]],
    left: np.ndarray,
    right: np.ndarray,
    probs: np.ndarray,
    model: Model,
    excluded: set[int],
) -> tuple[_Partition, np.ndarray, list[str | None]]:
    partition = _Partition(records, model.keep_twins_apart)
    linked = np.zeros(len(left), dtype=bool)
    reasons: list[str | None] = [None] * len(left)
    for k in range(len(left)):
        if probs[k] < model.link_threshold:
            break
        if left[k] in excluded or right[k] in excluded:
            continue
        a, b = partition.find(int(left[k])), partition.find(int(right[k]))
        if a == b:
            linked[k] = True
            continue
        reason = partition.blocked(a, b, int(left[k]), int(right[k]))
        if reason:
            reasons[k] = reason
            continue
        partition.union(a, b)
        linked[k] = True
    return partition, linked, reasons


# A record whose refused link is within this many bits (a factor of 8 in odds) of its best link
# inside its own child is ambiguous.
_AMBIGUITY_BITS = 3.0


def _ambiguous(
    partition: _Partition,
    left: np.ndarray,
    right: np.ndarray,
    weights: np.ndarray,
    reasons: list[str | None],
) -> set[int]:
    roots = np.array([partition.find(i) for i in range(len(partition.parent))])
    best_inside = np.full(len(roots), -np.inf)
    if len(left):
        same = roots[left] == roots[right]
        np.maximum.at(best_inside, left[same], weights[same])
        np.maximum.at(best_inside, right[same], weights[same])
    found = set()
    for k, reason in enumerate(reasons):
        if reason is None:
            continue
        for x in (int(left[k]), int(right[k])):
            # Only a record without a date of birth can sit between two children this way; the
            # constraints already decide between records that have one.
            if partition.records[x].get("dob"):
                continue
            if partition.size[roots[x]] > 1 and weights[k] >= best_inside[x] - _AMBIGUITY_BITS:
                found.add(x)
    return found


def cluster(frame: pd.DataFrame, pairs: pd.DataFrame, model: Model) -> Clusters:
    """Group prepared records into children from their scored pairs.

    Parameters
    ----------
    frame : pandas.DataFrame
        Prepared records (``jigsaw.linkage._prepare(...).frame``); their order fixes child ids.
    pairs : pandas.DataFrame
        Output of :func:`jigsaw.linkage._backend.score_pairs` at a threshold no higher than
        ``model.review_threshold``.
    model : Model
        Supplies the link and review thresholds and the prior for explanations.

    Returns
    -------
    Clusters
        ``clusters`` has ``record_id``, ``child_id`` (``C000001``... in order of each child's
        first record) and ``confidence``: the lowest probability among the links that built the
        child and one minus the highest probability of a scored pair to another child (1.0 for a
        record with no scored pair). ``review`` lists the pairs at or above the review threshold
        left in different children, strongest first, with the waterfall explanation.
    """
    ids = frame["unique_id"].tolist()
    review_columns = [
        "record_id_l",
        "record_id_r",
        "child_id_l",
        "child_id_r",
        "match_probability",
        "match_weight",
        "reason",
        "explanation",
    ]
    if not ids:  # every row left out (or none given): no children, not an index error
        empty = pd.DataFrame(
            {
                "record_id": pd.Series(dtype=object),
                "child_id": pd.Series(dtype=object),
                "confidence": pd.Series(dtype=float),
            }
        )
        return Clusters(empty, pd.DataFrame(columns=review_columns), 0)
    position = {rid: i for i, rid in enumerate(ids)}
    records = _light_records(frame)
    pairs = pairs.sort_values(
        ["match_weight", "unique_id_l", "unique_id_r"],
        ascending=[False, True, True],
        kind="mergesort",
    ).reset_index(drop=True)
    left = pairs["unique_id_l"].map(position).to_numpy()
    right = pairs["unique_id_r"].map(position).to_numpy()
    probs = pairs["match_probability"].to_numpy()
    weights = pairs["match_weight"].to_numpy()
    partition, linked, reasons = _link(records, left, right, probs, model, set())
    ambiguous = _ambiguous(partition, left, right, weights, reasons)
    if ambiguous:
        # A record as close to a child it cannot join as to the child it joined (a name-only
        # record, with two children of that name) is left alone, for a person to place.
        partition, linked, reasons = _link(records, left, right, probs, model, ambiguous)
        for k in np.flatnonzero(np.isin(left, list(ambiguous)) | np.isin(right, list(ambiguous))):
            if probs[k] >= model.link_threshold and not reasons[k]:
                reasons[k] = "record as close to another child"
    kept_apart = sum(r is not None for r in reasons)

    roots = np.array([partition.find(i) for i in range(len(ids))])
    _, first_index, inverse = np.unique(roots, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first_index))  # number children by their first record
    child_ids = np.array([f"C{n + 1:06d}" for n in order])[inverse]

    confidence = np.ones(len(ids))
    same = roots[left] == roots[right] if len(pairs) else np.zeros(0, dtype=bool)
    internal = linked & same
    for side in (left, right):
        np.minimum.at(confidence, roots[side[internal]], probs[internal])
        np.minimum.at(confidence, roots[side[~same]], 1 - probs[~same])
    clusters = pd.DataFrame(
        {"record_id": ids, "child_id": child_ids, "confidence": confidence[roots].round(6)}
    )

    review_mask = (~same) & (probs >= model.review_threshold)
    rows = []
    review_pairs = cast("list[dict[str, Any]]", pairs[review_mask].to_dict("records"))
    for k, pair in zip(np.flatnonzero(review_mask), review_pairs, strict=True):
        reason = reasons[k] or conflict(
            records[left[k]], records[right[k]], twins=model.keep_twins_apart
        )
        if reason and reason.startswith("same date of birth") and probs[k] < model.link_threshold:
            continue  # twins-like pairs below the link threshold are no link, not work for a person
        rows.append(
            {
                "record_id_l": pair["unique_id_l"],
                "record_id_r": pair["unique_id_r"],
                "child_id_l": child_ids[left[k]],
                "child_id_r": child_ids[right[k]],
                "match_probability": round(float(probs[k]), 6),
                "match_weight": round(float(pair["match_weight"]), 3),
                "reason": reason or "between the review and link thresholds",
                "explanation": waterfall_text(explain_pair(model, pair)),
            }
        )
    review = pd.DataFrame(rows, columns=review_columns)
    return Clusters(clusters, review, kept_apart)
