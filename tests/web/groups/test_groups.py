"""Mentions recorded with concerns connect unrelated children into groups the MASH reviews."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.groups.forms import MentionInput, MentionsForm
from jigsaw.web.groups.models import EntityMerge, Group, GroupTask, Mention, ProposalStatus
from jigsaw.web.groups.services import (
    group_decide,
    groups_refresh,
    mentions_record,
    review_due,
    settings_for,
)
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, SCHOOL_SIGNS, verified_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TOMASZ = {"first_name": "Tomasz", "last_name": "Nowak", "dob": (2010, 6, 1), "sex": "M"}
MIA = {"first_name": "Mia", "last_name": "Clarke", "dob": (2011, 1, 2), "sex": "F"}


def _car(reg: str) -> MentionInput:
    return MentionInput(
        kind="vehicle",
        value=f"silver Astra {reg}",
        details={"registration": reg, "make": "Astra", "colour": "silver"},
        how_known="seen",
        known_on=None,
    )


def _taz() -> MentionInput:
    return MentionInput(
        kind="person",
        value='"Taz", about 25',
        details={"nickname": "Taz", "age": 25, "sex": "Male"},
        how_known="disclosed",
        known_on=None,
    )


def _record(user, who, mentions):
    from tests.web.cast import record_concern as plain

    outcome = plain(user, who, SCHOOL_SIGNS, "note")
    mentions_record(actor=user, concern=outcome.concern, child=outcome.child, mentions=mentions)
    return outcome


def _two_children(cast):
    school = _record(cast.teacher, JESSICA, [_car("YK19 ABC"), _taz()])
    police = _record(cast.officer, TOMASZ, [_car("yki9abc"), _taz()])
    return school, police


def test_the_same_car_written_two_ways_connects_two_agencies_children(cast):
    school, police = _two_children(cast)
    group = Group.objects.get(area=cast.area)
    assert set(group.members.values_list("child_id", flat=True)) == {
        school.child.pk,
        police.child.pk,
    }
    assert group.status == ProposalStatus.PROPOSED
    # One entity, the registration in its usual form, behind the connection of both children.
    entities = {(r["kind"], r["label"]) for r in group.evidence}
    assert ("vehicle", "YK19 ABC") in entities
    # The nickname alone is not merged: it is a match for the MASH to decide.
    assert EntityMerge.objects.filter(area=cast.area, status="proposed").count() == 1
    task = GroupTask.objects.get(group=group, to="mash", done_at__isnull=True)
    assert task.why == "new group of 2 children"
    # Three working days of the area's calendar (tests/web/groups/test_group_routing.py times it).
    assert task.due_at == review_due(cast.area.pk, settings_for(cast.area.pk), task.raised_at)
    # The car is the police's to check too.
    check = GroupTask.objects.get(group=group, to="spoc", done_at__isnull=True)
    assert check.why == "to check: vehicle YK19 ABC"


def test_a_new_mention_joining_a_group_raises_a_review(cast):
    _two_children(cast)
    group = Group.objects.get(area=cast.area)
    group_decide(actor=cast.analyst, group=group, decision="confirm", reason="same car")
    assert not GroupTask.objects.filter(group=group, to="mash", done_at__isnull=True).exists()
    third = {"first_name": "Aisha", "last_name": "Begum", "dob": (2012, 9, 9), "sex": "F"}
    outcome = _record(cast.nurse, third, [_car("YK19ABC")])
    group.refresh_from_db()
    assert outcome.child.pk in set(group.members.values_list("child_id", flat=True))
    task = GroupTask.objects.get(group=group, to="mash", done_at__isnull=True)
    assert "1 more child joined" in task.why and "1 new mention" in task.why
    assert group.status == ProposalStatus.CONFIRMED  # the decision stays with the group


def test_nothing_crosses_areas(cast):
    from jigsaw.web.accounts.services import agency_create
    from jigsaw.web.demo import demo_user_create
    from tests.web.cast import PASSWORD

    far_school = agency_create(area=cast.other_area, kind="education", name="Southmoor High")
    far_teacher, _ = demo_user_create(
        username="far_t", password=PASSWORD, role="practitioner", agency=far_school
    )
    _record(cast.teacher, JESSICA, [_car("YK19 ABC")])
    _record(far_teacher, MIA, [_car("YK19 ABC")])
    assert not Group.objects.exists()
    assert Mention.objects.filter(area=cast.other_area).count() == 1


def test_deciding_needs_a_reason_and_is_audited(cast):
    _two_children(cast)
    group = Group.objects.get(area=cast.area)
    with pytest.raises(ValidationError):
        group_decide(actor=cast.analyst, group=group, decision="reject", reason="  ")
    group_decide(actor=cast.analyst, group=group, decision="reject", reason="siblings' taxi")
    event = AuditEvent.objects.filter(event_type="group_rejected").get()
    assert event.extra["reason"] == "siblings' taxi"
    assert Group.objects.get(pk=group.pk).status == ProposalStatus.REJECTED
    # Run again: a rejected group is not re-proposed for the same children.
    groups_refresh(area_id=cast.area.pk)
    assert Group.objects.get(pk=group.pk).status == ProposalStatus.REJECTED


def test_only_the_areas_mash_sees_a_group_and_each_look_is_audited(cast):
    school, police = _two_children(cast)
    group = Group.objects.get(area=cast.area)
    page = verified_client(Client(), cast, "analyst").get(f"/groups/{ref(group.pk)}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Jessica Okafor" in text and "Tomasz Nowak" in text
    assert "<svg" in text and "<script" not in text.split("</header>", 1)[1]
    assert "Northbridge Police" in text and "Seen by the practitioner" in text
    viewed = AuditEvent.objects.filter(event_type="group_viewed").get()
    assert viewed.extra["purpose"] == "MASH review of a group of connected children"
    assert set(viewed.extra["children"]) == {school.child.pk, police.child.pk}
    # The teacher who recorded one of the children never reaches the other through the group.
    assert (
        verified_client(Client(), cast, "teacher").get(f"/groups/{ref(group.pk)}/").status_code
        == 403
    )
    assert (
        verified_client(Client(), cast, "far_analyst").get(f"/groups/{ref(group.pk)}/").status_code
        == 404
    )
    profile = verified_client(Client(), cast, "teacher").get(f"/children/{ref(school.child.pk)}/")
    assert "Tomasz" not in profile.content.decode()


def test_the_decision_form_names_the_missing_reason(cast):
    _two_children(cast)
    group = Group.objects.get(area=cast.area)
    client = verified_client(Client(), cast, "analyst")
    page = client.post(f"/groups/{ref(group.pk)}/decide/", {"decision": "confirm", "reason": ""})
    assert page.status_code == 400
    assert 'href="#reason">Give the reason for the decision' in page.content.decode()
    page = client.post(f"/groups/{ref(group.pk)}/decide/", {"decision": "confirm", "reason": "car"})
    assert page.status_code == 302
    assert Group.objects.get(pk=group.pk).status == ProposalStatus.CONFIRMED


def test_the_inbox_and_the_mace_agenda_list_the_group(cast):
    _two_children(cast)
    group = Group.objects.get(area=cast.area)
    client = verified_client(Client(), cast, "analyst")
    inbox = client.get("/referrals/inbox/").content.decode()
    assert f'href="/groups/{ref(group.pk)}/"' in inbox and "new group of 2 children" in inbox
    mace = client.get("/referrals/mace/").content.decode()
    assert f"Group {group.pk}</a>: 2 children connected through" in mace


def test_places_are_counted_exactly_in_the_mash_and_suppressed_outside(cast):
    place = MentionInput(
        kind="place",
        value="Flat 2, 14 Mill Street, NB2 3RT",
        details={},
        how_known="seen",
        known_on=None,
    )
    _record(cast.teacher, JESSICA, [place])
    _record(cast.officer, TOMASZ, [place])
    mash = verified_client(Client(), cast, "analyst").get("/groups/places/").content.decode()
    lead = verified_client(Client(), cast, "lead").get("/groups/places/").content.decode()
    assert 'data-testid="place-children">2<' in mash
    assert 'data-testid="place-children">&lt;5<' in lead
    assert verified_client(Client(), cast, "teacher").get("/groups/places/").status_code == 403


def _form(**rows):
    return MentionsForm({f"m-{k.replace('__', '-')}": v for k, v in rows.items()})


def test_the_mentions_form_ignores_empty_rows_and_names_every_missing_field():
    form = _form()
    assert form.is_valid() and form.mentions() == []
    form = _form(
        **{
            "person-1-nickname": "Taz",
            "person-1-sex": "",
            "person-1-ethnicity": "Refused",
            "person-1-nationality": "Not known",
        }
    )
    assert not form.is_valid()
    assert form.errors["m-person-1-how_known"] == ["Select how person 1 is known"]
    assert form.errors["m-person-1-sex"] == ["Give person 1's sex, or Refused, or Not known"]
    form = _form(**{"vehicle-2-make": "Astra", "vehicle-2-how_known": "seen"})
    assert not form.is_valid()
    assert "m-vehicle-2-registration" in form.errors
    form = _form(
        **{
            "vehicle-1-registration": "YK19",
            "vehicle-1-part": "starts",
            "vehicle-1-colour": "silver",
            "vehicle-1-how_known": "third_hand",
            "person-1-name": "Tariq",
            "person-1-nickname": "Taz",
            "person-1-age": "30",
            "person-1-sex": "Male",
            "person-1-ethnicity": "Not known",
            "person-1-nationality": "British",
            "person-1-how_known": "disclosed",
            "person-1-known_on": "2026-10-01",
        }
    )
    assert form.is_valid(), form.errors
    values = {m.kind: m.value for m in form.mentions()}
    assert values == {"person": 'Tariq "Taz", about 30', "vehicle": "silver reg starts YK19"}


def test_a_person_match_is_merged_only_once_the_mash_confirms_it(cast):
    from jigsaw.web.groups.services import merge_decide

    _two_children(cast)
    merge = EntityMerge.objects.get(area=cast.area)
    assert merge.left.entity != merge.right.entity  # not merged while only proposed
    with pytest.raises(ValidationError):
        merge_decide(actor=cast.analyst, merge=merge, decision="confirm", reason="")
    merge_decide(actor=cast.analyst, merge=merge, decision="confirm", reason="same Snapchat")
    merge.left.refresh_from_db()
    merge.right.refresh_from_db()
    assert merge.left.entity == merge.right.entity
    group = Group.objects.get(area=cast.area)
    assert {r["kind"] for r in group.evidence} == {"vehicle", "person"}
    assert AuditEvent.objects.filter(event_type="entity_merge_confirmed").count() == 1


def test_a_concern_withdrawn_as_the_wrong_child_no_longer_connects(cast):
    from jigsaw.web.concerns.services import concern_withdraw

    school, police = _two_children(cast)
    group = Group.objects.get(area=cast.area)
    concern_withdraw(actor=cast.officer, concern=police.concern, reason="wrong child")
    group.refresh_from_db()
    assert not group.current
    assert set(group.members.values_list("child_id", flat=True)) == {school.child.pk}
    # The mentions stay stored with the concern; they just no longer count.
    assert Mention.objects.filter(concern=police.concern).count() == 2


def test_a_return_home_interview_records_mentions_that_connect(cast):
    import datetime as dt

    from jigsaw.act.clock import LONDON
    from jigsaw.web.referrals import services as workflow

    school = _record(cast.teacher, JESSICA, [_car("YK19 ABC")])
    police = _record(cast.officer, TOMASZ, [])
    episode = workflow.missing_record(
        actor=cast.officer,
        child=police.child,
        kind="missing",
        started_at=dt.datetime(2026, 11, 20, 22, tzinfo=LONDON),
        ended_at=dt.datetime(2026, 11, 21, 6, tzinfo=LONDON),
    )
    client = verified_client(Client(), cast, "officer")
    form = {
        "form": "interview",
        "episode": str(episode.pk),
        "offered_on": "2026-11-21",
        "response": "accepted",
        "completed_on": "2026-11-22",
        "completed_time": "10:00",
        "learned": "Picked up in a silver car.",
        f"rhi{episode.pk}-m-vehicle-1-registration": "YK19 AB C",
        f"rhi{episode.pk}-m-vehicle-1-part": "full",
    }
    refused = client.post(f"/referrals/missing/{ref(police.child.pk)}/", form)
    assert refused.status_code == 400
    assert "Select how vehicle 1 is known" in refused.content.decode()
    assert not Mention.objects.filter(episode=episode).exists()
    form[f"rhi{episode.pk}-m-vehicle-1-how_known"] = "disclosed"
    saved = client.post(f"/referrals/missing/{ref(police.child.pk)}/", form)
    assert saved.status_code == 302
    mention = Mention.objects.get(episode=episode)
    assert mention.known_on == dt.date(2026, 11, 22) and mention.concern is None
    group = Group.objects.get(area=cast.area)
    assert set(group.members.values_list("child_id", flat=True)) == {
        school.child.pk,
        police.child.pk,
    }


def test_the_mentions_fieldset_opens_when_it_holds_something():
    assert not MentionsForm().has_values
    assert not MentionsForm({"m-person-1-sex": "Not known"}).has_values
    assert MentionsForm({"m-phone-2-number": "07700 900123"}).has_values
    assert MentionsForm(initial={"m-place-1-address": "Mill Street"}).has_values
    assert MentionsForm({"rhi3-m-phone-1-number": "0770"}, prefix="rhi3").has_values
