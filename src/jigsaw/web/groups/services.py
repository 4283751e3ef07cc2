"""Recording mentions, connecting an area's children through them, routing and deciding groups.

The connection itself is :func:`jigsaw.connect.find_groups`, called over one area's mentions at a
time (nothing crosses areas); this module only stores what it finds as proposals, keeps a group's
identity from one run to the next by the children it shares, and raises the MASH's review tasks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jigsaw.web.access import (
    SPOC_KINDS,
    Actor,
    may_check_group,
    may_decide_group,
    may_set_group_rules,
)
from jigsaw.web.accounts.models import Area
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children.models import Child
from jigsaw.web.concerns.models import AddendumKind, Concern
from jigsaw.web.groups.forms import MentionInput
from jigsaw.web.groups.models import (
    EntityMerge,
    Group,
    GroupMember,
    GroupSettings,
    GroupTask,
    Mention,
    MentionKind,
    ProposalStatus,
    TaskTo,
)
from jigsaw.web.referrals import notify
from jigsaw.web.referrals.clock import now

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def settings_for(area_id: int) -> GroupSettings:
    """The area's routing rules (its defaults when it has set none)."""
    return GroupSettings.objects.filter(area_id=area_id).first() or GroupSettings(area_id=area_id)


def mentions_record(
    *,
    actor: User | None,
    concern: Concern,
    child: Child,
    mentions: Sequence[MentionInput],
    refresh: bool = True,
) -> list[Mention]:
    """Store the mentions recorded with ``concern`` (inside the caller's transaction) and connect
    the area's children again. Nothing is stored for an empty list."""
    if not mentions:
        return []
    record = concern.record
    at = now()
    stored = []
    for given in mentions:
        if given.kind not in MentionKind.values:
            raise ValidationError({"kind": f"unknown kind of mention {given.kind!r}"})
        if not given.value.strip():
            raise ValidationError({"value": f"a {given.kind} mention needs a value"})
        mention = Mention(
            area_id=child.area_id,
            child=child,
            agency_id=record.agency_id,
            concern=concern,
            kind=given.kind,
            value=given.value.strip(),
            details=given.details,
            how_known=given.how_known,
            known_on=given.known_on or concern.seen_on,
            recorded_by=actor,
            recorded_at=at,
        )
        mention.full_clean()
        stored.append(mention)
    Mention.objects.bulk_create(stored)
    audit_record(
        actor=actor,
        event_type=EventType.MENTIONS_RECORDED,
        subject=concern,
        extra={"child": child.pk, "kinds": sorted({m.kind for m in stored}), "count": len(stored)},
    )
    # Connecting on save takes about 2 s for an area of a few hundred mentions (measured on the
    # demo); a partnership with many more can turn it off and run ``manage.py groups_refresh``.
    if refresh and getattr(settings, "JIGSAW_GROUPS_ON_SAVE", True):
        groups_refresh(area_id=child.area_id, actor=actor)
    return stored


def interview_mentions_record(
    *, actor: User, episode: Any, mentions: Sequence[MentionInput]
) -> list[Mention]:
    """Store the mentions learned in a return home interview (inside the caller's transaction,
    after the interview is recorded) and connect the area's children again."""
    from jigsaw.web.accounts.selectors import profile_of

    profile = profile_of(actor)
    if not mentions or profile is None:
        return []
    day = (episode.completed_at or episode.offered_at or now()).date()
    stored = []
    for given in mentions:
        mention = Mention(
            area_id=episode.child.area_id,
            child_id=episode.child_id,
            agency_id=profile.agency_id,
            episode=episode,
            kind=given.kind,
            value=given.value.strip(),
            details=given.details,
            how_known=given.how_known,
            known_on=given.known_on or day,
            recorded_by=actor,
            recorded_at=now(),
        )
        mention.full_clean()
        stored.append(mention)
    Mention.objects.bulk_create(stored)
    audit_record(
        actor=actor,
        event_type=EventType.MENTIONS_RECORDED,
        subject=episode,
        extra={
            "child": episode.child_id,
            "kinds": sorted({m.kind for m in stored}),
            "count": len(stored),
        },
    )
    if getattr(settings, "JIGSAW_GROUPS_ON_SAVE", True):
        groups_refresh(area_id=episode.child.area_id, actor=actor)
    return stored


def mentions_withdrawn(*, actor: User | None, concern: Concern) -> None:
    """A concern withdrawn as about the wrong child: connect its area again without its
    mentions (they stay stored, as the concern does)."""
    area_id = Mention.objects.filter(concern=concern).values_list("area_id", flat=True).first()
    if area_id is not None:
        groups_refresh(area_id=area_id, actor=actor)


