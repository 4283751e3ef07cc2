"""MACE cases: the panel opens a case on a place or a peer group and links the children affected.

Opening from a place the area's concerns record, and from a group of connected children; adding
and removing children with reasons; notes, actions, closing; the scope (a practitioner never sees
a child through a case, another area's case is 404); the audit rows; the agenda and the minutes.
"""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlencode

import pypdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.groups.forms import MentionInput
from jigsaw.web.groups.models import Group
from jigsaw.web.groups.services import mentions_record
from jigsaw.web.referrals import cases, services
from jigsaw.web.referrals.models import MaceCaseChild
from jigsaw.web.referrals.selectors import mace_minutes
from jigsaw.web.refs import ref
from tests.web.cast import HEALTH_SIGNS, JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.django_db]

AMIRA = {"first_name": "Amira", "last_name": "Haddad", "dob": (2010, 7, 9), "sex": "F"}
TOMASZ = {"first_name": "Tomasz", "last_name": "Nowak", "dob": (2010, 6, 1), "sex": "M"}
MIA = {"first_name": "Mia", "last_name": "Clarke", "dob": (2011, 1, 2), "sex": "F"}
SHOP_WRITTEN = "Kebab house, 12 Mill Street NB1 2AB"
# The place as the area's mentions resolve it (jigsaw.connect's normal form of a place).
SHOP = "12 mill street, NB1 2AB"
OPEN_AT_SHOP = "/referrals/mace/cases/open/?" + urlencode({"place": SHOP})
ATTENDEES = "Northbridge Police | inspector | Insp. Hale\nNorthbridge Academy | DSL | Ms Reid"


def _shop() -> MentionInput:
    return MentionInput("place", SHOP_WRITTEN, {"address": SHOP_WRITTEN}, "disclosed", None)


def _car() -> MentionInput:
    return MentionInput("vehicle", "YK19 ABC", {"registration": "YK19 ABC"}, "seen", None)


def _at_the_shop(cast):
    """Two agencies' children both said to go to the same shop (a school's and a clinic's)."""
    school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent, gifts.")
    health = record_concern(cast.nurse, AMIRA, HEALTH_SIGNS, "Clinic.")
    for outcome, user in ((school, cast.teacher), (health, cast.nurse)):
        mentions_record(
            actor=user, concern=outcome.concern, child=outcome.child, mentions=[_shop()]
        )
    return school.child, health.child


def _events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=kind).order_by("seq"))


def test_a_case_on_a_place_suggests_the_children_recorded_there_and_each_is_added_with_a_reason(
    cast, clock
):
    jessica, amira = _at_the_shop(cast)
    assert SHOP in cases.place_labels(cast.area.pk)
    case = cases.case_open(
        actor=cast.analyst,
        kind="place",
        title="Mill Street takeaway",
        place_label=SHOP,
        postcode="nb1 2ab",
    )
    assert (case.place, case.postcode, case.area_id) == (SHOP, "NB1 2AB", cast.area.pk)
    assert _events("mace_case_opened")[-1].extra["place"] == SHOP
    view = cases.case_view(user=cast.analyst, case_id=case.pk)
    assert {(c, name) for c, name, _ in view.suggested} == {
        (jessica.pk, "Jessica Okafor"),
        (amira.pk, "Amira Haddad"),
    }
    assert all(why == f"a place mention: {SHOP}" for _, _, why in view.suggested)
    with pytest.raises(ValidationError, match="Say why the child is affected"):
        cases.case_child_add(actor=cast.analyst, case=case, child_id=jessica.pk, reason="  ")
    cases.case_child_add(actor=cast.analyst, case=case, child_id=jessica.pk, reason="Goes there")
    cases.case_child_add(actor=cast.analyst, case=case, child_id=amira.pk, reason="Seen there")
    with pytest.raises(ValidationError, match="already on this case"):
        cases.case_child_add(actor=cast.analyst, case=case, child_id=amira.pk, reason="again")
    added = _events("mace_case_child_added")
    assert [(e.extra["child"], e.extra["reason"]) for e in added] == [
        (jessica.pk, "Goes there"),
        (amira.pk, "Seen there"),
    ]
    assert all(e.subject_type == "macecase" and e.subject_id == str(case.pk) for e in added)
    view = cases.case_view(user=cast.analyst, case_id=case.pk)
    assert [r.name for r in view.children] == ["Jessica Okafor", "Amira Haddad"]
    assert view.suggested == () and view.hidden_children == 0
    seen = _events("mace_case_viewed")[-1]
    assert seen.extra == {
        "purpose": "MACE case: children affected by a place or a peer group",
        "children": sorted([jessica.pk, amira.pk]),
    }


