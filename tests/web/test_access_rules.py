"""The access rules as pure predicates: every role against its own agency, another agency of its
area, and another area (no database)."""

from __future__ import annotations

import pytest

from jigsaw.web.access import (
    NOBODY,
    Actor,
    child_scope,
    may_add_to_record,
    may_decide_link,
    may_manage_linkage_model,
    may_manage_users,
    may_open_child,
    may_override,
    may_read_audit,
    may_read_note,
    may_record_concern,
    may_review_links,
    may_see_aggregates,
    may_see_identity,
)
from jigsaw.web.accounts.models import Role

AREA, OTHER_AREA = 1, 2
AGENCY, OTHER_AGENCY, FAR_AGENCY = 10, 11, 20  # FAR_AGENCY is in OTHER_AREA
ME, COLLEAGUE = 100, 101


def actor(role: Role) -> Actor:
    return Actor(user_id=ME, role=role, agency_id=AGENCY, area_id=AREA)


# Where the object sits relative to the actor: (child's area, agency holding it, its author).
PLACES = {
    "own agency": (AREA, AGENCY, ME),
    "own agency, a colleague's": (AREA, AGENCY, COLLEAGUE),
    "other agency": (AREA, OTHER_AGENCY, COLLEAGUE),
    "other area": (OTHER_AREA, FAR_AGENCY, COLLEAGUE),
}

# Expected answers: role -> place -> (open child, read note, see identity, override).
EXPECTED = {
    Role.MASH_ANALYST: {
        "own agency": (True, True, True, True),
        "own agency, a colleague's": (True, True, True, True),
        "other agency": (True, True, True, True),
        "other area": (False, False, False, False),
    },
    Role.DSL: {
        "own agency": (True, True, True, True),
        "own agency, a colleague's": (True, True, True, True),
        "other agency": (False, False, False, False),
        "other area": (False, False, False, False),
    },
    Role.PRACTITIONER: {
        "own agency": (True, True, True, False),
        "own agency, a colleague's": (False, False, True, False),
        "other agency": (False, False, False, False),
        "other area": (False, False, False, False),
    },
    **{
        role: dict.fromkeys(PLACES, (False, False, False, False))
        for role in (Role.PARTNERSHIP_LEAD, Role.AUDITOR, Role.ADMINISTRATOR)
    },
}


def _answers(who: Actor, place: str) -> tuple[bool, bool, bool, bool]:
    area, agency, author = PLACES[place]
    # The child is known only through this one record and its one concern.
    return (
        may_open_child(who, child_area_id=area, record_agency_ids={agency}, author_ids={author}),
        may_read_note(who, child_area_id=area, concern_agency_id=agency, concern_author_id=author),
        may_see_identity(who, child_area_id=area, record_agency_id=agency),
        may_override(who, child_area_id=area, concern_agency_id=agency),
    )


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("place", list(PLACES))
def test_each_role_against_each_place(role, place):
    assert _answers(actor(role), place) == EXPECTED[role][place]


def test_every_role_has_expectations():
    assert set(EXPECTED) == set(Role)


def test_a_child_of_another_area_is_never_openable_even_through_ones_own_agencys_record():
    # A record of the actor's own agency linked to another area's child (a link that crossed
    # partnerships) still opens nothing.
    for role in Role:
        assert not may_open_child(
            actor(role), child_area_id=OTHER_AREA, record_agency_ids={AGENCY}, author_ids={ME}
        )
        assert not may_override(actor(role), child_area_id=OTHER_AREA, concern_agency_id=AGENCY)


def test_someone_without_a_role_may_do_nothing():
    assert child_scope(NOBODY) is None
    assert _answers(NOBODY, "own agency") == (False, False, False, False)
    assert not may_record_concern(NOBODY) and not may_review_links(NOBODY)
    assert not may_read_audit(NOBODY)
    assert not may_see_aggregates(NOBODY, area_id=AREA)


@pytest.mark.parametrize("role", list(Role))
def test_link_decisions_are_the_area_mash_analysts(role):
    mash = role == Role.MASH_ANALYST
    assert may_review_links(actor(role)) is mash
    assert may_decide_link(actor(role), child_area_id=AREA, record_area_id=AREA) is mash
    assert not may_decide_link(actor(role), child_area_id=OTHER_AREA, record_area_id=AREA)
    # A record of another area is never joined to this area's child.
    assert not may_decide_link(actor(role), child_area_id=AREA, record_area_id=OTHER_AREA)


@pytest.mark.parametrize("role", list(Role))
def test_recording_and_the_other_roles_rights(role):
    records = role in (Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
    assert may_record_concern(actor(role)) is records
    assert may_add_to_record(actor(role), record_agency_id=AGENCY) is records
    assert not may_add_to_record(actor(role), record_agency_id=OTHER_AGENCY)
    assert may_see_aggregates(actor(role), area_id=AREA) is (role == Role.PARTNERSHIP_LEAD)
    assert not may_see_aggregates(actor(role), area_id=OTHER_AREA)
    assert may_read_audit(actor(role)) is (role == Role.AUDITOR)
    assert may_manage_users(actor(role), area_id=AREA) is (role == Role.ADMINISTRATOR)
    assert not may_manage_users(actor(role), area_id=OTHER_AREA)
    assert may_manage_linkage_model(actor(role), area_id=AREA) is (role == Role.ADMINISTRATOR)
    assert not may_manage_linkage_model(actor(role), area_id=OTHER_AREA)