@dataclasses.dataclass(frozen=True)
class Refreshed:
    """What one run over an area's mentions found and did."""

    mentions: int
    groups: int
    new_groups: int
    tasks: int
    merges: int
    seconds: float


def _live_mentions(area_id: int) -> list[Mention]:
    # A concern withdrawn as about the wrong child no longer connects that child to anyone.
    withdrawn = Concern.objects.filter(addenda__kind=AddendumKind.WITHDRAWAL).values("pk")
    return list(
        Mention.objects.filter(area_id=area_id).exclude(concern_id__in=withdrawn).order_by("pk")
    )


def groups_refresh(*, area_id: int, actor: User | None = None) -> Refreshed:
    """Connect the area's children through their mentions with :func:`jigsaw.connect.find_groups`
    and store the groups and uncertain person matches it finds as proposals.

    A found group continues the stored group of the area it shares most children with (so a
    decision and its history stay with it); a stored group no longer found is kept, marked not
    current. A review task with its clock goes to the MASH when a group is new and has reached
    the partnership's size, when it reaches that size, and when a new mention joins it.
    """
    import pandas as pd

    from jigsaw.connect import find_groups

    started = time.perf_counter()
    with transaction.atomic():
        # One run at a time per area: the second waits and then sees the first's groups.
        Area.objects.select_for_update().filter(pk=area_id).first()
        mentions = _live_mentions(area_id)
        by_id = {str(m.pk): m for m in mentions}
        if len(mentions) == 0:
            # Nothing counts any more (every concern with mentions withdrawn): no group stands.
            ended = Group.objects.filter(area_id=area_id, current=True)
            GroupMember.objects.filter(group__in=ended).delete()
            ended.update(current=False, evidence=[], changed_at=now())
            return Refreshed(0, 0, 0, 0, 0, time.perf_counter() - started)
        frame = pd.DataFrame(
            {
                "mention_id": list(by_id),
                "child_id": [str(m.child_id) for m in mentions],
                "agency": [str(m.agency_id) for m in mentions],
                "date": [m.known_on.isoformat() for m in mentions],
                "kind": [m.kind for m in mentions],
                "value": [m.value for m in mentions],
            }
        )
        # Person matches the MASH confirmed are merged; nothing else below the link threshold.
        same = [
            (str(left), str(right))
            for left, right in EntityMerge.objects.filter(
                area_id=area_id, status=ProposalStatus.CONFIRMED
            ).values_list("left_id", "right_id")
        ]
        result = find_groups(frame, same_people=same)
        _entities_store(result, by_id)
        merges = _merges_store(area_id, result.review, by_id)
        found, new_groups, tasks = _groups_store(area_id, result, actor)
    return Refreshed(len(mentions), found, new_groups, tasks, merges, time.perf_counter() - started)


def _entities_store(result: Any, by_id: dict[str, Mention]) -> None:
    labels = dict(zip(result.entities["entity_id"], result.entities["label"], strict=True))
    changed = []
    for mention_id, entity in zip(
        result.mentions["mention_id"], result.mentions["entity_id"], strict=True
    ):
        mention = by_id[str(mention_id)]
        label = str(labels.get(entity, ""))[:200]
        if mention.entity != entity or mention.entity_label != label:
            mention.entity, mention.entity_label = str(entity), label
            changed.append(mention)
    Mention.objects.bulk_update(changed, ["entity", "entity_label"])


def _merges_store(area_id: int, review: Any, by_id: dict[str, Mention]) -> int:
    """Each uncertain person match becomes a merge for the MASH to decide (once per pair)."""
    found = 0
    at = now()
    for left, right, probability in zip(
        review["mention_l"], review["mention_r"], review["probability"], strict=True
    ):
        a, b = sorted((by_id[str(left)], by_id[str(right)]), key=lambda m: m.pk)
        _, created = EntityMerge.objects.get_or_create(
            left=a,
            right=b,
            defaults={"area_id": area_id, "probability": float(probability), "found_at": at},
        )
        found += created
    return found


