"""Writes of an area's linkage model: retrain it on the area's records, set its schedule.

Training is the core's (:func:`jigsaw.linkage.fit`, from the shipped model, with its guards:
too few records, EM that does not settle, a weight that moves too far); this module reads the
area's records from the store, runs it outside any transaction (it takes seconds, and on SQLite
a transaction holds the database's only write lock), and then, in one short transaction, keeps
the result, makes it the area's model in use only if training was accepted, bumps the record
store's ``model_changes`` counter (:func:`jigsaw.web.children.matching.models_changed`) so every
server process scores with it from its next match, and writes the audit row.

Two trainings of one area never run at once: the schedule row's ``running_since`` is claimed
under a row lock before training and cleared after; a claim older than :data:`STALE_AFTER` (a
process that died mid-training) is taken over.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from jigsaw.web.access import Actor, may_manage_linkage_model
from jigsaw.web.accounts.models import Area
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.linkmodel.models import LinkageModel, LinkageSchedule, RetrainEvery

if TYPE_CHECKING:
    import pandas as pd
    from django.contrib.auth.models import User

    from jigsaw.linkage import Model

logger = logging.getLogger(__name__)

#: A training claimed longer ago than this is taken to have died with its process.
STALE_AFTER = dt.timedelta(hours=2)


@dataclasses.dataclass(frozen=True)
class Retrained:
    """What one retraining did: the model kept (``row``, None when it never started), whether it
    is now the area's model in use, and what happened in one plain sentence."""

    row: LinkageModel | None
    accepted: bool
    message: str


def _check(actor: User | None, area: Area) -> None:
    if actor is not None and not may_manage_linkage_model(Actor.of(actor), area_id=area.pk):
        raise PermissionDenied("only the area's administrator manages its linkage model")


def _locked_schedule(area: Area) -> LinkageSchedule:
    """The area's schedule row, made if it has none, locked until the transaction ends."""
    LinkageSchedule.objects.get_or_create(area=area)
    return LinkageSchedule.objects.select_for_update().get(area=area)


def _claim(area: Area, now: dt.datetime) -> dt.datetime | None:
    """Mark the area's training as running; return the running claim's start if another holds
    it (then nothing is marked)."""
    with transaction.atomic():
        schedule = _locked_schedule(area)
        if schedule.running_since is not None and now - schedule.running_since < STALE_AFTER:
            return schedule.running_since
        schedule.running_since = now
        schedule.save(update_fields=["running_since"])
    return None


def _release(area: Area) -> None:
    with transaction.atomic():
        LinkageSchedule.objects.filter(area=area).update(running_since=None)


def _records_of(area: Area) -> tuple[pd.DataFrame, tuple[dt.date | None, dt.date | None]]:
    """The area's records in the linkage engine's shape, and the dates they were stored."""
    import pandas as pd

    from jigsaw.linkage import RECORD_COLUMNS
    from jigsaw.web.children.models import AgencyRecord
    from jigsaw.web.children.services import record_mapping_of

    stored = AgencyRecord.objects.filter(agency__area=area)
    span = stored.aggregate(first=Min("created_at"), last=Max("created_at"))
    frame = pd.DataFrame.from_records(
        [record_mapping_of(r) for r in stored.select_related("agency").order_by("id")],
        columns=list(RECORD_COLUMNS),
    )
    first, last = (timezone.localdate(span[k]) if span[k] else None for k in ("first", "last"))
    return frame, (first, last)


def _json(value: Any) -> Any:
    """``value`` as JSON holds it (numpy's numbers as Python's)."""
    return json.loads(
        json.dumps(value, default=lambda o: o.item() if hasattr(o, "item") else str(o))
    )


def _refusal(summary: dict[str, Any], kept: Model) -> str:
    """Why a training was not made active, in plain English (the core's summary has the rule of
    each EM session too; the page never shows SQL)."""
    from jigsaw.linkage import MIN_RECORDS

    keep = f"The model in use ({kept.version}) is kept."
    records = int(summary.get("records") or 0)
    if records < MIN_RECORDS:
        return (
            f"Not trained: the area holds {records:,} records and training needs at least "
            f"{MIN_RECORDS:,}. {keep}"
        )
    unsettled = [s for s in summary.get("em") or [] if not s.get("converged")]
    if unsettled:
        on = "; ".join(
            f"{s.get('pairs', 'pairs of records')} after {int(s.get('iterations', 0))} rounds"
            for s in unsettled
        )
        return (
            f"Not made active: the estimation of the weights did not settle ({on}), so its "
            f"weights cannot be trusted. {keep}"
        )
    return f"Not made active: training did not give a model. {keep}"


