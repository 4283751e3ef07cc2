"""Every kind of audit event is written by the service that does what it records.

A new EventType that nothing emits, or a service that stops writing its row, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django_otp.oath import TOTP

import jigsaw.web
from jigsaw.web.audit.models import AuditEvent, EventType
from tests.web.cast import (
    HEALTH_SIGNS,
    JESSICA,
    PASSWORD,
    SCHOOL_SIGNS,
    record_concern,
    unsure_identity,
    verified_client,
)

pytestmark = [pytest.mark.django_db]


class Emitted:
    """The event types written since the last look."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.start = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        self.hashes: set[str] = set()

    def since(self) -> set[str]:
        # Events are told apart by hash, not id: SQLite reuses the ids of rolled-back rows.
        rows = list(
            AuditEvent.objects.filter(seq__gt=self.start)
            .exclude(hash__in=self.hashes)
            .values_list("hash", "event_type")
        )
        self.hashes |= {h for h, _ in rows}
        new = {t for _, t in rows}
        self.seen |= new
        return new


def _code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_every_event_type_is_emitted_by_the_service_that_does_it(client, cast):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jigsaw.web.accounts.models import AgencyKind, Role
    from jigsaw.web.accounts.services import agency_create, area_create, user_create
    from jigsaw.web.audit.selectors import audit_events_for
    from jigsaw.web.children.models import Link
    from jigsaw.web.children.selectors import child_access
    from jigsaw.web.children.services import link_decide
    from jigsaw.web.concerns.selectors import own_records_matching
    from jigsaw.web.concerns.services import concern_grade_override
    from jigsaw.web.oversight.selectors import area_aggregates_for

    emitted = Emitted()
    area = area_create(code="E99000003", name="Eastholm")
    agency = agency_create(area=area, kind=AgencyKind.HEALTH, name="Eastholm Health")
    user_create(username="eastholm.nurse", password=PASSWORD, role=Role.PRACTITIONER, agency=agency)
    assert emitted.since() == {"area_created", "agency_created", "user_created"}

    # Sign-in through the pages, whose services write the rows.
    client.post("/accounts/sign-in/", {"username": "eastholm.nurse", "password": "wrong"})
    assert emitted.since() == {"sign_in_failed"}
    client.post("/accounts/sign-in/", {"username": "eastholm.nurse", "password": PASSWORD})
    assert emitted.since() == {"signed_in"}
    client.get("/accounts/set-up-authenticator/")
    device = TOTPDevice.objects.get(user__username="eastholm.nurse", confirmed=False)
    client.post("/accounts/set-up-authenticator/", {"token": _code(device)})
    assert emitted.since() == {"totp_enrolled"}
    client.post("/accounts/sign-out/")
    assert emitted.since() == {"signed_out"}

    school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school note")
    assert emitted.since() == {
        "record_created",
        "child_created",
        "link_created",
        "concern_recorded",
        "child_graded",
        "contact_created",
    }
    record_concern(cast.nurse, unsure_identity(), HEALTH_SIGNS, "health note")
    emitted.since()
    child_access(user=cast.teacher, child_id=school.child.pk, purpose="test")
    assert emitted.since() == {"child_viewed"}
    with pytest.raises(Http404):
        child_access(user=cast.teacher2, child_id=school.child.pk, purpose="test")
    assert emitted.since() == {"child_view_refused"}
    verified_client(client, cast, "teacher").get("/children/")
    assert emitted.since() == {"children_listed"}
    own_records_matching(
        user=cast.teacher, identity={**JESSICA, "dob": school.concern.record.dob, "nhs_number": ""}
    )
    assert emitted.since() == {"record_searched"}
    from jigsaw.web.children.search import SearchTerms, children_search

    children_search(user=cast.teacher, terms=SearchTerms(name="Jess"))
    assert emitted.since() == {"children_searched"}

    pending = Link.objects.get(status="pending")
    # Rejecting and confirming the same link: the rejection is rolled back after it is seen.
    with transaction.atomic():
        link_decide(actor=cast.analyst, link=pending, decision="reject", reason="no")
        assert emitted.since() == {"link_rejected"}
        transaction.set_rollback(True)
    link_decide(actor=cast.analyst, link=pending, decision="confirm", reason="same")
    assert "link_confirmed" in emitted.since()
    from jigsaw.web.children.services import link_undo

    with transaction.atomic():
        link_undo(actor=cast.analyst, link=pending, reason="wrong child")
        assert "link_undone" in emitted.since()
        transaction.set_rollback(True)

    concern_grade_override(
        actor=cast.school_dsl, concern=school.concern, level="high", reason="known to police"
    )
    assert emitted.since() == {"concern_grade_overridden"}
    from jigsaw.web.concerns.services import concern_correct, concern_withdraw

    concern_correct(actor=cast.teacher, concern=school.concern, reason="typo", text="Tuesday")
    assert emitted.since() == {"concern_corrected"}
    concern_withdraw(actor=cast.teacher, concern=school.concern, reason="wrong child")
    assert emitted.since() == {"concern_withdrawn", "child_graded"}
    list(audit_events_for(user=cast.auditor))
    assert emitted.since() == {"audit_log_viewed"}
    from jigsaw.web.audit.selectors import child_access_events, child_access_for

    traced = child_access_for(user=cast.auditor, child_id=school.child.pk)
    list(child_access_events(user=cast.auditor, access=traced, export=True))
    assert emitted.since() == {"child_access_exported"}
    area_aggregates_for(user=cast.lead, today=timezone.localdate())
    assert emitted.since() == {"aggregates_viewed"}
    _account_and_refusal_events(client, cast, emitted)
    _group_events(cast, emitted)
    _mace_case_events(cast, emitted)
    _linkage_model_events(cast, emitted)

    # The workflow from the school's contact to a closed referral, on a test clock.
    import datetime as dt

    from jigsaw.act.clock import LONDON, TestClock
    from jigsaw.web.referrals import services as workflow
    from jigsaw.web.referrals.clock import clock_use
    from jigsaw.web.referrals.selectors import referral_for_mash

    clock = TestClock(dt.datetime(2026, 11, 27, 16, tzinfo=LONDON))
    previous = clock_use(clock)
    try:
        workflow.contact_decide(
            actor=cast.school_dsl, contact=school.concern.contact, decision="refer", reason="r"
        )
        assert emitted.since() == {"contact_decided", "referral_created"}
        referral = school.concern.contact.referrals.get()
        referral_for_mash(user=cast.analyst, referral_id=referral.pk, purpose="test")
        assert emitted.since() == {"referral_viewed"}
        workflow.referral_rate(actor=cast.analyst, referral=referral, rag="amber")
        assert emitted.since() == {"referral_rated"}
        workflow.referral_decide(
            actor=cast.analyst,
            referral=referral,
            decision="strategy_s47",
            reason="r",
            outcome_due=dt.date(2026, 12, 18),
        )
        assert emitted.since() == {"referral_decided", "feedback_sent"}
        workflow.strategy_record(
            actor=cast.analyst,
            referral=referral,
            held_at=clock.now(),
            mode="meeting",
            chair="chair",
            attendees="Northbridge Police | DS | Khan",
            information_shared="",
            section_47=True,
            criminal_investigation=False,
            seen_alone="planned",
            decisions="enquire",
            next_review_on=dt.date(2026, 12, 4),
        )
        assert emitted.since() == {"strategy_discussion_recorded"}
        episode = workflow.missing_record(
            actor=cast.analyst,
            child=referral.child,
            kind="missing",
            started_at=clock.now() - dt.timedelta(hours=9),
        )
        assert emitted.since() == {"missing_recorded"}
        workflow.missing_return(actor=cast.analyst, episode=episode, ended_at=clock.now())
        assert emitted.since() == {"missing_returned"}
        workflow.return_interview_record(
            actor=cast.analyst, episode=episode, offered_at=clock.now(), response="accepted"
        )
        assert emitted.since() == {"return_interview_recorded"}
        meeting = workflow.mace_meeting_record(
            actor=cast.analyst,
            held_on=dt.date(2026, 11, 27),
            chair="chair",
            attendees="Northbridge Police | DS | Khan",
            items=[
                workflow.MaceItemInput(
                    referral=referral, reasons=(), discussion="d", risk="red", plan="p"
                )
            ],
        )
        assert emitted.since() == {"mace_meeting_recorded"}
        from jigsaw.web.referrals.selectors import mace_minutes

        mace_minutes(user=cast.analyst, meeting_id=meeting.pk, purpose="test")
        assert emitted.since() == {"mace_minutes_viewed"}
        due = dt.datetime(2026, 11, 30, 12, tzinfo=LONDON)
        late, spare = (
            workflow.action_create(
                actor=cast.analyst,
                referral=referral,
                title=title,
                owner_agency=cast.school,
                due_at=due,
            )
            for title in ("visit", "call")
        )
        assert emitted.since() == {"action_created"}
        workflow.action_cancel(actor=cast.school_dsl, action=spare, reason="not needed")
        assert emitted.since() == {"action_cancelled"}
        clock.set(dt.datetime(2026, 11, 30, 13, tzinfo=LONDON))
        workflow.clocks_sweep()
        assert emitted.since() == {"action_overdue", "action_escalated"}
        workflow.action_complete(actor=cast.school_dsl, action=late, evidence="done")
        assert emitted.since() == {"action_completed"}
        workflow.outcome_record(
            actor=cast.analyst,
            referral=referral,
            outcome="victim_of_cse",
            outcome_on=dt.date(2026, 11, 30),
        )
        assert emitted.since() == {"outcome_recorded", "feedback_sent"}
        clock.set(dt.datetime(2027, 3, 1, 9, tzinfo=LONDON))
        workflow.clocks_sweep()
        assert emitted.since() == {"referral_breached"}
        workflow.referral_review(actor=cast.analyst, referral=referral, note="holding")
        assert emitted.since() == {"referral_reviewed"}
        workflow.referral_close(actor=cast.analyst, referral=referral, reason="plan ended")
        assert emitted.since() == {"referral_closed"}
    finally:
        clock_use(previous)

    # The API's tokens and calls, and bulk import.
    from jigsaw.web.api.services import token_create, token_revoke
    from jigsaw.web.imports.services import (
        file_read,
        import_check,
        import_reject_record,
        import_store,
        mapping_save,
    )

    new = token_create(actor=cast.admin, agency=cast.school, name="MIS", scopes=["concerns:read"])
    assert emitted.since() == {"api_token_created"}
    client.get("/api/v1/concerns", HTTP_AUTHORIZATION=f"Bearer {new.token}")
    assert emitted.since() == {"api_called", "concerns_listed"}
    client.get("/api/v1/aggregates", HTTP_AUTHORIZATION=f"Bearer {new.token}")
    assert emitted.since() == {"api_call_refused"}
    token_revoke(actor=cast.admin, token=new.record)
    assert emitted.since() == {"api_token_revoked"}
    columns = {
        "reference": "ref",
        "first_name": "first",
        "last_name": "last",
        "dob": "dob",
        "seen_on": "seen",
        "indicators": "signs",
    }
    mapping_save(actor=cast.school_dsl, agency=cast.school, columns=columns)
    assert emitted.since() == {"import_mapping_saved"}
    bad = file_read("l.csv", b"ref,first,last,dob,seen,signs\nR1,Amy,Lee,31/02/2012,1/11/2026,x\n")
    import_reject_record(
        actor=cast.school_dsl, agency=cast.school, check=import_check(bad, columns)
    )
    assert emitted.since() == {"import_rejected"}
    good = file_read(
        "l.csv", b"ref,first,last,dob,seen,signs\nR1,Amy,Lee,1/2/2012,1/11/2026,older_associates\n"
    )
    import_store(actor=cast.school_dsl, agency=cast.school, check=import_check(good, columns))
    assert {"import_accepted", "child_graded", "contact_created"} <= emitted.since()

    # The session's background partnership was stored by the demo loader, the one writer of
    # demo_loaded (loading a second one here would clash with its record ids).
    loaded = AuditEvent.objects.get(event_type="demo_loaded")
    assert loaded.extra["synthetic"] is True and loaded.actor is None
    emitted.seen.add(loaded.event_type)

    assert emitted.seen == {member.value for member in EventType}


