"""Who may see and do what: the access rules of the web application, in one place (ADR 0006).

Every rule is a pure function of the actor (role, agency, area) and of the facts about the object
(the child's area, the agency that holds a record, who wrote a concern). None of them queries the
database: selectors and services gather the facts and ask these predicates, so a rule is written
once and can be tested over every role without a database.

The rules (deny by default; nobody ever sees a child of another area):

- MASH analyst: every child in their area, every concern in full, every linked identity; decides
  pending links and may override any concern's grade on a child of their area.
- Designated safeguarding lead: children of their area that their agency holds a record about;
  their agency's concerns in full, other agencies' without the free text; overrides their
  agency's concerns.
- Practitioner: children of their area they have recorded a concern about; their own concerns in
  full, every other concern without the free text.
- Partnership lead: the area's aggregates, no child. Auditor: their area's audit log without
  its free text, and who looked at which of the area's children (found by name or NHS number),
  no record of the child.
  Administrator: the area's users and agencies, no child.
- A designation is a duty on top of a role, given by the partnership lead: the police single point
  of contact (SPOC) checks the vehicles and phones of the area's groups, seeing those mentions and
  naming only the children their role lets them open.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from jigsaw.web.accounts.models import DesignationKind, Role

CHILD_ROLES = frozenset({Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST})
RECORDING_ROLES = CHILD_ROLES


@dataclasses.dataclass(frozen=True)
class Actor:
    """The signed-in user as the rules see them. ``role`` is ``None`` for a user without one."""

    user_id: int | None
    role: Role | None
    agency_id: int | None
    area_id: int | None
    # The duties the partnership lead gave this account in its present agency (DesignationKind).
    designations: frozenset[str] = frozenset()

    @classmethod
    def of(cls, user: Any) -> Actor:
        """The actor for a Django user (anonymous, inactive and role-less users may do nothing)."""
        from jigsaw.web.accounts.selectors import designations_of, profile_of

        profile = profile_of(user)
        if profile is None:
            return cls(user_id=None, role=None, agency_id=None, area_id=None)
        return cls(
            user_id=user.pk,
            role=Role(profile.role),
            agency_id=profile.agency_id,
            area_id=profile.area_id,
            designations=designations_of(user, profile),
        )


NOBODY = Actor(user_id=None, role=None, agency_id=None, area_id=None)


def _in_area(actor: Actor, area_id: int | None) -> bool:
    """Whether ``area_id`` (a child's, a referral's, an agency's) is the actor's own area: the
    one area check of every rule below. Nobody acts in another area, and an actor without an
    area acts in none."""
    return actor.area_id is not None and area_id == actor.area_id


@dataclasses.dataclass(frozen=True)
class ChildScope:
    """Which children an actor may open: those of ``area_id`` and, when set, only those their
    agency holds an active record about (``via_agency_id``) or that they recorded a concern
    about (``via_author_id``). Selectors turn it into a query; :func:`may_open_child` reads it."""

    area_id: int
    via_agency_id: int | None = None
    via_author_id: int | None = None


def child_scope(actor: Actor) -> ChildScope | None:
    """The children ``actor`` may open, or ``None`` when they may open none."""
    if actor.area_id is None:
        return None
    if actor.role == Role.MASH_ANALYST:
        return ChildScope(area_id=actor.area_id)
    if actor.role == Role.DSL and actor.agency_id is not None:
        return ChildScope(area_id=actor.area_id, via_agency_id=actor.agency_id)
    if actor.role == Role.PRACTITIONER and actor.user_id is not None:
        return ChildScope(area_id=actor.area_id, via_author_id=actor.user_id)
    return None


def may_open_child(
    actor: Actor,
    *,
    child_area_id: int,
    record_agency_ids: Collection[int] = (),
    author_ids: Collection[int] = (),
) -> bool:
    """Whether ``actor`` may open a child's record.

    ``record_agency_ids``: the agencies holding an active record about the child;
    ``author_ids``: the users who recorded a concern on one of those records.
    """
    scope = child_scope(actor)
    if scope is None or not _in_area(actor, child_area_id):
        return False
    if scope.via_agency_id is not None and scope.via_agency_id not in record_agency_ids:
        return False
    return scope.via_author_id is None or scope.via_author_id in author_ids


def may_read_note(
    actor: Actor, *, child_area_id: int, concern_agency_id: int, concern_author_id: int | None
) -> bool:
    """Whether ``actor`` may read a concern's free text (its note and any override reason)."""
    if not _in_area(actor, child_area_id):
        return False
    if actor.role == Role.MASH_ANALYST:
        return True
    if actor.role == Role.DSL:
        return concern_agency_id == actor.agency_id
    if actor.role == Role.PRACTITIONER:
        return concern_author_id is not None and concern_author_id == actor.user_id
    return False


def may_see_identity(actor: Actor, *, child_area_id: int, record_agency_id: int) -> bool:
    """Whether ``actor`` may see who a linked record says the child is (name, birth date, ...)."""
    if actor.role not in CHILD_ROLES or not _in_area(actor, child_area_id):
        return False
    return actor.role == Role.MASH_ANALYST or record_agency_id == actor.agency_id


def may_override(actor: Actor, *, child_area_id: int, concern_agency_id: int) -> bool:
    """Whether ``actor`` may record their own grade beside a concern's computed one.

    The child's area decides, not the agency's: a MASH analyst never overrides a grade on another
    area's child, even if one of their area's agencies holds a record about them.
    """
    if not _in_area(actor, child_area_id):
        return False
    if actor.role == Role.MASH_ANALYST:
        return True
    return actor.role == Role.DSL and concern_agency_id == actor.agency_id


def may_decide_link(actor: Actor, *, child_area_id: int, record_area_id: int) -> bool:
    """Whether ``actor`` may confirm or reject a pending link of a record to a child."""
    return (
        actor.role == Role.MASH_ANALYST
        and _in_area(actor, child_area_id)
        and _in_area(actor, record_area_id)
    )


def may_review_links(actor: Actor) -> bool:
    """Whether ``actor`` has a queue of pending links and children to review (their area's)."""
    return actor.role == Role.MASH_ANALYST and actor.area_id is not None


def may_record_concern(actor: Actor) -> bool:
    """Whether ``actor`` may record concerns about children."""
    return actor.role in RECORDING_ROLES and actor.agency_id is not None


def may_add_to_record(actor: Actor, *, record_agency_id: int) -> bool:
    """Whether ``actor`` may add a concern to an existing record (their own agency's only)."""
    return may_record_concern(actor) and record_agency_id == actor.agency_id


def may_see_aggregates(actor: Actor, *, area_id: int) -> bool:
    """Whether ``actor`` may see an area's (suppressed) counts: its partnership lead."""
    return actor.role == Role.PARTNERSHIP_LEAD and _in_area(actor, area_id)


def may_read_audit(actor: Actor) -> bool:
    """Whether ``actor`` may read the audit log (their own area's events: :func:`audit_area`)."""
    return actor.role == Role.AUDITOR and actor.area_id is not None


def audit_area(actor: Actor) -> int | None:
    """The area whose audit events ``actor`` reads: an auditor's own; ``None`` for everyone
    else. An event's area is decided when it is written (``audit.services.event_area``); the
    audit selectors turn this into their query. Auditors see who did what, when, why (the
    purpose) and to which child, never what was written."""
    return actor.area_id if may_read_audit(actor) else None


def may_trace_child_access(actor: Actor, *, child_area_id: int) -> bool:
    """Whether ``actor`` may find a child by name or NHS number and see who looked at them and
    why (the child's name and date of birth, and the audit events about them; no record, note or
    sign): an auditor of the child's area."""
    area = audit_area(actor)
    return area is not None and child_area_id == area


def may_manage_users(actor: Actor, *, area_id: int) -> bool:
    """Whether ``actor`` may list and create an area's users and agencies: its administrator."""
    return actor.role == Role.ADMINISTRATOR and _in_area(actor, area_id)


def may_manage_linkage_model(actor: Actor, *, area_id: int) -> bool:
    """Whether ``actor`` may see an area's linkage model, retrain it and set its schedule: the
    area's administrator (the model weighs every record of the area, never one child's)."""
    return actor.role == Role.ADMINISTRATOR and _in_area(actor, area_id)


# The workflow from a concern to an outcome. A contact is decided by the recording agency's
# safeguarding lead; a referral is worked by its area's MASH; an action by its owner, the owner
# agency's safeguarding lead or the MASH.


def may_decide_contact(actor: Actor, *, child_area_id: int, contact_agency_id: int) -> bool:
    """Whether ``actor`` may decide a contact: the safeguarding lead of the recording agency."""
    return (
        actor.role == Role.DSL
        and _in_area(actor, child_area_id)
        and contact_agency_id == actor.agency_id
    )


def may_decide_contacts(actor: Actor) -> bool:
    """Whether ``actor`` has a queue of contacts to decide (their agency's)."""
    return actor.role == Role.DSL and actor.agency_id is not None and actor.area_id is not None


def may_refer_to_mash(actor: Actor, *, child_area_id: int, concern_author_id: int | None) -> bool:
    """Whether ``actor`` may refer a concern's child straight to their area's MASH.

    The practitioner who recorded the concern may, without waiting for their safeguarding lead
    (who decides through the contact instead); the MASH does not refer to itself.
    """
    return (
        actor.role == Role.PRACTITIONER
        and _in_area(actor, child_area_id)
        and concern_author_id is not None
        and concern_author_id == actor.user_id
    )


def may_work_referral(actor: Actor, *, referral_area_id: int) -> bool:
    """Whether ``actor`` may open a referral's page and rate, decide, add actions, record the
    outcome, review and close it: a MASH analyst of the referral's area."""
    return actor.role == Role.MASH_ANALYST and _in_area(actor, referral_area_id)


def may_rate_referral(actor: Actor, *, referral_area_id: int) -> bool:
    """Whether ``actor`` may give or change a referral's RAG rating."""
    return may_work_referral(actor, referral_area_id=referral_area_id)


def may_decide_referral(actor: Actor, *, referral_area_id: int) -> bool:
    """Whether ``actor`` may record the MASH decision on a referral."""
    return may_work_referral(actor, referral_area_id=referral_area_id)


def may_record_outcome(actor: Actor, *, referral_area_id: int) -> bool:
    """Whether ``actor`` may record a referral's outcome, review it and close it."""
    return may_work_referral(actor, referral_area_id=referral_area_id)


def may_work_referrals(actor: Actor) -> bool:
    """Whether ``actor`` has the MASH queue of referrals (their area's)."""
    return actor.role == Role.MASH_ANALYST and actor.area_id is not None


def may_update_action(
    actor: Actor, *, referral_area_id: int, owner_agency_id: int, owner_id: int | None
) -> bool:
    """Whether ``actor`` may mark an action done or cancel it: its owner, the owner agency's
    safeguarding lead, or the MASH of the referral's area."""
    if not _in_area(actor, referral_area_id):
        return False
    if actor.role == Role.MASH_ANALYST:
        return True
    if actor.role == Role.DSL:
        return owner_agency_id == actor.agency_id
    return owner_id is not None and owner_id == actor.user_id and actor.role in CHILD_ROLES


def may_see_signs(
    actor: Actor, *, child_area_id: int, concern_agency_id: int, concern_author_id: int | None
) -> bool:
    """Whether ``actor`` may see which signs a concern records and its grade (need to know).

    The MASH holds the combined picture; a safeguarding lead sees their own agency's concerns and
    a practitioner their own. Everyone else learns only that other agencies hold concerns, from
    :func:`may_see_agencies` and :func:`may_see_combined_grade`.
    """
    if not _in_area(actor, child_area_id):
        return False
    if actor.role == Role.MASH_ANALYST:
        return True
    if actor.role == Role.DSL:
        return concern_agency_id == actor.agency_id
    if actor.role == Role.PRACTITIONER:
        return concern_author_id is not None and concern_author_id == actor.user_id
    return False


def may_see_agencies(actor: Actor, *, child_area_id: int) -> bool:
    """Whether ``actor`` may see which other agencies hold records and concerns about a child:
    the safeguarding lead and the MASH; a practitioner is told only that others do."""
    return actor.role in (Role.DSL, Role.MASH_ANALYST) and _in_area(actor, child_area_id)


def may_see_combined_grade(actor: Actor, *, child_area_id: int) -> bool:
    """Whether ``actor`` may see a child's combined grade (whose reasons name every agency's
    signs): the safeguarding lead and the MASH."""
    return may_see_agencies(actor, child_area_id=child_area_id)


def may_record_missing(
    actor: Actor, *, child_area_id: int, record_agency_ids: Collection[int] = ()
) -> bool:
    """Whether ``actor`` may record a child's missing episodes and return home interviews: the
    MASH of the child's area, or a practitioner or safeguarding lead of an agency that holds a
    record about the child."""
    if not _in_area(actor, child_area_id):
        return False
    if actor.role == Role.MASH_ANALYST:
        return True
    return actor.role in (Role.PRACTITIONER, Role.DSL) and actor.agency_id in record_agency_ids


def role_opens_children(role: Role | str | None) -> bool:
    """Whether holding ``role`` lets a user open children's records (so giving it is shown to the
    partnership lead, ADR 0009)."""
    return role is not None and Role(role) in CHILD_ROLES


def may_manage_user(actor: Actor, *, user_area_id: int, user_id: int) -> bool:
    """Whether ``actor`` may edit, deactivate, unlock or reset one user: their area's
    administrator, and never for their own account (nobody changes their own access)."""
    return may_manage_users(actor, area_id=user_area_id) and user_id != actor.user_id


def may_see_access_grants(actor: Actor, *, area_id: int) -> bool:
    """Whether ``actor`` sees who was given a role that opens children in an area: its
    partnership lead, who is not an administrator and so did not give it."""
    return actor.role == Role.PARTNERSHIP_LEAD and _in_area(actor, area_id)


def may_see_other_area_matches(actor: Actor, *, area_id: int) -> bool:
    """Whether ``actor`` is told which of an area's records another partnership may also know:
    the area's MASH analysts (told only the other area's name and contact)."""
    return actor.role == Role.MASH_ANALYST and _in_area(actor, area_id)


# Why a child's record was opened, as the audit stores it: decided by the server from the
# viewer's role and the page, never from anything in the request (a link's ``?from=`` once made
# a practitioner's look read as a "MASH review").
_PURPOSE_BY_ROLE = {
    Role.MASH_ANALYST: "MASH review of a child in the area",
    Role.DSL: "safeguarding lead: a child their agency holds a record about",
    Role.PRACTITIONER: "practitioner: a child they recorded a concern about",
}
_PURPOSE_BY_ROUTE = {
    "link_decision": "MASH link decision",
    "override": "overriding a grade",
    "after_concern": "after recording a concern",
}


def view_purpose(role: Role | str | None, route: str) -> str:
    """The purpose recorded when a user of ``role`` opens a child through ``route``
    (``"profile"``, ``"link_decision"``, ``"override"`` or ``"after_concern"``).

    Raises
    ------
    ValueError
        For a route without a purpose (a new page must say why it opens a child).
    """
    if route in _PURPOSE_BY_ROUTE:
        return _PURPOSE_BY_ROUTE[route]
    if route != "profile":
        raise ValueError(f"no audit purpose is defined for the route {route!r}")
    if role is not None and Role(role) in _PURPOSE_BY_ROLE:
        return _PURPOSE_BY_ROLE[Role(role)]
    return "role without access to children"


def may_correct_concern(
    actor: Actor, *, child_area_id: int, concern_agency_id: int, concern_author_id: int | None
) -> bool:
    """Whether ``actor`` may add a correction to a concern, or withdraw it (wrong child): its
    author, or the safeguarding lead of its agency, in the child's area."""
    if not _in_area(actor, child_area_id):
        return False
    if actor.role == Role.DSL:
        return concern_agency_id == actor.agency_id
    if actor.role in RECORDING_ROLES:
        return concern_author_id is not None and concern_author_id == actor.user_id
    return False


def concern_list_scope(actor: Actor) -> tuple[str, int] | None:
    """Which concerns ``actor``'s concerns list shows: ``("agency", id)`` for a safeguarding
    lead (their agency's), ``("author", id)`` for anyone else who records them (their own),
    ``None`` for roles without such a list."""
    if actor.role == Role.DSL and actor.agency_id is not None:
        return "agency", actor.agency_id
    if actor.role in RECORDING_ROLES and actor.user_id is not None:
        return "author", actor.user_id
    return None


# --- The API and bulk import ------------------------------------------------------------------

#: The named actions an API token may be allowed, and the role its account then holds. A token
#: acts as one agency's system: submitting and reading its own concerns as the agency's
#: safeguarding lead would, or reading the partnership's aggregates as its lead would. One token
#: holds scopes of one role only, so it is never more than one of those people.
TOKEN_SCOPES: dict[str, Role] = {
    "concerns:submit": Role.DSL,
    "concerns:read": Role.DSL,
    "aggregates:read": Role.PARTNERSHIP_LEAD,
    "referrals:read": Role.MASH_ANALYST,
}


def token_role(scopes: Collection[str]) -> Role | None:
    """The role a token with ``scopes`` acts in, or ``None`` if the scopes are unknown, empty or
    need two different roles."""
    roles = {TOKEN_SCOPES.get(scope) for scope in scopes}
    if not scopes or None in roles or len(roles) != 1:
        return None
    return roles.pop()


def may_manage_tokens(actor: Actor, *, agency_area_id: int) -> bool:
    """Whether ``actor`` may create and revoke API tokens for an agency: its area's administrator."""
    return may_manage_users(actor, area_id=agency_area_id)


def may_use_token(*, scopes: Collection[str], scope: str, expired: bool, revoked: bool) -> bool:
    """Whether a token may be used for the action ``scope`` now: unexpired, unrevoked, granted."""
    return not expired and not revoked and scope in scopes and scope in TOKEN_SCOPES


def may_read_concern_status(actor: Actor, *, concern_agency_id: int) -> bool:
    """Whether ``actor`` may read a concern's status (grade, later the referral's outcome): only
    the agency that recorded it, and only someone of that agency who records concerns."""
    return may_record_concern(actor) and actor.agency_id == concern_agency_id


def may_import_list(actor: Actor, *, agency_id: int, agency_area_id: int) -> bool:
    """Whether ``actor`` may upload a list of children for an agency and save its column mapping:
    that agency's safeguarding lead, or the administrator of the agency's area."""
    if actor.role == Role.DSL:
        return actor.agency_id == agency_id and _in_area(actor, agency_area_id)
    return may_manage_users(actor, area_id=agency_area_id)


# --- Groups: children connected through the people, vehicles, phones and places around them ----
# A group shows children of several agencies side by side, so only the area's MASH (who may open
# every child of the area) sees groups; a practitioner never learns of another agency's child
# through one.


def may_see_groups(actor: Actor) -> bool:
    """Whether ``actor`` has the area's groups and their review tasks: its MASH analysts."""
    return actor.role == Role.MASH_ANALYST and actor.area_id is not None


def may_open_group(actor: Actor, *, group_area_id: int) -> bool:
    """Whether ``actor`` may open a group and the children in it: a MASH analyst of its area."""
    return may_see_groups(actor) and actor.area_id == group_area_id


def may_decide_group(actor: Actor, *, group_area_id: int) -> bool:
    """Whether ``actor`` may confirm or reject a group, or a match of two mentions of a person."""
    return may_open_group(actor, group_area_id=group_area_id)


def may_see_place_counts(actor: Actor, *, area_id: int) -> bool:
    """Whether ``actor`` sees how many children are linked to each place: the area's MASH (exact
    counts) and its partnership lead (counts below the disclosure threshold suppressed)."""
    return actor.area_id == area_id and actor.role in (Role.MASH_ANALYST, Role.PARTNERSHIP_LEAD)


def place_counts_exact(actor: Actor) -> bool:
    """Whether place counts are shown to ``actor`` unsuppressed: inside the MASH only."""
    return actor.role == Role.MASH_ANALYST


_PURPOSE_BY_ROUTE["group"] = "MASH review of a group of connected children"


# --- MACE cases: a place or a peer group the MACE panel works as a case -----------------------
# The MACE panel is the area's MASH here (the MASH records the panel's meetings and agenda). A
# case names children of several agencies side by side, as a group does, so the same people open
# it; the children on a case are still shown only through may_open_child, so widening who opens
# cases never widens who sees a child.


def may_work_mace_cases(actor: Actor) -> bool:
    """Whether ``actor`` has the area's MACE cases, and may open one: its MASH analysts."""
    return actor.role == Role.MASH_ANALYST and actor.area_id is not None


def may_open_mace_case(actor: Actor, *, case_area_id: int) -> bool:
    """Whether ``actor`` may open a MACE case, add and remove its children, write its notes and
    actions, and close it: the MACE panel (the MASH) of the case's area."""
    return may_work_mace_cases(actor) and _in_area(actor, case_area_id)


_PURPOSE_BY_ROUTE["mace_case"] = "MACE case: children affected by a place or a peer group"
_PURPOSE_BY_ROUTE["group_check"] = (
    "police single point of contact: checking a group's vehicles and phones"
)

# --- The police single point of contact (SPOC) for groups ---------------------------------------
# When a group's evidence holds a vehicle or a phone, the police check what they know of it. The
# SPOC is a designation, not a role: a police account keeps its role (and what that role may
# open) and is given the checks by the partnership lead, who is told of every designation.

#: The agency kind whose accounts may be designated the SPOC (the catalogue's police agency).
SPOC_AGENCY_KIND = "police"
#: Kinds of evidence the SPOC checks (``jigsaw.connect`` kinds, the mention kinds' values).
SPOC_KINDS = frozenset({"vehicle", "phone"})


def may_be_spoc(*, role: Role | str | None, agency_kind: str) -> bool:
    """Whether an account may be designated its area's SPOC: a police account whose role records
    concerns about children."""
    return role is not None and Role(role) in CHILD_ROLES and agency_kind == SPOC_AGENCY_KIND


def is_spoc(actor: Actor) -> bool:
    """Whether ``actor`` is their area's SPOC: designated, and still in a role that may be."""
    return (
        DesignationKind.SPOC.value in actor.designations
        and actor.role in CHILD_ROLES
        and actor.area_id is not None
    )


def may_check_group(actor: Actor, *, group_area_id: int) -> bool:
    """Whether ``actor`` may open a group's vehicle and phone evidence and record the police
    check: a SPOC of the group's area (a group of another area is "not found")."""
    return is_spoc(actor) and _in_area(actor, group_area_id)


def may_designate(actor: Actor, *, area_id: int) -> bool:
    """Whether ``actor`` may give and end designations (the SPOC) in an area: its partnership
    lead, who also sets the area's group rules (:func:`may_set_group_rules`)."""
    return actor.role == Role.PARTNERSHIP_LEAD and _in_area(actor, area_id)


def may_set_group_rules(actor: Actor, *, area_id: int) -> bool:
    """Whether ``actor`` may set the size at which a group is reviewed and its review days: the
    partnership lead, whose partnership decides its own rules."""
    return actor.role == Role.PARTNERSHIP_LEAD and _in_area(actor, area_id)