def test_a_place_must_be_named_and_a_label_must_be_the_areas(cast, clock):
    _at_the_shop(cast)
    with pytest.raises(ValidationError, match="Say which place"):
        cases.case_open(actor=cast.analyst, kind="place", title="Somewhere")
    with pytest.raises(ValidationError, match="No place of that name"):
        cases.case_open(actor=cast.analyst, kind="place", title="x", place_label="the moon")
    with pytest.raises(ValidationError, match="Give the case a title"):
        cases.case_open(actor=cast.analyst, kind="place", title=" ", place="Park")
    with pytest.raises(ValidationError, match="real postcode"):
        cases.case_open(actor=cast.analyst, kind="place", title="x", place="Park", postcode="zz")
    # The place label of one area is not a place of another.
    with pytest.raises(ValidationError, match="No place of that name"):
        cases.case_open(actor=cast.far_analyst, kind="place", title="x", place_label=SHOP)
    for name in ("teacher", "school_dsl", "nurse", "lead", "auditor", "admin"):
        with pytest.raises(PermissionDenied):
            cases.case_open(actor=getattr(cast, name), kind="place", title="x", place="Park")


def test_a_peer_group_case_opened_from_a_group_suggests_its_children(cast, clock):
    police = record_concern(cast.officer, TOMASZ, ["older_associates"], "police")
    council = record_concern(cast.analyst, MIA, ["older_associates"], "mash")
    for outcome, user in ((police, cast.officer), (council, cast.analyst)):
        mentions_record(actor=user, concern=outcome.concern, child=outcome.child, mentions=[_car()])
    group = Group.objects.get(area=cast.area)
    case = cases.case_open(actor=cast.analyst, kind="peer_group", title="Astra boys", group=group)
    view = cases.case_view(user=cast.analyst, case_id=case.pk)
    assert {c for c, _, _ in view.suggested} == {police.child.pk, council.child.pk}
    assert {why for _, _, why in view.suggested} == {f"in group {group.pk}"}
    with pytest.raises(ValidationError, match="No such group"):
        cases.case_open(actor=cast.far_analyst, kind="peer_group", title="x", group=group)


def test_removing_and_closing_need_reasons_and_a_closed_case_takes_nothing_new(cast, clock):
    jessica, amira = _at_the_shop(cast)
    case = cases.case_open(actor=cast.analyst, kind="place", title="Shop", place="Mill Street")
    row = cases.case_child_add(actor=cast.analyst, case=case, child_id=jessica.pk, reason="r")
    with pytest.raises(ValidationError, match="Say why the child is taken off"):
        cases.case_child_remove(actor=cast.analyst, case=case, member_id=row.pk, reason="")
    cases.case_child_remove(actor=cast.analyst, case=case, member_id=row.pk, reason="Wrong girl")
    assert _events("mace_case_child_removed")[-1].extra == {
        "child": jessica.pk,
        "reason": "Wrong girl",
    }
    # Kept, with who and why; added again as a new row.
    cases.case_child_add(actor=cast.analyst, case=case, child_id=jessica.pk, reason="Right girl")
    assert MaceCaseChild.objects.filter(case=case, child=jessica).count() == 2
    history = [h.what for h in cases.case_view(user=cast.analyst, case_id=case.pk).history]
    assert history == [
        "Case opened: Shop",
        "Jessica Okafor added: r",
        "Jessica Okafor removed: Wrong girl",
        "Jessica Okafor added: Right girl",
    ]
    with pytest.raises(ValidationError, match="Write the note"):
        cases.case_note_add(actor=cast.analyst, case=case, text=" ")
    cases.case_note_add(actor=cast.analyst, case=case, text="Owner spoken to by police.")
    with pytest.raises(ValidationError, match="Say why the case can close"):
        cases.case_close(actor=cast.analyst, case=case, reason="")
    cases.case_close(actor=cast.analyst, case=case, reason="Premises closed by licensing")
    assert _events("mace_case_closed")[-1].extra == {"reason": "Premises closed by licensing"}
    with pytest.raises(ValidationError, match="is closed"):
        cases.case_child_add(actor=cast.analyst, case=case, child_id=amira.pk, reason="r")
    with pytest.raises(ValidationError, match="is closed"):
        cases.case_note_add(actor=cast.analyst, case=case, text="late")
    with pytest.raises(ValidationError, match="is closed"):
        cases.case_close(actor=cast.analyst, case=case, reason="again")
    assert cases.cases_for(cast.analyst) == []
    assert [r.case for r in cases.cases_for(cast.analyst, status="closed")] == [case]


