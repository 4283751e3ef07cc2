"""From scored pairs to children: two thresholds, constraints that keep twins and siblings apart,
and the explanation a reviewer reads.

Splink's connected components would join any two records reachable through links above a
threshold, so one bad link merges two children's whole histories. Here links are added from the
strongest down, and a link is refused when it would put into one child two different valid NHS
numbers, or two records born the same day with different forenames (twins), even through other
records. Refused and uncertain pairs go to review; nothing is merged silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jigsaw.linkage._comparisons import COMPARISONS, FULL_NAME, FULL_NAME_LABEL
from jigsaw.linkage._model import Model

__all__ = [
    "Clusters",
    "cluster",
    "conflict",
    "explain_pair",
    "gamma_to_index",
    "index_to_gamma",
    "same_forename",
]

_FORENAME = next(c for c in COMPARISONS if c.name == "forename")
_DIFFERENT_FORENAME = len(_FORENAME.levels) - 1


def gamma_to_index(comparison: str, gamma: int) -> int:
    """Return the position of a level in its comparison from Splink's comparison vector value.

    Splink numbers levels from the catch-all (0) upwards and the null level -1.

    >>> gamma_to_index("nhs_number", -1), gamma_to_index("nhs_number", 1), gamma_to_index("nhs_number", 0)
    (0, 1, 2)
    """
    levels = next(c for c in COMPARISONS if c.name == comparison).levels
    return 0 if gamma < 0 else len(levels) - 1 - gamma


def index_to_gamma(comparison: str, index: int) -> int:
    """Splink's comparison vector value of the level at ``index``: :func:`gamma_to_index` undone.

    >>> [index_to_gamma("nhs_number", i) for i in (0, 1, 2)]
    [-1, 1, 0]
    """
    levels = next(c for c in COMPARISONS if c.name == comparison).levels
    return -1 if index == 0 else len(levels) - 1 - index


def _distinct_forenames(left: Mapping[str, object], right: Mapping[str, object]) -> bool:
    """Whether two forenames are different names, not slips of one name: the forename
    comparison's catch-all level, different Soundex codes and no nickname group within one slip
    of both. Only equality and overlap tests, so that the rule works on keyed-hash tokens too."""
    if _FORENAME.level_of(left, right) != _DIFFERENT_FORENAME:
        return False
    if left.get("forename_sdx") == right.get("forename_sdx"):
        return False
    # A slip in a nickname ("Ammy" for Amy, of Amelia) keeps it near its group.
    near_left, near_right = left.get("near_groups"), right.get("near_groups")
    if not isinstance(near_left, Iterable) or not isinstance(near_right, Iterable):
        return True  # no nickname group near either name: nothing joins them
    return set(near_left).isdisjoint(near_right)


# Forename levels that say two forenames are one name written two ways. Not a nickname group,
# which can hold two children's names (Ollie: Oliver and Olivia, a boy and a girl twin), nor
# "initial agrees" (Amy and Adam); across two recorded sexes only the same name or one slip of
# it, as sound-alike names can be a boy's and a girl's (John and Joan).
_ONE_NAME = tuple(
    level
    for level in _FORENAME.levels
    if level.label
    in (
        "same forename",
        "one typo",
        "sounds alike (Soundex)",
        "forename is the other's middle name",
        "forename and surname swapped",
    )
)
_TYPO = next(level for level in _ONE_NAME if level.label == "one typo")
_ONE_NAME_EITHER_SEX = tuple(
    level for level in _ONE_NAME if level.label in ("same forename", "one typo")
)


def one_slip(left: object, right: object) -> bool:
    """Whether two names are exactly one typing slip apart (a letter changed, added or dropped,
    or two neighbours swapped), from their :func:`~jigsaw.linkage._prepare.deletions` lists.

    The "one typo" level only asks that the lists share a member, which two names two slips
    apart can (Liv and Ivy, both "iv" with a letter gone): enough to score a pair, not to vouch
    that two records born the same day are not twins. Only equality tests, so it works on
    keyed-hash tokens too.

    >>> from jigsaw.linkage._prepare import deletions
    >>> [one_slip(deletions(a), deletions(b)) for a, b in
    ...  [("zofia", "zoifa"), ("amy", "amie"), ("amy", "my"), ("liv", "ivy"), ("amy", "amy")]]
    [True, False, True, False, False]
    """
    if isinstance(left, str) or isinstance(right, str):
        return False
    if not isinstance(left, Iterable) or not isinstance(right, Iterable):
        return False  # a missing list (None)
    left, right = list(left), list(right)  # a list, or an array read back from Parquet
    if not left or not right or left[0] == right[0]:
        return False
    if len(left) == len(right) + 1:
        return right[0] in left[1:]  # a letter dropped
    if len(right) == len(left) + 1:
        return left[0] in right[1:]  # a letter added
    if len(left) != len(right):
        return False
    a, b = left[1:], right[1:]
    for i in range(len(a)):
        if a[i] == b[i]:
            return True  # the letter at i changed
        if i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i]:
            return True  # the letters at i and i + 1 swapped
    return False


def same_forename(left: Mapping[str, object], right: Mapping[str, object]) -> bool:
    """Whether two records' forenames are one name (the same, one slip (:func:`one_slip`),
    sound-alike, a middle name, swapped with the surname; with two recorded sexes, only the same
    or one slip): the pair's own evidence that they are not twins, whom parents never give one
    name.

    Each level's own test decides, not the first level the pair reaches, so a pair whose
    nickname group also agrees is judged by its other agreements.
    """
    if not left.get("forename") or not right.get("forename"):
        return False
    sexes_differ = bool(left.get("sex") and right.get("sex") and left["sex"] != right["sex"])
    levels = _ONE_NAME_EITHER_SEX if sexes_differ else _ONE_NAME
    return any(
        one_slip(left.get("forename_del"), right.get("forename_del"))
        if level is _TYPO
        else level.test(left, right)
        for level in levels
    )


def _twins(left: Mapping[str, object], right: Mapping[str, object]) -> str | None:
    """The twins test of :func:`conflict` for two records born the same day."""
    if same_forename(left, right):
        # Twins never share a forename, so one name with two recorded sexes is a slip in the sex.
        return None
    if left.get("sex") and right.get("sex") and left["sex"] != right["sex"]:
        return "same date of birth, different sex (twins?)"
    if left.get("forename") and right.get("forename") and _distinct_forenames(left, right):
        return "same date of birth, different forenames (twins?)"
    return None


def conflict(
    left: Mapping[str, object], right: Mapping[str, object], *, twins: bool = True
) -> str | None:
    """Return why two prepared records cannot be one child, or ``None``.

    Two different valid NHS numbers keep two records apart whatever their other identifiers
    say; so does the signature of twins: the same date of birth with clearly different
    forenames, or with different recorded sexes unless the forenames are one name (twins are
    never given one name, so there the sex is the slip).

    >>> from jigsaw.linkage import prepare_record
    >>> a, _ = prepare_record({"record_id": "1", "first_name": "Amy", "dob": "2011-04-03", "sex": "F"})
    >>> conflict(a, prepare_record({**a, "first_name": "Beth", "dob": "2011-04-03"})[0])
    'same date of birth, different forenames (twins?)'
    >>> conflict(a, prepare_record({**a, "first_name": "Amie", "dob": "2011-04-03"})[0]) is None
    True
    >>> conflict(a, a | {"sex": "M"}) is None
    True
    >>> conflict(a, a | {"sex": "M", "forename": None})
    'same date of birth, different sex (twins?)'
    """
    if left.get("nhs_number") and right.get("nhs_number"):
        if left["nhs_number"] != right["nhs_number"]:
            return "different valid NHS numbers"
        return None
    if not (twins and left.get("dob") and left.get("dob") == right.get("dob")):
        return None
    return _twins(left, right)


@dataclass(frozen=True)
class Clusters:
    """The children found: one row per record, and the pairs a person should review."""

    clusters: pd.DataFrame  # record_id, child_id, confidence
    review: (
        pd.DataFrame
    )  # record_id_l, record_id_r, match_probability, match_weight, reason, explanation
    kept_apart: int  # pairs above the link threshold refused by a constraint


def explain_pair(model: Model, row: Mapping[str, Any]) -> list[tuple[str, str, float]]:
    """Return the waterfall of a scored pair: (comparison, level label, weight) per comparison,
    starting with the prior, from Splink's ``gamma_`` and ``mw_`` columns; then the full-name
    step when it weakened the pair."""
    steps = [("prior", "two random records", round(model.prior_weight, 2))]
    for comparison in COMPARISONS:
        index = gamma_to_index(comparison.name, int(row[f"gamma_{comparison.name}"]))
        steps.append(
            (
                comparison.name,
                comparison.levels[index].label,
                round(float(row[f"mw_{comparison.name}"]), 2),
            )
        )
    full_name = float(row.get(f"mw_{FULL_NAME}", 0.0))
    if full_name < 0:
        steps.append((FULL_NAME, FULL_NAME_LABEL, round(full_name, 2)))
    return steps


def waterfall_text(steps: Sequence[tuple[str, str, float]]) -> str:
    """Format a waterfall as one line: ``prior -13.2; forename: same forename +8.1; ...``."""
    return "; ".join(f"{name}: {label} {weight:+.2f}" for name, label, weight in steps)


_DOB = next(c for c in COMPARISONS if c.name == "dob")
_DIFFERENT_DOB = len(_DOB.levels) - 1


def _codes(values: np.ndarray, *, blank: bool) -> np.ndarray:
    """Integer codes of text ``values`` such that equal codes mean equal values (Python ``==``).

    With ``blank``, blank values (``None``, NA or empty text, which the constraints read as
    absent) get -1, so "present on both sides and equal" is a comparison of codes; without,
    ``None`` is a value like any other (``None == None``), as the constraints compare
    ``left.get(c) == right.get(c)``.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=blank)
    codes = codes.astype(np.int64)
    if blank:
        # Empty text is one distinct value at most: found among the distinct values, not per row.
        empty = [k for k, v in enumerate(uniques.tolist()) if isinstance(v, str) and not v]
        if empty:
            codes[codes == empty[0]] = -1
    return codes


