"""What the MASH sees of groups: the list, one group with its children, entities, mentions,
network and timeline, the review tasks with their clocks, the MACE agenda's groups, and places.

Every predicate is :mod:`jigsaw.web.access`'s; a group outside the viewer's area and a group
that does not exist are both 404; every view of children through a group is audited with its
purpose.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404

from jigsaw.act.clock import TimeLeft, time_left
from jigsaw.disclosure import count_text
from jigsaw.web.access import (
    SPOC_KINDS,
    Actor,
    is_spoc,
    may_check_group,
    may_open_child,
    may_open_group,
    may_see_groups,
    may_see_place_counts,
    place_counts_exact,
    view_purpose,
)
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, Link
from jigsaw.web.groups.charts import network_chart
from jigsaw.web.groups.models import (
    EntityMerge,
    Group,
    GroupTask,
    Mention,
    MentionKind,
    ProposalStatus,
    TaskTo,
)
from jigsaw.web.referrals.clock import now


def mash_child_names(child_ids: list[int]) -> dict[int, str]:
    """Each child's name from their first linked record (the MASH may see every identity)."""
    names: dict[int, str] = {}
    links = (
        Link.objects.filter(child_id__in=child_ids, status__in=ACTIVE_LINK_STATUSES)
        .select_related("record")
        .order_by("created_at", "id")
    )
    for link in links:
        names.setdefault(link.child_id, f"{link.record.first_name} {link.record.last_name}".strip())
    return {c: names.get(c, f"Child {c}") for c in child_ids}


def visible_children(actor: Actor, child_ids: list[int]) -> list[int]:
    """The children of ``child_ids`` that ``actor`` may open (decided by the access rules)."""
    agencies: dict[int, set[int]] = defaultdict(set)
    authors: dict[int, set[int]] = defaultdict(set)
    areas: dict[int, int] = {}
    from jigsaw.web.concerns.models import Concern

    for link in Link.objects.filter(
        child_id__in=child_ids, status__in=ACTIVE_LINK_STATUSES
    ).select_related("record", "child"):
        agencies[link.child_id].add(link.record.agency_id)
        areas[link.child_id] = link.child.area_id
    for child_id, author in Concern.objects.filter(
        record__links__child_id__in=child_ids, record__links__status__in=ACTIVE_LINK_STATUSES
    ).values_list("record__links__child_id", "recorded_by_id"):
        if author is not None:
            authors[child_id].add(author)
    return [
        c
        for c in child_ids
        if c in areas
        and may_open_child(
            actor,
            child_area_id=areas[c],
            record_agency_ids=agencies[c],
            author_ids=authors[c],
        )
    ]


@dataclasses.dataclass(frozen=True)
class GroupRow:
    group: Group
    children: int
    entities: tuple[str, ...]
    task: GroupTask | None
    left: TimeLeft | None


def groups_for(user: Any) -> list[GroupRow]:
    """The area's current groups, those with a review due first (no child is named here)."""
    actor = Actor.of(user)
    area_id = actor.area_id
    if not may_see_groups(actor) or area_id is None:
        return []
    at = now()
    rows = []
    groups = Group.objects.filter(area_id=area_id, current=True).prefetch_related(
        "members", "tasks"
    )
    for group in groups:
        # The MASH's own review sets the order (a police check is the SPOC's clock).
        task = next(
            (t for t in group.tasks.all() if t.done_at is None and t.to == TaskTo.MASH), None
        )
        labels = sorted({f"{r['kind']}: {r['label']}" for r in group.evidence})
        rows.append(
            GroupRow(
                group=group,
                children=len(group.members.all()),
                entities=tuple(labels),
                task=task,
                left=time_left(task.due_at, at) if task else None,
            )
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda r: (r.task is None, r.task.due_at if r.task else far, -r.group.pk))
    return rows


@dataclasses.dataclass(frozen=True)
class MentionRow:
    mention: Mention
    child_name: str
    agency: str


@dataclasses.dataclass(frozen=True)
class EntityRow:
    entity: str
    kind: str
    label: str
    children: int
    mentions: tuple[MentionRow, ...]


@dataclasses.dataclass(frozen=True)
class TimelineRow:
    on: dt.date
    what: str
    agency: str
    how: str