def _groups_store(area_id: int, result: Any, actor: User | None) -> tuple[int, int, int]:
    at = now()
    rules = settings_for(area_id)
    members: dict[str, set[int]] = {}
    for gid, child in zip(result.groups["group_id"], result.groups["child_id"], strict=True):
        members.setdefault(str(gid), set()).add(int(child))
    evidence: dict[str, list[dict[str, Any]]] = {}
    kinds = dict(zip(result.entities["entity_id"], result.entities["kind"], strict=True))
    labels = dict(zip(result.entities["entity_id"], result.entities["label"], strict=True))
    for gid, child, entity, ids in zip(
        result.evidence["group_id"],
        result.evidence["child_id"],
        result.evidence["entity_id"],
        result.evidence["mention_ids"],
        strict=True,
    ):
        evidence.setdefault(str(gid), []).append(
            {
                "child": int(child),
                "entity": str(entity),
                "kind": str(kinds[entity]),
                "label": str(labels[entity]),
                "mentions": sorted(int(i) for i in str(ids).split(";")),
            }
        )
    visible: dict[int, dt.date] = {}
    pairs = result.pairs[result.pairs["connected"]]
    for left, when in zip(pairs["child_l"], pairs["visible"], strict=True):
        visible[int(left)] = min(visible.get(int(left), when.date()), when.date())
    stored = list(Group.objects.filter(area_id=area_id).prefetch_related("members"))
    children_of = {g.pk: {m.child_id for m in g.members.all()} for g in stored}
    kept: set[int] = set()
    new_groups = tasks = 0
    for gid, children in sorted(members.items()):
        rows = evidence.get(gid, [])
        when = min((visible[c] for c in children if c in visible), default=None)
        best = max(
            (g for g in stored if g.pk not in kept and children_of[g.pk] & children),
            key=lambda g: (len(children_of[g.pk] & children), -g.pk),
            default=None,
        )
        if best is None:
            group = Group.objects.create(
                area_id=area_id, found_at=at, changed_at=at, visible_on=when, evidence=rows
            )
            GroupMember.objects.bulk_create(
                [GroupMember(group=group, child_id=c, joined_at=at) for c in sorted(children)]
            )
            new_groups += 1
            audit_record(
                actor=actor,
                event_type=EventType.GROUP_PROPOSED,
                subject=group,
                extra={"children": sorted(children), "entities": len({r["entity"] for r in rows})},
            )
            if len(children) >= rules.size_threshold:
                tasks += _task_raise(
                    group, f"new group of {len(children)} children", rules, at, actor
                )
                checks = _to_check(rows, set(), set())
                if checks:
                    tasks += _task_raise(group, checks, rules, at, actor, to=TaskTo.SPOC)
            kept.add(group.pk)
            continue
        group = best
        kept.add(group.pk)
        before = children_of[group.pk]
        old_rows = group.evidence
        old_mentions = {i for r in old_rows for i in r["mentions"]}
        new_mentions = {i for r in rows for i in r["mentions"]} - old_mentions
        joined = children - before
        why = []
        if joined:
            GroupMember.objects.bulk_create(
                [GroupMember(group=group, child_id=c, joined_at=at) for c in sorted(joined)]
            )
            why.append(f"{len(joined)} more child{'ren' if len(joined) > 1 else ''} joined")
        left = before - children
        if left:
            GroupMember.objects.filter(group=group, child_id__in=left).delete()
            why.append(f"{len(left)} child{'ren' if len(left) > 1 else ''} no longer connected")
        if new_mentions:
            why.append(f"{len(new_mentions)} new mention{'s' if len(new_mentions) > 1 else ''}")
        reached = len(before) < rules.size_threshold <= len(children)
        if reached:
            why.append(f"reached {rules.size_threshold} children")
        if why or not group.current or group.evidence != rows:
            if group.status == ProposalStatus.REJECTED and joined:
                # A rejection was about the children it named; a new child is a new question.
                group.status = ProposalStatus.PROPOSED
            group.evidence, group.current, group.changed_at = rows, True, at
            group.visible_on = when
            group.save()
        if (new_mentions or joined or reached) and group.status != ProposalStatus.REJECTED:
            tasks += _task_raise(group, "; ".join(why), rules, at, actor)
            # Reaching the size puts the whole evidence in front of the police for the first
            # time; otherwise only what is new to the group is theirs to check.
            checks = (
                _to_check(rows, set(), set())
                if reached
                else _to_check(rows, old_mentions, {r["entity"] for r in old_rows})
            )
            if checks:
                tasks += _task_raise(group, checks, rules, at, actor, to=TaskTo.SPOC)
    live = {int(i) for i in result.mentions["mention_id"]}
    for group in stored:
        if group.pk not in kept and group.current:
            # Kept with its history, but without what no longer counts (a withdrawn concern).
            rows = [
                {**r, "mentions": [i for i in r["mentions"] if i in live]} for r in group.evidence
            ]
            group.evidence = [r for r in rows if r["mentions"]]
            still = {r["child"] for r in group.evidence}
            GroupMember.objects.filter(group=group).exclude(child_id__in=still).delete()
            group.current, group.changed_at = False, at
            group.save(update_fields=["current", "evidence", "changed_at"])
    return len(members), new_groups, tasks