class _Records:
    """The fields the constraints read, as integer codes per record position, with the full
    record built only for the few pairs an equality of codes cannot decide."""

    def __init__(self, frame: pd.DataFrame):
        self.columns = {c: frame[c].astype(object).to_numpy() for c in _CONSTRAINT_FIELDS}
        self.nhs = _codes(self.columns["nhs_number"], blank=True)
        self.dob = _codes(self.columns["dob"], blank=True)
        self.sex = _codes(self.columns["sex"], blank=True)
        self.forename = _codes(self.columns["forename"], blank=True)
        self.forename_sdx = _codes(self.columns["forename_sdx"], blank=False)
        # Year and month together: the date-of-birth comparison's "same year and month" level.
        year, month = (_codes(self.columns[c], blank=False) for c in ("dob_year", "dob_month"))
        self.year_month = year * (int(month.max(initial=0)) + 1) + month
        self._built: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.dob)

    def record(self, i: int) -> dict[str, Any]:
        """The record at position ``i`` as the comparisons' Python tests read it."""
        found = self._built.get(i)
        if found is None:
            found = {
                c: None if (v := self.columns[c][i]) is pd.NA else v for c in _CONSTRAINT_FIELDS
            }
            self._built[i] = found
        return found


class _Partition:
    """Union-find over record positions that refuses unions breaking a constraint."""

    def __init__(self, records: _Records, twins: bool):
        self.twins = twins
        self.records = records
        self.parent = list(range(len(records)))
        # The group (connected by the links considered) of every record, set by _link.
        self.components = np.zeros(len(records), dtype=np.int64)
        self.size = [1] * len(records)
        # One NHS number code per child (a child never holds two: that union is refused).
        self.nhs: dict[int, int] = {}
        # Members with a date of birth, the only ones a cross-cluster conflict can involve.
        self.dated: dict[int, list[int]] = {}
        self._dob = records.dob.tolist()
        self._sex = records.sex.tolist()
        self._forename = records.forename.tolist()
        self._forename_sdx = records.forename_sdx.tolist()
        self._year_month = records.year_month.tolist()

    def watch(self, positions: np.ndarray) -> None:
        """Track the NHS numbers and dates of birth of the records at ``positions`` (singletons),
        the only ones :meth:`blocked` will be asked about."""
        nhs, dob = self.records.nhs[positions], self.records.dob[positions]
        self.nhs.update(zip(positions[nhs >= 0].tolist(), nhs[nhs >= 0].tolist(), strict=True))
        self.dated.update({i: [i] for i in positions[dob >= 0].tolist()})

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def roots(self) -> np.ndarray:
        """The root of every record position (what :meth:`find` returns), for all at once."""
        roots = np.asarray(self.parent, dtype=np.int64)
        while True:
            up = roots[roots]
            if np.array_equal(up, roots):
                return roots
            roots = up

    def _one_name(self, i: int, j: int) -> bool:
        """:func:`same_forename` of the records at ``i`` and ``j``, from codes when they decide."""
        forename, sex = self._forename, self._sex
        if forename[i] < 0 or forename[j] < 0:
            return False
        if forename[i] == forename[j]:
            return True
        if self._forename_sdx[i] == self._forename_sdx[j] and not (
            sex[i] >= 0 and sex[j] >= 0 and sex[i] != sex[j]
        ):
            return True  # a sound-alike, with no two sexes recorded
        return same_forename(self.records.record(i), self.records.record(j))

    def _twins_of(self, i: int, j: int) -> str | None:
        """:func:`_twins` of the records at ``i`` and ``j`` (born the same day)."""
        if self._one_name(i, j):
            return None
        sex = self._sex
        if sex[i] >= 0 and sex[j] >= 0 and sex[i] != sex[j]:
            return "same date of birth, different sex (twins?)"
        if self._forename[i] >= 0 and self._forename[j] >= 0:
            return _twins(self.records.record(i), self.records.record(j))
        return None

    def blocked(self, a: int, b: int, i: int, j: int) -> str | None:
        """Why the link between records ``i`` and ``j`` may not join their children (roots ``a``
        and ``b``), or ``None``.

        One valid NHS number and dates of birth within a slip of each other are rules of the
        whole child. The twins test is first the link's own: its two records. When their
        forenames are one name, that pair vouches that they are not twins, and a record of
        either child that another record of the other would call a twin is a slip of that record
        (an OCR-damaged name, a wrong sex), not a twin: twins never share a name. When the link
        does not speak to the forename (missing on one side, an initial), the children's other
        records decide, so a record without a forename cannot join twins through itself.
        """
        nhs_a, nhs_b = self.nhs.get(a), self.nhs.get(b)
        if nhs_a is not None and nhs_b is not None:
            # One valid NHS number on both sides decides: the same child, or two children.
            return None if nhs_a == nhs_b else "different valid NHS numbers"
        dated_a, dated_b = self.dated.get(a), self.dated.get(b)
        if not dated_a or not dated_b:
            return None
        dob = self._dob
        if self.twins:
            if dob[i] >= 0 and dob[i] == dob[j]:
                reason = self._twins_of(i, j)
                if reason:
                    return reason
            if not self._one_name(i, j):
                # The first member pair (in the order of the members) with a reason gives it.
                for x in dated_a:
                    for y in dated_b:
                        if dob[x] == dob[y]:
                            reason = self._twins_of(x, y)
                            if reason:
                                return reason
        # Compatible when some pair's dates of birth are not the comparison's catch-all level:
        # the same date or the same year and month decide from codes, the slips in Python.
        year_month = self._year_month
        for i in dated_a:
            dob_i, year_month_i = dob[i], year_month[i]
            for j in dated_b:
                if dob[j] == dob_i or year_month[j] == year_month_i:
                    return None
        for i in dated_a:
            for j in dated_b:
                if _DOB.level_of(self.records.record(i), self.records.record(j)) != _DIFFERENT_DOB:
                    return None
        # No date of birth on one side is within a recording slip of any on the other: the
        # pattern of two siblings with the same name, met through a record without a date.
        return "different dates of birth within one child"

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


