"""The named cast of the web tests, created through the real services, and sign-in helpers."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher

from jigsaw.web.accounts.models import AgencyKind, Role
from jigsaw.web.accounts.services import agency_create, area_create
from jigsaw.web.demo import demo_user_create


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with the smallest cost: the same algorithm and hash format, without 100 ms a user."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1


PASSWORD = "correct horse battery staple 42"


class Cast:
    """A small named partnership: one area, its agencies and one user per role."""

    def __init__(self) -> None:
        self.area = area_create(code="E99000001", name="Northbridge")
        self.other_area = area_create(code="E99000002", name="Southmoor")
        self.school = agency_create(
            area=self.area, kind=AgencyKind.EDUCATION, name="Northbridge Academy"
        )
        self.health = agency_create(
            area=self.area, kind=AgencyKind.HEALTH, name="Northbridge NHS Trust"
        )
        self.police = agency_create(
            area=self.area, kind=AgencyKind.POLICE, name="Northbridge Police"
        )
        self.council = agency_create(
            area=self.area, kind=AgencyKind.SOCIAL_CARE, name="Northbridge Children's Services"
        )
        self.far_council = agency_create(
            area=self.other_area, kind=AgencyKind.SOCIAL_CARE, name="Southmoor Children's Services"
        )
        users = [
            ("teacher", Role.PRACTITIONER, self.school),
            ("teacher2", Role.PRACTITIONER, self.school),
            ("school_dsl", Role.DSL, self.school),
            ("nurse", Role.PRACTITIONER, self.health),
            ("officer", Role.PRACTITIONER, self.police),
            ("analyst", Role.MASH_ANALYST, self.council),
            ("far_analyst", Role.MASH_ANALYST, self.far_council),
            ("lead", Role.PARTNERSHIP_LEAD, self.council),
            ("auditor", Role.AUDITOR, self.council),
            ("admin", Role.ADMINISTRATOR, self.council),
        ]
        self.devices = {}
        for name, role, agency in users:
            user, device = demo_user_create(
                username=name, password=PASSWORD, role=role, agency=agency
            )
            setattr(self, name, user)
            self.devices[name] = device


def verified_client(client, cast: Cast, name: str):
    """Return the test client signed in as ``name`` with both factors (password and TOTP)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(getattr(cast, name))
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = cast.devices[name].persistent_id
    session.save()
    return client


JESSICA = {
    "first_name": "Jessica",
    "last_name": "Okafor",
    "dob": (2011, 3, 4),
    "sex": "F",
    "postcode": "NB1 4QT",
}
# The same child as the hospital knows her: a nickname, and day and month of birth swapped.
JESS = {**JESSICA, "first_name": "Jess", "dob": (2011, 4, 3)}
SCHOOL_SIGNS = ["unexplained_absence", "gifts_from_older_people"]
HEALTH_SIGNS = ["sti_diagnosis", "attends_with_older_adult"]
POLICE_SIGNS = ["older_associates"]


# Ways the hospital may hold the same child less certainly. The shipped model is retrained from
# time to time, so the test uses the first one the real engine is unsure about (a "review").
UNSURE_CANDIDATES = [
    {"first_name": "Jess", "last_name": "Okafur", "dob": (2011, 5, 3), "postcode": "NB1 4QT"},
    {"first_name": "Jessie", "last_name": "Okafur", "dob": (2011, 5, 3), "postcode": "NB1 4QT"},
    {"first_name": "Jess", "dob": (2011, 3, 5), "postcode": "NB2 7ZZ"},
    {"first_name": "Jess", "dob": (2011, 3, 5), "postcode": ""},
    {"first_name": "Jess", "dob": (2011, 3, 5), "postcode": "NB1 4ZZ"},
    {"first_name": "Jess", "dob": (2012, 3, 5), "postcode": "NB2 7ZZ"},
    {"first_name": "Jessie", "dob": (2011, 5, 3), "postcode": "NB1 4QT"},
    {"first_name": "Jess", "dob": (2011, 4, 5), "postcode": ""},
    {"first_name": "Jess", "dob": (2011, 3, 14), "postcode": "NB2 7ZZ"},
    {"first_name": "Jessica", "dob": (2011, 3, 5), "postcode": "NB2 7ZZ", "sex": "U"},
]