def _to_check(rows: list[dict[str, Any]], old_mentions: set[int], old_entities: set[str]) -> str:
    """What of a group's evidence is the police's to check (its vehicles and phones new to the
    group: a new entity, or a new mention of one), said as the task's reason; "" for nothing."""
    labels = sorted(
        {
            f"{r['kind']} {r['label']}"
            for r in rows
            if r["kind"] in SPOC_KINDS
            and (r["entity"] not in old_entities or set(r["mentions"]) - old_mentions)
        }
    )
    return f"to check: {', '.join(labels)}" if labels else ""


def review_due(area_id: int, rules: GroupSettings, at: dt.datetime) -> dt.datetime:
    """When a group task raised at ``at`` is due: the area's review days counted in working days
    of its response policy's calendar (closed days and bank holidays do not count), as the
    referral clocks count theirs."""
    from jigsaw.act.clock import Counting, Deadline
    from jigsaw.web.referrals.services import policy_for

    deadline = Deadline(rules.review_days * 24.0, Counting.WORKING_DAYS)
    return deadline.due(at, policy_for(area_id).calendar)


def _owed_by(group: Group, to: str) -> list[Any]:
    """Who is told of a group task: the area's MASH analysts, or its designated SPOCs."""
    from jigsaw.web.accounts.models import DesignationKind, Role
    from jigsaw.web.accounts.selectors import designated_users

    if to == TaskTo.SPOC:
        return designated_users(area_id=group.area_id, kind=DesignationKind.SPOC)
    return notify.staff(role=Role.MASH_ANALYST, area_id=group.area_id)


def _task_raise(
    group: Group,
    why: str,
    rules: GroupSettings,
    at: dt.datetime,
    actor: User | None,
    *,
    to: str = TaskTo.MASH,
) -> int:
    """A task for the MASH (a review) or the SPOC (a police check): one open task per group for
    each, its clock from the first reason."""
    task = GroupTask.objects.filter(group=group, to=to, done_at__isnull=True).first()
    if task is not None:
        if why not in task.why.split("; "):  # the same car seen again is one thing to check
            task.why = f"{task.why}; {why}"[:200]
            task.save(update_fields=["why"])
    else:
        task = GroupTask.objects.create(
            group=group,
            to=to,
            why=why[:200],
            raised_at=at,
            due_at=review_due(group.area_id, rules, at),
        )
        if notify.enabled():
            notify.notify(_owed_by(group, to), notify.Item.GROUP_TASK)
    audit_record(
        actor=actor,
        event_type=EventType.GROUP_REVIEW_RAISED,
        subject=group,
        extra={"task": task.pk, "to": to, "why": why, "due": task.due_at.isoformat()},
    )
    return 1


def group_reviews_sweep(*, area_id: int | None = None) -> int:
    """Mark overdue what is late, now: each open group task past its clock is marked overdue once,
    audited, and escalated (the MASH is told of its own reviews and of the SPOC's late checks,
    the SPOCs of theirs). Idempotent; called by the referral clocks' sweep. Returns how many
    tasks became overdue."""
    at = now()
    changed = 0
    late = GroupTask.objects.filter(done_at__isnull=True, overdue_at__isnull=True, due_at__lte=at)
    if area_id is not None:
        late = late.filter(group__area_id=area_id)
    areas = sorted(set(late.values_list("group__area_id", flat=True)))
    if not areas:
        return 0
    with transaction.atomic():
        # The areas first, in order, as groups_refresh takes its area: a refresh (which writes
        # audit rows, then updates tasks) and a sweep (tasks, then audit rows) never hold what the
        # other waits for.
        list(Area.objects.select_for_update().filter(pk__in=areas).order_by("pk"))
        groups: dict[int, Group] = {}
        for task in late.select_for_update().order_by("due_at", "id"):
            task.overdue_at = at
            task.save(update_fields=["overdue_at"])
            if task.group_id not in groups:
                groups[task.group_id] = Group.objects.get(pk=task.group_id)
            group = groups[task.group_id]
            audit_record(
                actor=None,
                event_type=EventType.GROUP_REVIEW_OVERDUE,
                subject=group,
                extra={"task": task.pk, "to": task.to, "due": task.due_at.isoformat()},
            )
            if notify.enabled():
                told = _owed_by(group, task.to)
                if task.to == TaskTo.SPOC:
                    told += _owed_by(group, TaskTo.MASH)
                notify.notify(told, notify.Item.GROUP_OVERDUE)
            changed += 1
    return changed


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for the decision"})
    return reason