@dataclasses.dataclass(frozen=True)
class GroupView:
    group: Group
    children: tuple[tuple[int, str, tuple[str, ...]], ...]  # id, name, agencies holding mentions
    hidden_children: int
    entities: tuple[EntityRow, ...]
    network: str
    timeline: tuple[TimelineRow, ...]
    merges: tuple[EntityMerge, ...]
    tasks: tuple[tuple[GroupTask, TimeLeft], ...]
    # The police checks the SPOC recorded, newest first, read with the group.
    checks: tuple[GroupTask, ...] = ()


def group_for(*, user: Any, group_id: int) -> GroupView:
    """One group as its area's MASH sees it, audited with the children it shows (404 for a group
    of another area or none)."""
    actor = Actor.of(user)
    group = Group.objects.filter(pk=group_id).first()
    if group is None or not may_open_group(actor, group_area_id=group.area_id):
        raise Http404("no such group")
    members = list(group.members.values_list("child_id", flat=True))
    shown = visible_children(actor, members)
    names = mash_child_names(shown)
    mention_ids = {i for r in group.evidence for i in r["mentions"]}
    mentions = {
        m.pk: m
        for m in Mention.objects.filter(pk__in=mention_ids, child_id__in=shown).select_related(
            "agency"
        )
    }
    entities: dict[str, dict[str, Any]] = {}
    edges = []
    for row in group.evidence:
        if row["child"] not in names:
            continue
        entry = entities.setdefault(
            row["entity"], {"kind": row["kind"], "label": row["label"], "rows": [], "kids": set()}
        )
        entry["kids"].add(row["child"])
        for i in row["mentions"]:
            if i in mentions:
                m = mentions[i]
                entry["rows"].append(MentionRow(m, names[m.child_id], m.agency.name))
        edges.append((row["child"], row["entity"], len(row["mentions"])))
    kind_order = {k: n for n, k in enumerate(MentionKind.values)}
    entity_rows = tuple(
        EntityRow(
            entity=e,
            kind=v["kind"],
            label=v["label"],
            children=len(v["kids"]),
            mentions=tuple(sorted(v["rows"], key=lambda r: (r.mention.known_on, r.mention.pk))),
        )
        for e, v in sorted(
            entities.items(), key=lambda kv: (kind_order.get(kv[1]["kind"], 9), kv[0])
        )
    )
    agencies: dict[int, set[str]] = defaultdict(set)
    for m in mentions.values():
        agencies[m.child_id].add(m.agency.name)
    children = tuple((c, names[c], tuple(sorted(agencies[c]))) for c in shown)
    timeline = tuple(
        TimelineRow(
            on=m.known_on,
            what=f"{names[m.child_id]}: {m.get_kind_display().lower()} {m.entity_label or m.value}",
            agency=m.agency.name,
            how=m.get_how_known_display(),
        )
        for m in sorted(mentions.values(), key=lambda m: (m.known_on, m.pk))
    )
    # Uncertain matches of the people around these children, to decide here (never merged).
    merges = tuple(
        EntityMerge.objects.filter(area_id=group.area_id)
        .filter(Q(left__child_id__in=shown) | Q(right__child_id__in=shown))
        .select_related("left__agency", "right__agency")
        .order_by("-found_at", "-id")
    )
    at = now()
    tasks = tuple((t, time_left(t.due_at, at)) for t in group.tasks.filter(done_at__isnull=True))
    checks = tuple(
        group.tasks.filter(to=TaskTo.SPOC, done_at__isnull=False)
        .select_related("done_by")
        .order_by("-done_at", "-id")
    )
    network = network_chart(
        [(c, names[c]) for c in shown],
        [(e.entity, e.kind, e.label) for e in entity_rows],
        edges,
        title=f"Group {group.pk}: children and what connects them",
        width=460,
    )
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.GROUP_VIEWED,
            subject=group,
            extra={"purpose": view_purpose(actor.role, "group"), "children": shown},
        )
    return GroupView(
        group=group,
        children=children,
        hidden_children=len(members) - len(shown),
        entities=entity_rows,
        network=network,
        timeline=timeline,
        merges=merges,
        tasks=tasks,
        checks=checks,
    )