def test_actions_follow_the_rules_of_a_referrals_actions(cast, clock):
    case = cases.case_open(actor=cast.analyst, kind="place", title="Park", place="Rec ground")
    with pytest.raises(ValidationError, match="owner agency must be of the case's area"):
        cases.case_action_create(
            actor=cast.analyst,
            case=case,
            title="Visit",
            owner_agency=cast.far_council,
            due_on=dt.date(2026, 12, 1),
        )
    with pytest.raises(ValidationError, match="Say what is to be done"):
        cases.case_action_create(
            actor=cast.analyst,
            case=case,
            title="",
            owner_agency=cast.police,
            due_on=dt.date(2026, 12, 1),
        )
    action = cases.case_action_create(
        actor=cast.analyst,
        case=case,
        title="Disruption patrols",
        owner_agency=cast.police,
        due_on=dt.date(2026, 11, 30),
    )
    assert _events("mace_case_action_created")[-1].extra["owner_agency"] == cast.police.pk
    assert cases.case_agenda(cast.analyst, on=dt.date(2026, 11, 27))[0].reasons == ("new case",)
    clock.set(clock.now() + dt.timedelta(days=4))  # Tuesday 1 December: the action is late
    row = cases.cases_for(cast.analyst)[0]
    assert (row.open_actions, row.overdue_actions) == (1, 1)
    assert "overdue actions" in cases.case_agenda(cast.analyst, on=dt.date(2026, 12, 1))[0].reasons
    with pytest.raises(ValidationError, match="the evidence"):
        cases.case_action_done(actor=cast.analyst, case=case, action_id=action.pk, evidence="")
    cases.case_action_done(actor=cast.analyst, case=case, action_id=action.pk, evidence="3 done")
    assert _events("mace_case_action_done")[-1].extra == {"action": action.pk, "evidence": "3 done"}
    assert cases.cases_for(cast.analyst)[0].overdue_actions == 0


def test_nothing_crosses_areas_and_a_child_outside_the_scope_is_no_child(cast, clock):
    jessica, _ = _at_the_shop(cast)
    case = cases.case_open(actor=cast.analyst, kind="place", title="Shop", place_label=SHOP)
    cases.case_child_add(actor=cast.analyst, case=case, child_id=jessica.pk, reason="r")
    with pytest.raises(Http404):
        cases.case_view(user=cast.far_analyst, case_id=case.pk)
    with pytest.raises(PermissionDenied):
        cases.case_note_add(actor=cast.far_analyst, case=case, text="x")
    assert cases.cases_for(cast.far_analyst) == []
    assert cases.case_agenda(cast.far_analyst, on=dt.date(2026, 11, 27)) == []
    # A far analyst's own case cannot take this area's child, and a missing child reads the same.
    far = cases.case_open(actor=cast.far_analyst, kind="place", title="Far", place="Pier")
    for child_id in (jessica.pk, 99_999_999):
        with pytest.raises(ValidationError, match=cases.NO_SUCH_CHILD):
            cases.case_child_add(actor=cast.far_analyst, case=far, child_id=child_id, reason="r")
    # The meeting of one area decides only on its own cases.
    with pytest.raises(PermissionDenied):
        services.mace_meeting_record(
            actor=cast.analyst,
            held_on=dt.date(2026, 11, 27),
            chair="c",
            attendees=ATTENDEES,
            items=[],
            contexts=[cases.ContextDecision(decision="d", case=far)],
        )


def test_a_practitioner_never_sees_a_child_through_a_case(cast, client, clock):
    jessica, amira = _at_the_shop(cast)
    case = cases.case_open(actor=cast.analyst, kind="place", title="Shop", place_label=SHOP)
    for child in (jessica, amira):
        cases.case_child_add(actor=cast.analyst, case=case, child_id=child.pk, reason="r")
    # The nurse knows Amira, not the school's Jessica; the teacher the other way round. Neither
    # learns of the case or of the other agency's child through it, nor does their lead.
    for name in ("nurse", "teacher", "school_dsl"):
        user = getattr(cast, name)
        with pytest.raises(Http404):
            cases.case_view(user=user, case_id=case.pk)
        assert cases.cases_for(user) == []
        assert cases.case_agenda(user, on=dt.date(2026, 11, 27)) == []
        page = verified_client(client, cast, name)
        for path in ("/referrals/mace/cases/", f"/referrals/mace/cases/{ref(case.pk)}/"):
            answer = page.get(path)
            assert answer.status_code == 403
            assert "Jessica" not in answer.content.decode()
            assert "Amira" not in answer.content.decode()
        client.logout()
    assert not AuditEvent.objects.filter(event_type="mace_case_viewed").exists()


