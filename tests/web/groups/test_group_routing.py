"""Routing groups: a review for the MASH and, when the evidence holds a vehicle or a phone, a check
for the area's police single point of contact (SPOC); both on working-day clocks the sweep marks
overdue; the header counts them; the partnership lead sets the rules and names the SPOC.

Time comes from a test clock: Friday 27 November 2026, 16:00 in London.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client

from jigsaw.act.clock import LONDON, TestClock
from jigsaw.web.accounts.models import Designation
from jigsaw.web.accounts.services import agency_create, designation_end, spoc_designate
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.demo import demo_user_create
from jigsaw.web.groups.forms import MentionInput
from jigsaw.web.groups.models import Group, GroupSettings, GroupTask
from jigsaw.web.groups.selectors import group_check_for
from jigsaw.web.groups.services import (
    group_check_record,
    group_decide,
    group_settings_set,
    mentions_record,
)
from jigsaw.web.referrals.selectors import inbox_for
from jigsaw.web.referrals.services import clocks_sweep
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, PASSWORD, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.django_db]

FRIDAY_4PM = dt.datetime(2026, 11, 27, 16, tzinfo=LONDON)
TOMASZ = {"first_name": "Tomasz", "last_name": "Nowak", "dob": (2010, 6, 1), "sex": "M"}
AISHA = {"first_name": "Aisha", "last_name": "Begum", "dob": (2012, 9, 9), "sex": "F"}
MIA = {"first_name": "Mia", "last_name": "Clarke", "dob": (2011, 1, 2), "sex": "F"}
LEO = {"first_name": "Leo", "last_name": "Hart", "dob": (2010, 5, 5), "sex": "M"}


@pytest.fixture
def clock():
    from jigsaw.web.referrals.clock import clock_use

    test_clock = TestClock(FRIDAY_4PM)
    previous = clock_use(test_clock)
    yield test_clock
    clock_use(previous)


def _mention(kind: str, value: str, **details) -> MentionInput:
    return MentionInput(kind, value, details or {"value": value}, "seen", None)


CAR = _mention("vehicle", "silver Astra YK19 ABC", registration="YK19 ABC", make="Astra")
PHONE = _mention("phone", "07700 900123", number="07700 900123")
SNAP = _mention("online", "Snapchat @taz_99", platform="Snapchat", handle="@taz_99")
PARK = _mention("place", "Northbridge Park", address="Northbridge Park")


def _record(user, who, mentions):
    outcome = record_concern(user, who, SCHOOL_SIGNS, "note")
    mentions_record(actor=user, concern=outcome.concern, child=outcome.child, mentions=mentions)
    return outcome


def _car_group(cast):
    """The school's child and the police's child share a car: a group with a police check."""
    school = _record(cast.teacher, JESSICA, [CAR])
    police = _record(cast.officer, TOMASZ, [CAR])
    return Group.objects.get(area=cast.area), school, police


def test_a_vehicle_in_a_group_raises_a_check_for_the_spoc_and_a_place_alone_does_not(cast, clock):
    group, _, _ = _car_group(cast)
    tasks = {t.to: t for t in GroupTask.objects.filter(group=group)}
    assert set(tasks) == {"mash", "spoc"}
    assert tasks["spoc"].why == "to check: vehicle YK19 ABC"
    raised = AuditEvent.objects.filter(event_type="group_review_raised")
    assert sorted(e.extra["to"] for e in raised) == ["mash", "spoc"]

    # An online account and a place connect two other children: the MASH reviews, no police check.
    _record(cast.nurse, AISHA, [SNAP, PARK])
    _record(cast.teacher2, MIA, [SNAP, PARK])
    other = Group.objects.exclude(pk=group.pk).get(area=cast.area)
    assert {r["kind"] for r in other.evidence} == {"online", "place"}
    assert list(GroupTask.objects.filter(group=other).values_list("to", flat=True)) == ["mash"]

    # A place alone connects no one: no group, no task.
    before = GroupTask.objects.count()
    _record(cast.nurse, LEO, [_mention("place", "Northbridge Bus Station", address="x")])
    _record(
        cast.officer,
        {**LEO, "first_name": "Noah"},
        [_mention("place", "Northbridge Bus Station", address="x")],
    )
    assert Group.objects.filter(area=cast.area).count() == 2
    assert GroupTask.objects.count() == before


def test_what_newly_joins_a_group_is_checked_again_and_nothing_else(cast, clock):
    group, _, police = _car_group(cast)
    spoc_designate(actor=cast.lead, user_id=cast.officer.pk)
    first = GroupTask.objects.get(group=group, to="spoc")
    group_check_record(actor=cast.officer, task=first, note="Keeper known; no markers.")
    # A third child seen in the same car: the car is the police's to check again.
    aisha = _record(cast.nurse, AISHA, [CAR])
    again = GroupTask.objects.get(group=group, to="spoc", done_at__isnull=True)
    assert again.why == "to check: vehicle YK19 ABC"
    group_check_record(actor=cast.officer, task=again, note="Seen with a third child.")
    # A fourth child joins through an online account: the MASH reviews, the police have nothing.
    mentions_record(actor=cast.officer, concern=police.concern, child=police.child, mentions=[SNAP])
    _record(cast.teacher2, MIA, [SNAP])
    group.refresh_from_db()
    assert group.members.count() == 4
    assert GroupTask.objects.filter(group=group, to="mash", done_at__isnull=True).exists()
    assert not GroupTask.objects.filter(group=group, to="spoc", done_at__isnull=True).exists()
    # A phone now shared by two of the children is new evidence for the police.
    mentions_record(
        actor=cast.officer, concern=police.concern, child=police.child, mentions=[PHONE]
    )
    mentions_record(actor=cast.nurse, concern=aisha.concern, child=aisha.child, mentions=[PHONE])
    check = GroupTask.objects.get(group=group, to="spoc", done_at__isnull=True)
    assert check.why.startswith("to check: phone ") and "vehicle" not in check.why


def test_the_clock_counts_working_days_across_the_weekend(cast, clock):
    group, _, _ = _car_group(cast)
    for task in GroupTask.objects.filter(group=group):
        assert task.raised_at == FRIDAY_4PM
        # Three working days from Friday 16:00: Monday, Tuesday, Wednesday, so Wednesday 16:00
        # (72 raw hours would have ended on Monday).
        assert task.due_at == dt.datetime(2026, 12, 2, 16, tzinfo=LONDON)
    # The partnership's own review days, counted the same way: one working day is Monday 16:00.
    group_settings_set(actor=cast.lead, size_threshold=2, review_days=1)
    _record(cast.nurse, AISHA, [SNAP])
    _record(cast.teacher2, MIA, [SNAP])
    other = Group.objects.exclude(pk=group.pk).get(area=cast.area)
    assert GroupTask.objects.get(group=other).due_at == dt.datetime(2026, 11, 30, 16, tzinfo=LONDON)


def test_the_sweep_marks_late_reviews_and_checks_overdue_once(cast, clock):
    group, _, _ = _car_group(cast)
    clock.set(dt.datetime(2026, 12, 2, 15, 59, tzinfo=LONDON))
    clocks_sweep(area_id=cast.area.pk)
    assert not GroupTask.objects.filter(overdue_at__isnull=False).exists()
    clock.set(dt.datetime(2026, 12, 2, 16, 0, tzinfo=LONDON))
    clocks_sweep(area_id=cast.area.pk)
    late = GroupTask.objects.filter(group=group, overdue_at__isnull=False)
    assert sorted(late.values_list("to", flat=True)) == ["mash", "spoc"]
    events = AuditEvent.objects.filter(event_type="group_review_overdue")
    assert sorted(e.extra["to"] for e in events) == ["mash", "spoc"]
    assert {e.actor_id for e in events} == {None}
    # Idempotent: a second sweep escalates nothing again; another area's sweep touches nothing.
    assert clocks_sweep(area_id=cast.area.pk) == 0
    assert AuditEvent.objects.filter(event_type="group_review_overdue").count() == 2
    page = verified_client(Client(), cast, "analyst").get("/referrals/inbox/")
    assert "Overdue" in page.content.decode().split('data-testid="group-tasks"', 1)[1]


def test_the_spoc_and_the_mash_are_told_by_email_of_new_and_late_tasks(
    cast, clock, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.JIGSAW_NOTIFY_EMAIL = True
    settings.JIGSAW_SITE_URL = "https://jigsaw.example.gov.uk"
    for user, address in ((cast.officer, "spoc@police.example"), (cast.analyst, "mash@la.example")):
        user.email = address
        user.save(update_fields=["email"])
    spoc_designate(actor=cast.lead, user_id=cast.officer.pk)
    with django_capture_on_commit_callbacks(execute=True):
        _car_group(cast)
    told = {m.to[0]: m.body for m in mail.outbox}
    assert set(told) == {"spoc@police.example", "mash@la.example"}
    assert "a group of connected children to review or check" in told["spoc@police.example"]
    assert "YK19" not in told["spoc@police.example"]  # a message names nothing
    mail.outbox.clear()
    clock.set(dt.datetime(2026, 12, 2, 16, tzinfo=LONDON))
    with django_capture_on_commit_callbacks(execute=True):
        clocks_sweep(area_id=cast.area.pk)
    # The late check goes to the SPOC and the MASH, the late review to the MASH.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "mash@la.example",
        "mash@la.example",
        "spoc@police.example",
    ]
    assert all("an overdue group review or check" in m.body for m in mail.outbox)


def test_the_header_counts_the_group_tasks_each_user_owes(cast, clock):
    group, _, _ = _car_group(cast)
    assert inbox_for(cast.analyst).counts["groups"] == 1  # the MASH's review, not the check
    assert inbox_for(cast.officer).counts["groups"] == 0  # not yet the SPOC
    assert inbox_for(cast.teacher).counts["groups"] == 0
    spoc_designate(actor=cast.lead, user_id=cast.officer.pk)
    assert inbox_for(cast.officer).counts["groups"] == 1
    officer = verified_client(Client(), cast, "officer")
    before = inbox_for(cast.officer).total
    page = officer.get("/referrals/inbox/").content.decode()
    assert f'data-testid="header-inbox-count">{before}<' in page
    check = GroupTask.objects.get(group=group, to="spoc")
    assert f'href="/groups/checks/{ref(check.pk)}/"' in page
    # The MASH deciding the group closes its review only: the police check is still owed.
    group_decide(actor=cast.analyst, group=group, decision="confirm", reason="same car")
    assert inbox_for(cast.analyst).counts["groups"] == 0
    assert inbox_for(cast.officer).counts["groups"] == 1
    # An ended designation stops counting at once; given again, the check is owed again.
    designation = Designation.objects.get(user=cast.officer, ended_at__isnull=True)
    designation_end(actor=cast.lead, designation_id=designation.pk)
    assert inbox_for(cast.officer).counts["groups"] == 0
    spoc_designate(actor=cast.lead, user_id=cast.officer.pk)
    group_check_record(actor=cast.officer, task=check, note="PNC: keeper known to us.")
    assert inbox_for(cast.officer).counts["groups"] == 0


def test_the_spoc_sees_the_vehicles_and_names_only_children_of_their_scope(cast, clock):
    group, school, police = _car_group(cast)
    check = GroupTask.objects.get(group=group, to="spoc")
    officer = verified_client(Client(), cast, "officer")
    # Not yet designated: the police officer's role alone opens no check.
    assert officer.get(f"/groups/checks/{ref(check.pk)}/").status_code == 404
    designation = spoc_designate(actor=cast.lead, user_id=cast.officer.pk)
    page = officer.get(f"/groups/checks/{ref(check.pk)}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "YK19 ABC" in text and "Northbridge Academy" in text
    assert "Tomasz Nowak" in text  # the officer recorded Tomasz's concern
    assert "Jessica" not in text and "A child you may not open" in text
    viewed = AuditEvent.objects.filter(event_type="group_check_viewed").get()
    assert viewed.extra["purpose"].startswith("police single point of contact")
    assert viewed.extra["children"] == sorted([school.child.pk, police.child.pk])
    assert viewed.extra["named"] == [police.child.pk]
    # The MASH's group page stays the MASH's.
    assert officer.get(f"/groups/{ref(group.pk)}/").status_code == 403

    # A check needs what was found; recorded, it is audited and closed.
    empty = officer.post(f"/groups/checks/{ref(check.pk)}/", {"note": "  "})
    assert empty.status_code == 400
    assert "Say what was checked and what was found" in empty.content.decode()
    done = officer.post(f"/groups/checks/{ref(check.pk)}/", {"note": "Keeper: a hire firm."})
    assert done.status_code == 302
    check.refresh_from_db()
    assert check.done_by == cast.officer and check.note == "Keeper: a hire firm."
    recorded = AuditEvent.objects.filter(event_type="group_check_recorded").get()
    assert recorded.extra["note"] == "Keeper: a hire firm."
    # The MASH reads the check with the group.
    mash = verified_client(Client(), cast, "analyst").get(f"/groups/{ref(group.pk)}/")
    assert "Keeper: a hire firm." in mash.content.decode().split('data-testid="police-checks"')[1]
    with pytest.raises(ValidationError):
        group_check_record(actor=cast.officer, task=check, note="again")

    # Ended, the designation opens nothing any more.
    designation_end(actor=cast.lead, designation_id=designation.pk)
    assert officer.get(f"/groups/checks/{ref(check.pk)}/").status_code == 404
    with pytest.raises(PermissionDenied):
        group_check_record(actor=cast.officer, task=check, note="x")


def test_a_spoc_of_another_area_sees_nothing(cast, clock):
    group, _, _ = _car_group(cast)
    check = GroupTask.objects.get(group=group, to="spoc")
    far_police = agency_create(area=cast.other_area, kind="police", name="Southmoor Police")
    far_officer, device = demo_user_create(
        username="far_officer", password=PASSWORD, role="practitioner", agency=far_police
    )
    spoc_designate(actor=None, user_id=far_officer.pk)
    assert inbox_for(far_officer).counts["groups"] == 0
    with pytest.raises(Http404):
        group_check_for(user=far_officer, task_id=check.pk)
    client = Client()
    client.force_login(far_officer)
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.get(f"/groups/checks/{ref(check.pk)}/").status_code == 404
    assert client.post(f"/groups/checks/{ref(check.pk)}/", {"note": "x"}).status_code == 404
    # Nobody of another area designates a SPOC here: the account is "not found" to them.
    with pytest.raises(Http404):
        spoc_designate(actor=cast.far_analyst, user_id=cast.officer.pk)


def test_only_a_police_account_that_records_concerns_may_be_the_spoc(cast):
    with pytest.raises(ValidationError):
        spoc_designate(actor=cast.lead, user_id=cast.teacher.pk)  # a school's practitioner
    with pytest.raises(PermissionDenied):
        spoc_designate(actor=cast.analyst, user_id=cast.officer.pk)  # not the lead
    spoc_designate(actor=cast.lead, user_id=cast.officer.pk)
    with pytest.raises(ValidationError):
        spoc_designate(actor=cast.lead, user_id=cast.officer.pk)  # already
    given = AuditEvent.objects.filter(event_type="designation_given").get()
    assert given.actor == cast.lead and given.extra["user"] == cast.officer.pk
    # The lead's "Access given" page lists it.
    page = verified_client(Client(), cast, "lead").get("/accounts/access-grants/").content.decode()
    table = page.split('data-testid="designations"', 1)[1]
    assert "officer" in table and "Northbridge Police" in table and "held" in table


def test_the_lead_sets_the_group_rules_within_their_bounds(cast, clock):
    lead = verified_client(Client(), cast, "lead")
    page = lead.get("/groups/settings/")
    assert page.status_code == 200
    assert "groups of 2 children or more, reviewed within 3 working days" in page.content.decode()
    for posted, message in (
        ({"size_threshold": "1", "review_days": "3"}, "A group needs at least 2 children"),
        ({"size_threshold": "51", "review_days": "3"}, "Give at most 50 children"),
        ({"size_threshold": "3", "review_days": "0"}, "Give at least 1 working day"),
        ({"size_threshold": "3", "review_days": "21"}, "Give at most 20 working days"),
        ({"size_threshold": "three", "review_days": "2"}, "Give the number of children as a"),
        ({"size_threshold": "3", "review_days": ""}, "Give the working days the MASH has"),
    ):
        refused = lead.post("/groups/settings/", {"form": "rules", **posted})
        assert refused.status_code == 400, posted
        assert message in refused.content.decode(), posted
    assert not GroupSettings.objects.exists()
    assert not AuditEvent.objects.filter(event_type="group_settings_changed").exists()
    saved = lead.post(
        "/groups/settings/", {"form": "rules", "size_threshold": "3", "review_days": "5"}
    )
    assert saved.status_code == 302
    rules = GroupSettings.objects.get(area=cast.area)
    assert (rules.size_threshold, rules.review_days) == (3, 5)
    changed = AuditEvent.objects.filter(event_type="group_settings_changed").get()
    assert changed.extra == {
        "before": {"size_threshold": 2, "review_days": 3},
        "after": {"size_threshold": 3, "review_days": 5},
    }
    # The service refuses what the form would, and anyone but the lead.
    with pytest.raises(ValidationError):
        group_settings_set(actor=cast.lead, size_threshold=3, review_days=0)
    with pytest.raises(PermissionDenied):
        group_settings_set(actor=cast.analyst, size_threshold=2, review_days=3)
    # Two children are no longer a group worth a review.
    _car_group(cast)
    assert not GroupTask.objects.exists()

    # The SPOC is named on the same page.
    named = lead.post("/groups/settings/", {"form": "designate", "spoc-user": str(cast.officer.pk)})
    assert named.status_code == 302
    page = lead.get("/groups/settings/").content.decode()
    assert 'data-testid="spoc-row"' in page and "officer" in page
    wrong = lead.post("/groups/settings/", {"form": "designate", "spoc-user": str(cast.teacher.pk)})
    assert wrong.status_code == 400
    assert "Select one of the police accounts listed" in wrong.content.decode()


def test_the_demo_names_its_police_officer_the_spoc_with_the_checks_waiting(db):
    from django.contrib.auth import get_user_model

    from jigsaw.web.access import Actor, is_spoc
    from jigsaw.web.accounts.models import Agency
    from jigsaw.web.children.models import AgencyRecord
    from jigsaw.web.demo import DEMO_SPOC, _demo_users

    # The session's background partnership, given the demo's users as `jigsaw demo` gives them.
    area = AgencyRecord.objects.filter(record_id__startswith="POL").first().agency.area
    users = _demo_users({a.kind: a for a in Agency.objects.filter(area=area)})
    shown = next(u for u in users if u.username == DEMO_SPOC)
    assert shown.role == "Practitioner and police SPOC for groups"
    assert shown.agency == Agency.objects.get(area=area, kind="police").name
    police = get_user_model().objects.get(username=DEMO_SPOC)
    assert is_spoc(Actor.of(police))
    assert inbox_for(police).counts["groups"] == 0  # this small world holds no group yet
    # The demo's school and health practitioners see one car with two children: the check is
    # the demo police officer's to try.
    school = get_user_model().objects.get(username="practitioner")
    health = get_user_model().objects.get(username="health")
    _record(school, {**JESSICA, "last_name": "Quillfeather"}, [CAR])
    _record(health, {**TOMASZ, "last_name": "Zwierzchowski"}, [CAR])
    check = GroupTask.objects.get(group__area=area, to="spoc", done_at__isnull=True)
    assert inbox_for(police).counts["groups"] == 1
    assert group_check_for(user=police, task_id=check.pk).entities[0].label == "YK19 ABC"
    given = Designation.objects.get(user=police)
    assert given.given_by is None and given.area == area
