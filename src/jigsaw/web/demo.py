"""Load a synthetic partnership from the world generator into the web application (demo only).

Bulk writes, not the one-at-a-time services: a partnership of thousands of children is loaded in
seconds, inside one transaction, with one ``demo_loaded`` audit row that says what was loaded.
Records are joined into children by the batch linkage (Splink), as a partnership's first import
would be; concerns and children are graded by the screening engine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction

from jigsaw.screening import Grade
from jigsaw.web.accounts.models import Agency, AgencyKind, Area, Role
from jigsaw.web.accounts.services import (
    agency_create,
    area_create,
    random_password,
    totp_secret_base32,
    user_create,
)
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children import matching
from jigsaw.web.children.models import AgencyRecord, Child, Link, LinkStatus
from jigsaw.web.concerns.grading import concern_mapping
from jigsaw.web.concerns.models import Concern, LawfulBasis

DEMO_ROLES = (
    ("practitioner", Role.PRACTITIONER, AgencyKind.EDUCATION),
    ("health", Role.PRACTITIONER, AgencyKind.HEALTH),
    ("police", Role.PRACTITIONER, AgencyKind.POLICE),
    ("dsl", Role.DSL, AgencyKind.EDUCATION),
    ("mash", Role.MASH_ANALYST, AgencyKind.SOCIAL_CARE),
    ("lead", Role.PARTNERSHIP_LEAD, AgencyKind.SOCIAL_CARE),
    ("auditor", Role.AUDITOR, AgencyKind.SOCIAL_CARE),
    ("admin", Role.ADMINISTRATOR, AgencyKind.SOCIAL_CARE),
)


@dataclasses.dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    agency: str
    password: str
    totp_secret: str


@dataclasses.dataclass(frozen=True)
class DemoSummary:
    area: str
    children: int
    records: int
    records_skipped: int
    concerns: int
    pending_links: int
    graded: dict[str, int]
    users: tuple[DemoUser, ...]
    api_token: str = ""


@dataclasses.dataclass(frozen=True)
class DemoLinkage:
    """How the world's records were joined into children.

    ``clusters``: indexed by ``record_id``, with ``child_id`` (any label shared by the records of
    one child) and optionally ``confidence``; ``review``: the uncertain pairs (``record_id_l``,
    ``record_id_r``, ``match_probability``, ``match_weight``) that wait for the MASH.
    """

    clusters: Any
    review: Any


def splink_linkage(world, log=print) -> DemoLinkage:
    """Join the world's records with the batch linkage (Splink), as a partnership's first import."""
    from jigsaw.linkage import link

    log(f"Linking {len(world.records)} agency records into children (Splink) ...")
    linked = link(world.records.copy())
    return DemoLinkage(clusters=linked.clusters.set_index("record_id"), review=linked.review)


def partnership_load(
    *,
    children: int = 5000,
    seed: int = 2026,
    today: dt.date,
    linkage: Callable[..., DemoLinkage] = splink_linkage,
    with_users: bool = True,
    log=print,
    la: str = "",
) -> DemoSummary:
    """Generate one synthetic partnership ending ``today`` and store it; create one user per role.

    Parameters
    ----------
    children, seed : int
        Size and seed of the synthetic world (one area).
    today : date
        The last day of the two years of concerns; grades are computed for it.
    linkage : callable
        ``linkage(world, log)`` returns the :class:`DemoLinkage` of the world's records; by
        default the batch linkage (:func:`splink_linkage`), as a real first import would.
    with_users : bool
        Also create one demo user per role.
    la : str
        English LA (GSS code) the partnership stands in for, with its real characteristics
        ("" for a synthetic area).

    Returns
    -------
    DemoSummary
        Counts, and the demo users with their passwords and TOTP secrets (to print).
    """
    world = _world(children, seed, today, log, la)
    linked = linkage(world, log)
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic():
        # A bulk load: every process's linkage index is rebuilt from the store.
        matching.store_changed(rebuild=True)
        area, agencies = _area_and_agencies(world)
        stored, skipped = _store_records(world.records, linked.clusters, agencies, now)
        by_record = {r.record_id: r for r in stored}
        child_of = _store_children(stored, linked.clusters, area, now)
        pending = _store_links(stored, by_record, linked, child_of, now)
        log(f"Grading {len(world.concerns)} concerns ...")
        concerns, per_child = _store_concerns(
            world.concerns, by_record, linked.clusters, today, now
        )
        graded = _grade_children(per_child, child_of, today, now)
        # The people, vehicles, phones and places around the children, and the groups they make.
        from jigsaw.web.groups.demo import demo_mentions_store

        connected = demo_mentions_store(world, area, log)
        users = _demo_users(agencies) if with_users else ()
        # The workflow needs the demo's safeguarding lead and MASH analyst to act.
        workflow = _store_workflow(area, agencies, now, log) if with_users else {}
        api_token = _demo_api_token(agencies) if with_users else ""
        # Two years of the agencies' work from the world, so the dashboard has its figures.
        activity = _store_activity(world, area, seed, now) if with_users else {}
        audit_record(
            actor=None,
            event_type=EventType.DEMO_LOADED,
            subject=area,
            extra={
                "children": len(child_of),
                "records": len(stored),
                "concerns": concerns,
                "seed": seed,
                "synthetic": True,
                **workflow,
                **{f"activity_{k}": v for k, v in activity.items()},
                **{f"connect_{k}": v for k, v in connected.items()},
            },
        )
    if with_users:
        # The dashboard's figures are computed now, not at the first view (as the nightly refresh
        # computes them for the days after).
        from jigsaw.web.oversight.dashboard import snapshots_refresh

        snapshots_refresh(today, areas=[area])
    return DemoSummary(
        area=area.name,
        children=len(child_of),
        records=len(stored),
        records_skipped=skipped,
        concerns=concerns,
        pending_links=pending,
        graded=graded,
        users=tuple(users),
        api_token=api_token,
    )


def _world(children: int, seed: int, today: dt.date, log, la: str = ""):
    """The synthetic world of one area, with two years of concerns ending ``today``."""
    from jigsaw.world import generate

    start = (
        today.replace(year=today.year - 2)
        if not (today.month == 2 and today.day == 29)
        else today - dt.timedelta(days=730)
    )
    log(f"Generating a partnership of {children} children, {start} to {today} ...")
    return generate(children=children, areas=1, seed=seed, start=start, years=2, la=la)


def _store_activity(world, area, seed: int, now: dt.datetime) -> dict[str, int]:
    """The world's recorded ethnicity and disability on the children, and two years of the
    agencies' referrals, outcomes, actions and missing episodes (``oversight.activity``)."""
    from django.contrib.auth import get_user_model

    from jigsaw.oversight.partnership import inputs_from_world
    from jigsaw.web.oversight.activity import activity_load, characteristics_load, world_children

    children = world_children(area, world.truth)
    characteristics_load(area, world, children)
    # Each concern as recorded on the day it was seen (not all at once, today), so the figures
    # of the days before today count them.
    stored = list(Concern.objects.filter(record__agency__area=area, recorded_at=now))
    for concern in stored:
        concern.recorded_at = dt.datetime.combine(concern.seen_on, dt.time(12), tzinfo=dt.UTC)
    Concern.objects.bulk_update(stored, ["recorded_at"], batch_size=2000)
    mash = get_user_model().objects.get(username="mash")
    return activity_load(area, inputs_from_world(world, area.code, seed=seed), children, by=mash)