def _distinct(labels: np.ndarray, codes: np.ndarray, among: np.ndarray, groups: int) -> np.ndarray:
    """Number of distinct present codes (>= 0) per group ``labels``, counting positions in ``among``."""
    chosen = among & (codes >= 0)
    width = int(codes.max()) + 1
    # Sorted, then the first of each run: numpy 2's hashing unique is several times slower here.
    keys = np.sort(labels[chosen].astype(np.int64) * width + codes[chosen])
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    return np.bincount(keys // width, minlength=groups)


def _open_to_refusal(records: _Records, labels: np.ndarray, groups: int, twins: bool) -> np.ndarray:
    """Mask of the groups of records (connected by links) where some link could be refused.

    None can be in a group whose records hold at most one NHS number and, among those with a
    date of birth, one date, and (when twins are kept apart) one sex and one forename: every
    pair of members then passes every constraint, so all its links are made, in any order.
    """
    dated = records.dob >= 0
    everyone = np.ones(len(records), dtype=bool)
    open_ = (_distinct(labels, records.nhs, everyone, groups) > 1) | (
        _distinct(labels, records.dob, dated, groups) > 1
    )
    if twins:
        open_ |= _distinct(labels, records.sex, dated, groups) > 1
        open_ |= _distinct(labels, records.forename, dated, groups) > 1
    return open_


def _link(
    records: _Records,
    left: np.ndarray,
    right: np.ndarray,
    probs: np.ndarray,
    model: Model,
    excluded: np.ndarray,
    earlier: tuple[_Partition, np.ndarray, list[str | None]] | None = None,
) -> tuple[_Partition, np.ndarray, list[str | None]]:
    """Add the links from the strongest down (``left``, ``right`` in that order), refusing those
    that break a constraint; pairs touching an ``excluded`` record position are left out.

    Links only interact within a group of records connected by links, so each group is decided
    on its own: on arrays where no link in it could be refused (most children), one link at a
    time in order of strength elsewhere. ``earlier`` is a result of this function with no
    record excluded: a group of it holding no ``excluded`` record has the same links now, so
    its decisions are taken from there.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(records)
    partition = _Partition(records, model.keep_twins_apart)
    linked = np.zeros(len(left), dtype=bool)
    reasons: list[str | None] = [None] * len(left)
    below = np.flatnonzero(probs < model.link_threshold)
    stop = int(below[0]) if len(below) else len(left)
    active = np.flatnonzero(~(excluded[left[:stop]] | excluded[right[:stop]]))
    graph = coo_matrix(
        (np.ones(len(active), dtype=np.int8), (left[active], right[active])), shape=(n, n)
    )
    groups, labels = connected_components(graph, directed=False)
    partition.components = labels
    open_ = _open_to_refusal(records, labels, groups, model.keep_twins_apart)

    # Closed groups: one child each, every link made; the first record is the root.
    closed = ~open_[labels]
    first = np.full(groups, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    parent = np.arange(n)
    parent[closed] = first[labels[closed]]
    sizes = np.bincount(labels, minlength=groups)
    size = np.ones(n, dtype=np.int64)
    size[first[~open_]] = sizes[~open_]
    linked[active[closed[left[active]]]] = True

    # Open groups: in order of strength. Python ints in lists, since each link depends on the
    # ones before and indexing arrays one element at a time costs more than the union-find.
    unsettled = ~closed
    opened = active[unsettled[left[active]]]
    if earlier is not None:
        before, before_linked, before_reasons = earlier
        touched = np.zeros(int(before.components.max(initial=-1)) + 1, dtype=bool)
        touched[before.components[excluded]] = True
        settled = unsettled & ~touched[before.components]
        copied = opened[settled[left[opened]]]
        linked[copied] = before_linked[copied]
        for k in copied.tolist():
            reasons[k] = before_reasons[k]
        members = np.flatnonzero(settled)
        parent[members] = before.roots()[members]
        size[members] = np.asarray(before.size)[members]
        unsettled &= ~settled
        opened = opened[unsettled[left[opened]]]
    partition.parent, partition.size = parent.tolist(), size.tolist()
    partition.watch(np.flatnonzero(unsettled))
    ordered = opened.tolist()
    lefts, rights = left.tolist(), right.tolist()
    parents, find, blocked, union = (
        partition.parent,
        partition.find,
        partition.blocked,
        partition.union,
    )
    done = []
    for k in ordered:
        a, b = lefts[k], rights[k]
        if parents[a] != a:
            a = find(a)
        if parents[b] != b:
            b = find(b)
        if a == b:
            done.append(k)
            continue
        reason = blocked(a, b, lefts[k], rights[k])
        if reason:
            reasons[k] = reason
            continue
        union(a, b)
        done.append(k)
    linked[done] = True
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
) -> np.ndarray:
    """Return a mask of the record positions that sit between two children (see :func:`cluster`)."""
    roots = partition.roots()
    found = np.zeros(len(roots), dtype=bool)
    refused = np.array([r is not None for r in reasons], dtype=bool)
    if not refused.any():
        return found
    best_inside = np.full(len(roots), -np.inf)
    same = roots[left] == roots[right]
    np.maximum.at(best_inside, left[same], weights[same])
    np.maximum.at(best_inside, right[same], weights[same])
    size = np.asarray(partition.size)
    for side in (left, right):
        x = side[refused]
        # Only a record without a date of birth can sit between two children this way; the
        # constraints already decide between records that have one.
        close = (
            (partition.records.dob[x] < 0)
            & (size[roots[x]] > 1)
            & (weights[refused] >= best_inside[x] - _AMBIGUITY_BITS)
        )
        found[x[close]] = True
    return found


def _explanations(model: Model, pairs: pd.DataFrame) -> list[str]:
    """The waterfall text of each pair (:func:`explain_pair` then :func:`waterfall_text`),
    column by column rather than pair by pair."""
    prior = f"prior: two random records {round(model.prior_weight, 2):+.2f}"
    parts: list[list[str]] = []
    for comparison in COMPARISONS:
        gamma = pairs[f"gamma_{comparison.name}"].to_numpy().astype(np.int64)
        index = np.where(gamma < 0, 0, len(comparison.levels) - 1 - gamma)
        labels = [f"{comparison.name}: {level.label} " for level in comparison.levels]
        weights = pairs[f"mw_{comparison.name}"].to_numpy(dtype=float).tolist()
        parts.append(
            [
                labels[i] + f"{round(w, 2):+.2f}"
                for i, w in zip(index.tolist(), weights, strict=True)
            ]
        )
    lines = ["; ".join((prior, *steps)) for steps in zip(*parts, strict=True)] if parts else []
    if f"mw_{FULL_NAME}" not in pairs:
        return lines
    weights = pairs[f"mw_{FULL_NAME}"].to_numpy(dtype=float).tolist()
    return [
        f"{line}; {FULL_NAME}: {FULL_NAME_LABEL} {round(w, 2):+.2f}" if w < 0 else line
        for line, w in zip(lines, weights, strict=True)
    ]


def _strongest_first(
    ids: np.ndarray, pairs: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Sort the pairs by match weight, strongest first, ties by record ids (as text), and give
    the positions of their records among ``ids``.

    Positions come from one hash lookup; ties are broken by each record's rank among the ids
    sorted as fixed-width numpy text, which sorts in C in the order Python compares text. Ids
    numpy would read differently (not all text, or ending in NUL characters, which its
    fixed-width text drops) are sorted by pandas instead.
    """
    position = pd.Index(ids)
    if not position.is_unique:
        # Linking leaves out rows with a repeated id before scoring; a caller that did not
        # hears it here rather than as pandas' reindexing error.
        raise ValueError("the prepared records repeat a record id")
    left = position.get_indexer(pd.Index(pairs["unique_id_l"])).astype(np.int64)
    right = position.get_indexer(pd.Index(pairs["unique_id_r"])).astype(np.int64)
    if (left < 0).any() or (right < 0).any():
        raise ValueError("scored pairs name a record id that is not among the prepared records")
    pairs = pairs.reset_index(drop=True)
    if pd.api.types.infer_dtype(ids, skipna=False) == "string" and not any(
        v.endswith("\0") for v in ids.tolist()
    ):
        rank = np.empty(len(ids), dtype=np.int64)
        rank[np.argsort(ids.astype(str), kind="stable")] = np.arange(len(ids))
        weights = pairs["match_weight"].to_numpy(dtype=float)
        order = np.lexsort((rank[right], rank[left], -weights))
    else:
        order = pairs.sort_values(
            ["match_weight", "unique_id_l", "unique_id_r"],
            ascending=[False, True, True],
            kind="mergesort",
        ).index.to_numpy()
    return pairs.iloc[order].reset_index(drop=True), left[order], right[order]


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

    Notes
    -----
    The links are added one at a time (each depends on the children the earlier ones built),
    over integer codes of the fields the constraints read; everything else is on arrays.
    """
    ids = frame["unique_id"].to_numpy(dtype=object)
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
    if not len(ids):  # every row left out (or none given): no children, not an index error
        empty = pd.DataFrame(
            {
                "record_id": pd.Series(dtype=object),
                "child_id": pd.Series(dtype=object),
                "confidence": pd.Series(dtype=float),
            }
        )
        return Clusters(empty, pd.DataFrame(columns=review_columns), 0)
    records = _Records(frame)
    pairs, left, right = _strongest_first(ids, pairs)
    probs = pairs["match_probability"].to_numpy(dtype=float)
    weights = pairs["match_weight"].to_numpy(dtype=float)
    nothing = np.zeros(len(ids), dtype=bool)
    partition, linked, reasons = _link(records, left, right, probs, model, nothing)
    ambiguous = _ambiguous(partition, left, right, weights, reasons)
    if ambiguous.any():
        # A record as close to a child it cannot join as to the child it joined (a name-only
        # record, with two children of that name) is left alone, for a person to place.
        partition, linked, reasons = _link(
            records, left, right, probs, model, ambiguous, (partition, linked, reasons)
        )
        for k in np.flatnonzero(ambiguous[left] | ambiguous[right]).tolist():
            if probs[k] >= model.link_threshold and not reasons[k]:
                reasons[k] = "record as close to another child"
    kept_apart = sum(r is not None for r in reasons)

    roots = partition.roots()
    _, first_index, inverse = np.unique(roots, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first_index))  # number children by their first record
    child_ids = np.array([f"C{n + 1:06d}" for n in order.tolist()], dtype=object)[inverse]

    confidence = np.ones(len(ids))
    same = roots[left] == roots[right]
    internal = linked & same
    for side in (left, right):
        np.minimum.at(confidence, roots[side[internal]], probs[internal])
        np.minimum.at(confidence, roots[side[~same]], 1 - probs[~same])
    clusters = pd.DataFrame(
        {"record_id": ids, "child_id": child_ids, "confidence": confidence[roots].round(6)}
    )

    review_index = np.flatnonzero((~same) & (probs >= model.review_threshold))
    keep = []
    review_reasons = []
    for k in review_index.tolist():
        reason = reasons[k] or conflict(
            records.record(int(left[k])),
            records.record(int(right[k])),
            twins=model.keep_twins_apart,
        )
        if reason and reason.startswith("same date of birth") and probs[k] < model.link_threshold:
            continue  # twins-like pairs below the link threshold are no link, not work for a person
        keep.append(k)
        review_reasons.append(reason or "between the review and link thresholds")
    chosen = pairs.iloc[keep]
    picked = np.asarray(keep, dtype=np.int64)
    review = pd.DataFrame(
        {
            "record_id_l": chosen["unique_id_l"].to_numpy(dtype=object),
            "record_id_r": chosen["unique_id_r"].to_numpy(dtype=object),
            "child_id_l": child_ids[left[picked]],
            "child_id_r": child_ids[right[picked]],
            # Python's round, as the explanation's weights use: numpy's can differ in the last digit.
            "match_probability": [round(p, 6) for p in probs[picked].tolist()],
            "match_weight": [round(w, 3) for w in weights[picked].tolist()],
            "reason": np.asarray(review_reasons, dtype=object),
            "explanation": np.asarray(_explanations(model, chosen), dtype=object),
        },
        columns=review_columns,
    )
    return Clusters(clusters, review, kept_apart)
