"""The intake's linkage index: current after one read of the version row, whatever the store's size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from jigsaw.web.children import matching
from jigsaw.web.children.models import AgencyRecord, Link, RecordStoreVersion
from jigsaw.web.children.services import link_confirm, link_undo, record_create, record_link
from tests.web.cast import (
    HEALTH_SIGNS,
    JESSICA,
    SCHOOL_SIGNS,
    record_concern,
    unsure_identity,
)

pytestmark = [pytest.mark.django_db]


def mapping_of(who: dict, kind: str = "health") -> dict[str, object]:
    return matching.record_mapping(
        record_id="probe",
        agency_kind=kind,
        **{**who, "dob": dt.date(*who["dob"]), "nhs_number": who.get("nhs_number", "")},
    )


def test_a_current_index_costs_one_query_per_match(cast, django_assert_num_queries):
    index = matching.RecordIndex()
    index.current()
    assert len(index) == Link.objects.filter(status__in=["new", "auto", "confirmed"]).count() > 0
    with django_assert_num_queries(1):
        index.match(mapping_of(JESSICA))
    with django_assert_num_queries(1):
        index.match(mapping_of(JESSICA))
    assert index.rebuilds == 1


def test_a_new_record_is_read_into_the_index_not_rebuilt(cast):
    index = matching.RecordIndex()
    index.current()
    size = len(index)
    school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school note")
    found = index.match(mapping_of(JESSICA))
    assert found and found[0].child_id == str(school.child.pk)
    assert found[0].record_id == school.concern.record.record_id
    assert (len(index), index.rebuilds) == (size + 1, 1)


def test_every_record_change_moves_the_version(cast):
    def version() -> int:
        return RecordStoreVersion.objects.get(pk=1).version

    before = version()
    record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school note")
    # The record and its link, each in the transaction that stores it.
    assert version() == before + 2


def test_a_confirmed_link_moves_the_record_in_the_index_without_a_rebuild(cast):
    index = matching.RecordIndex()
    school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school note")
    health = record_concern(cast.nurse, unsure_identity(), HEALTH_SIGNS, "health note")
    index.current()
    record_id = health.concern.record.record_id
    before = {m.record_id: m.child_id for m in index.match(mapping_of(JESSICA), limit=10)}
    assert before[record_id] == str(health.child.pk)
    link_confirm(actor=cast.analyst, link=Link.objects.get(status="pending"), reason="same GP")
    after = index.match(mapping_of(JESSICA), limit=10)
    # One child now holds both records; its best-scoring record stands for it.
    assert [m.child_id for m in after].count(str(school.child.pk)) == 1
    assert str(health.child.pk) not in {m.child_id for m in after}
    assert {m.record_id: m.child_id for m in index.match(mapping_of(JESSICA), limit=10)}.get(
        school.concern.record.record_id
    ) == str(school.child.pk)
    assert index.rebuilds == 1
    # The same as an index built afresh from the store.
    fresh = matching.RecordIndex()
    assert fresh.match(mapping_of(JESSICA), limit=10) == after


def test_undoing_a_confirmation_moves_the_record_back_in_the_index(cast):
    index = matching.RecordIndex()
    record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school note")
    health = record_concern(cast.nurse, unsure_identity(), HEALTH_SIGNS, "health note")
    before = index.match(mapping_of(JESSICA), limit=10)
    link = Link.objects.get(status="pending")
    link_confirm(actor=cast.analyst, link=link, reason="same GP")
    assert str(health.child.pk) not in {m.child_id for m in index.match(mapping_of(JESSICA))}
    link_undo(actor=cast.analyst, link=link, reason="confirmed the wrong pair")
    after = index.match(mapping_of(JESSICA), limit=10)
    # The health record is its own child's again, as before the confirmation.
    assert {m.record_id: m.child_id for m in after}[health.concern.record.record_id] == str(
        health.child.pk
    )
    assert after == before == matching.RecordIndex().match(mapping_of(JESSICA), limit=10)


def test_a_birth_date_estimated_from_an_age_is_never_linked_on(cast):
    caught_up = matching.RecordIndex()
    caught_up.current()  # built before the record is stored: it reads the record in by its link
    with transaction.atomic():
        record = record_create(
            actor=cast.officer,
            agency=cast.police,
            first_name="Orla",
            last_name="Quennell",
            dob=dt.date(2012, 1, 1),
            sex="F",
            postcode="NB3 1AA",
            dob_estimated=True,
        )
        record_link(actor=cast.officer, record=record, matches=[])
    probe = mapping_of(
        {
            **JESSICA,
            "first_name": "Orla",
            "last_name": "Quennell",
            "dob": (2012, 1, 1),
            "postcode": "NB3 1AA",
        }
    )
    for index in (caught_up, matching.RecordIndex()):
        found = [m for m in index.match(probe, limit=10) if m.record_id == record.record_id]
        assert found, "the record is found by its names and postcode"
        dob = [(label, weight) for name, label, weight in found[0].explanation if name == "dob"]
        assert dob == [("missing on either side", 0.0)]


def test_a_rolled_back_record_leaves_the_index(cast):
    index = matching.RecordIndex()
    index.current()
    size = len(index)

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        record = record_create(
            actor=cast.teacher,
            agency=cast.school,
            first_name="Orla",
            last_name="Quennell",
            dob=dt.date(2010, 6, 1),
            sex="F",
            postcode="NB3 1AA",
        )
        record_link(actor=cast.teacher, record=record, matches=[])
        # Read while the transaction is still open: the index holds the record for now.
        assert len(index.current()) == size + 1
        raise Abandoned
    assert not AgencyRecord.objects.filter(last_name="Quennell").exists()
    # The version went back below the one the index saw: rebuilt from the store.
    found = index.match(
        mapping_of(
            {
                **JESSICA,
                "first_name": "Orla",
                "last_name": "Quennell",
                "dob": (2010, 6, 1),
                "postcode": "NB3 1AA",
            }
        )
    )
    assert all(m.record_id != record.record_id for m in found)
    assert (len(index), index.rebuilds) == (size, 2)
