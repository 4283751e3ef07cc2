"""Reads of an area's linkage model: the one in use (for matching) and the administrator's page."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from jigsaw.web.linkmodel.models import LinkageModel, LinkageSchedule

if TYPE_CHECKING:
    from jigsaw.linkage import Model

#: How many past trainings the page lists.
HISTORY = 20


def model_in_use(area_id: int) -> Model:
    """Return the linkage model ``area_id`` links with: its active trained model, else the one
    shipped with Jigsaw. One indexed read; ``jigsaw.web.children.matching`` keeps the answer
    until the models change."""
    from jigsaw.linkage import Model
    from jigsaw.web.children.compare import model as shipped

    stored = (
        LinkageModel.objects.filter(area_id=area_id, active=True).values_list("model", "id").first()
    )
    if stored is None:
        return shipped()
    return Model.from_dict(stored[0], source=f"linkage model {stored[1]}")


@dataclasses.dataclass(frozen=True)
class ModelShown:
    """What the administrator's page says about one model, in words."""

    version: str
    trained: bool  # trained on this area's records (else the shipped model)
    trained_at: dt.datetime | None
    trained_on: str
    records: int | None
    records_from: dt.date | None
    records_to: dt.date | None
    link_threshold: float
    review_threshold: float
    lines: tuple[str, ...]  # the training summary, one sentence each
    weights: tuple[tuple[str, str, float], ...]  # (field, level, weight) of the agreeing levels


@dataclasses.dataclass(frozen=True)
class LinkagePage:
    in_use: ModelShown
    in_use_row: LinkageModel | None
    history: tuple[LinkageModel, ...]
    schedule: LinkageSchedule | None
    last: LinkageModel | None  # the latest attempt, made active or not


def summary_lines(summary: dict[str, Any]) -> tuple[str, ...]:
    """The core's training summary (``jigsaw.linkage.fit``) as sentences for people: never a
    rule of Splink's SQL."""
    from jigsaw.linkage import COMPARISONS
    from jigsaw.web.children.compare import FIELD_LABELS

    lines = []
    if summary.get("records") is not None:
        lines.append(f"Learnt from {int(summary['records']):,} records, without labels.")
    sessions = summary.get("em") or []
    for session in sessions:
        state = "settled" if session.get("converged") else "did not settle"
        lines.append(
            f"Estimated on {session.get('pairs', 'pairs of records')}: {state} after "
            f"{int(session.get('iterations', 0))} rounds."
        )
    kept = summary.get("levels_kept_from_start") or []
    for item in kept:
        label = FIELD_LABELS.get(str(item.get("comparison")), str(item.get("comparison")))
        lines.append(
            f"{label}, {item.get('level')}: kept the shipped weight ({item.get('reason')})."
        )
    changes = summary.get("weight_changes") or {}
    moves = [
        (abs(float(shift)), comparison.name, comparison.levels[index].label, float(shift))
        for comparison in COMPARISONS
        for index, shift in enumerate(changes.get(comparison.name) or [])
        if shift is not None
    ]
    if moves:
        _, name, level, shift = max(moves)
        lines.append(
            f"The largest move of a weight from the shipped model: {shift:+.1f} "
            f"(log2 of the odds) for {FIELD_LABELS.get(name, name).lower()}, {level}."
        )
    return tuple(lines)


def model_shown(model: Model, row: LinkageModel | None) -> ModelShown:
    """The model in words: what it is, when and on what it was trained, and its weights."""
    from jigsaw.linkage import COMPARISONS
    from jigsaw.web.children.compare import FIELD_LABELS

    weights = tuple(
        (FIELD_LABELS.get(c.name, c.name), level.label, round(model.level_weight(c.name, i), 2))
        for c in COMPARISONS
        for i, level in enumerate(c.levels)
        if not level.is_null and model.levels[c.name][i] is not None
    )
    return ModelShown(
        version=model.version,
        trained=row is not None,
        trained_at=row.trained_at if row is not None else None,
        trained_on=model.trained_on,
        records=row.records if row is not None else model.trained_records,
        records_from=row.records_from if row is not None else None,
        records_to=row.records_to if row is not None else None,
        link_threshold=model.link_threshold,
        review_threshold=model.review_threshold,
        lines=summary_lines(row.summary) if row is not None else (),
        weights=weights,
    )


def linkage_page(*, area_id: int) -> LinkagePage:
    """The administrator's page of an area's linkage model (the caller checks the role)."""
    row = LinkageModel.objects.filter(area_id=area_id, active=True).first()
    history = tuple(
        LinkageModel.objects.filter(area_id=area_id).select_related("trained_by")[:HISTORY]
    )
    return LinkagePage(
        in_use=model_shown(model_in_use(area_id), row),
        in_use_row=row,
        history=history,
        schedule=LinkageSchedule.objects.filter(area_id=area_id)
        .select_related("requested_by")
        .first(),
        last=history[0] if history else None,
    )