def test_every_event_type_is_named_by_a_service_module():
    """Statically too: each member appears as ``EventType.NAME`` outside the audit models."""
    root = Path(jigsaw.web.__file__).parent
    named: set[str] = set()
    for path in root.rglob("*.py"):
        if "migrations" in path.parts or path.name == "models.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "EventType"
            ):
                named.add(node.attr)
    assert {member.name for member in EventType} <= named


def _account_and_refusal_events(client, cast, emitted) -> None:
    """Account management, refusals and a match in another area, each by its service."""
    from django.core import mail

    from jigsaw.web.accounts.selectors import access_grants_for
    from jigsaw.web.accounts.services import (
        agency_create,
        area_contact_set,
        password_set_by_link,
        user_active_set,
        user_invite,
        user_reset,
        user_unlock,
        user_update,
    )
    from jigsaw.web.demo import demo_user_create

    def token() -> str:
        link = next(w for w in mail.outbox[-1].body.split() if "/set-password/" in w)
        return link.rstrip("/").rsplit("/", 1)[1]

    user, _ = user_invite(
        actor=cast.admin,
        username="invitee",
        email="invitee@example.org",
        role="auditor",
        agency_id=cast.council.pk,
        link_base="http://testserver/",
    )
    assert emitted.since() == {"user_created"}
    password_set_by_link(token=token(), password=PASSWORD)
    assert emitted.since() == {"password_set"}
    user_update(
        actor=cast.admin, user_id=user.pk, role="dsl", agency_id=cast.school.pk, email=user.email
    )
    assert emitted.since() == {"user_updated"}
    user_active_set(actor=cast.admin, user_id=user.pk, active=False)
    assert emitted.since() == {"user_deactivated"}
    user_active_set(actor=cast.admin, user_id=user.pk, active=True)
    assert emitted.since() == {"user_reactivated"}
    user_unlock(actor=cast.admin, user_id=user.pk)
    assert emitted.since() == {"user_unlocked"}
    user_reset(actor=cast.admin, user_id=user.pk, link_base="http://testserver/")
    assert emitted.since() == {"user_reset"}
    area_contact_set(actor=cast.admin, mash_contact="Northbridge MASH, 0113 496 0000")
    assert emitted.since() == {"area_contact_changed"}
    access_grants_for(cast.lead)
    assert emitted.since() == {"access_grants_viewed"}
    assert verified_client(client, cast, "teacher").get("/audit/").status_code == 403
    assert emitted.since() == {"page_refused"}
    far_school = agency_create(area=cast.other_area, kind="education", name="Southmoor High")
    far_teacher, _ = demo_user_create(
        username="far.teacher", password=PASSWORD, role="practitioner", agency=far_school
    )
    emitted.since()
    record_concern(far_teacher, JESSICA, SCHOOL_SIGNS, "the same girl, known in Southmoor")
    assert "other_area_match" in emitted.since()


