"""The account rules as pure predicates, over every role (no database)."""

from __future__ import annotations

import pytest

from jigsaw.web.access import (
    NOBODY,
    Actor,
    may_manage_user,
    may_see_access_grants,
    may_see_other_area_matches,
    role_opens_children,
    view_purpose,
)
from jigsaw.web.accounts.models import Role

AREA, OTHER_AREA, ME, SOMEONE = 1, 2, 100, 101


def actor(role: Role) -> Actor:
    return Actor(user_id=ME, role=role, agency_id=10, area_id=AREA)


@pytest.mark.parametrize("role", list(Role))
def test_only_an_areas_administrator_manages_its_users_and_never_their_own(role):
    who = actor(role)
    expected = role == Role.ADMINISTRATOR
    assert may_manage_user(who, user_area_id=AREA, user_id=SOMEONE) is expected
    assert may_manage_user(who, user_area_id=OTHER_AREA, user_id=SOMEONE) is False
    assert may_manage_user(who, user_area_id=AREA, user_id=ME) is False
    assert may_manage_user(NOBODY, user_area_id=AREA, user_id=SOMEONE) is False


@pytest.mark.parametrize("role", list(Role))
def test_grants_are_the_partnership_leads_and_other_area_matches_the_mashs(role):
    who = actor(role)
    assert may_see_access_grants(who, area_id=AREA) is (role == Role.PARTNERSHIP_LEAD)
    assert may_see_access_grants(who, area_id=OTHER_AREA) is False
    assert may_see_other_area_matches(who, area_id=AREA) is (role == Role.MASH_ANALYST)
    assert may_see_other_area_matches(who, area_id=OTHER_AREA) is False


def test_the_roles_that_open_children_are_the_three_that_record_concerns():
    assert {r for r in Role if role_opens_children(r)} == {
        Role.PRACTITIONER,
        Role.DSL,
        Role.MASH_ANALYST,
    }
    assert role_opens_children(None) is False


def test_the_purpose_is_decided_by_role_and_route():
    assert view_purpose(Role.MASH_ANALYST, "profile") == "MASH review of a child in the area"
    assert view_purpose(Role.PRACTITIONER, "profile").startswith("practitioner")
    assert view_purpose(Role.DSL, "profile").startswith("safeguarding lead")
    assert view_purpose(Role.AUDITOR, "profile") == "role without access to children"
    assert view_purpose(Role.PRACTITIONER, "after_concern") == "after recording a concern"
    with pytest.raises(ValueError, match="no audit purpose"):
        view_purpose(Role.MASH_ANALYST, "mash")
