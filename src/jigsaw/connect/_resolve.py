"""Resolve mentions into entities: one entity per person, vehicle, phone, account or place.

Vehicles, phones, accounts and places resolve by their normal form (:mod:`._normalise`); a
partial registration joins the one full registration it fits (as weaker evidence), or stays an
entity of its own when it fits none or several; an address written without its postcode joins
the one address of that street and number that has a postcode. People resolve with Splink
(:mod:`._people`). A mention with nothing readable is an entity of its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jigsaw.connect._normalise import (
    FULL,
    PARTIAL,
    Key,
    normalise_online,
    normalise_phone,
    normalise_place,
    normalise_vehicle,
)
from jigsaw.connect._people import match_people, person_table

__all__ = ["KINDS", "Resolved", "resolve"]

KINDS = ("person", "vehicle", "phone", "online", "place")
_PREFIX = {"person": "P", "vehicle": "V", "phone": "T", "online": "O", "place": "L"}
_NORMALISE = {
    "vehicle": normalise_vehicle,
    "phone": normalise_phone,
    "online": normalise_online,
    "place": normalise_place,
}


@dataclass(frozen=True)
class Resolved:
    """``mentions`` gains ``entity_id``, ``specificity`` and ``family``; ``entities`` has one row
    per entity (``entity_id, kind, label, mentions, children``); ``links`` the person mentions
    matched directly (``mention_l, mention_r``); ``review`` the uncertain person pairs
    (``mention_l, mention_r, probability``), all by mention id."""

    mentions: pd.DataFrame
    entities: pd.DataFrame
    links: pd.DataFrame
    review: pd.DataFrame


def _partials(keys: list[Key]) -> list[str]:
    """Join each partial registration to the one full plate it fits, where there is one."""
    full = sorted({k.key for k in keys if k.specificity == FULL})
    # Every start ("YK1*") and end ("*ABC") of every full plate, with the plates it fits.
    fits: dict[str, set[str]] = {}
    for plate in full:
        for cut in range(1, len(plate)):
            fits.setdefault(f"{plate[:cut]}*", set()).add(plate)
            fits.setdefault(f"*{plate[cut:]}", set()).add(plate)
    out = []
    for k in keys:
        if not k.key.startswith("*") and not k.key.endswith("*"):
            out.append(k.key)
            continue
        found = fits.get(k.key, set())
        out.append(next(iter(found)) if len(found) == 1 else k.key)
    return out


def _addresses(keys: list[Key]) -> list[str]:
    """Join an address without a postcode to the one postcode written for that street and number."""
    postcodes: dict[str, set[str]] = {}
    for k in keys:
        if k.key.startswith("address:"):
            street, postcode = k.key.split("|", 1)
            postcodes.setdefault(street, set())
            if postcode:
                postcodes[street].add(postcode)
    out = []
    for k in keys:
        if k.key.startswith("address:") and k.key.endswith("|"):
            known = postcodes.get(k.key[:-1], set())
            out.append(f"{k.key}{next(iter(known))}" if len(known) == 1 else k.key)
        else:
            out.append(k.key)
    return out


def resolve(
    mentions: pd.DataFrame,
    *,
    person_link: float,
    person_review: float,
    same_people: Sequence[tuple[str, str]] = (),
) -> Resolved:
    """Resolve checked mentions (``mention_id, child_id, agency, date, kind, value``).

    ``same_people``: pairs of person mention ids a person has decided are one adult (an
    uncertain match confirmed at review); each pair is merged and matched directly, as a match
    above ``person_link`` would be. Pairs naming other mentions are ignored.
    """
    frame = mentions.reset_index(drop=True).copy()
    n = len(frame)
    key = np.full(n, "", dtype=object)
    label = np.full(n, "", dtype=object)
    specificity = np.zeros(n)
    family = np.zeros(n, dtype=bool)
    kinds = frame["kind"].to_numpy()
    values = frame["value"].to_numpy()
    review = pd.DataFrame(columns=["mention_l", "mention_r", "probability"])
    links = pd.DataFrame(columns=["mention_l", "mention_r"])
    for kind, normalise in _NORMALISE.items():
        rows = np.flatnonzero(kinds == kind)
        keys = [normalise(str(values[r])) for r in rows]
        joined = (
            _partials(keys)
            if kind == "vehicle"
            else _addresses(keys)
            if kind == "place"
            else [k.key for k in keys]
        )
        ids_of = frame["mention_id"].tolist()
        for r, k, j in zip(rows.tolist(), keys, joined, strict=True):
            # A partial registration or a postcode-less address that joined a full one is still
            # only partial evidence; one that stayed alone keeps its own specificity.
            spec = k.specificity if j == k.key else PARTIAL
            key[r] = f"{kind}|{j}" if j else f"{kind}|mention:{ids_of[r]}"
            label[r] = k.label
            specificity[r] = spec if j else 0.0
            family[r] = k.family
    person_rows = np.flatnonzero(kinds == "person")
    if len(person_rows):
        rows = person_rows
        table = person_table(pd.Series(values[rows], index=rows))
        matched = match_people(table, link=person_link, review=person_review)
        person_of: dict[int, int] = {
            int(r): int(p) for r, p in zip(matched.person.index, matched.person, strict=True)
        }
        decided = _decided_pairs(frame, rows, same_people)
        if decided:
            person_of = _merge_decided(person_of, decided)
        person_labels = [
            _person_label(fore, sur, nick, age)
            for fore, sur, nick, age in zip(
                table["forename"].tolist(),
                table["surname"].tolist(),
                table["nickname"].tolist(),
                table["age"].tolist(),
                strict=True,
            )
        ]
        for r, text, spec, fam in zip(
            rows.tolist(),
            person_labels,
            table["specificity"].tolist(),
            table["family"].tolist(),
            strict=True,
        ):
            key[r] = f"person|{int(person_of[r])}"
            label[r] = text
            specificity[r] = float(spec)
            family[r] = bool(fam)
        ids = frame["mention_id"].to_numpy()
        links = pd.DataFrame(
            {
                "mention_l": np.concatenate(
                    [ids[matched.links["mention_l"].to_numpy(int)], ids[[a for a, _ in decided]]]
                ),
                "mention_r": np.concatenate(
                    [ids[matched.links["mention_r"].to_numpy(int)], ids[[b for _, b in decided]]]
                ),
            }
        )
        review = pd.DataFrame(
            {
                "mention_l": ids[matched.review["mention_l"].to_numpy(int)],
                "mention_r": ids[matched.review["mention_r"].to_numpy(int)],
                "probability": matched.review["probability"].to_numpy(),
            }
        )
    frame["_key"] = key
    frame["_label"] = label
    frame["specificity"] = specificity
    frame["family"] = family
    entities, entity_of = _entities(frame)
    frame["entity_id"] = entity_of
    frame = frame.drop(columns=["_key", "_label"])
    # Only the matches not made are for review; a pair joined through a third mention is merged.
    entity = frame.set_index("mention_id")["entity_id"]
    if len(review):
        apart = (
            entity.reindex(review["mention_l"]).to_numpy()
            != entity.reindex(review["mention_r"]).to_numpy()
        )
        review = review[apart].reset_index(drop=True)
    return Resolved(frame, entities, links, review)


def _decided_pairs(
    frame: pd.DataFrame, person_rows: np.ndarray, same_people: Sequence[tuple[str, str]]
) -> list[tuple[int, int]]:
    """The decided pairs as row numbers of person mentions present in ``frame``."""
    row_of = {str(m): r for r, m in enumerate(frame["mention_id"].tolist())}
    persons = set(person_rows.tolist())
    out = []
    for left, right in same_people:
        a, b = row_of.get(str(left)), row_of.get(str(right))
        if a is not None and b is not None and a in persons and b in persons and a != b:
            out.append((a, b))
    return out


def _merge_decided(person_of: dict[int, int], decided: list[tuple[int, int]]) -> dict[int, int]:
    """Join the people of each decided pair (and everyone already matched to either)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in decided:
        pa, pb = find(int(person_of[a])), find(int(person_of[b]))
        if pa != pb:
            parent[max(pa, pb)] = min(pa, pb)
    return {row: find(int(person)) for row, person in person_of.items()}