def _linkage_model_events(cast, emitted) -> None:
    """An area's linkage model trained, refused, its schedule set and its page read."""
    from django.conf import settings

    from jigsaw.web.demo import demo_user_create
    from jigsaw.web.linkmodel.services import (
        linkage_model_viewed,
        linkage_retrain,
        linkage_schedule_set,
    )
    from tests.web.cast import area_from_world

    area, agencies = area_from_world()
    admin, _ = demo_user_create(
        username="westfold.admin",
        password=PASSWORD,
        role="administrator",
        agency=agencies["social_care"],
    )
    emitted.since()
    # A smaller random sample for u than production's: the same training, in seconds.
    pairs, settings.JIGSAW_LINKAGE_U_PAIRS = settings.JIGSAW_LINKAGE_U_PAIRS, 200_000
    try:
        assert linkage_retrain(actor=admin, area=area).accepted
    finally:
        settings.JIGSAW_LINKAGE_U_PAIRS = pairs
    assert emitted.since() == {"linkage_model_trained"}
    linkage_retrain(actor=cast.admin, area=cast.area)  # too few records
    assert emitted.since() == {"linkage_model_refused"}
    linkage_schedule_set(actor=cast.admin, every_days=30)
    assert emitted.since() == {"linkage_schedule_changed"}
    linkage_model_viewed(actor=cast.admin, area=cast.area)
    assert emitted.since() == {"linkage_model_viewed"}