def group_to_decide(*, user: Any, group_id: int) -> Group:
    actor = Actor.of(user)
    group = Group.objects.filter(pk=group_id).first()
    if group is None or not may_open_group(actor, group_area_id=group.area_id):
        raise Http404("no such group")
    return group


def merge_to_decide(*, user: Any, merge_id: int) -> EntityMerge:
    actor = Actor.of(user)
    merge = EntityMerge.objects.filter(pk=merge_id).first()
    if merge is None or not may_open_group(actor, group_area_id=merge.area_id):
        raise Http404("no such match")
    return merge


@dataclasses.dataclass(frozen=True)
class TaskRow:
    task: GroupTask
    left: TimeLeft


def group_tasks_for(user: Any) -> list[TaskRow]:
    """The open group tasks the user owes, most urgent first (overdue ones are): the MASH's
    reviews for its analysts, the police checks for a designated SPOC; their share of the inbox
    and of its count in the header."""
    actor = Actor.of(user)
    area_id = actor.area_id
    owed = [
        to
        for to, holds in ((TaskTo.MASH, may_see_groups(actor)), (TaskTo.SPOC, is_spoc(actor)))
        if holds
    ]
    if area_id is None or not owed:
        return []
    at = now()
    tasks = GroupTask.objects.filter(
        group__area_id=area_id, to__in=owed, done_at__isnull=True
    ).select_related("group")
    return [TaskRow(t, time_left(t.due_at, at)) for t in tasks.order_by("due_at", "id")]


@dataclasses.dataclass(frozen=True)
class CheckView:
    """A police check as its SPOC sees it: the task, and the group's vehicles and phones with
    every mention of them; a child is named only if the SPOC's own role may open them."""

    task: GroupTask
    left: TimeLeft
    entities: tuple[EntityRow, ...]
    children: int
    named: tuple[tuple[int, str], ...]


def group_check_for(*, user: Any, task_id: int) -> CheckView:
    """One police check for the area's SPOC, audited with the children whose mentions it shows
    (404 for a check of another area, for someone who is not the SPOC, and for none)."""
    actor = Actor.of(user)
    task = (
        GroupTask.objects.filter(pk=task_id, to=TaskTo.SPOC)
        .select_related("group", "done_by")
        .first()
    )
    if task is None or not may_check_group(actor, group_area_id=task.group.area_id):
        raise Http404("no such check")
    rows = [r for r in task.group.evidence if r["kind"] in SPOC_KINDS]
    mention_ids = {i for r in rows for i in r["mentions"]}
    mentions = {
        m.pk: m
        for m in Mention.objects.filter(
            pk__in=mention_ids, area_id=task.group.area_id
        ).select_related("agency")
    }
    children = sorted({m.child_id for m in mentions.values()})
    names = mash_child_names(visible_children(actor, children))
    entities: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = entities.setdefault(
            row["entity"], {"kind": row["kind"], "label": row["label"], "rows": [], "kids": set()}
        )
        entry["kids"].add(row["child"])
        for i in row["mentions"]:
            if i in mentions:
                m = mentions[i]
                name = names.get(m.child_id, "A child you may not open")
                entry["rows"].append(MentionRow(m, name, m.agency.name))
    entity_rows = tuple(
        EntityRow(
            entity=e,
            kind=v["kind"],
            label=v["label"],
            children=len(v["kids"]),
            mentions=tuple(sorted(v["rows"], key=lambda r: (r.mention.known_on, r.mention.pk))),
        )
        for e, v in sorted(entities.items(), key=lambda kv: (kv[1]["kind"], kv[1]["label"]))
    )
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.GROUP_CHECK_VIEWED,
            subject=task.group,
            extra={
                "purpose": view_purpose(actor.role, "group_check"),
                "task": task.pk,
                "children": children,
                "named": sorted(names),
            },
        )
    return CheckView(
        task=task,
        left=time_left(task.due_at, now()),
        entities=entity_rows,
        children=len(task.group.members.all()),
        named=tuple(sorted(names.items())),
    )


def group_check_to_record(*, user: Any, task_id: int) -> GroupTask:
    actor = Actor.of(user)
    task = GroupTask.objects.filter(pk=task_id, to=TaskTo.SPOC).select_related("group").first()
    if task is None or not may_check_group(actor, group_area_id=task.group.area_id):
        raise Http404("no such check")
    return task