def group_decide(*, actor: User, group: Group, decision: str, reason: str) -> Group:
    """Confirm or reject a proposed group, with a reason; closes its open MASH reviews."""
    if not may_decide_group(Actor.of(actor), group_area_id=group.area_id):
        raise PermissionDenied("only the area's MASH decides its groups")
    if decision not in ("confirm", "reject"):
        raise ValidationError({"decision": "Select confirm or reject"})
    reason = _reason(reason)
    at = now()
    with transaction.atomic():
        group.status = (
            ProposalStatus.CONFIRMED if decision == "confirm" else ProposalStatus.REJECTED
        )
        group.decided_by, group.decided_at, group.reason = actor, at, reason
        group.save()
        # The MASH's reviews only: the police check stays the SPOC's to record.
        GroupTask.objects.filter(group=group, to=TaskTo.MASH, done_at__isnull=True).update(
            done_at=at, done_by=actor
        )
        audit_record(
            actor=actor,
            event_type=EventType.GROUP_CONFIRMED
            if decision == "confirm"
            else EventType.GROUP_REJECTED,
            subject=group,
            extra={
                "reason": reason,
                "children": sorted(group.members.values_list("child_id", flat=True)),
            },
        )
    return group


def merge_decide(*, actor: User, merge: EntityMerge, decision: str, reason: str) -> EntityMerge:
    """Decide whether two person mentions are one adult, with a reason (never decided for you)."""
    if not may_decide_group(Actor.of(actor), group_area_id=merge.area_id):
        raise PermissionDenied("only the area's MASH decides person matches")
    if decision not in ("confirm", "reject"):
        raise ValidationError({"decision": "Select the same person or different people"})
    reason = _reason(reason)
    with transaction.atomic():
        merge.status = (
            ProposalStatus.CONFIRMED if decision == "confirm" else ProposalStatus.REJECTED
        )
        merge.decided_by, merge.decided_at, merge.reason = actor, now(), reason
        merge.save()
        audit_record(
            actor=actor,
            event_type=EventType.ENTITY_MERGE_CONFIRMED
            if decision == "confirm"
            else EventType.ENTITY_MERGE_REJECTED,
            subject=merge,
            extra={"reason": reason, "left": merge.left_id, "right": merge.right_id},
        )
        if decision == "confirm":
            # The adult is now one entity: the area's children are connected again through them.
            groups_refresh(area_id=merge.area_id, actor=actor)
    return merge


def group_check_record(*, actor: User, task: GroupTask, note: str) -> GroupTask:
    """The SPOC records the police check of a group's vehicles and phones, with what was checked
    and found; closes the task. Refused without a note, or if already recorded."""
    group = Group.objects.get(pk=task.group_id)
    if task.to != TaskTo.SPOC or not may_check_group(Actor.of(actor), group_area_id=group.area_id):
        raise PermissionDenied("only the area's police single point of contact records checks")
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Say what was checked and what was found"})
    with transaction.atomic():
        task.refresh_from_db(from_queryset=GroupTask.objects.select_for_update())
        if task.done_at is not None:
            raise ValidationError({"note": "This check is already recorded"})
        task.done_at, task.done_by, task.note = now(), actor, note
        task.save(update_fields=["done_at", "done_by", "note"])
        audit_record(
            actor=actor,
            event_type=EventType.GROUP_CHECK_RECORDED,
            subject=group,
            extra={"task": task.pk, "note": note, "late": task.overdue_at is not None},
        )
    return task


def group_settings_set(*, actor: User, size_threshold: int, review_days: int) -> GroupSettings:
    """The partnership lead sets the size at which a group is reviewed and its review days (for
    the tasks raised from now: clocks already running keep their due time); validated by the
    model's bounds, audited with the values before and after."""
    who = Actor.of(actor)
    if who.area_id is None or not may_set_group_rules(who, area_id=who.area_id):
        raise PermissionDenied("only the partnership lead sets the area's group rules")
    with transaction.atomic():
        rules = GroupSettings.objects.select_for_update().filter(
            area_id=who.area_id
        ).first() or GroupSettings(area_id=who.area_id)
        before = {"size_threshold": rules.size_threshold, "review_days": rules.review_days}
        rules.size_threshold, rules.review_days = size_threshold, review_days
        rules.full_clean(exclude=["area"])
        rules.save()
        audit_record(
            actor=actor,
            event_type=EventType.GROUP_SETTINGS_CHANGED,
            subject=rules,
            extra={
                "before": before,
                "after": {"size_threshold": size_threshold, "review_days": review_days},
            },
        )
    return rules