def _group_events(cast, emitted) -> None:
    """Mentions that connect two agencies' children: the group, its review, its view and the
    MASH's decisions, each by its service."""
    from jigsaw.web.groups.forms import MentionInput
    from jigsaw.web.groups.models import EntityMerge, Group
    from jigsaw.web.groups.selectors import group_for
    from jigsaw.web.groups.services import group_decide, mentions_record, merge_decide

    car = MentionInput("vehicle", "YK19 ABC", {"registration": "YK19 ABC"}, "seen", None)
    taz = MentionInput("person", '"Taz"', {"nickname": "Taz"}, "disclosed", None)
    tomasz = {"first_name": "Tomasz", "last_name": "Nowak", "dob": (2010, 6, 1), "sex": "M"}
    aisha = {"first_name": "Aisha", "last_name": "Begum", "dob": (2012, 9, 9), "sex": "F"}
    first = record_concern(cast.officer, tomasz, ["older_associates"], "police")
    second = record_concern(cast.nurse, aisha, HEALTH_SIGNS, "health")
    emitted.since()
    mentions_record(
        actor=cast.officer, concern=first.concern, child=first.child, mentions=[car, taz]
    )
    assert emitted.since() == {"mentions_recorded"}
    mentions_record(
        actor=cast.nurse, concern=second.concern, child=second.child, mentions=[car, taz]
    )
    assert emitted.since() == {"mentions_recorded", "group_proposed", "group_review_raised"}
    group = Group.objects.get(members__child=first.child)
    group_for(user=cast.analyst, group_id=group.pk)
    assert emitted.since() == {"group_viewed"}
    with transaction.atomic():
        group_decide(actor=cast.analyst, group=group, decision="reject", reason="a taxi")
        assert emitted.since() == {"group_rejected"}
        transaction.set_rollback(True)
    group_decide(actor=cast.analyst, group=group, decision="confirm", reason="same car")
    assert emitted.since() == {"group_confirmed"}
    merge = EntityMerge.objects.get(left__child=first.child)
    with transaction.atomic():
        merge_decide(actor=cast.analyst, merge=merge, decision="reject", reason="two men")
        assert emitted.since() == {"entity_merge_rejected"}
        transaction.set_rollback(True)
    merge_decide(actor=cast.analyst, merge=merge, decision="confirm", reason="same phone")
    # The adult now connects the children too: new evidence for the group, to review.
    assert emitted.since() == {"entity_merge_confirmed", "group_review_raised"}
    _group_routing_events(cast, emitted, group)