def _area_and_agencies(world) -> tuple[Area, dict[str, Agency]]:
    """The world's area and one agency of every kind in it."""
    area_row = world.areas.iloc[0]
    area = area_create(code=str(area_row["area_code"]), name=f"{area_row['area_name']} (synthetic)")
    agencies = {
        kind.value: agency_create(
            area=area, kind=kind, name=f"{area.name.split(' (')[0]} {kind.label}"
        )
        for kind in AgencyKind
    }
    return area, agencies


def _store_records(records, clusters, agencies, now) -> tuple[list[AgencyRecord], int]:
    """Store every linked record with a usable date of birth; return them and how many were not."""
    from jigsaw.linkage import prepare_record

    rows, skipped = [], 0
    for record in records.to_dict("records"):
        prepared, _ = prepare_record(record)
        record_id = str(record["record_id"])
        if not prepared.get("dob") or record_id not in clusters.index:
            skipped += 1  # an agency record with no usable date of birth cannot be stored here
            continue
        rows.append((record, prepared, record_id))
    stored = AgencyRecord.objects.bulk_create(
        [
            AgencyRecord(
                record_id=record_id,
                agency=agencies[record["agency"]],
                first_name=str(record["first_name"] or "").title()[:80],
                last_name=str(record["last_name"] or "").title()[:80],
                dob=dt.date.fromisoformat(str(prepared["dob"])),
                sex=record["sex"] if record["sex"] in ("F", "M") else "U",
                postcode=str(record["postcode"] or "")[:10],
                # Agencies write NHS numbers with spaces ("448 503 4062"); store the 10 digits
                # the linkage read (cutting the written form at 10 characters lost the last 2).
                nhs_number=str(prepared.get("nhs_number") or ""),
                created_at=now,
            )
            for record, prepared, record_id in rows
        ],
        batch_size=2000,
    )
    return stored, skipped