def test_the_pages_open_a_case_from_a_place_add_children_and_refuse_without_reasons(
    cast, client, clock
):
    jessica, amira = _at_the_shop(cast)
    mash = verified_client(client, cast, "analyst")
    places = mash.get("/groups/places/").content.decode()
    assert 'href="/referrals/mace/cases/open/?place=12%20mill%20street%2C%20NB1%202AB"' in places
    assert mash.get("/referrals/mace/cases/open/?place=nowhere").status_code == 404
    form = mash.get(OPEN_AT_SHOP)
    assert form.status_code == 200 and 'value="12 mill street, NB1 2AB"' in form.content.decode()
    refused = mash.post(OPEN_AT_SHOP, {"kind": "place", "title": ""})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "govuk-error-summary" in body and '<a href="#title">Give the case a title</a>' in body
    opened = mash.post(
        OPEN_AT_SHOP,
        {"kind": "place", "title": "Mill Street takeaway", "place": SHOP},
    )
    assert opened.status_code == 302
    page_path = opened["Location"]
    page = mash.get(page_path).content.decode()
    assert 'data-testid="suggested"' in page and f'value="{ref(jessica.pk)}"' in page
    no_reason = mash.post(page_path + "child/", {"child": ref(jessica.pk), "reason": ""})
    assert no_reason.status_code == 400
    assert '<a href="#reason">Say why the child is affected by this context</a>' in (
        no_reason.content.decode()
    )
    bad_ref = mash.post(page_path + "child/", {"child_ref": "12-nonsense", "reason": "r"})
    assert bad_ref.status_code == 400 and cases.NO_SUCH_CHILD in bad_ref.content.decode()
    assert (
        mash.post(page_path + "child/", {"child": ref(jessica.pk), "reason": "Goes"}).status_code
        == 302
    )
    # A reference pasted as the child's whole page address works too.
    whole = f"http://testserver/children/{ref(amira.pk)}/"
    assert (
        mash.post(page_path + "child/", {"child_ref": whole, "reason": "Seen"}).status_code == 302
    )
    page = mash.get(page_path).content.decode()
    assert page.count('data-testid="case-child"') == 2
    assert mash.post(page_path + "nonsense/", {}).status_code == 404
    assert mash.post(page_path + "close/", {"close_reason": ""}).status_code == 400
    assert mash.get("/referrals/mace/cases/").content.decode().count('data-testid="case-row"') == 1
    client.logout()
    assert verified_client(client, cast, "far_analyst").get(page_path).status_code == 404


def test_a_group_page_opens_a_peer_group_case(cast, client, clock):
    police = record_concern(cast.officer, TOMASZ, ["older_associates"], "police")
    council = record_concern(cast.analyst, MIA, ["older_associates"], "mash")
    for outcome, user in ((police, cast.officer), (council, cast.analyst)):
        mentions_record(actor=user, concern=outcome.concern, child=outcome.child, mentions=[_car()])
    group = Group.objects.get(area=cast.area)
    mash = verified_client(client, cast, "analyst")
    start = f"/referrals/mace/cases/open/{ref(group.pk)}/"
    assert f'href="{start}"' in mash.get(f"/groups/{ref(group.pk)}/").content.decode()
    opened = mash.post(start, {"kind": "peer_group", "title": "Astra boys"})
    assert opened.status_code == 302
    page = mash.get(opened["Location"]).content.decode()
    assert "Tomasz Nowak" in page and "Mia Clarke" in page and f"in group {group.pk}" in page
    client.logout()
    assert verified_client(client, cast, "far_analyst").get(start).status_code == 404


