"""A strong match in another partnership is told to the MASH (whom to contact), never linked
and never shown."""

from __future__ import annotations

import pytest

from jigsaw.web.accounts.services import agency_create
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.children.models import Link
from jigsaw.web.concerns.models import OtherAreaMatch
from jigsaw.web.demo import demo_user_create
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, PASSWORD, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SOUTHMOOR_CONTACT = "Southmoor MASH, 0161 496 0000, mash@southmoor.example"


def test_a_child_known_in_another_area_is_told_to_the_mash_with_whom_to_contact(client, cast):
    cast.other_area.mash_contact = SOUTHMOOR_CONTACT
    cast.other_area.save()
    far_school = agency_create(area=cast.other_area, kind="education", name="Southmoor High")
    far_teacher, _ = demo_user_create(
        username="far_teacher", password=PASSWORD, role="practitioner", agency=far_school
    )
    far_note = "Southmoor's own words about her"
    far = record_concern(far_teacher, JESSICA, SCHOOL_SIGNS, far_note)
    mine = record_concern(cast.nurse, JESSICA, ["sti_diagnosis"], "health's words")
    # Linked only within the area: a new Northbridge child, no link to Southmoor's.
    assert mine.child.area == cast.area and mine.child != far.child
    assert not Link.objects.filter(record=mine.concern.record, child=far.child).exists()
    (noted,) = OtherAreaMatch.objects.all()
    assert (noted.area, noted.record, noted.other_area) == (
        cast.area,
        mine.concern.record,
        cast.other_area,
    )
    assert AuditEvent.objects.filter(event_type="other_area_match", actor=cast.nurse).exists()

    page = verified_client(client, cast, "analyst").get("/concerns/other-areas/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Southmoor" in body and SOUTHMOOR_CONTACT in body
    assert f"/children/{ref(mine.child.pk)}/" in body
    assert f"/children/{ref(far.child.pk)}/" not in body and far_note not in body
    # Nobody else is told, and the far area's MASH sees nothing of Northbridge.
    assert verified_client(client, cast, "nurse").get("/concerns/other-areas/").status_code == 403
    far_page = verified_client(client, cast, "far_analyst").get("/concerns/other-areas/")
    assert "Northbridge" not in far_page.content.decode().split("<main", 1)[1]


def test_a_match_within_the_area_is_not_an_other_area_notice(cast):
    record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school")
    record_concern(cast.nurse, JESSICA, ["sti_diagnosis"], "health")
    assert not OtherAreaMatch.objects.exists()