@dataclasses.dataclass(frozen=True)
class AgendaGroup:
    group: Group
    children: int
    entities: tuple[str, ...]
    reasons: tuple[str, ...]


def mace_groups(user: Any) -> list[AgendaGroup]:
    """The groups on the MACE panel's agenda: every current group not rejected (no child named)."""
    actor = Actor.of(user)
    area_id = actor.area_id
    if not may_see_groups(actor) or area_id is None:
        return []
    out = []
    for group in (
        Group.objects.filter(area_id=area_id, current=True)
        .exclude(status=ProposalStatus.REJECTED)
        .prefetch_related("members", "tasks")
    ):
        reasons = [group.get_status_display()]
        open_to = {t.to for t in group.tasks.all() if t.done_at is None}
        if TaskTo.MASH in open_to:
            reasons.append("review due")
        if TaskTo.SPOC in open_to:
            reasons.append("police check due")
        out.append(
            AgendaGroup(
                group=group,
                children=len(group.members.all()),
                entities=tuple(sorted({f"{r['kind']}: {r['label']}" for r in group.evidence})),
                reasons=tuple(reasons),
            )
        )
    return out


@dataclasses.dataclass(frozen=True)
class PlaceRow:
    label: str
    children: str
    mentions: int


def places_for(user: Any) -> tuple[list[PlaceRow], bool]:
    """The area's places with how many children each is linked to; outside the MASH, counts
    below the disclosure threshold are suppressed (:mod:`jigsaw.disclosure`). Returns the rows
    and whether the counts are exact."""
    actor = Actor.of(user)
    if actor.area_id is None or not may_see_place_counts(actor, area_id=actor.area_id):
        return [], False
    exact = place_counts_exact(actor)
    children: dict[str, set[int]] = defaultdict(set)
    mentions: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for entity, label, child in (
        Mention.objects.filter(area_id=actor.area_id, kind=MentionKind.PLACE)
        .exclude(entity="")
        .values_list("entity", "entity_label", "child_id")
    ):
        children[entity].add(child)
        mentions[entity] += 1
        labels[entity] = label
    rows = [
        PlaceRow(
            label=labels[e],
            children=str(len(kids)) if exact else count_text(len(kids)),
            mentions=mentions[e],
        )
        for e, kids in sorted(children.items(), key=lambda kv: (-len(kv[1]), labels[kv[0]]))
    ]
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.AGGREGATES_VIEWED,
            extra={"what": "places and linked children", "exact": exact, "places": len(rows)},
        )
    return rows, exact


@dataclasses.dataclass(frozen=True)
class RulesView:
    """The partnership lead's group rules page: the rules in force, the SPOCs and who may be."""

    area: Any
    rules: Any
    spocs: tuple[Any, ...]
    candidates: tuple[tuple[int, str], ...]
    working: str


def group_rules_for(user: Any) -> RulesView:
    """The area's group rules for its partnership lead (PermissionDenied for anyone else)."""
    from django.core.exceptions import PermissionDenied

    from jigsaw.act.clock import Counting, Deadline
    from jigsaw.web.access import may_set_group_rules
    from jigsaw.web.accounts.models import Area, Designation, DesignationKind
    from jigsaw.web.accounts.selectors import spoc_candidates
    from jigsaw.web.groups.services import settings_for
    from jigsaw.web.referrals.services import policy_for

    actor = Actor.of(user)
    if actor.area_id is None or not may_set_group_rules(actor, area_id=actor.area_id):
        raise PermissionDenied("only the partnership lead sets the area's group rules")
    rules = settings_for(actor.area_id)
    calendar = policy_for(actor.area_id).calendar
    spocs = tuple(
        Designation.objects.filter(
            area_id=actor.area_id, kind=DesignationKind.SPOC, ended_at__isnull=True
        ).select_related("user", "agency", "given_by")
    )
    return RulesView(
        area=Area.objects.get(pk=actor.area_id),
        rules=rules,
        spocs=spocs,
        candidates=tuple(spoc_candidates(actor.area_id)),
        working=(
            f"{Deadline(rules.review_days * 24.0, Counting.WORKING_DAYS).describe()} (Monday to "
            f"Friday without bank holidays; a group found after {calendar.closes:%H:%M} counts "
            f"from {calendar.opens:%H:%M} the next working day)"
        ),
    )
