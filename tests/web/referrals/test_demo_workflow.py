"""The demo partnership's workflow step: referrals in every state, some breached."""

from __future__ import annotations

import datetime as dt

import pytest

from jigsaw.act.states import ReferralState
from jigsaw.web.accounts.models import Agency, Role
from jigsaw.web.accounts.services import user_create
from jigsaw.web.children.models import AgencyRecord
from jigsaw.web.demo import _store_workflow
from jigsaw.web.referrals.models import (
    Action,
    Contact,
    MaceMeeting,
    MissingEpisode,
    Referral,
    StrategyDiscussion,
)
from jigsaw.web.referrals.services import referral_breached
from tests.web.cast import PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_demo_has_referrals_in_every_state_and_some_breached(cast):
    area = AgencyRecord.objects.filter(record_id__startswith="POL").first().agency.area
    agencies = {a.kind: a for a in Agency.objects.filter(area=area)}
    user_create(
        username="dsl",
        password=PASSWORD,
        role=Role.DSL,
        agency=agencies["education"],
        validate=False,
    )
    user_create(
        username="mash",
        password=PASSWORD,
        role=Role.MASH_ANALYST,
        agency=agencies["social_care"],
        validate=False,
    )
    now = dt.datetime.now(dt.UTC)
    made = _store_workflow(area, agencies, now, log=lambda message: None)
    assert made == {"referrals": 10, "contacts": 5}
    referrals = list(Referral.objects.filter(area=area))
    assert {r.state for r in referrals} == {s.value for s in ReferralState} - {"outcome"}
    breached = [r for r in referrals if referral_breached(r, now)]
    assert 3 <= len(breached) < len(referrals)
    assert {r.outcome for r in referrals if r.state == "closed"} == {"no_concern", "other_need"}
    assert StrategyDiscussion.objects.filter(referral__area=area).count() == 1
    assert Action.objects.filter(referral__area=area, state="escalated").exists()
    assert MissingEpisode.objects.filter(child__area=area).count() == 2
    assert MaceMeeting.objects.get(area=area).items.count() == 2
    assert Contact.objects.filter(agency=agencies["education"], state="new").count() == 5
    # Every contact has its contact_created audit row, as one made by saving a concern does.
    from jigsaw.web.audit.models import AuditEvent

    audited = set(
        AuditEvent.objects.filter(event_type="contact_created", subject_type="contact").values_list(
            "subject_id", flat=True
        )
    )
    assert {str(pk) for pk in Contact.objects.values_list("pk", flat=True)} <= {
        str(s) for s in audited
    }
