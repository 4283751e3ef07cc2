"""Match one new record against the children already known, for the web intake.

Same model, comparisons and decisions as the batch run; candidates come from an in-memory index
on the batch's blocking keys, so a query touches a few dozen records, never the whole store.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from jigsaw.linkage._comparisons import (
    BLOCKING_RULES,
    COMPARISONS,
    FULL_NAME,
    FULL_NAME_COLUMNS,
    FULL_NAME_DATE,
    FULL_NAME_LABEL,
    full_name_weight,
)
from jigsaw.linkage._decide import conflict, same_forename
from jigsaw.linkage._model import Model, probability
from jigsaw.linkage._prepare import Problem, prepare, prepare_record

__all__ = ["Match", "OnlineMatcher"]

_TF_COLUMNS = {level.tf_column for c in COMPARISONS for level in c.levels if level.tf_column}
_DOB = next(c for c in COMPARISONS if c.name == "dob")
_DIFFERENT_DOB = len(_DOB.levels) - 1


def _blocks(
    prepared: Mapping[str, object], *, probe: bool = False
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """The blocks a prepared record falls in: (rule number, the rule's values) for each blocking
    rule whose columns it fills. With ``probe``, the blocks its partners are filed under (a
    crossed rule reads its columns the other way round). Two records are only ever compared if
    one's probe is the other's block."""
    for number, rule in enumerate(BLOCKING_RULES):
        values = rule.probe(prepared) if probe else rule.keys(prepared)
        if None not in values:
            yield number, values


@dataclass(frozen=True)
class Match:
    """A known child who may be the child of a new record, with the evidence.

    ``decision`` is ``"link"``, ``"review"`` or ``"no_link"``; ``explanation`` lists
    ``(comparison, level label, weight)`` from the prior onwards, and ends with
    ``("constraint", reason, 0.0)`` when a constraint (different NHS numbers, twins) forbids the
    link whatever the weight.
    """

    child_id: str
    record_id: str
    match_probability: float
    match_weight: float
    decision: str
    explanation: list[tuple[str, str, float]]


class OnlineMatcher:
    """An in-memory store of prepared records with their child ids, indexed by blocking keys.

    Build it with :meth:`from_records`, grow it with :meth:`add`, query it with :meth:`match`.
    Not thread-safe for concurrent :meth:`add`; queries only read.
    """

    def __init__(self, model: Model | None = None) -> None:
        self.model = model or Model.default()
        self._records: list[dict[str, object]] = []
        self._child_ids: list[str] = []
        self._members: dict[str, list[int]] = defaultdict(list)  # child id -> record positions
        self._positions: dict[str, int] = {}  # record id -> position
        self._index: list[dict[tuple[object, ...], list[int]]] = [
            defaultdict(list) for _ in BLOCKING_RULES
        ]
        # For rules with ``either_missing``: the records of each block that lack that column.
        self._lacking: list[dict[tuple[object, ...], list[int]]] = [
            defaultdict(list) for _ in BLOCKING_RULES
        ]
        self._counts: dict[str, Counter[object]] = {c: Counter() for c in _TF_COLUMNS}
        self._totals: dict[str, int] = dict.fromkeys(_TF_COLUMNS, 0)
        # Full names, and full names with a date of birth, for the full-name step.
        self._full_names: Counter[tuple[object, ...]] = Counter()
        self._full_dated: Counter[tuple[object, ...]] = Counter()
        self._full_total = 0
        self.problems: tuple[Problem, ...] = ()

    @classmethod
    def from_records(cls, frame: pd.DataFrame, model: Model | None = None) -> OnlineMatcher:
        """Build a matcher from records with a ``child_id`` column (the batch's clusters).

        Parameters
        ----------
        frame : pandas.DataFrame
            RECORDS.csv columns plus ``child_id``.
        model : Model, optional
            Defaults to the shipped model, the one the batch uses.

        Raises
        ------
        ValueError
            If ``child_id`` or ``record_id`` is missing.
        """
        if "child_id" not in frame.columns:
            raise ValueError("records for the matcher need a child_id column")
        matcher = cls(model)
        prepared = prepare(frame)
        matcher.problems = prepared.problems
        # Kept rows are in input order, each at its spreadsheet row (header = row 1).
        child_ids = frame["child_id"].astype(str).tolist()
        rows = prepared.frame["row"].tolist()
        for row, record in zip(rows, prepared.records(), strict=True):
            matcher._store(record, child_ids[row - 2])
        return matcher

    def __len__(self) -> int:
        return len(self._records)

    def add(self, record: Mapping[str, object], child_id: str) -> None:
        """Add a record (RECORDS.csv fields, ``record_id`` required) as belonging to ``child_id``.

        Raises
        ------
        ValueError
            If ``record_id`` is blank. Unusable values (bad NHS number, date) are left out.
        """
        prepared, _ = prepare_record(record)
        self.add_prepared(prepared, child_id)

    def add_prepared(self, prepared: Mapping[str, object], child_id: str) -> None:
        """:meth:`add` for a record already prepared (a row of ``prepare(...).records()``), so
        a batch prepares its records in one pass.

        Raises
        ------
        ValueError
            If ``unique_id`` is blank.
        """
        if not prepared["unique_id"]:
            raise ValueError("record_id is blank")
        self._store(dict(prepared), str(child_id))

    def __contains__(self, record_id: object) -> bool:
        """Whether a record with this id is stored."""
        return str(record_id) in self._positions

    def move(self, record_id: str, child_id: str) -> bool:
        """Say that a stored record now belongs to ``child_id`` (a reviewer confirmed a link).

        Returns False, changing nothing, if no record has that id.
        """
        position = self._positions.get(str(record_id))
        if position is None:
            return False
        old, new = self._child_ids[position], str(child_id)
        if old != new:
            self._members[old].remove(position)
            if not self._members[old]:
                del self._members[old]
            bisect.insort(self._members[new], position)
            self._child_ids[position] = new
        return True

    @staticmethod
    def blocking_keys(record: Mapping[str, object]) -> list[tuple[int, tuple[object, ...]]]:
        """Return the blocks ``record`` (RECORDS.csv fields) falls in, as (rule number, values).

        :meth:`match` compares a record only with stored records sharing one of these blocks, so
        two records sharing none can never be candidates for each other: what a caller needs to
        serialise the matching of records that might be the same child.
        """
        query, _ = prepare_record(record)
        # Filed-under and probed-for blocks both: two records that would be compared share one.
        return sorted(set(_blocks(query)) | set(_blocks(query, probe=True)), key=repr)

    def _store(self, prepared: dict[str, object], child_id: str) -> None:
        position = len(self._records)
        self._records.append(prepared)
        self._child_ids.append(child_id)
        self._members[child_id].append(position)
        self._positions[str(prepared["unique_id"])] = position
        for number, values in _blocks(prepared):
            self._index[number][values].append(position)
            missing = BLOCKING_RULES[number].either_missing
            if missing and prepared[missing] is None:
                self._lacking[number][values].append(position)
        for column in _TF_COLUMNS:
            if prepared[column] is not None:
                self._counts[column][prepared[column]] += 1
                self._totals[column] += 1
        if (full := _full_name(prepared)) is not None:
            self._full_names[full] += 1
            self._full_total += 1
            if prepared[FULL_NAME_DATE] is not None:
                self._full_dated[(*full, prepared[FULL_NAME_DATE])] += 1

    def match(
        self, record: Mapping[str, object], limit: int = 5, *, model: Model | None = None
    ) -> list[Match]:
        """Return the known children most likely to be the child of ``record``, best first.

        One :class:`Match` per child (its best-scoring record), at most ``limit``, among the
        records sharing a blocking key with ``record``; children with no such record are not
        returned. Weights are those of the batch run on the store plus this record. A child
        holding any record that conflicts with ``record`` (a different valid NHS number, a twin)
        is ``no_link``, however well its best record scores.

        ``model`` scores this query instead of the matcher's own (a partnership's trained model,
        while the index of records is shared): its weights, thresholds and constraints all.
        """
        query, _ = prepare_record(record)
        return self.match_prepared(query, limit, model=model)

    def match_prepared(
        self, query: Mapping[str, object], limit: int = 5, *, model: Model | None = None
    ) -> list[Match]:
        """:meth:`match` for a record already prepared (a row of ``prepare(...).records()``)."""
        # The same prior as a batch run over the store and this record.
        self._model_now = (model or self.model).for_records(len(self._records) + 1)
        candidates: set[int] = set()
        for number, values in _blocks(query, probe=True):
            missing = BLOCKING_RULES[number].either_missing
            if missing and query[missing] is not None:
                candidates.update(self._lacking[number].get(values, ()))
            else:
                candidates.update(self._index[number].get(values, ()))
        best: dict[str, Match] = {}
        for position in candidates:
            found = self._score(query, position)
            current = best.get(found.child_id)
            if current is None or (found.match_weight, found.record_id) > (
                current.match_weight,
                current.record_id,
            ):
                best[found.child_id] = found
        ranked = sorted(best.values(), key=lambda m: (-m.match_weight, m.child_id))
        return [self._constrained(query, found) for found in ranked[:limit]]

    def _constrained(self, query: Mapping[str, object], found: Match) -> Match:
        """Refuse a link that would put into one child a record conflicting with its records,
        as the batch's clustering does: a different valid NHS number on any of them; a twin of
        the best-scoring record; a twin of any other only when the new record and the
        best-scoring one do not share a forename (one name vouches that a record of the child
        that looks like a twin of the new one is a slip, since twins never share a name)."""
        if found.explanation[-1][0] == "constraint":
            return found
        best = self._records[self._positions[found.record_id]]
        # The constraints of the model scoring this query, as the batch's clustering applies
        # the constraints of the model it links with.
        twins = self._model_now.keep_twins_apart and not same_forename(query, best)
        dated = []
        numbered = False
        for position in self._members[found.child_id]:
            reason = conflict(query, self._records[position], twins=twins)
            if reason:
                other = self._records[position]["unique_id"]
                return self._refused(found, f"{reason} (record {other})")
            if query.get("dob") and self._records[position].get("dob"):
                dated.append(self._records[position])
            numbered = numbered or bool(self._records[position].get("nhs_number"))
        # A valid NHS number on both sides decides, as in clustering: the same number is one child
        # whatever the dates say (conflict() has already refused a different one).
        if numbered and query.get("nhs_number"):
            return found
        # As the batch's clustering: a child whose dates of birth are none of them within a
        # recording slip of the new record's is another child of the same name (a sibling),
        # however well the rest agrees, so it is never joined automatically. Clustering refuses
        # only links; a pair between the thresholds stays for a person to decide, here as there.
        if (
            found.decision == "link"
            and dated
            and all(_DOB.level_of(query, other) == _DIFFERENT_DOB for other in dated)
        ):
            return self._refused(found, "different dates of birth within one child")
        return found

    @staticmethod
    def _refused(found: Match, reason: str) -> Match:
        return replace(
            found, decision="no_link", explanation=[*found.explanation, ("constraint", reason, 0.0)]
        )

    def _tf(self, column: str, value: object, query: Mapping[str, object]) -> float:
        extra = 1 if query.get(column) is not None else 0
        count = self._counts[column][value] + (1 if query.get(column) == value else 0)
        return count / (self._totals[column] + extra)

    def _others_share(self, other: Mapping[str, object], query: Mapping[str, object]) -> float:
        """The share of the records holding the full name that both ``other`` and ``query``
        hold, with neither one's date of birth (other children's), counted over the store and
        the query as :meth:`_tf` counts."""
        full = _full_name(query)
        if full is None:
            return 0.0
        count = self._full_names[full] + 1
        born = query.get(FULL_NAME_DATE)
        for date in {other[FULL_NAME_DATE], born} - {None}:
            count -= self._full_dated[(*full, date)] + (date == born)
        return count / (self._full_total + 1)

    def _score(self, query: Mapping[str, object], position: int) -> Match:
        model = self._model_now
        other = self._records[position]
        steps = [("prior", "two random records", model.prior_weight)]
        shares = {}  # the term frequency of each exact level the pair reached, by its column
        for comparison in COMPARISONS:
            index = comparison.level_of(query, other)
            level = comparison.levels[index]
            step = model.level_weight(comparison.name, index)
            if level.tf_column:
                tf = shares[level.tf_column] = self._tf(
                    level.tf_column, other[level.tf_column], query
                )
                step += math.log2(model.exact_u(comparison.name)) - math.log2(tf)
            steps.append((comparison.name, level.label, step))
        if all(column in shares for column in FULL_NAME_COLUMNS):
            forename, surname = (shares[column] for column in FULL_NAME_COLUMNS)
            step = float(full_name_weight(forename, surname, self._others_share(other, query)))
            if step < 0:
                steps.append((FULL_NAME, FULL_NAME_LABEL, step))
        total = sum(s[2] for s in steps)
        p = probability(total)
        reason = conflict(query, other, twins=model.keep_twins_apart)
        if reason:
            decision = "no_link"
        elif p >= model.link_threshold:
            decision = "link"
        elif p >= model.review_threshold:
            decision = "review"
        else:
            decision = "no_link"
        explanation = [(name, label, round(w, 3)) for name, label, w in steps]
        if reason:
            explanation.append(("constraint", reason, 0.0))
        return Match(
            self._child_ids[position], str(other["unique_id"]), p, total, decision, explanation
        )


def _full_name(record: Mapping[str, object]) -> tuple[object, ...] | None:
    """A prepared record's forename and surname, or None when either is missing."""
    names = tuple(record.get(column) for column in FULL_NAME_COLUMNS)
    return None if None in names else names