def _person_label(forename: object, surname: object, nickname: object, age: object) -> str:
    parts = [name.title() for name in (forename, surname) if isinstance(name, str)]
    if isinstance(nickname, str):
        parts.append(f"'{nickname.title()}'")
    if isinstance(age, int | float) and not pd.isna(age):
        parts.append(f"about {int(age)}")
    return " ".join(parts) or "person (no name)"


def _entities(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Number entities by kind, then by their first mention, and describe each."""
    order = frame.sort_values(["kind", "mention_id"], kind="stable")
    first = order.drop_duplicates("_key")
    kind_rank = {k: i for i, k in enumerate(KINDS)}
    first = first.assign(_rank=first["kind"].map(kind_rank)).sort_values(
        ["_rank", "mention_id"], kind="stable"
    )
    counters: Counter[str] = Counter()
    names = {}
    for k, kind in zip(first["_key"].tolist(), first["kind"].tolist(), strict=True):
        counters[kind] += 1
        names[k] = f"{_PREFIX[kind]}{counters[kind]:06d}"
    entity_of = frame["_key"].map(names).to_numpy()
    grouped = frame.assign(entity_id=entity_of).groupby("entity_id", sort=True)
    # The label most often read (ties: the most specific, then the first), so a reviewer sees the
    # usual form of a name or plate.
    rank = np.empty(len(frame), dtype=np.int64)
    rank[np.argsort(frame["mention_id"].to_numpy(), kind="stable")] = np.arange(len(frame))
    labels = (
        frame.assign(entity_id=entity_of, _order=rank)
        .groupby(["entity_id", "_label"], sort=True)
        .agg(count=("_order", "size"), spec=("specificity", "max"), first=("_order", "min"))
        .reset_index()
        .sort_values(["entity_id", "count", "spec", "first"], ascending=[True, False, False, True])
        .drop_duplicates("entity_id")
        .set_index("entity_id")["_label"]
    )
    entities = pd.DataFrame(
        {
            "entity_id": grouped.size().index,
            "kind": grouped["kind"].first().to_numpy(),
            "label": labels.reindex(grouped.size().index).to_numpy(),
            "mentions": grouped.size().to_numpy(),
            "children": grouped["child_id"].nunique().to_numpy(),
        }
    )
    return entities, entity_of
