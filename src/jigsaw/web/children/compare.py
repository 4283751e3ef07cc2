"""Two identities compared as the linkage engine compares them: search and link review.

Both the search for a child and the side-by-side review of a link ask the same question: how
far do two identities agree, field by field? They answer it with the engine's own comparisons
(``jigsaw.linkage.COMPARISONS``: nicknames, one typo, double-barrelled and sound-alike
surnames, swapped day and month, postcode sector and district) and the shipped model's weights,
so that a nickname the intake links on is also a nickname the search finds.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from functools import lru_cache

from jigsaw.linkage import COMPARISONS, Model, prepare_record
from jigsaw.web.children.models import AgencyRecord

# Field labels for people, in the order the review page shows them.
FIELD_LABELS: dict[str, str] = {
    "forename": "First name",
    "surname": "Last name",
    "dob": "Date of birth",
    "sex": "Sex",
    "postcode": "Postcode",
    "nhs_number": "NHS number",
}


@lru_cache(maxsize=1)
def model() -> Model:
    """The shipped linkage model (intake's for an area that has not trained its own:
    ``jigsaw.web.children.matching.model_of`` gives an area's)."""
    return Model.default()


def link_threshold(used: Model | None = None) -> float:
    """The match probability at and above which the engine links records without a person."""
    return (used or model()).link_threshold


def review_threshold(used: Model | None = None) -> float:
    """The match probability at and above which a possible link goes to the MASH."""
    return (used or model()).review_threshold


@dataclasses.dataclass(frozen=True)
class FieldAgreement:
    """One comparison of two identities: the level reached and its weight (log2 odds)."""

    name: str
    label: str
    level: str
    weight: float
    missing: bool

    @property
    def agrees(self) -> bool:
        """Whether this comparison counts for the two being one child."""
        return not self.missing and self.weight > 0


def prepared(mapping: Mapping[str, object]) -> dict[str, object]:
    """A record in the engine's shape, prepared as the engine prepares it."""
    return prepare_record(mapping)[0]


_cache_lock = threading.Lock()
_prepared_records: dict[tuple[object, ...], dict[str, object]] = {}


def prepared_identity(record: AgencyRecord) -> dict[str, object]:
    """A stored record prepared for comparison."""
    from jigsaw.web.children.matching import record_mapping

    return prepared(
        record_mapping(
            record_id=record.record_id,
            agency_kind="",
            first_name=record.first_name,
            last_name=record.last_name,
            dob=record.dob,
            sex=record.sex,
            postcode=record.postcode,
            nhs_number=record.nhs_number,
        )
    )


def prepared_record(record: AgencyRecord) -> dict[str, object]:
    """The stored record prepared for comparison, cached per process.

    Keyed by the identity itself, not the row id: SQLite reuses the id of a row whose insert
    was rolled back, and a cache by id would then answer with another child's identity.
    """
    key = (
        record.record_id,
        record.first_name,
        record.last_name,
        record.dob,
        record.sex,
        record.postcode,
        record.nhs_number,
    )
    with _cache_lock:
        found = _prepared_records.get(key)
    if found is not None:
        return found
    value = prepared_identity(record)
    with _cache_lock:
        if len(_prepared_records) > 200_000:
            _prepared_records.clear()
        _prepared_records[key] = value
    return value


def compare(
    left: Mapping[str, object],
    right: Mapping[str, object],
    *,
    only: tuple[str, ...] = (),
    used: Model | None = None,
) -> list[FieldAgreement]:
    """Compare two prepared identities with every comparison (or those named in ``only``),
    weighed by ``used`` (an area's model in use; the shipped one by default)."""
    weights = used or model()
    out = []
    for comparison in COMPARISONS:
        if only and comparison.name not in only:
            continue
        index = comparison.level_of(left, right)
        level = comparison.levels[index]
        out.append(
            FieldAgreement(
                name=comparison.name,
                label=FIELD_LABELS.get(comparison.name, comparison.name),
                level=level.label,
                weight=round(weights.level_weight(comparison.name, index), 2),
                missing=level.is_null,
            )
        )
    return out


def explain_pair(
    left: Mapping[str, object],
    right: Mapping[str, object],
    *,
    records: int,
    used: Model | None = None,
) -> tuple[float, float, list[tuple[str, str, float]]]:
    """Return ``(match probability, match weight, explanation)`` of two prepared identities
    under the shipped model, its prior scaled to a store of ``records`` records.

    The explanation lists ``(comparison, level, weight)`` from the prior on, as the one-record
    matcher's does; unlike the matcher, exact names are not weighed by how common they are in
    the store, so the probability can differ from the batch's by the name's frequency.
    """
    scaled = (used or model()).for_records(records)
    steps = [("prior", "two random records", round(scaled.prior_weight, 3))]
    steps += [(a.name, a.level, a.weight) for a in compare(left, right, used=used)]
    total = sum(step[2] for step in steps)
    probability = 1.0 if total > 60 else 2.0**total / (1 + 2.0**total)
    return probability, total, steps