def _store_children(stored, clusters, area, now) -> dict[str, Child]:
    """One child per cluster of stored records, keyed by the cluster's label."""
    cluster_ids = sorted({str(clusters.at[r.record_id, "child_id"]) for r in stored})
    made = Child.objects.bulk_create(
        [Child(area=area, created_at=now) for _ in cluster_ids], batch_size=2000
    )
    return dict(zip(cluster_ids, made, strict=True))


def _store_links(stored, by_record, linked: DemoLinkage, child_of, now) -> int:
    """Link each record to its cluster's child; return how many uncertain pairs wait for the MASH.

    The first record of a child starts it (``new``), the others join it (``auto``); pairs the
    batch was unsure about become pending links: never merged.
    """
    from jigsaw.web.children import compare

    clusters = linked.clusters
    links: list[Link] = []
    earlier: dict[str, list[dict[str, object]]] = {}
    for r in stored:
        cluster = str(clusters.at[r.record_id, "child_id"])
        status = LinkStatus.AUTO if cluster in earlier else LinkStatus.NEW
        mine = compare.prepared_identity(r)
        # A link's confidence is the probability that this record and the child's record it
        # agrees with best are one child. (The batch's cluster "confidence" is something else:
        # it also falls with the closest record of another child, so stored as a link's
        # probability it showed some automatic links as 0.0%.)
        best = max(
            (
                compare.explain_pair(mine, other, records=len(stored))
                for other in earlier.get(cluster, [])
            ),
            key=lambda found: found[1],
            default=None,
        )
        earlier.setdefault(cluster, []).append(mine)
        links.append(
            Link(
                record=r,
                child=child_of[cluster],
                status=status,
                match_probability=None if best is None else best[0],
                match_weight=None if best is None else round(best[1], 3),
                explanation={} if best is None else {"detail": best[2]},
                created_at=now,
            )
        )
    asked = set()
    for pair in linked.review.to_dict("records"):
        record, other = (
            by_record.get(str(pair["record_id_r"])),
            by_record.get(str(pair["record_id_l"])),
        )
        if record is None or other is None:
            continue
        target = str(clusters.at[other.record_id, "child_id"])
        if target == str(clusters.at[record.record_id, "child_id"]) or (record.pk, target) in asked:
            continue
        asked.add((record.pk, target))
        links.append(
            Link(
                record=record,
                child=child_of[target],
                status=LinkStatus.PENDING,
                match_probability=float(pair["match_probability"]),
                match_weight=float(pair["match_weight"]),
                # Why the batch did not link them: most such pairs score high but a rule keeps
                # them apart (different NHS numbers, twins), and the page must say so.
                explanation={
                    "reason": str(pair.get("reason") or ""),
                    "waterfall": str(pair.get("explanation") or ""),
                },
                created_at=now,
            )
        )
    Link.objects.bulk_create(links, batch_size=2000)
    return len(asked)


