"""The MACE panel: an agenda built from the referrals, the meeting record, marked minutes."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jigsaw.act.clock import LONDON
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.referrals import services
from jigsaw.web.referrals.selectors import mace_agenda, mace_minutes
from tests.web.cast import HEALTH_SIGNS, JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

OTHER = {
    "first_name": "Amira",
    "last_name": "Haddad",
    "dob": (2010, 7, 9),
    "sex": "F",
    "postcode": "NB3 1AA",
}
ATTENDEES = "Northbridge Police | inspector | Insp. Hale\nNorthbridge Academy | DSL | Ms Reid"


def two_referrals(cast, clock):
    first = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.").child
    second = record_concern(cast.nurse, OTHER, HEALTH_SIGNS, "Clinic.").child
    a = services.referral_create(actor=cast.school_dsl, child=first, source="dsl")
    services.referral_create(actor=cast.nurse, child=second, source="practitioner")
    return a


def test_the_agenda_comes_from_new_referrals_and_breached_clocks_first(cast, clock):
    a = two_referrals(cast, clock)
    assert mace_agenda(cast.school_dsl, on=dt.date(2026, 11, 30)) == []
    agenda = mace_agenda(cast.analyst, on=dt.date(2026, 11, 30))
    assert [i.reasons for i in agenda] == [("new referral",), ("new referral",)]
    clock.set(dt.datetime(2026, 11, 30, 17, tzinfo=LONDON))  # decision clocks breached
    services.referral_rate(actor=cast.analyst, referral=a, rag="green")
    agenda = mace_agenda(cast.analyst, on=dt.date(2026, 11, 30))
    assert all("breached" in i.reasons for i in agenda)
    assert [i.child_name for i in agenda] == ["Jessica Okafor", "Amira Haddad"]


def test_a_meeting_records_volt_plan_and_actions_and_its_minutes_are_marked(cast, clock):
    a = two_referrals(cast, clock)
    entry = mace_agenda(cast.analyst, on=dt.date(2026, 11, 27))[0]
    item = services.MaceItemInput(
        referral=a,
        reasons=entry.reasons,
        discussion="Older males outside school.",
        risk="red",
        plan="Disruption and a safety plan.",
        victim="Jessica, 15",
        offender="Two males, 20s",
        location="Retail park",
        themes="Gifts; cars",
        child_voice="Wants to stay at her school.",
        actions="Disruption visit | Northbridge Police | 2026-12-02",
    )
    with pytest.raises(PermissionDenied):
        services.mace_meeting_record(
            actor=cast.school_dsl,
            held_on=dt.date(2026, 11, 27),
            chair="c",
            attendees=ATTENDEES,
            items=[item],
        )
    with pytest.raises(ValidationError, match="Referral .*: record the plan"):
        services.mace_meeting_record(
            actor=cast.analyst,
            held_on=dt.date(2026, 11, 27),
            chair="c",
            attendees=ATTENDEES,
            items=[
                services.MaceItemInput(referral=a, reasons=(), discussion="x", risk="red", plan="")
            ],
        )
    meeting = services.mace_meeting_record(
        actor=cast.analyst,
        held_on=dt.date(2026, 11, 27),
        chair="Chief Supt. Lowe",
        attendees=ATTENDEES,
        items=[item],
    )
    assert a.actions.get().mace_item == meeting.items.get()
    _, lines = mace_minutes(user=cast.analyst, meeting_id=meeting.pk, purpose="test")
    assert "Risk level: Red" in lines and "Location: Retail park" in lines
    assert lines.index("What the child said and wants: Wants to stay at her school.") < lines.index(
        "Discussion: Older males outside school."
    )
    assert AuditEvent.objects.filter(event_type="mace_minutes_viewed").count() == 1


def test_the_panel_pages_and_the_pdf(cast, client, clock):
    a = two_referrals(cast, clock)
    mash = verified_client(client, cast, "analyst")
    page = mash.get("/referrals/mace/")
    assert page.status_code == 200 and page.content.decode().count('data-testid="agenda-item"') == 2
    answer = mash.post(
        "/referrals/mace/",
        {
            "held_on_day": "27",
            "held_on_month": "11",
            "held_on_year": "2026",
            "chair": "Chief Supt. Lowe",
            "attendees": ATTENDEES,
            f"item-{a.pk}-discussion": "Discussed.",
            f"item-{a.pk}-plan": "Plan.",
            f"item-{a.pk}-risk": "amber",
        },
    )
    assert answer.status_code == 302
    minutes = mash.get(answer["Location"]).content.decode()
    # Marked on screen top and bottom, besides the print-only marking every page carries (the
    # first printed page's top; the stylesheet's margin boxes mark every other top and foot).
    print_only = minutes.count(
        '<p class="jigsaw-marking jigsaw-marking--top">OFFICIAL-SENSITIVE</p>'
    )
    assert print_only == 1
    screen_only = minutes.count('jigsaw-screen-only" data-testid="marking">OFFICIAL-SENSITIVE<')
    assert screen_only == 1
    assert minutes.count("OFFICIAL-SENSITIVE") - print_only == 2 and "Jessica Okafor" in minutes
    pdf = mash.get(answer["Location"] + "minutes.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.content), strict=True)
    assert reader.metadata.title == "MACE panel 2026-11-27"
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text().splitlines()
        assert text[0] == "OFFICIAL-SENSITIVE"
        assert text[-1] == f"OFFICIAL-SENSITIVE Page {number} of {len(reader.pages)}"
    assert "Jessica Okafor" in "\n".join(page.extract_text() for page in reader.pages)
    client.logout()
    assert verified_client(client, cast, "far_analyst").get(answer["Location"]).status_code == 404
