"""The permission matrix of the workflow's pages: every route, every role, the answer expected.

403: the role may not use the page; 404: the role may, but not for this object (another area's,
or a child their agency does not know), answered as if it did not exist; 405: a form's target
opened with GET.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jigsaw.web.referrals import services
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROLES = ("teacher", "school_dsl", "nurse", "analyst", "far_analyst", "lead", "auditor", "admin")
CHILD = {"teacher", "school_dsl", "nurse", "analyst", "far_analyst"}


def expected(route: str, name: str) -> int:
    mash = name in ("analyst", "far_analyst")
    if route == "inbox":
        return 200
    if route in ("contacts", "contact"):
        return 200 if name == "school_dsl" else 403
    if route == "refer":
        return 405 if name in ("teacher", "nurse") else 403
    if route in ("mash", "mace"):
        return 200 if mash else 403
    if route in ("cases", "case_open"):
        return 200 if mash else 403
    if route in ("referral", "minutes", "minutes_pdf", "case", "case_open_group"):
        return {"analyst": 200, "far_analyst": 404}.get(name, 403)
    if route == "rate":
        return 405 if mash else 403
    if route == "action":
        return 405 if name in CHILD else 403
    if route == "missing":
        if name not in CHILD:
            return 403
        return 200 if name in ("analyst", "teacher", "school_dsl") else 404
    raise AssertionError(route)


def test_every_route_answers_every_role_as_the_matrix_says(cast, client, clock):
    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.")
    referral = services.referral_create(actor=cast.school_dsl, child=saved.child, source="dsl")
    action = services.action_create(
        actor=cast.analyst,
        referral=referral,
        title="Visit",
        owner_agency=cast.school,
        due_at=clock.now() + dt.timedelta(days=2),
    )
    meeting = services.mace_meeting_record(
        actor=cast.analyst,
        held_on=dt.date(2026, 11, 27),
        chair="c",
        attendees="Northbridge Police | DS | Khan",
        items=[
            services.MaceItemInput(
                referral=referral, reasons=(), discussion="d", risk="red", plan="p"
            )
        ],
    )
    from jigsaw.web.groups.models import Group
    from jigsaw.web.referrals.cases import case_open

    group = Group.objects.create(area=cast.area, found_at=clock.now(), changed_at=clock.now())
    case = case_open(actor=cast.analyst, kind="place", title="Shop", place="Mill Street")
    routes = {
        "inbox": "/referrals/inbox/",
        "contacts": "/referrals/contacts/",
        "contact": f"/referrals/contacts/{ref(saved.concern.contact.pk)}/",
        "refer": f"/referrals/refer/{ref(saved.concern.pk)}/",
        "mash": "/referrals/mash/",
        "referral": f"/referrals/{ref(referral.pk)}/",
        "rate": f"/referrals/{ref(referral.pk)}/rate/",
        "action": f"/referrals/actions/{ref(action.pk)}/",
        "missing": f"/referrals/missing/{ref(saved.child.pk)}/",
        "mace": "/referrals/mace/",
        "minutes": f"/referrals/mace/{ref(meeting.pk)}/",
        "minutes_pdf": f"/referrals/mace/{ref(meeting.pk)}/minutes.pdf",
        "cases": "/referrals/mace/cases/",
        "case_open": "/referrals/mace/cases/open/",
        "case_open_group": f"/referrals/mace/cases/open/{ref(group.pk)}/",
        "case": f"/referrals/mace/cases/{ref(case.pk)}/",
    }
    answers, wanted = {}, {}
    for name in ROLES:
        verified_client(client, cast, name)
        for route, path in routes.items():
            answers[(route, name)] = client.get(path).status_code
            wanted[(route, name)] = expected(route, name)
        client.logout()
    assert answers == wanted