def linkage_retrain(
    *,
    actor: User | None,
    area: Area,
    by_schedule: bool = False,
    max_iterations: int | None = None,
    max_pairs: float | None = None,
    seed: int = 1,
    requested_by: User | None = None,
) -> Retrained:
    """Train the area's linkage model on its records; make it the model in use if accepted.

    ``actor`` is the administrator pressing "Retrain now", or None for the timer; the timer
    running an administrator's queued request names them as ``requested_by``.
    ``max_iterations`` and ``max_pairs`` are the core's (:func:`jigsaw.linkage.fit`); left out,
    the core's limit of iterations and ``settings.JIGSAW_LINKAGE_U_PAIRS`` random pairs.

    Returns
    -------
    Retrained
        Always, refused or not; a refusal keeps the model in use and says why in plain English.

    Raises
    ------
    PermissionDenied
        Unless ``actor`` is None or the area's administrator.
    """
    from jigsaw.linkage import MIN_RECORDS, Model, fit, prepare
    from jigsaw.web.children import matching

    _check(actor, area)
    now = timezone.now()
    running = _claim(area, now)
    if running is not None:
        message = (
            f"A training of this area's model is already running (since "
            f"{timezone.localtime(running):%-d %B %Y %H:%M}); this one was not started."
        )
        with transaction.atomic():
            audit_record(
                actor=actor,
                event_type=EventType.LINKAGE_MODEL_REFUSED,
                subject=area,
                extra={"reason": message, "by_schedule": by_schedule},
            )
        return Retrained(None, False, message)
    try:
        kept = matching.model_of(area.pk)
        frame, (first, last) = _records_of(area)
        shipped: Model = Model.default()
        summary: dict[str, Any]
        fitted_model: Model | None = None
        if len(frame) < MIN_RECORDS:
            # Refused before reading further: the core would refuse too, saying the same.
            summary = {"records": len(frame), "messages": []}
        else:
            prepared = prepare(frame, source=f"{area.name}'s records")
            options: dict[str, Any] = {
                "max_pairs": max_pairs or settings.JIGSAW_LINKAGE_U_PAIRS,
                "seed": seed,
            }
            if max_iterations is not None:
                options["max_iterations"] = max_iterations
            try:
                fitted = fit(
                    prepared.frame, start=shipped, source=f"{area.name}'s records", **options
                )
            except Exception:
                # The server's log has the detail; the page and the audit row say it in words.
                logger.exception("training the linkage model of area %s failed", area.code)
                summary = {"records": len(prepared.frame), "failed": True, "messages": []}
            else:
                summary = _json(fitted.summary)
                fitted_model = fitted.model if fitted.trained else None
        accepted = fitted_model is not None
        if accepted:
            message = (
                f"Trained on {int(summary['records']):,} records and made the model in use "
                f"({fitted_model.version})."  # type: ignore[union-attr]
            )
        elif summary.get("failed"):
            message = (
                "Not trained: training stopped on an internal error (recorded in the server's "
                f"log). The model in use ({kept.version}) is kept."
            )
        else:
            message = _refusal(summary, kept)
        with transaction.atomic():
            schedule = LinkageSchedule.objects.select_for_update().get(area=area)
            row = LinkageModel(
                area=area,
                version=fitted_model.version if fitted_model is not None else "",
                model=_json(fitted_model.to_dict()) if fitted_model is not None else {},
                trained_at=now,
                records=int(summary.get("records") or 0),
                records_from=first,
                records_to=last,
                summary=summary,
                accepted=accepted,
                refusal="" if accepted else message,
                trained_by=actor or requested_by,
                by_schedule=by_schedule,
            )
            if accepted:
                LinkageModel.objects.filter(area=area, active=True).update(active=False)
                row.active = True
                # Every process scores with the new model from its next match.
                matching.models_changed()
            row.full_clean()
            row.save()
            # A training answers any request waiting for the timer: it has just been done.
            schedule.running_since = schedule.requested_at = schedule.requested_by = None
            if schedule.every_days:
                schedule.next_run = now + dt.timedelta(days=schedule.every_days)
            schedule.save(
                update_fields=["running_since", "requested_at", "requested_by", "next_run"]
            )
            audit_record(
                actor=actor,
                event_type=(
                    EventType.LINKAGE_MODEL_TRAINED if accepted else EventType.LINKAGE_MODEL_REFUSED
                ),
                subject=row,
                extra={
                    "version": row.version,
                    "records": row.records,
                    "by_schedule": by_schedule,
                    **({} if accepted else {"reason": message}),
                },
            )
        return Retrained(row, accepted, message)
    finally:
        # Whatever happened, the claim goes (the finishing transaction already cleared it).
        _release(area)


