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
    area_aggregates_for(user=cast.lead, today=timezone.localdate())
    assert emitted.since() == {"aggregates_viewed"}

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
