"""My concerns, the agency's concerns, and correcting or withdrawing one."""

from __future__ import annotations

import re

import pytest
from django.http import Http404

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.children.models import Child
from jigsaw.web.concerns.models import Concern
from jigsaw.web.concerns.services import concern_correct, concern_withdraw
from jigsaw.web.refs import ref
from tests.web.cast import (
    HEALTH_SIGNS,
    JESS,
    JESSICA,
    SCHOOL_SIGNS,
    record_concern,
    verified_client,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def recorded(cast):
    mine = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school note one")
    colleague = record_concern(
        cast.teacher2,
        {**JESSICA, "first_name": "Ada", "dob": (2012, 1, 2)},
        ["unexplained_absence"],
        "x",
    )
    health = record_concern(cast.nurse, JESS, HEALTH_SIGNS, "health note one")
    return mine, colleague, health


def test_a_practitioner_lists_their_own_concerns_and_a_dsl_their_agencys(client, cast, recorded):
    mine, colleague, health = recorded
    text = verified_client(client, cast, "teacher").get("/concerns/").content.decode()
    assert "My concerns" in text and "Showing 1 to 1 of 1 concerns" in text
    assert f'href="/children/{ref(mine.child.pk)}/?from=concerns">Jessica Okafor<' in text
    assert "Ada" not in text
    client.logout()
    dsl = verified_client(client, cast, "school_dsl").get("/concerns/").content.decode()
    assert "Your agency's concerns" in dsl and "Showing 1 to 2 of 2 concerns" in dsl
    assert "teacher2" in dsl and "Ada Okafor" in dsl
    # The hospital's concern about the same child is not the school's to list.
    assert "nurse" not in re.sub(r"Signed in as.*?</div>", "", dsl, flags=re.S)
    listed = AuditEvent.objects.filter(event_type="children_listed").latest("id")
    assert listed.extra["purpose"] == "agency's concerns"


def test_the_list_filters_by_grade_status_and_date(client, cast, recorded):
    mine, colleague, _ = recorded
    dsl = verified_client(client, cast, "school_dsl")
    grade = Concern.objects.get(pk=mine.concern.pk).grade_level
    text = dsl.get(f"/concerns/?grade={grade}").content.decode()
    expected = Concern.objects.filter(record__agency=cast.school, grade_level=grade).count()
    assert f"of {expected} concerns" in text
    assert "No concerns" in dsl.get("/concerns/?status=withdrawn").content.decode()
    assert "No concerns" in dsl.get("/concerns/?until=2000-01-01").content.decode()


def test_the_author_corrects_with_the_original_kept(client, cast, recorded):
    mine, _, _ = recorded
    teacher = verified_client(client, cast, "teacher")
    url = f"/concerns/{ref(mine.concern.pk)}/amend/"
    empty = teacher.post(url, {"action": "correct", "reason": "", "text": ""})
    assert (
        empty.status_code == 400
        and "Say why the concern needs correcting" in empty.content.decode()
    )
    done = teacher.post(
        url, {"action": "correct", "reason": "Wrong day", "text": "Seen on Tuesday, not Monday"}
    )
    assert done.status_code == 302
    concern = Concern.objects.get(pk=mine.concern.pk)
    assert concern.note == "school note one"
    addendum = concern.addenda.get()
    assert (addendum.kind, addendum.reason, addendum.written_by) == (
        "correction",
        "Wrong day",
        cast.teacher,
    )
    profile = teacher.get(f"/children/{ref(mine.child.pk)}/").content.decode()
    assert "school note one" in profile and "Seen on Tuesday, not Monday" in profile
    assert AuditEvent.objects.filter(
        event_type="concern_corrected", subject_id=str(concern.pk)
    ).exists()


def test_only_the_author_or_their_dsl_may_correct(cast, recorded):
    mine, _, _ = recorded
    for name in ("teacher2", "nurse", "analyst", "auditor"):
        with pytest.raises(Http404):
            concern_correct(actor=getattr(cast, name), concern=mine.concern, reason="r", text="t")
    concern_correct(actor=cast.school_dsl, concern=mine.concern, reason="DSL check", text="t")


def test_withdrawing_regrades_the_child_and_is_audited(client, cast, recorded):
    mine, _, health = recorded
    child = Child.objects.get(pk=health.child.pk)
    assert child.pk == mine.child.pk
    before = child.grade_level
    nurse = verified_client(client, cast, "nurse")
    url = f"/concerns/{ref(health.concern.pk)}/amend/"
    empty = nurse.post(url, {"action": "withdraw", "withdraw_reason": ""})
    assert (
        empty.status_code == 400
        and "Say why the concern is being withdrawn" in empty.content.decode()
    )
    assert (
        nurse.post(url, {"action": "withdraw", "withdraw_reason": "Wrong Jess"}).status_code == 302
    )
    child.refresh_from_db()
    assert child.grade_level == mine.concern.grade_level != before
    event = AuditEvent.objects.get(event_type="concern_withdrawn")
    assert event.extra["grade_from"] == before and event.extra["grade_to"] == child.grade_level
    with pytest.raises(Exception, match="withdrawn already"):
        concern_withdraw(actor=cast.nurse, concern=health.concern, reason="again")
    text = nurse.get(f"/children/{ref(child.pk)}/").content.decode()
    assert "Withdrawn" in text