def unsure_identity() -> dict:
    """The first of UNSURE_CANDIDATES the linkage engine is unsure is JESSICA (a "review")."""
    import datetime as dt

    import pytest

    from jigsaw.web.children import matching

    for change in UNSURE_CANDIDATES:
        who = {**JESSICA, **change}
        mapping = matching.record_mapping(
            record_id="probe",
            agency_kind="health",
            **{**who, "dob": dt.date(*who["dob"]), "nhs_number": ""},
        )
        found = matching.match(mapping)
        if found and found[0].decision == "review":
            return who
    pytest.fail("none of UNSURE_CANDIDATES is a 'review' for the current linkage model: add one")


def record_concern(user, who: dict, indicators: list[str], note: str, *, seen_on=None):
    """Record a concern through the real service, as the intake page does."""
    import datetime as dt

    from django.utils import timezone

    from jigsaw.web.concerns.services import Identity, concern_record

    identity = Identity(**{**who, "dob": dt.date(*who["dob"])})
    return concern_record(
        actor=user,
        identity=identity,
        seen_on=seen_on or timezone.localdate(),
        indicators=indicators,
        note=note,
        lawful_basis="public_task_safeguarding",
    )


def truth_linkage(world, log=None):
    """Join the world's records by the generator's known truth: a quick, exact background for
    tests (the demo itself links with Splink)."""
    import pandas as pd

    from jigsaw.web.demo import DemoLinkage

    return DemoLinkage(
        clusters=world.truth[["record_id", "child_id"]].set_index("record_id"),
        review=pd.DataFrame(
            columns=["record_id_l", "record_id_r", "match_probability", "match_weight"]
        ),
    )


def background_load(children: int = 400) -> None:
    """Fill the store with a synthetic partnership, so linkage weighs names as in real life."""
    from django.utils import timezone

    from jigsaw.web.children.models import AgencyRecord
    from jigsaw.web.demo import partnership_load

    if AgencyRecord.objects.filter(record_id__startswith="POL").exists():
        return  # already there (loaded once per session; only browser tests empty the tables)
    partnership_load(
        children=children,
        seed=11,
        today=timezone.localdate(),
        linkage=truth_linkage,
        with_users=False,
        log=lambda message: None,
    )


def area_from_world(*, children: int = 420, seed: int = 5, code: str = "E99000077"):
    """Store a synthetic partnership from the world generator as area ``code``, its records
    linked by the generator's truth (as the background is), spread over a year of storing: with
    the defaults, 420 children and about 1,100 records, just over what training a linkage model
    needs (``jigsaw.linkage.MIN_RECORDS``). Returns the area and its agencies by kind."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from jigsaw.web import demo
    from jigsaw.web.children import matching
    from jigsaw.web.children.models import AgencyRecord
    from jigsaw.world import generate

    today = timezone.localdate()
    world = generate(
        children=children, areas=1, seed=seed, start=today - dt.timedelta(days=730), years=2
    )
    # Record ids of their own: the background's world numbers its records the same way.
    for frame in (world.records, world.truth):
        frame["record_id"] = f"{code}-" + frame["record_id"].astype(str)
    world.areas.loc[world.areas.index[0], "area_code"] = code
    world.areas.loc[world.areas.index[0], "area_name"] = "Westfold"
    linked = truth_linkage(world)
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic():
        matching.store_changed(rebuild=True)
        area, agencies = demo._area_and_agencies(world)
        stored, _ = demo._store_records(world.records, linked.clusters, agencies, now)
        child_of = demo._store_children(stored, linked.clusters, area, now)
        demo._store_links(stored, {r.record_id: r for r in stored}, linked, child_of, now)
        first = stored[0]
        AgencyRecord.objects.filter(pk=first.pk).update(created_at=now - dt.timedelta(days=365))
    return area, agencies
