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

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


class Emitted:
    """The event types written since the last look."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def since(self) -> set[str]:
        rows = list(AuditEvent.objects.filter(id__gt=self.last).values_list("id", "event_type"))
        if rows:
            self.last = max(i for i, _ in rows)
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

    pending = Link.objects.get(status="pending")
    # Rejecting and confirming the same link: the rejection is rolled back after it is seen.
    with transaction.atomic():
        link_decide(actor=cast.analyst, link=pending, decision="reject", reason="no")
        assert emitted.since() == {"link_rejected"}
        transaction.set_rollback(True)
    link_decide(actor=cast.analyst, link=pending, decision="confirm", reason="same")
    assert "link_confirmed" in emitted.since()

    concern_grade_override(
        actor=cast.school_dsl, concern=school.concern, level="high", reason="known to police"
    )
    assert emitted.since() == {"concern_grade_overridden"}
    list(audit_events_for(user=cast.auditor))
    assert emitted.since() == {"audit_log_viewed"}
    area_aggregates_for(user=cast.lead, today=timezone.localdate())
    assert emitted.since() == {"aggregates_viewed"}
    _account_and_refusal_events(client, cast, emitted)

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