def _store_concerns(world_concerns, by_record, clusters, today, now):
    """Store and grade every concern on a stored record; return how many, and each child's
    concerns (as the engine reads them) by cluster."""
    import pandas as pd

    from jigsaw.screening import grade_concern

    concerns, per_child = [], {}
    for c in world_concerns.to_dict("records"):
        record = by_record.get(str(c["record_id"]))
        if record is None:
            continue
        seen = pd.Timestamp(c["date"]).date()
        if seen > today or seen < record.dob:
            continue
        mapping = concern_mapping(
            agency=c["agency"],
            seen_on=seen,
            indicators=[i for i in str(c["indicators"]).split(";") if i],
        )
        grade = grade_concern(record.dob, mapping, today)
        concerns.append(
            Concern(
                record=record,
                recorded_at=now,
                seen_on=seen,
                indicators=mapping["indicators"],
                note=str(c.get("note") or ""),
                lawful_basis=LawfulBasis.SAFEGUARDING_PUBLIC_TASK,
                grade_level=grade.level,
                grade_reasons=grade.as_dict(),
                catalogue_version=str(grade.catalogue_version),
                source_ref=str(c["concern_id"]),
            )
        )
        cluster = str(clusters.at[record.record_id, "child_id"])
        per_child.setdefault(cluster, []).append((record, mapping))
    Concern.objects.bulk_create(concerns, batch_size=2000)
    return len(concerns), per_child


def _grade_children(per_child, child_of, today, now) -> dict[str, int]:
    """Grade every child with concerns; return how many children have each grade."""
    from jigsaw.screening import grade_child

    graded = {grade.value: 0 for grade in Grade}
    for cluster, items in per_child.items():
        child = child_of[cluster]
        grade = grade_child(items[0][0].dob, [m for _, m in items], today)
        child.grade_level = grade.level
        child.grade_reasons = grade.as_dict()
        child.catalogue_version = str(grade.catalogue_version)
        child.graded_at = now
        graded[grade.level] += 1
    Child.objects.bulk_update(
        [child_of[c] for c in per_child],
        ["grade_level", "grade_reasons", "catalogue_version", "graded_at"],
        batch_size=1000,
    )
    return graded


def demo_user_create(
    *, username: str, password: str, role: Role | str, agency: Agency
) -> tuple[Any, Any]:
    """Create a demo (or test) user with a known password and a confirmed authenticator.

    Demo only: the one place a password is chosen for someone else and a TOTP secret is read
    back, so that `jigsaw demo` can print working users. The web application never calls it;
    its administrators invite users, who set their own (``accounts.services.user_invite``).
    """
    return user_create(
        username=username,
        password=password,
        role=role,
        agency=agency,
        validate=False,
        with_totp=True,
    )


def _demo_api_token(agencies) -> str:
    """One API token for the school's safeguarding system: submit concerns and read their status."""
    from jigsaw.web.api.services import token_create

    return token_create(
        actor=None,
        agency=agencies[AgencyKind.EDUCATION.value],
        name="School safeguarding system (demo)",
        scopes=["concerns:submit", "concerns:read"],
    ).token


#: The demo account the partnership has named its police single point of contact for groups.
DEMO_SPOC = "police"


def _demo_users(agencies) -> list[DemoUser]:
    """One user per role, each with a random password and a confirmed authenticator; the police
    practitioner is also the partnership's single point of contact (SPOC) for groups."""
    from jigsaw.web.accounts.services import spoc_designate

    users = []
    for username, role, kind in DEMO_ROLES:
        password = random_password()
        user, device = demo_user_create(
            username=username, password=password, role=role, agency=agencies[kind.value]
        )
        label = Role(role).label
        if username == DEMO_SPOC:
            # Designated at set-up (no partnership lead acted), as the lead would on the rules page.
            spoc_designate(actor=None, user_id=user.pk)
            label = f"{label} and police SPOC for groups"
        users.append(
            DemoUser(
                username,
                label,
                agencies[kind.value].name,
                password,
                totp_secret_base32(device),
            )
        )
    return users