def _group_routing_events(cast, emitted, group) -> None:
    """The SPOC's designation, view and check of the group's car, the lead's rules, and the
    sweep marking late group tasks overdue, each by its service."""
    import datetime as dt

    from jigsaw.act.clock import LONDON, TestClock
    from jigsaw.web.accounts.services import designation_end, spoc_designate
    from jigsaw.web.groups.selectors import group_check_for
    from jigsaw.web.groups.services import (
        group_check_record,
        group_reviews_sweep,
        group_settings_set,
    )
    from jigsaw.web.referrals.clock import clock_use

    designation = spoc_designate(actor=cast.lead, user_id=cast.officer.pk)
    assert emitted.since() == {"designation_given"}
    check = group.tasks.get(to="spoc")
    group_check_for(user=cast.officer, task_id=check.pk)
    assert emitted.since() == {"group_check_viewed"}
    group_settings_set(actor=cast.lead, size_threshold=3, review_days=5)
    assert emitted.since() == {"group_settings_changed"}
    previous = clock_use(TestClock(dt.datetime(2027, 6, 1, 9, tzinfo=LONDON)))
    try:
        assert group_reviews_sweep() == 2  # the MASH's review since the merge, and the check
        assert emitted.since() == {"group_review_overdue"}
    finally:
        clock_use(previous)
    group_check_record(actor=cast.officer, task=check, note="keeper known")
    assert emitted.since() == {"group_check_recorded"}
    designation_end(actor=cast.lead, designation_id=designation.pk)
    assert emitted.since() == {"designation_ended"}


def _mace_case_events(cast, emitted) -> None:
    """A MACE case on a peer group: opened, viewed, a child added and removed, a note, an action
    set and done, closed, each by its service."""
    import datetime as dt

    from jigsaw.web.groups.models import Group
    from jigsaw.web.referrals import cases

    group = Group.objects.filter(area=cast.area).first()
    child = group.members.first().child_id
    case = cases.case_open(actor=cast.analyst, kind="peer_group", title="Astra", group=group)
    assert emitted.since() == {"mace_case_opened"}
    cases.case_view(user=cast.analyst, case_id=case.pk)
    assert emitted.since() == {"mace_case_viewed"}
    row = cases.case_child_add(actor=cast.analyst, case=case, child_id=child, reason="in it")
    assert emitted.since() == {"mace_case_child_added"}
    cases.case_child_remove(actor=cast.analyst, case=case, member_id=row.pk, reason="not")
    assert emitted.since() == {"mace_case_child_removed"}
    cases.case_note_add(actor=cast.analyst, case=case, text="seen at the park")
    assert emitted.since() == {"mace_case_note_added"}
    action = cases.case_action_create(
        actor=cast.analyst,
        case=case,
        title="patrol",
        owner_agency=cast.police,
        due_on=dt.date(2026, 12, 4),
    )
    assert emitted.since() == {"mace_case_action_created"}
    cases.case_action_done(actor=cast.analyst, case=case, action_id=action.pk, evidence="done")
    assert emitted.since() == {"mace_case_action_done"}
    cases.case_close(actor=cast.analyst, case=case, reason="group dispersed")
    assert emitted.since() == {"mace_case_closed"}
