"""Every route × every role × every kind of object, declared once and checked on PostgreSQL.

``MATRIX`` names, for each URL route of the application, what each role gets: a page (200), a
redirect (302), a form refused as invalid (400: the role may act, the empty form may not),
refused (403: the role may never use the page), or "not found" (404: the object is outside the
role's scope, answered exactly as one that does not exist). Object routes are tried against an
object of the actor's own agency, of another agency of their area, of another area, and one that
does not exist (and, for users, the administrator's own account). A route the resolver knows and
the matrix does not fails the test: a new page must say who may use it.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from jigsaw.web.demo import demo_user_create
from jigsaw.web.refs import ref
from tests.web.cast import (
    JESSICA,
    PASSWORD,
    SCHOOL_SIGNS,
    record_concern,
    unsure_identity,
    verified_client,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROLES = ("practitioner", "dsl", "mash", "lead", "auditor", "admin", "anonymous")
USER_OF_ROLE = {
    "practitioner": "teacher",
    "dsl": "school_dsl",
    "mash": "analyst",
    "lead": "lead",
    "auditor": "auditor",
    "admin": "admin",
}
CHILD_SCOPES = ("own", "other_agency", "other_area", "missing")
USER_SCOPES = ("own", "other_agency", "other_area", "missing", "self")
LINK_SCOPES = ("own", "other_area", "missing")


def _all(outcome, *, anonymous=None):
    """The same outcome for every signed-in role (and ``anonymous`` for the signed-out)."""
    table = dict.fromkeys(ROLES[:-1], outcome)
    table["anonymous"] = outcome if anonymous is None else anonymous
    return table


def _only(roles: dict, otherwise=403):
    """``roles`` as given; every other signed-in role refused; the signed-out sent to sign in."""
    table = {role: roles.get(role, otherwise) for role in ROLES[:-1]}
    table["anonymous"] = (302,) * len(otherwise) if isinstance(otherwise, tuple) else 302
    return table


# route name -> (method, scopes or None, {role: status or tuple of statuses per scope})
MATRIX = {
    "home": ("GET", None, _all(200, anonymous=302)),
    "healthz": ("GET", None, _all(200)),
    "index.html": ("GET", None, _all(302)),
    "accounts:login": ("GET", None, _all(200)),
    "accounts:verify": ("GET", None, _all(200, anonymous=302)),
    # Verified users with an authenticator are sent on to the code page.
    "accounts:setup": ("GET", None, _all(302)),
    "accounts:set_password": ("GET", ("missing",), _all((404,))),
    "accounts:logout": ("POST", None, _all(302)),
    "accounts:users": ("GET", None, _only({"admin": 200})),
    "accounts:user": (
        "GET",
        USER_SCOPES,
        _only({"admin": (200, 200, 404, 404, 404)}, otherwise=(403,) * 5),
    ),
    "accounts:access_grants": ("GET", None, _only({"lead": 200})),
    "accounts:agencies": ("GET", None, _only({"admin": 200})),
    # An area's linkage model: its administrator's (the page retrains and sets the schedule).
    "linkmodel:model": ("GET", None, _only({"admin": 200})),
    "concerns:new": ("GET", None, _only({"practitioner": 200, "dsl": 200, "mash": 200})),
    "concerns:other_areas": ("GET", None, _only({"mash": 200})),
    # The page after saving is its author's only.
    "concerns:saved": (
        "GET",
        CHILD_SCOPES,
        _only(
            {
                "practitioner": (200, 404, 404, 404),
                "dsl": (404, 404, 404, 404),
                "mash": (200, 404, 404, 404),
            },
            otherwise=(403,) * 4,
        ),
    ),
    "concerns:override": (
        "POST",
        CHILD_SCOPES,
        _only(
            {"dsl": (400, 404, 404, 404), "mash": (400, 400, 404, 404)},
            otherwise=(403,) * 4,
        ),
    ),
    "children:list": ("GET", None, _only({"practitioner": 200, "dsl": 200, "mash": 200})),
    # Every role reaches the selector, which answers "not found" outside the role's scope.
    "children:profile": (
        "GET",
        CHILD_SCOPES,
        {
            "practitioner": (200, 404, 404, 404),
            "dsl": (200, 404, 404, 404),
            "mash": (200, 200, 404, 404),
            "lead": (404,) * 4,
            "auditor": (404,) * 4,
            "admin": (404,) * 4,
            "anonymous": (302,) * 4,
        },
    ),
    "children:link_decide": (
        "POST",
        LINK_SCOPES,
        _only({"mash": (400, 404, 404)}, otherwise=(403,) * 3),
    ),
    "children:mash": ("GET", None, _only({"mash": 200})),
    "children:search": ("GET", None, _only({"practitioner": 200, "dsl": 200, "mash": 200})),
    # The two records side by side; a GET to undo goes back to them.
    "children:link_review": (
        "GET",
        LINK_SCOPES,
        _only({"mash": (200, 404, 404)}, otherwise=(403,) * 3),
    ),
    "children:link_undo": (
        "GET",
        LINK_SCOPES,
        _only({"mash": (302, 404, 404)}, otherwise=(403,) * 3),
    ),
    "concerns:list": ("GET", None, _only({"practitioner": 200, "dsl": 200, "mash": 200})),
    # A concern is corrected or withdrawn by its author or their agency's safeguarding lead.
    "concerns:amend": (
        "GET",
        CHILD_SCOPES,
        _only(
            {
                "practitioner": (200, 404, 404, 404),
                "dsl": (200, 404, 404, 404),
                "mash": (200, 404, 404, 404),
            },
            otherwise=(403,) * 4,
        ),
    ),
    # The accessibility statement, privacy notice and cookies page are for everyone.
    "accessibility": ("GET", None, _all(200)),
    "privacy": ("GET", None, _all(200)),
    "cookies": ("GET", None, _all(200)),
    "audit:log": ("GET", None, _only({"auditor": 200})),
    # Who looked at a child: the auditor of the child's area, whichever agency holds it.
    "audit:child_find": ("GET", None, _only({"auditor": 200})),
    "audit:child_access": (
        "GET",
        CHILD_SCOPES,
        _only({"auditor": (200, 200, 404, 404)}, otherwise=(403,) * 4),
    ),
    "audit:child_access_csv": (
        "GET",
        CHILD_SCOPES,
        _only({"auditor": (200, 200, 404, 404)}, otherwise=(403,) * 4),
    ),
    "oversight:aggregates": ("GET", None, _only({"lead": 200})),
    # The partnership dashboard and its return: the lead's own area only; a format Jigsaw does
    # not write is not found.
    "oversight:dashboard": ("GET", None, _only({"lead": 200})),
    "oversight:return_download": (
        "GET",
        ("own", "missing"),
        _only({"lead": (200, 404)}, otherwise=(403, 403)),
    ),
    # Published statistics: open to all; only the report's own files.
    "oversight:national": ("GET", None, _all(200)),
    "oversight:national_file": ("GET", ("own", "missing"), _all((200, 404))),
    # The workflow from a concern to an outcome (a GET to a form's target is 405).
    "referrals:inbox": ("GET", None, _all(200, anonymous=302)),
    "referrals:contacts": ("GET", None, _only({"dsl": 200})),
    "referrals:contact": (
        "GET",
        ("own", "other_area", "missing"),
        _only({"dsl": (200, 404, 404)}, otherwise=(403,) * 3),
    ),
    "referrals:refer": ("GET", ("own",), _only({"practitioner": (405,)}, otherwise=(403,))),
    "referrals:mash": ("GET", None, _only({"mash": 200})),
    "referrals:referral": (
        "GET",
        ("own", "missing"),
        _only({"mash": (200, 404)}, otherwise=(403, 403)),
    ),
    "referrals:change": ("GET", ("own",), _only({"mash": (405,)}, otherwise=(403,))),
    "referrals:action": (
        "GET",
        ("own",),
        _only({"practitioner": (405,), "dsl": (405,), "mash": (405,)}, otherwise=(403,)),
    ),
    "referrals:missing": (
        "GET",
        CHILD_SCOPES,
        _only(
            {
                "practitioner": (200, 404, 404, 404),
                "dsl": (200, 404, 404, 404),
                "mash": (200, 200, 404, 404),
            },
            otherwise=(403,) * 4,
        ),
    ),
    "referrals:mace": ("GET", None, _only({"mash": 200})),
    "referrals:minutes": (
        "GET",
        ("own", "missing"),
        _only({"mash": (200, 404)}, otherwise=(403, 403)),
    ),
    "referrals:minutes_pdf": (
        "GET",
        ("own", "missing"),
        _only({"mash": (200, 404)}, otherwise=(403, 403)),
    ),
    # MACE cases (places, peer groups): the MACE panel, which is the area's MASH; another area's
    # case or group is not found. An empty change is refused as invalid (a note needs its text).
    "referrals:cases": ("GET", None, _only({"mash": 200})),
    "referrals:case_open": ("GET", None, _only({"mash": 200})),
    "referrals:case_open_group": (
        "GET",
        ("own", "other_area", "missing"),
        _only({"mash": (200, 404, 404)}, otherwise=(403,) * 3),
    ),
    "referrals:case": (
        "GET",
        ("own", "other_area", "missing"),
        _only({"mash": (200, 404, 404)}, otherwise=(403,) * 3),
    ),
    "referrals:case_change": (
        "POST",
        ("own", "other_area", "missing"),
        _only({"mash": (400, 404, 404)}, otherwise=(403,) * 3),
    ),
    # The API answers tokens only: a signed-in session is no token (401); its document is open.
    "api:openapi-json": ("GET", None, _all(200)),
    "api:api-root": ("GET", None, _all(404)),
    "api:concern_submit": ("POST", None, _all(401)),
    "api:concern_list": ("GET", None, _all(401)),
    "api:concern_status": ("GET", None, _all(401)),
    "api:aggregates": ("GET", None, _all(401)),
    "api:referral_list": ("GET", None, _all(401)),
    "api_tokens:tokens": ("GET", None, _only({"admin": 200})),
    "api_tokens:revoke": (
        "POST",
        ("own", "other_area", "missing"),
        _only({"admin": (302, 404, 404)}, otherwise=(403,) * 3),
    ),
    # Bulk import: the agency's safeguarding lead or the area's administrator.
    "imports:upload": ("GET", None, _only({"dsl": 200, "admin": 200})),
    "imports:map": ("GET", None, _only({"dsl": 302, "admin": 302})),  # nothing uploaded yet
    "imports:problems": ("GET", None, _only({"dsl": 200, "admin": 200})),
    "imports:progress": ("GET", None, _only({"dsl": 302, "admin": 302})),  # no import started
    # Groups of connected children: the area's MASH only; place counts also for the lead
    # (suppressed below 5 for them).
    "groups:list": ("GET", None, _only({"mash": 200})),
    "groups:group": (
        "GET",
        ("own", "other_area", "missing"),
        _only({"mash": (200, 404, 404)}, otherwise=(403,) * 3),
    ),
    "groups:decide": ("GET", ("own",), _only({"mash": (405,)}, otherwise=(403,))),
    "groups:merge": ("GET", ("own",), _only({"mash": (405,)}, otherwise=(403,))),
    "groups:places": ("GET", None, _only({"mash": 200, "lead": 200})),
    # A police check is its area's SPOC's (SPOC_MATRIX below): the roles a SPOC may hold reach the
    # selector, which answers "not found" to anyone not designated.
    "groups:check": (
        "GET",
        ("own", "other_area", "missing"),
        _only(
            {"practitioner": (404,) * 3, "dsl": (404,) * 3, "mash": (404,) * 3},
            otherwise=(403,) * 3,
        ),
    ),
    # The group rules and the SPOCs: the partnership lead's.
    "groups:settings": ("GET", None, _only({"lead": 200})),
}

# What the area's SPOC (the police officer of the cast, designated by the lead) gets on the routes
# of groups: their own area's checks only, nothing of the MASH's or the lead's pages.
SPOC_MATRIX = {
    ("groups:check", "GET"): (("own", "other_area", "missing"), (200, 404, 404)),
    # An empty check is refused as invalid; another area's is not found.
    ("groups:check", "POST"): (("own", "other_area", "missing"), (400, 404, 404)),
    ("groups:group", "GET"): (("own", "other_area", "missing"), (403, 403, 403)),
    ("groups:list", "GET"): (None, (403,)),
    ("groups:settings", "GET"): (None, (403,)),
    ("referrals:inbox", "GET"): (None, (200,)),
}


def _routes() -> dict[str, str]:
    """Every route the resolver knows: its name (or its pattern, if unnamed) -> pattern."""
    found = {}

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                found[f"{namespace}{entry.name}" if entry.name else route] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_route_has_a_row_and_every_row_a_route():
    routes = _routes()
    assert set(routes) - set(MATRIX) == set(), "add these routes to MATRIX"
    assert set(MATRIX) - set(routes) == set(), "these rows name no route"
    for name, (_, scopes, table) in MATRIX.items():
        assert set(table) == set(ROLES), name
        for role, outcome in table.items():
            expected = 1 if scopes is None else len(scopes)
            assert (1 if isinstance(outcome, int) else len(outcome)) == expected, (name, role)


class World:
    """One object of each scope, for each kind of object the routes take."""

    def __init__(self, cast) -> None:
        from jigsaw.web.accounts.services import agency_create
        from jigsaw.web.children.models import Link

        far_school = agency_create(area=cast.other_area, kind="education", name="Southmoor High")
        far_teacher, _ = demo_user_create(
            username="far_teacher", password=PASSWORD, role="practitioner", agency=far_school
        )
        self.school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school's words")
        # The hospital is unsure the child is the school's: a pending link for the MASH.
        record_concern(cast.nurse, unsure_identity(), ["sti_diagnosis"], "health's words")
        self.pending = Link.objects.get(status="pending", child=self.school.child)
        police_child = {
            "first_name": "Tomasz",
            "last_name": "Nowak",
            "dob": (2010, 6, 1),
            "sex": "M",
            "postcode": "NB2 3RT",
        }
        self.police = record_concern(cast.officer, police_child, ["older_associates"], "police")
        council_child = {
            "first_name": "Aisha",
            "last_name": "Begum",
            "dob": (2012, 9, 9),
            "sex": "F",
            "postcode": "NB3 1AA",
        }
        self.council = record_concern(cast.analyst, council_child, ["older_associates"], "mash")
        far_child = {
            "first_name": "Mia",
            "last_name": "Clarke",
            "dob": (2011, 1, 2),
            "sex": "F",
            "postcode": "SM1 2AB",
        }
        self.far = record_concern(far_teacher, far_child, SCHOOL_SIGNS, "southmoor's words")
        self.far_school = far_school
        self.far_admin, _ = demo_user_create(
            username="far_admin", password=PASSWORD, role="administrator", agency=far_school
        )
        self.cast = cast
        self._workflow(cast)
        self._groups(far_teacher)
        self._cases()

    def _groups(self, far_teacher) -> None:
        """A group in the area (the police's and the council's children share a car) and one in
        the other area."""
        from jigsaw.web.groups.forms import MentionInput
        from jigsaw.web.groups.models import Group
        from jigsaw.web.groups.services import mentions_record

        car = MentionInput("vehicle", "YK19 ABC", {"registration": "YK19 ABC"}, "seen", None)
        for outcome, user in ((self.police, self.cast.officer), (self.council, self.cast.analyst)):
            mentions_record(
                actor=user, concern=outcome.concern, child=outcome.child, mentions=[car]
            )
        far_child = {"first_name": "Leo", "last_name": "Hart", "dob": (2010, 5, 5), "sex": "M"}
        far_two = record_concern(far_teacher, far_child, SCHOOL_SIGNS, "southmoor")
        for outcome in (self.far, far_two):
            mentions_record(
                actor=far_teacher, concern=outcome.concern, child=outcome.child, mentions=[car]
            )
        self.group = Group.objects.get(area=self.cast.area)
        self.far_group = Group.objects.get(area=self.cast.other_area)

    def _cases(self) -> None:
        """A MACE case in the area (on the group) and one in the other area."""
        from jigsaw.web.referrals.cases import case_open

        self.case = case_open(
            actor=self.cast.analyst, kind="peer_group", title="Astra", group=self.group
        )
        self.far_case = case_open(
            actor=self.cast.far_analyst, kind="place", title="Pier", place="The pier"
        )

    def _workflow(self, cast) -> None:
        """A referral of the school's child with an action and a MACE meeting about it."""
        import datetime as dt

        from django.utils import timezone

        from jigsaw.web.referrals import services

        self.referral = services.referral_create(
            actor=cast.school_dsl, child=self.school.child, source="dsl"
        )
        self.action = services.action_create(
            actor=cast.analyst,
            referral=self.referral,
            title="Visit",
            owner_agency=cast.school,
            due_at=timezone.now() + dt.timedelta(days=2),
        )
        self.meeting = services.mace_meeting_record(
            actor=cast.analyst,
            held_on=timezone.localdate(),
            chair="chair",
            attendees="Northbridge Police | DS | Khan",
            items=[
                services.MaceItemInput(
                    referral=self.referral, reasons=(), discussion="d", risk="red", plan="p"
                )
            ],
        )

    def own(self, role):
        return self.school if role in ("practitioner", "dsl") else self.council

    def path(self, name: str, pattern: str, role: str, scope: str) -> str:
        cast = self.cast
        workflow = {
            "<ref:contact_id>": {
                "own": lambda: self.school.concern.contact.pk,
                "other_area": lambda: self.far.concern.contact.pk,
            },
            "<ref:referral_id>": {"own": lambda: self.referral.pk},
            "<ref:action_id>": {"own": lambda: self.action.pk},
            "<ref:meeting_id>": {"own": lambda: self.meeting.pk},
            "<ref:group_id>": {
                "own": lambda: self.group.pk,
                "other_area": lambda: self.far_group.pk,
            },
            "<ref:merge_id>": {"own": lambda: 1},
            "<ref:case_id>": {
                "own": lambda: self.case.pk,
                "other_area": lambda: self.far_case.pk,
            },
            "<ref:task_id>": {
                "own": lambda: self.group.tasks.get(to="spoc").pk,
                "other_area": lambda: self.far_group.tasks.get(to="spoc").pk,
            },
        }
        for argument, values in workflow.items():
            if argument in pattern:
                value = 99_999_999 if scope == "missing" else values[scope]()
                path = pattern.replace(argument, ref(value)).replace("<str:change>", "rate")
                path = path.replace("<str:step>", "note")
                return "/" + path
        if name == "referrals:refer":
            return "/" + pattern.replace("<ref:concern_id>", ref(self.own(role).concern.pk))
        if "<ref:child_id>" in pattern or "<ref:concern_id>" in pattern:
            outcome = {"own": self.own(role), "other_agency": self.police, "other_area": self.far}
            if scope == "missing":
                value = 99_999_999
            elif "<ref:child_id>" in pattern:
                value = outcome[scope].child.pk
            else:
                value = outcome[scope].concern.pk
        elif "<ref:link_id>" in pattern:
            value = {
                "own": self.pending.pk,
                "other_area": self.far.link.pk,
                "missing": 99_999_999,
            }[scope]
        elif "<ref:user_id>" in pattern:
            value = {
                "own": cast.lead.pk,
                "other_agency": cast.teacher.pk,
                "other_area": cast.far_analyst.pk,
                "missing": 99_999_999,
                "self": cast.admin.pk,
            }[scope]
        elif "<ref:token_id>" in pattern:
            from jigsaw.web.api.services import token_create

            value = 99_999_999
            if scope != "missing":
                admin = cast.admin if scope == "own" else self.far_admin
                agency = cast.school if scope == "own" else self.far_school
                value = token_create(
                    actor=admin, agency=agency, name="MIS", scopes=["concerns:read"]
                ).record.pk
        elif "<str:token>" in pattern:
            value = "no-such-token"
        elif "<str:fmt>" in pattern:
            value = {"own": "csv", "missing": "pdf"}[scope]
        elif "<path:path>" in pattern:
            value = {"own": "areas.csv", "missing": "clusters.csv"}[scope]
        else:
            return "/" + pattern
        # Record ids travel as references (jigsaw.web.refs): a missing record's reference is
        # genuine, so "not found" is the record's absence, not a refused reference.
        if "<ref:" in pattern:
            value = ref(value)
        return "/" + pattern.split("<")[0] + str(value) + pattern.split(">", 1)[1]