def _store_workflow(area, agencies, now: dt.datetime, log=print) -> dict[str, int]:
    """Contacts on the safeguarding lead's queue and referrals in every state of the workflow
    (some breached), with a strategy discussion, actions, outcomes and missing episodes.

    Made through the workflow's own services, one at a time, on a clock set back to when each
    step happened, so every row and audit event is what real use would have written.
    """
    from django.contrib.auth import get_user_model

    from jigsaw.act.clock import TestClock
    from jigsaw.web.children.models import ACTIVE_LINK_STATUSES
    from jigsaw.web.referrals import services
    from jigsaw.web.referrals.clock import clock_use
    from jigsaw.web.referrals.models import Contact, Referral

    users = get_user_model().objects
    dsl, mash = users.get(username="dsl"), users.get(username="mash")
    school = agencies[AgencyKind.EDUCATION.value]
    clock = TestClock(now)
    previous = clock_use(clock)
    day, hour = dt.timedelta(days=1), dt.timedelta(hours=1)
    log("Carrying demo referrals through the workflow ...")
    try:
        known = Child.objects.filter(
            area=area, links__record__agency=school, links__status__in=ACTIVE_LINK_STATUSES
        ).distinct()
        # The most worrying children known to the school first.
        children: list[Child] = []
        for grade in sorted(Grade, reverse=True):
            children += list(
                known.filter(grade_level=grade.value).order_by("pk")[: 10 - len(children)]
            )
        if len(children) < 10:
            return {"referrals": 0, "contacts": 0}

        def at(when: dt.datetime) -> None:
            clock.set(when)

        def refer(child, when, why):
            at(when)
            return services.referral_create(actor=dsl, child=child, source="dsl", reason=why)

        def decide(referral, when, decision, due):
            at(when)
            services.referral_rate(actor=mash, referral=referral, rag="amber")
            return services.referral_decide(
                actor=mash,
                referral=referral,
                decision=decision,
                reason="Agreed at the MASH daily meeting.",
                outcome_due=due.date(),
            )

        # 0-2: open; one within its time, two breached (one Red overnight, one Amber for days).
        refer(children[0], now - 2 * hour, "New concerns from school this morning.")
        red = refer(children[1], now - 6 * hour, "Seen getting into cars after school.")
        services.referral_rate(actor=mash, referral=red, rag="red")
        amber = refer(children[2], now - 5 * day, "Gifts, a new phone and missing lessons.")
        services.referral_rate(actor=mash, referral=amber, rag="amber")
        # 3: decided (assessment) with one action open and one overdue (escalated by the sweep).
        assessed = decide(
            refer(children[3], now - 4 * day, "Older boyfriend."),
            now - 3 * day,
            "assessment_s17",
            now + 10 * day,
        )
        for title, due in (("Home visit", now + 3 * day), ("School attendance review", now - day)):
            services.action_create(
                actor=mash, referral=assessed, title=title, owner_agency=school, due_at=due
            )
        # 4: strategy discussion with actions, one done.
        s47 = decide(
            refer(children[4], now - 3 * day, "Found with older males at night."),
            now - 3 * day + 2 * hour,
            "strategy_s47",
            now + 14 * day,
        )
        at(now - 2 * day)
        services.strategy_record(
            actor=mash,
            referral=s47,
            held_at=now - 2 * day,
            mode="meeting",
            chair="MASH manager",
            attendees=f"{agencies['police'].name} | detective sergeant | DS Demo\n"
            f"{school.name} | safeguarding lead | dsl",
            information_shared=f"{agencies['police'].name} | seen in a car at night",
            section_47=True,
            criminal_investigation=True,
            seen_alone="planned",
            decisions="Section 47 enquiry; disruption of the adults involved.",
            child_voice="Says the older males are her friends and she wants to keep seeing them.",
            next_review_on=(now + 5 * day).date(),
            actions=f"Disruption visit | {agencies['police'].name} | {(now + day).date()}\n"
            f"Speak with her alone | {school.name} | {(now - day).date()}",
        )
        done = s47.actions.get(title="Speak with her alone")
        at(now - day - 3 * hour)
        services.action_complete(
            actor=dsl, action=done, evidence="Seen alone with the school nurse."
        )
        # 5-6: outcomes under review; one review overdue.
        for child, months_ago, outcome in (
            (children[5], 1, "at_risk_of_cse"),
            (children[6], 4, "victim_of_cse"),
        ):
            start = now - dt.timedelta(days=30 * months_ago + 10)
            referral = decide(
                refer(child, start, "Concerns from several agencies."),
                start + hour,
                "strategy_s47",
                start + 10 * day,
            )
            at(start + 9 * day)
            services.outcome_record(
                actor=mash, referral=referral, outcome=outcome, outcome_on=(start + 9 * day).date()
            )
        # 7-8: closed with their outcomes.
        for child, outcome, decision, why in (
            (children[7], "no_concern", "no_further_action", "Explained by a family bereavement."),
            (children[8], "other_need", "early_help", "Early help family support in place."),
        ):
            referral = decide(
                refer(child, now - 20 * day, "School concern."),
                now - 19 * day,
                decision,
                now - 10 * day,
            )
            at(now - 12 * day)
            services.outcome_record(
                actor=mash,
                referral=referral,
                outcome=outcome,
                outcome_on=(now - 12 * day).date(),
                close_reason=why,
            )
        # 9: decided, its outcome date passed: breached.
        decide(
            refer(children[9], now - 9 * day, "Absent and secretive."),
            now - 8 * day,
            "information_and_advice",
            now - 2 * day,
        )
        # Missing episodes: one interview completed in time, one overdue.
        at(now - 6 * day)
        first = services.missing_record(
            actor=mash,
            child=children[4],
            kind="missing",
            started_at=now - 7 * day,
            ended_at=now - 6 * day,
            found_where="A flat above a takeaway",
        )
        at(now - 5 * day)
        services.return_interview_record(
            actor=mash,
            episode=first,
            offered_at=now - 6 * day + 4 * hour,
            response="accepted",
            completed_at=now - 5 * day,
            learned="Taken there by an older man she met online.",
            child_voice="I don't want to go back there.",
        )
        at(now - 4 * day)
        services.missing_record(
            actor=mash,
            child=children[6],
            kind="missing",
            started_at=now - 5 * day,
            ended_at=now - 4 * day,
            found_where="Railway station",
        )
        at(now)
        services.clocks_sweep(area_id=area.pk)
        # Last week's MACE panel discussed the children under review.
        at(now - 7 * day)
        reviewed = Referral.objects.filter(area=area, state="reviewing").order_by("pk")
        services.mace_meeting_record(
            actor=mash,
            held_on=(now - 7 * day).date(),
            chair="Detective Chief Inspector, chair",
            attendees=f"{agencies['police'].name} | detective chief inspector | DCI Demo\n"
            f"{school.name} | safeguarding lead | dsl\n"
            f"{agencies['social_care'].name} | MASH manager | mash",
            items=[
                services.MaceItemInput(
                    referral=r,
                    reasons=("review due",),
                    risk="red",
                    discussion="Reviewed the safety plan and what each agency has seen since.",
                    plan="Keep the safety plan; police disruption; review at the next panel.",
                    victim="Known to school and health",
                    offender="Older males, not yet identified",
                    location="Town centre and the retail park",
                    themes="Gifts, lifts in cars, going missing",
                )
                for r in reviewed
            ],
        )
        at(now)
        # The safeguarding lead's queue: the school's latest concerns as new contacts.
        latest = Concern.objects.filter(record__agency=school, contact__isnull=True).order_by(
            "-seen_on", "-pk"
        )[:5]
        contacts = 0
        for offset, concern in enumerate(latest):
            link = concern.record.links.filter(status__in=ACTIVE_LINK_STATUSES).first()
            if link is None:
                continue
            received = now - (offset * 7) * hour
            with transaction.atomic():
                contact = Contact.objects.create(
                    concern=concern,
                    agency=school,
                    child=link.child,
                    received_at=received,
                    decision_due=services.policy_for(area).decision_due(received),
                )
                # As saving a concern writes it (services.after_concern): every contact audited.
                audit_record(
                    actor=concern.recorded_by,
                    event_type=EventType.CONTACT_CREATED,
                    subject=contact,
                    extra={"concern": concern.pk, "child": link.child_id, "agency": school.pk},
                )
            contacts += 1
        return {"referrals": 10, "contacts": contacts}
    finally:
        clock_use(previous)
