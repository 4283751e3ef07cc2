"""The workflow's access predicates for every role, own agency, another agency and another area."""

from __future__ import annotations

import pytest

from jigsaw.web.access import (
    Actor,
    may_decide_contact,
    may_record_outcome,
    may_refer_to_mash,
    may_see_agencies,
    may_see_signs,
    may_update_action,
    may_work_referral,
)
from jigsaw.web.accounts.models import Role

AREA, OTHER_AREA, AGENCY, OTHER_AGENCY, ME = 1, 2, 10, 20, 100


def actor(role: Role) -> Actor:
    return Actor(user_id=ME, role=role, agency_id=AGENCY, area_id=AREA)


@pytest.mark.parametrize("role", list(Role))
def test_only_the_recording_agencys_dsl_decides_its_contact(role):
    who = actor(role)
    assert may_decide_contact(who, child_area_id=AREA, contact_agency_id=AGENCY) == (
        role == Role.DSL
    )
    assert not may_decide_contact(who, child_area_id=AREA, contact_agency_id=OTHER_AGENCY)
    assert not may_decide_contact(who, child_area_id=OTHER_AREA, contact_agency_id=AGENCY)


@pytest.mark.parametrize("role", list(Role))
def test_only_the_areas_mash_works_referrals(role):
    who = actor(role)
    assert may_work_referral(who, referral_area_id=AREA) == (role == Role.MASH_ANALYST)
    assert may_record_outcome(who, referral_area_id=AREA) == (role == Role.MASH_ANALYST)
    assert not may_work_referral(who, referral_area_id=OTHER_AREA)


@pytest.mark.parametrize("role", list(Role))
def test_the_author_practitioner_refers_directly(role):
    who = actor(role)
    assert may_refer_to_mash(who, child_area_id=AREA, concern_author_id=ME) == (
        role == Role.PRACTITIONER
    )
    assert not may_refer_to_mash(who, child_area_id=AREA, concern_author_id=ME + 1)


@pytest.mark.parametrize("role", list(Role))
def test_actions_are_updated_by_owner_their_dsl_or_the_mash(role):
    who = actor(role)
    expected = role in (Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
    assert (
        may_update_action(who, referral_area_id=AREA, owner_agency_id=AGENCY, owner_id=ME)
        == expected
    )
    assert may_update_action(
        who, referral_area_id=AREA, owner_agency_id=OTHER_AGENCY, owner_id=None
    ) == (role == Role.MASH_ANALYST)
    assert not may_update_action(
        who, referral_area_id=OTHER_AREA, owner_agency_id=AGENCY, owner_id=ME
    )


@pytest.mark.parametrize("role", list(Role))
def test_need_to_know_signs_and_agencies(role):
    who = actor(role)
    others = may_see_signs(
        who, child_area_id=AREA, concern_agency_id=OTHER_AGENCY, concern_author_id=ME + 1
    )
    assert others == (role == Role.MASH_ANALYST)
    own_agency = may_see_signs(
        who, child_area_id=AREA, concern_agency_id=AGENCY, concern_author_id=ME + 1
    )
    assert own_agency == (role in (Role.MASH_ANALYST, Role.DSL))
    own = may_see_signs(who, child_area_id=AREA, concern_agency_id=AGENCY, concern_author_id=ME)
    assert own == (role in (Role.MASH_ANALYST, Role.DSL, Role.PRACTITIONER))
    assert may_see_agencies(who, child_area_id=AREA) == (role in (Role.MASH_ANALYST, Role.DSL))
    assert not may_see_signs(
        who, child_area_id=OTHER_AREA, concern_agency_id=AGENCY, concern_author_id=ME
    )