def test_the_matrix_holds_for_every_route_role_and_object(cast, tmp_path, settings):
    report = tmp_path / "national"
    report.mkdir()
    (report / "index.html").write_text("<h1>report</h1>")
    (report / "areas.csv").write_text("area_code,identified\n")
    (report / "clusters.csv").write_text("nhs_number\n9434765919\n")  # never served
    settings.JIGSAW_NATIONAL_REPORT_DIR = report
    world = World(cast)
    routes = _routes()
    wrong = []
    for name, (method, scopes, table) in MATRIX.items():
        for role in ROLES:
            expected = table[role]
            expected = (expected,) if isinstance(expected, int) else expected
            for scope, want in zip(scopes or (None,), expected, strict=True):
                path = world.path(name, routes[name], role, scope)
                client = Client()
                if role != "anonymous":
                    verified_client(client, cast, USER_OF_ROLE[role])
                # Each request in its own savepoint: a sign-out or a decision does not leak
                # into the next.
                with transaction.atomic():
                    response = getattr(client, method.lower())(path, {})
                    transaction.set_rollback(True)
                if response.status_code != want:
                    wrong.append((name, role, scope, path, want, response.status_code))
    assert wrong == []


def test_the_spoc_reaches_only_their_own_areas_checks(cast):
    from jigsaw.web.accounts.services import spoc_designate

    world = World(cast)
    spoc_designate(actor=cast.lead, user_id=cast.officer.pk)
    routes = _routes()
    wrong = []
    for (name, method), (scopes, expected) in SPOC_MATRIX.items():
        for scope, want in zip(scopes or (None,), expected, strict=True):
            path = world.path(name, routes[name], "spoc", scope)
            client = verified_client(Client(), cast, "officer")
            with transaction.atomic():
                response = getattr(client, method.lower())(path, {})
                transaction.set_rollback(True)
            if response.status_code != want:
                wrong.append((name, method, scope, path, want, response.status_code))
    assert wrong == []
