"""Connect children who share entities, weighting each entity by how common it is, into groups.

The rule, in full (the defaults are in :class:`Settings` and argued in docs/methods/groups.md):

1. An entity's **document frequency** ``df`` is the number of children it is mentioned for, and
   its inverse document frequency is ``idf = ln(N / df)`` over the ``N`` children of the file.
   An entity is **distinctive** when ``df <= max_children`` and either ``idf >= min_idf`` (it is
   mentioned for at most 1 in 40 of the children) or ``df <= few_children`` (3: a phone or a
   registration mentioned for three children is strong evidence in a file of any size); a
   school, a chain takeaway or a town's bus station, mentioned for many children, is not, and
   connects no one.
2. Two children **share** a distinctive entity when each has a mention of it and two of those
   mentions are at most ``window_days`` apart. The share counts the lower of the two children's
   specificities (1 for a full identifier, 0.5 for part of a registration or one name, 0.25 for a
   named place), and nothing when both children's mentions of it are of their own family.
3. Two children are **connected** when their shares add up to at least ``strong`` (1: one full
   identifier, or two partial ones) and at least ``PARTIAL`` of it is not named places: a named
   place supports a connection but never makes one. A **group** is a set of children joined by connections,
   with at least two children; its evidence is every entity behind its connections.

Nothing here scores a child or an adult: the only numbers are counts of children per entity and
the sum of shared specificities per pair of children, both reported with their mentions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jigsaw.connect._normalise import NAMED, PARTIAL
from jigsaw.errors import InputError

__all__ = ["Settings", "Connections", "connect"]


@dataclass(frozen=True)
class Settings:
    """The parameters of resolution and connection (see docs/methods/groups.md)."""

    window_days: int = 365
    min_idf: float = math.log(40)
    max_children: int = 25
    few_children: int = 3
    strong: float = 1.0
    person_link: float = 0.95
    person_review: float = 0.5

    def __post_init__(self) -> None:
        if self.window_days < 0:
            raise InputError(f"window_days cannot be negative, not {self.window_days}")
        if self.max_children < 2:
            raise InputError(f"max_children must be at least 2, not {self.max_children}")
        if self.strong <= 0:
            raise InputError(f"strong must be above 0, not {self.strong}")
        if not 0 < self.person_review <= self.person_link < 1:
            raise InputError("person thresholds must satisfy 0 < review <= link < 1")


@dataclass(frozen=True)
class Connections:
    """``pairs``: every pair of children sharing a distinctive entity (``child_l, child_r,
    strength, entities`` (``;``-separated), ``visible`` (the date the pair reached ``strong``, or
    NaT), ``connected``); ``groups``: ``group_id, child_id``; ``evidence``: ``group_id, child_id,
    entity_id, mention_ids``; ``distinctive``: the entity ids that can connect."""

    pairs: pd.DataFrame
    groups: pd.DataFrame
    evidence: pd.DataFrame
    distinctive: list[str]


def _first_together(a: np.ndarray, b: np.ndarray, window: int) -> int | None:
    """Return the earliest day on which both children have a mention within ``window`` days of
    the other's (the later of the two days), or None. ``a`` and ``b`` are sorted day numbers."""
    best: int | None = None
    for day in a.tolist():
        k = int(np.searchsorted(b, day - window, side="left"))
        if k < len(b) and b[k] <= day + window:
            when = max(day, int(b[k]))
            best = when if best is None or when < best else best
            if b[k] <= day:
                break  # later days of a can only be later
    return best


def _direct(mentions: pd.DataFrame, links: pd.DataFrame | None) -> set[tuple[str, str]] | None:
    """Pairs of children with person mentions matched to each other directly (not via a third)."""
    if links is None:
        return None
    child = mentions.set_index("mention_id")["child_id"]
    left = child.reindex(links["mention_l"]).to_numpy()
    right = child.reindex(links["mention_r"]).to_numpy()
    # Links to mentions outside these mentions (one agency's share of a file) are left out.
    return {
        (min(a, b), max(a, b))
        for a, b in zip(left.tolist(), right.tolist(), strict=True)
        if isinstance(a, str) and isinstance(b, str)
    }


