"""Reads of the audit trail: auditors only, their own area's events, and never what was written.

An auditor sees who did what, when, why and to which child: the time, the user, the event, its
*purpose* (a phrase the server chose from a fixed list: "MASH review of a child in the area")
and its subject, the child named for auditors of the child's area with the internal number
beside it. Nothing else an event carries is shown or exported, because it may be free text
someone typed: the reason for an override, a link decision or a correction, a note, or the
terms of a search (which are mostly children's names). Those stay in the log, covered by its hash
chain, for an investigation run by the operator with the database's own credentials.

Events written before events carried an area are shown to the auditors of the area their
actor works in (today); those of nobody's area (a failed sign-in as an unknown name) to none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from jigsaw.web.access import Actor, audit_area, may_read_audit, may_trace_child_access
from jigsaw.web.audit.models import AuditEvent, EventType
from jigsaw.web.audit.services import audit_record

#: The purpose recorded when an auditor reads who looked at one child (and when they export it).
CHILD_ACCESS_PURPOSE = "auditor: who looked at a child"


def _area_events(actor: Actor) -> QuerySet[AuditEvent]:
    """Every event of the auditor's area (see the module's note on events without an area)."""
    area = audit_area(actor)
    if area is None:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        Q(area_id=area) | Q(area__isnull=True, actor__profile__area_id=area)
    )


def _filtered(
    events: QuerySet[AuditEvent],
    *,
    event_type: str = "",
    actor: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    if event_type:
        events = events.filter(event_type=event_type)
    if actor:
        events = events.filter(actor_label=actor)
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events


def _asked(**filters: Any) -> dict[str, str]:
    """The filters used, as the audit row of a reading stores them (only those given)."""
    return {
        key: value.isoformat() if isinstance(value, dt.date) else str(value)
        for key, value in filters.items()
        if value
    }


def audit_events_for(
    *,
    user,
    subject_type: str = "",
    subject_id: str = "",
    event_type: str = "",
    actor: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    """Return the auditor's area's audit events, newest first (optionally about one subject, of
    one type, by one user, between two dates); the page shows them a page at a time, through
    :func:`audit_rows`.

    Raises
    ------
    PermissionDenied
        Unless the user is an auditor. Reading the audit log is itself audited.
    """
    reader = Actor.of(user)
    if not may_read_audit(reader):
        raise PermissionDenied("only auditors may read the audit log")
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.AUDIT_LOG_VIEWED,
            extra={
                "subject_type": subject_type,
                "subject_id": subject_id,
                # The further filters only when used, so the row says what was asked.
                **_asked(event_type=event_type, actor=actor, since=since, until=until),
            },
        )
        events = _area_events(reader).select_related("actor")
        if subject_type:
            events = events.filter(subject_type=subject_type)
        if subject_id:
            events = events.filter(subject_id=subject_id)
        return _filtered(events, event_type=event_type, actor=actor, since=since, until=until)


@dataclasses.dataclass(frozen=True)
class AuditRow:
    """One event as an auditor sees it: who, when, what, why and to which child; no free text."""

    at: dt.datetime
    who: str
    event: str
    purpose: str
    subject_type: str
    subject_id: str
    child_id: int | None
    child_name: str

    @property
    def event_label(self) -> str:
        return self.event.replace("_", " ")


def _child_of(event: AuditEvent) -> int | None:
    """The child an event is about: its subject, or the child it names (a referral's view)."""
    if event.subject_type == "child" and event.subject_id.isdigit():
        return int(event.subject_id)
    child = event.extra.get("child") if isinstance(event.extra, dict) else None
    return child if isinstance(child, int) and not isinstance(child, bool) else None


def audit_rows(*, user, events, about_child: int | None = None) -> list[AuditRow]:
    """Return ``events`` (one page) as an auditor may see them.

    The purpose is the only part of ``extra`` shown. A child is named only to an auditor of the
    child's area (``may_trace_child_access``); anyone else's child, like a number that names no
    child, is shown by its number alone. ``about_child``: the events are all about this child
    (:func:`child_access_events`), so a list, search, record or concern that concerns it is
    shown against it too.
    """
    from jigsaw.web.children.selectors import child_names

    events = list(events)
    children = {_child_of(event) or about_child for event in events} - {None}
    names = child_names(user=user, child_ids=children) if children else {}
    rows = []
    for event in events:
        child = _child_of(event) or about_child
        purpose = event.extra.get("purpose", "") if isinstance(event.extra, dict) else ""
        rows.append(
            AuditRow(
                at=event.at,
                who=event.actor_label,
                event=event.event_type,
                purpose=purpose if isinstance(purpose, str) else "",
                subject_type=event.subject_type,
                subject_id=event.subject_id,
                child_id=child,
                child_name=str(names[child]) if child in names else "",
            )
        )
    return rows


# --- Who looked at this child and why --------------------------------------------------------


def _names_child(child_id: int) -> Q:
    """Events whose ``extra["children"]`` (a list or search that showed it) holds the child."""
    if connection.vendor == "postgresql":
        return Q(extra__children__contains=[child_id])
    # SQLite has no JSON containment lookup in Django: its json_each does the same.
    return Q(
        id__in=RawSQL(
            "SELECT e.id FROM audit_auditevent e, json_each(e.extra, '$.children') j "
            "WHERE j.value = %s",
            [child_id],
        )
    )


def _about_child(child) -> Q:
    """Every event about the child: the child, its records, links, concerns, contacts,
    referrals and missing episodes, and the lists and searches that showed it."""
    from jigsaw.web.concerns.models import Concern
    from jigsaw.web.referrals.models import Contact, MissingEpisode, Referral

    links = list(child.links.values_list("id", "record_id"))
    records = {record for _, record in links}
    subjects = {
        "child": [child.pk],
        "link": [link for link, _ in links],
        "agencyrecord": sorted(records),
        "concern": list(Concern.objects.filter(record_id__in=records).values_list("id", flat=True)),
        "contact": list(Contact.objects.filter(child=child).values_list("id", flat=True)),
        "referral": list(Referral.objects.filter(child=child).values_list("id", flat=True)),
        "missingepisode": list(
            MissingEpisode.objects.filter(child=child).values_list("id", flat=True)
        ),
    }
    about = Q(extra__child=child.pk) | _names_child(child.pk)
    for kind, ids in subjects.items():
        if ids:
            about |= Q(subject_type=kind, subject_id__in=[str(i) for i in ids])
    return about


@dataclasses.dataclass(frozen=True)
class ChildAccess:
    """One child an auditor traces, and what the filters of its events may choose from."""

    child: Any
    name: str
    users: list[str]
    event_types: list[str]
    about: QuerySet[AuditEvent]


def child_access_for(*, user, child_id: int) -> ChildAccess:
    """Return the child ``user`` traces, with the users and kinds of event in its events.

    Shows nothing by itself: :func:`child_access_events` reads (and audits reading) the events.

    Raises
    ------
    Http404
        For a child that does not exist or lies outside the auditor's area (the same answer), and
        for anyone but an auditor.
    """
    from jigsaw.web.children.models import Child
    from jigsaw.web.children.selectors import child_names

    reader = Actor.of(user)
    child = Child.objects.filter(pk=child_id).first()
    if child is None or not may_trace_child_access(reader, child_area_id=child.area_id):
        raise Http404("no such child in your area")
    about = _area_events(reader).filter(_about_child(child))
    name = child_names(user=user, child_ids=[child.pk]).get(child.pk)
    return ChildAccess(
        child=child,
        name=str(name) if name is not None else "",
        users=sorted(set(about.values_list("actor_label", flat=True))),
        event_types=sorted(set(about.values_list("event_type", flat=True))),
        about=about,
    )


def child_access_events(
    *,
    user,
    access: ChildAccess,
    event_type: str = "",
    actor: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    export: bool = False,
) -> QuerySet[AuditEvent]:
    """Return who did what about the child and why, newest first, filtered; audited as a
    reading of the log, or (``export``) as an export of it, which the caller writes in full, so
    the row says how many events left the application."""
    events = _filtered(
        access.about.select_related("actor"),
        event_type=event_type,
        actor=actor,
        since=since,
        until=until,
    )
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.CHILD_ACCESS_EXPORTED if export else EventType.AUDIT_LOG_VIEWED,
            subject=access.child,
            extra={
                "purpose": CHILD_ACCESS_PURPOSE,
                **_asked(event_type=event_type, actor=actor, since=since, until=until),
                **({"rows": events.count()} if export else {}),
            },
        )
    return events


def audit_chain_verdict(anchors_file=None):
    """Check the whole audit chain against its anchors (and an anchor file, if given).

    Not a view: run by ``jigsaw audit verify`` with the operator's database credentials.
    """
    from jigsaw.web.audit.chain import Anchor, anchor_file_read, verify
    from jigsaw.web.audit.models import AuditAnchor

    anchors = [Anchor(a.seq, a.hash, a.at) for a in AuditAnchor.objects.order_by("seq", "id")]
    if anchors_file is not None and anchors_file.exists():
        anchors += anchor_file_read(anchors_file)
    events = (
        AuditEvent.objects.order_by("seq", "id")
        .only(
            "id",
            "seq",
            "prev_hash",
            "hash",
            "at",
            "actor_id",
            "actor_label",
            "event_type",
            "subject_type",
            "subject_id",
            "extra",
            "area",
        )
        .iterator(chunk_size=2000)
    )
    return verify(events, anchors)
