"""Auditors see who did what in their own area, never what was written.

Every event carries the area it belongs to (the acting user's; the subject's when nobody of an
area acted), inside its hash; an auditor reads only their area's events, and the audit pages
show who, when, what, why (the purpose) and which child, never a reason, note or search term.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from jigsaw.web.accounts.models import Role
from jigsaw.web.audit.chain import canonical_content, hash_of
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.audit.selectors import audit_chain_verdict, audit_events_for
from jigsaw.web.demo import demo_user_create
from tests.web.audit.test_audit_chain import as_owner_without_protection, sql
from tests.web.cast import (
    JESSICA,
    PASSWORD,
    SCHOOL_SIGNS,
    record_concern,
    unsure_identity,
    verified_client,
)

pytestmark = [pytest.mark.django_db]

FAR_CHILD = {
    "first_name": "Mia",
    "last_name": "Clarke",
    "dob": (2011, 1, 2),
    "sex": "F",
    "postcode": "SM1 2AB",
}


def _southmoor(cast):
    """Southmoor's teacher and auditor, beside the cast's Northbridge."""
    from jigsaw.web.accounts.services import agency_create

    school = agency_create(area=cast.other_area, kind="education", name="Southmoor High")
    teacher, _ = demo_user_create(
        username="southmoor.teacher", password=PASSWORD, role="practitioner", agency=school
    )
    auditor, device = demo_user_create(
        username="southmoor.auditor", password=PASSWORD, role="auditor", agency=cast.far_council
    )
    cast.far_auditor = auditor
    cast.devices["far_auditor"] = device
    return teacher


def test_every_event_carries_its_area_and_the_hash_covers_it(cast):
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "seen with older men")
    recorded = AuditEvent.objects.get(event_type="concern_recorded", actor=cast.teacher)
    assert recorded.area_id == cast.area.pk
    assert canonical_content(recorded)["area_id"] == cast.area.pk
    # Nobody of an area acted (a failed sign-in names the account): the subject's area.
    client = Client()
    client.post("/accounts/sign-in/", {"username": "far_analyst", "password": "wrong"})
    failed = AuditEvent.objects.filter(event_type="sign_in_failed").latest("seq")
    assert failed.actor is None and failed.area_id == cast.other_area.pk
    # An attempt on another area's child belongs to the attempter's area.
    far = verified_client(Client(), cast, "far_analyst")
    assert far.get(reverse("children:profile", args=[outcome.child.pk])).status_code == 404
    refused = AuditEvent.objects.filter(event_type="child_view_refused").latest("seq")
    assert refused.actor == cast.far_analyst and refused.area_id == cast.other_area.pk
    assert audit_chain_verdict().intact


def test_an_auditor_of_one_area_sees_no_event_of_another(client, cast):
    far_teacher = _southmoor(cast)
    far = record_concern(far_teacher, FAR_CHILD, SCHOOL_SIGNS, "southmoor's words")
    record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "northbridge's words")
    # Southmoor's MASH tries Northbridge's child: Southmoor's auditor sees the attempt.
    verified_client(Client(), cast, "far_analyst").get(
        reverse("children:profile", args=[far.child.pk + 1000])
    )
    northbridge = list(audit_events_for(user=cast.auditor))
    southmoor = list(audit_events_for(user=cast.far_auditor))
    assert northbridge and southmoor
    assert {e.area_id for e in northbridge} == {cast.area.pk}
    assert {e.area_id for e in southmoor} == {cast.other_area.pk}
    assert {"teacher", "school_dsl"} & {e.actor_label for e in northbridge}
    assert not {e.actor_label for e in southmoor} & {"teacher", "school_dsl", "auditor"}
    assert "southmoor.teacher" not in {e.actor_label for e in northbridge}
    # The pages say the same.
    page = verified_client(client, cast, "far_auditor").get("/audit/").content.decode()
    assert "southmoor.teacher" in page and "far_analyst" in page
    assert ">teacher<" not in page and "Jessica" not in page
    near = verified_client(Client(), cast, "auditor").get("/audit/?actor=southmoor.teacher")
    assert "southmoor.teacher</td>" not in near.content.decode()
    assert "No events" in near.content.decode()


def test_events_written_before_areas_verify_as_before_and_show_by_their_actors_area(cast):
    """An event without an area hashes exactly as it did before areas were recorded."""
    old = AuditEvent(
        at=dt.datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=dt.UTC),
        actor_id=7,
        actor_label="auditor",
        event_type="child_viewed",
        subject_type="child",
        subject_id="42",
        extra={"purpose": "MASH review of a child in the area"},
        seq=3,
        prev_hash="a" * 64,
    )
    # Computed by the chain before events had an area (a stored format: it must never change).
    assert hash_of(old) == "72fd5ad97c19d77a4f90a01b3c6018b8c3e24371586cdd76fa69c81b542faa70"
    old.area_id = cast.area.pk
    assert hash_of(old) != "72fd5ad97c19d77a4f90a01b3c6018b8c3e24371586cdd76fa69c81b542faa70"

    # An old event, written as the chain wrote them (no area), in the middle of new ones.
    record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "seen")
    head = AuditEvent.objects.order_by("-seq").first()
    legacy = AuditEvent(
        at=head.at,
        actor=cast.teacher,
        actor_label="teacher",
        event_type="children_listed",
        extra={"purpose": "a list written before areas"},
        seq=head.seq + 1,
        prev_hash=head.hash,
    )
    legacy.hash = hash_of(legacy)
    legacy.save()
    record_concern(cast.nurse, {**JESSICA, "first_name": "Jo"}, ["sti_diagnosis"], "seen")
    assert audit_chain_verdict().intact
    # Shown to the auditors of the area its actor works in, and to no one else.
    assert legacy in audit_events_for(user=cast.auditor)
    _southmoor(cast)
    assert legacy not in audit_events_for(user=cast.far_auditor)


def test_moving_an_event_to_another_area_breaks_the_chain(cast, capsys):
    record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "seen")
    event = AuditEvent.objects.filter(area_id=cast.area.pk).order_by("seq")[2]
    as_owner_without_protection()
    sql("UPDATE audit_auditevent SET area_id = %s WHERE id = %s", [cast.other_area.pk, event.pk])
    verdict = audit_chain_verdict()
    assert verdict.broken is not None and verdict.broken.seq == event.seq
    assert "edited" in verdict.broken.reason


def test_the_audit_view_never_shows_free_text(client, cast):
    from jigsaw.web.children.models import Link
    from jigsaw.web.children.search import SearchTerms, children_search
    from jigsaw.web.children.services import link_decide
    from jigsaw.web.concerns.services import concern_correct, concern_grade_override

    school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "NOTE-the-teacher-wrote")
    record_concern(cast.nurse, unsure_identity(), ["sti_diagnosis"], "NOTE-the-nurse-wrote")
    concern_grade_override(
        actor=cast.school_dsl, concern=school.concern, level="high", reason="OVERRIDE-disclosed"
    )
    pending = Link.objects.get(status="pending", child=school.child)
    link_decide(actor=cast.analyst, link=pending, decision="confirm", reason="LINK-same-GP")
    concern_correct(
        actor=cast.teacher, concern=school.concern, reason="CORRECT-typo", text="CORRECT-Tuesday"
    )
    # Search terms are mostly names: the name searched for is kept out too.
    children_search(user=cast.analyst, terms=SearchTerms(name="Zebedee Quint"))
    auditor = verified_client(client, cast, "auditor")
    pages = [
        auditor.get("/audit/").content.decode(),
        auditor.get("/audit/?event_type=concern_grade_overridden").content.decode(),
        auditor.get(reverse("audit:child_access", args=[school.child.pk])).content.decode(),
        auditor.get(reverse("audit:child_access_csv", args=[school.child.pk])).content.decode(),
    ]
    for body in pages:
        for written in ("NOTE-", "OVERRIDE-", "LINK-", "CORRECT-", "Zebedee", "Quint"):
            assert written not in body
    # What happened and why is there.
    assert "concern grade overridden" in pages[1]
    assert "link confirmed" in pages[2] and "link_confirmed" in pages[3]
    assert "children searched" in pages[0] and "school_dsl" in pages[0]
    # The free text is still in the log itself, covered by the chain, for an investigation.
    overridden = AuditEvent.objects.get(event_type="concern_grade_overridden")
    assert "OVERRIDE-disclosed" in str(overridden.extra)


@pytest.mark.parametrize("role", list(Role))
def test_only_an_auditor_reads_the_log_and_traces_children_and_only_of_their_area(role):
    from jigsaw.web.access import (
        Actor,
        audit_area,
        may_trace_child_access,
    )

    someone = Actor(user_id=1, role=role, agency_id=2, area_id=3)
    auditor = role == Role.AUDITOR
    assert audit_area(someone) == (3 if auditor else None)
    assert may_trace_child_access(someone, child_area_id=3) is auditor
    # Never another area's child.
    assert not may_trace_child_access(someone, child_area_id=4)
    # An auditor without an area reads nothing.
    lost = Actor(user_id=1, role=role, agency_id=2, area_id=None)
    assert audit_area(lost) is None and not may_trace_child_access(lost, child_area_id=3)