def connect(
    mentions: pd.DataFrame, settings: Settings, links: pd.DataFrame | None = None
) -> Connections:
    """Connect the children of resolved mentions (with ``entity_id, specificity, family``).

    ``links`` (person mentions matched directly) limits a person's connections to children whose
    mentions of that person matched each other, so that a chain of near matches ("Kaz Barker",
    "Kaz Parker", "Max Parker") never connects its two ends.
    """
    direct = _direct(mentions, links)
    day = mentions["date"].to_numpy("datetime64[D]").astype(np.int64)
    frame = mentions.assign(_day=day)
    n_children = frame["child_id"].nunique()
    df = frame.groupby("entity_id")["child_id"].nunique()
    idf = np.log(n_children / df) if n_children else df * 0.0
    rare = (idf >= settings.min_idf - 1e-12) | (df <= settings.few_children)
    distinctive = df[(df >= 2) & (df <= settings.max_children) & rare].index
    per = (
        frame[frame["entity_id"].isin(distinctive)]
        .groupby(["entity_id", "child_id"], sort=True)
        .agg(
            spec=("specificity", "max"),
            family=("family", "all"),
            kind=("kind", "first"),
            days=("_day", lambda d: tuple(sorted(d.tolist()))),
        )
        .reset_index()
    )
    shares: dict[tuple[str, str], list[tuple[int, float, str]]] = {}
    entities: list[str] = [str(e) for e in per["entity_id"]]
    children: list[str] = [str(c) for c in per["child_id"]]
    specs: list[float] = [float(v) for v in per["spec"]]
    families: list[bool] = [bool(v) for v in per["family"]]
    kinds: list[str] = [str(v) for v in per["kind"]]
    days: list[np.ndarray] = [np.asarray(v, dtype=np.int64) for v in per["days"]]
    start = 0
    while start < len(entities):
        stop = start
        while stop < len(entities) and entities[stop] == entities[start]:
            stop += 1
        entity = entities[start]
        for i in range(start, stop):
            for j in range(i + 1, stop):
                if families[i] and families[j]:
                    continue  # siblings sharing their own family's people, car or phone
                if (
                    direct is not None
                    and kinds[i] == "person"
                    and (children[i], children[j]) not in direct
                ):
                    continue
                weight = min(specs[i], specs[j])
                if weight <= 0:
                    continue
                when = _first_together(days[i], days[j], settings.window_days)
                if when is None:
                    continue
                shares.setdefault((children[i], children[j]), []).append((when, weight, entity))
        start = stop
    records = []
    for (left, right), items in sorted(shares.items()):
        items.sort()
        total, identifying, visible = 0.0, 0.0, None
        for when, weight, _ in items:
            total += weight
            identifying += weight if weight > NAMED else 0.0
            if (
                visible is None
                and total >= settings.strong - 1e-9
                and identifying >= PARTIAL - 1e-9
            ):
                visible = when
        records.append(
            (
                left,
                right,
                round(total, 4),
                ";".join(sorted({e for _, _, e in items})),
                visible,
                visible is not None,
            )
        )
    pairs = pd.DataFrame(
        records, columns=["child_l", "child_r", "strength", "entities", "visible_day", "connected"]
    )
    pairs["visible"] = pd.to_datetime(pairs["visible_day"].astype("float64"), unit="D")
    pairs = pairs.drop(columns=["visible_day"]).astype({"connected": bool})
    groups, evidence = _groups(pairs[pairs["connected"].astype(bool)], frame)
    return Connections(pairs, groups, evidence, sorted(str(e) for e in distinctive))


def _groups(strong: pd.DataFrame, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for left, right in zip(strong["child_l"].tolist(), strong["child_r"].tolist(), strict=True):
        a, b = find(left), find(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[str, list[str]] = {}
    for child in sorted(parent):
        members.setdefault(find(child), []).append(child)
    # Number groups by the date they became visible, then by their first child.
    visible: dict[str, pd.Timestamp] = {}
    for left, when in zip(strong["child_l"].tolist(), strong["visible"].tolist(), strict=True):
        root = find(left)
        visible[root] = min(visible.get(root, when), when)
    order = sorted(members, key=lambda r: (visible[r], r))
    group_of = {}
    rows = []
    for k, root in enumerate(order, 1):
        gid = f"G{k:04d}"
        for child in members[root]:
            group_of[child] = gid
            rows.append((gid, child))
    groups = pd.DataFrame(rows, columns=["group_id", "child_id"])
    connecting: dict[str, set[str]] = {}
    for left, entities in zip(strong["child_l"].tolist(), strong["entities"].tolist(), strict=True):
        connecting.setdefault(group_of[left], set()).update(entities.split(";"))
    evidence_rows = []
    if len(groups):
        in_groups = frame[frame["child_id"].isin(group_of)]
        for (child_key, entity_key), block in in_groups.groupby(
            ["child_id", "entity_id"], sort=True
        ):
            gid = group_of[str(child_key)]
            if str(entity_key) in connecting[gid]:
                evidence_rows.append(
                    (gid, str(child_key), str(entity_key), ";".join(sorted(block["mention_id"])))
                )
    evidence = pd.DataFrame(
        evidence_rows, columns=["group_id", "child_id", "entity_id", "mention_ids"]
    )
    evidence = evidence.sort_values(
        ["group_id", "child_id", "entity_id"], kind="stable"
    ).reset_index(drop=True)
    return groups, evidence