def test_open_cases_and_groups_are_on_the_agenda_and_their_decisions_in_the_minutes(
    cast, client, clock
):
    jessica, amira = _at_the_shop(cast)
    police = record_concern(cast.officer, TOMASZ, ["older_associates"], "police")
    council = record_concern(cast.analyst, MIA, ["older_associates"], "mash")
    for outcome, user in ((police, cast.officer), (council, cast.analyst)):
        mentions_record(actor=user, concern=outcome.concern, child=outcome.child, mentions=[_car()])
    group = Group.objects.get(members__child=police.child)
    case = cases.case_open(actor=cast.analyst, kind="place", title="Mill Street", place_label=SHOP)
    for child in (jessica, amira):
        cases.case_child_add(actor=cast.analyst, case=case, child_id=child.pk, reason="r")
    mash = verified_client(client, cast, "analyst")
    panel = mash.get("/referrals/mace/").content.decode()
    assert panel.count('data-testid="agenda-case"') == 1 and "Mill Street" in panel
    assert f'name="case-{case.pk}-decision"' in panel
    assert f'name="group-{group.pk}-decision"' in panel
    empty = {
        "held_on_day": "27",
        "held_on_month": "11",
        "held_on_year": "2026",
        "chair": "Chief Supt. Lowe",
        "attendees": ATTENDEES,
    }
    nothing = mash.post("/referrals/mace/", empty)
    assert nothing.status_code == 400
    assert "at least one child, case or group" in nothing.content.decode()
    answer = mash.post(
        "/referrals/mace/",
        {
            **empty,
            f"case-{case.pk}-decision": "Licensing review; police patrols Friday nights.",
            f"group-{group.pk}-decision": "Joint visit to both families.",
        },
    )
    assert answer.status_code == 302
    recorded = _events("mace_meeting_recorded")[-1].extra
    assert (recorded["cases"], recorded["groups"], recorded["referrals"]) == (
        [case.pk],
        [group.pk],
        [],
    )
    meeting_id = int(answer["Location"].rstrip("/").rsplit("/", 1)[1].split("-")[0])
    _, lines = mace_minutes(user=cast.analyst, meeting_id=meeting_id, purpose="test")
    at = lines.index(f"Case {case.pk}: Mill Street (place, {SHOP})")
    assert lines[at + 1 : at + 3] == [
        "Children affected: Jessica Okafor, Amira Haddad",
        "Decision: Licensing review; police patrols Friday nights.",
    ]
    assert "Decision: Joint visit to both families." in lines
    assert any(line.startswith(f"Group {group.pk}: 2 children connected through") for line in lines)
    pdf = mash.get(answer["Location"] + "minutes.pdf")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Children affected: Jessica Okafor, Amira Haddad" in text
    page = mash.get(f"/referrals/mace/cases/{ref(case.pk)}/").content.decode()
    assert "Licensing review; police patrols Friday nights." in page
    # The next meeting's agenda still has the case (open until closed), no longer as new.
    clock.set(clock.now() + dt.timedelta(days=14))
    again = cases.case_agenda(cast.analyst, on=dt.date(2026, 12, 11))
    assert [(i.case, i.reasons, i.children) for i in again] == [(case, ("open",), 2)]


def test_the_case_page_takes_notes_actions_removals_and_closes(cast, client, clock):
    jessica, _ = _at_the_shop(cast)
    case = cases.case_open(actor=cast.analyst, kind="place", title="Shop", place_label=SHOP)
    member = cases.case_child_add(actor=cast.analyst, case=case, child_id=jessica.pk, reason="r")
    mash = verified_client(client, cast, "analyst")
    path = f"/referrals/mace/cases/{ref(case.pk)}/"
    assert mash.post(path + "note/", {"text": "Owner seen."}).status_code == 302
    late = {"title": "Licensing visit", "owner_agency": str(cast.council.pk)}
    refused = mash.post(path + "action/", late)
    assert refused.status_code == 400
    assert '<a href="#due_on_day">' in refused.content.decode()
    dated = {**late, "due_on_day": "30", "due_on_month": "11", "due_on_year": "2026"}
    assert mash.post(path + "action/", dated).status_code == 302
    action = case.actions.get()
    assert (action.title, action.owner_agency, action.due_on) == (
        "Licensing visit",
        cast.council,
        dt.date(2026, 11, 30),
    )
    no_evidence = mash.post(path + "done/", {"done_action": str(action.pk), "evidence": ""})
    assert no_evidence.status_code == 400
    assert "Say what was done (the evidence)" in no_evidence.content.decode()
    done = {"done_action": str(action.pk), "evidence": "Licence reviewed."}
    assert mash.post(path + "done/", done).status_code == 302
    remove = {"member": str(member.pk), "remove_reason": ""}
    assert mash.post(path + "remove/", remove).status_code == 400
    remove["remove_reason"] = "Not the same shop"
    assert mash.post(path + "remove/", remove).status_code == 302
    assert mash.post(path + "close/", {"close_reason": "Shop closed."}).status_code == 302
    page = mash.get(path).content.decode()
    assert 'data-testid="closed"' in page and "Shop closed." in page
    assert "Add the child" not in page and "Evidence: Licence reviewed." in page
    history = page[page.index('data-testid="case-history"') :]
    for what in ("Note written", "Action set: Licensing visit", "Action done: Licensing visit"):
        assert what in history
    assert "Jessica Okafor removed: Not the same shop" in history
    # A closed case takes nothing new, said on the page.
    late_note = mash.post(path + "note/", {"text": "late"})
    assert late_note.status_code == 400 and "is closed" in late_note.content.decode()