def linkage_retrain_now(*, actor: User, area: Area) -> Retrained:
    """Answer "Retrain now": train while the administrator waits if the area holds at most
    ``settings.JIGSAW_LINKAGE_RETRAIN_NOW_RECORDS`` records, else queue the training for the
    retraining timer (:func:`linkage_retrain_due` runs it first) and say so.

    A page must answer well inside the server's timeout, and training a partnership near a
    million records takes over a minute; a worker killed mid-training would leave the area's
    claim on training for :data:`STALE_AFTER`, with no model and an error page.

    Raises
    ------
    PermissionDenied
        Unless ``actor`` is the area's administrator.
    """
    from jigsaw.web.children.models import AgencyRecord

    _check(actor, area)
    records = AgencyRecord.objects.filter(agency__area=area).count()
    if records <= settings.JIGSAW_LINKAGE_RETRAIN_NOW_RECORDS:
        return linkage_retrain(actor=actor, area=area)
    now = timezone.now()
    with transaction.atomic():
        schedule = _locked_schedule(area)
        schedule.requested_at, schedule.requested_by = now, actor
        schedule.save(update_fields=["requested_at", "requested_by"])
        audit_record(
            actor=actor,
            event_type=EventType.LINKAGE_SCHEDULE_CHANGED,
            subject=area,
            extra={"requested": True, "records": records},
        )
    return Retrained(
        None,
        False,
        f"Queued: the area holds {records:,} records, more than the "
        f"{settings.JIGSAW_LINKAGE_RETRAIN_NOW_RECORDS:,} that can be trained while you wait. "
        "The retraining timer trains it at its next run, and this page then shows the result; "
        "the model in use is kept until then.",
    )


def linkage_schedule_set(*, actor: User, every_days: int | None) -> LinkageSchedule:
    """Set how often the administrator's area retrains its model (None: never on a schedule).

    The next run is that long after the last training, or at the next run of
    ``manage.py linkage_retrain`` if that is past or the area never trained.

    Raises
    ------
    PermissionDenied
        Unless ``actor`` is an area's administrator.
    ValidationError
        If ``every_days`` is not one of :class:`~jigsaw.web.linkmodel.models.RetrainEvery`.
    """
    from jigsaw.web.accounts.selectors import profile_of

    profile = profile_of(actor)
    if profile is None:
        raise PermissionDenied("only the area's administrator manages its linkage model")
    area = profile.area
    _check(actor, area)
    if every_days is not None and every_days not in RetrainEvery.values:
        raise ValidationError({"every_days": "Choose how often to retrain"})
    now = timezone.now()
    with transaction.atomic():
        schedule = _locked_schedule(area)
        before = schedule.every_days
        schedule.every_days = every_days
        if every_days is None:
            schedule.next_run = None
        else:
            last = (
                LinkageModel.objects.filter(area=area)
                .order_by("-trained_at")
                .values_list("trained_at", flat=True)
                .first()
            )
            due = last + dt.timedelta(days=every_days) if last is not None else now
            schedule.next_run = max(due, now)
        schedule.changed_at, schedule.changed_by = now, actor
        schedule.save()
        audit_record(
            actor=actor,
            event_type=EventType.LINKAGE_SCHEDULE_CHANGED,
            subject=area,
            extra={"every_days": every_days, "before": before},
        )
    return schedule


def linkage_retrain_due(
    *,
    now: dt.datetime | None = None,
    area_codes: list[str] | None = None,
    log: Callable[[str], None] = lambda message: None,
    **options: Any,
) -> dict[str, Retrained]:
    """Retrain every area whose schedule is due (``next_run`` at or before ``now``) or whose
    administrator asked for it ("Retrain now" queued, :func:`linkage_retrain_now`); return what
    each did, by area code. Idempotent: a run moves the area's next run on and answers the
    request, so running this again at once trains nothing."""
    now = now or timezone.now()
    due = LinkageSchedule.objects.filter(
        Q(every_days__isnull=False, next_run__lte=now) | Q(requested_at__isnull=False)
    ).select_related("area", "requested_by")
    if area_codes:
        due = due.filter(area__code__in=area_codes)
    done: dict[str, Retrained] = {}
    for schedule in due.order_by("area__code"):
        # requested_by is set and cleared with requested_at: None unless an administrator asked.
        result = linkage_retrain(
            actor=None,
            area=schedule.area,
            by_schedule=schedule.requested_at is None,
            requested_by=schedule.requested_by,
            **options,
        )
        log(f"{schedule.area.code}: {result.message}")
        done[schedule.area.code] = result
    return done


def linkage_model_viewed(*, actor: User, area: Area) -> None:
    """Audit the administrator's reading of the area's linkage model page."""
    _check(actor, area)
    with transaction.atomic():
        audit_record(actor=actor, event_type=EventType.LINKAGE_MODEL_VIEWED, subject=area)
