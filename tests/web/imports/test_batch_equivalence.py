"""The batch store decides exactly what recording each row one by one at intake decides, on a
file of a few hundred rows built to make the decisions interesting: the same child again under
another reference (matched against the file's own earlier rows), near misses (a birth date with
day and month swapped; another surname at another address, for the MASH to review), children
the partnership's other agencies hold already, and children no one knows. Compared: the children formed, every
pending link, every concern's and child's grade with its reasons, the contacts and referrals;
and the audit chain still verifies after the bulk append."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone

from jigsaw.web.children import matching
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord, Link
from jigsaw.web.imports.services import import_store
from tests.web.cast import HEALTH_SIGNS, JESSICA, record_concern
from tests.web.imports.test_imports import check_of, csv_bytes

pytestmark = pytest.mark.django_db

FIRST = ["Amelia", "Olivia", "Isla", "Noah", "Leo", "Oscar", "Zara", "Aisha", "Yusuf", "Ella"]
LAST = ["Smith", "Jones", "Khan", "Patel", "Evans", "Begum", "Walker", "Hussain"]
SIGNS = [
    "unexplained_absence",
    "gifts_from_older_people",
    "older_associates",
    "staying_out_late",
    "sexual_activity",
]


def _rows(count: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    today = timezone.localdate()
    people: list[list[str]] = []
    rows = []
    for i in range(count):
        roll = rng.random()
        if people and roll < 0.2:
            # The same child again, as another reference: the file's own earlier row.
            person = list(people[int(rng.integers(len(people)))])
        elif people and roll < 0.3:
            # A near miss: the day and month of birth swapped (which joins the child), or
            # another surname at another address in the area (a step-family's name, a move:
            # these the MASH reviews).
            person = list(people[int(rng.integers(len(people)))])
            day, month, year = person[2].split("/")
            if int(day) <= 12 and day != month:
                person[2] = f"{month}/{day}/{year}"
            else:
                person[1] = LAST[(LAST.index(person[1]) + 1) % len(LAST)]
                person[4] = f"NB{int(rng.integers(1, 4))} {int(rng.integers(1, 4))}AA"
        elif roll < 0.33:
            person = [
                JESSICA["first_name"],
                JESSICA["last_name"],
                dt.date(*JESSICA["dob"]).strftime("%d/%m/%Y"),
                JESSICA["sex"],
                JESSICA["postcode"],
            ]
        else:
            born = today - dt.timedelta(days=int(rng.integers(9 * 365, 16 * 365)))
            person = [
                FIRST[int(rng.integers(len(FIRST)))],
                LAST[int(rng.integers(len(LAST)))],
                born.strftime("%d/%m/%Y"),
                "F" if rng.random() < 0.6 else "M",
                f"NB{int(rng.integers(1, 4))} {int(rng.integers(1, 4))}AA",
            ]
        people.append(person)
        seen = (today - dt.timedelta(days=int(rng.integers(0, 200)))).isoformat()
        signs = ";".join(sorted({SIGNS[int(rng.integers(len(SIGNS)))] for _ in range(2)}))
        first, last, dob, sex, postcode = person
        rows.append([f"R{i:04d}", first, last, dob, sex, postcode, "", seen, signs, ""])
    return rows


def _outcome(school_id: int) -> dict[str, object]:
    """What was decided, with records named by their place in the file (the import and intake
    give them different ids) and the other agencies' records by their own id."""
    records = list(AgencyRecord.objects.filter(agency_id=school_id).order_by("pk"))
    place = {r.pk: f"row {i}" for i, r in enumerate(records)}

    def name(record: AgencyRecord) -> str:
        return place.get(record.pk, record.record_id)

    active = {
        link.record_id: link.child
        for link in Link.objects.filter(status__in=ACTIVE_LINK_STATUSES).select_related("child")
    }
    members: dict[int, set[str]] = {}
    for link in Link.objects.filter(status__in=ACTIVE_LINK_STATUSES).select_related("record"):
        members.setdefault(link.child_id, set()).add(name(link.record))
    rows = []
    for record in records:
        child = active[record.pk]
        concern = record.concerns.get()
        pending = sorted(
            tuple(sorted(members.get(link.child_id, ())))
            for link in Link.objects.filter(record=record, status="pending")
        )
        rows.append(
            {
                "child": sorted(members[child.pk]),
                "pending": pending,
                "concern": (concern.grade_level, concern.grade_reasons),
                "grade": (child.grade_level, child.grade_reasons),
                "contact": hasattr(concern, "contact"),
                "referrals": child.referrals.count(),
            }
        )
    return {"rows": rows, "children": len({active[r.pk].pk for r in records})}


class _Undo(Exception):
    pass


def test_a_few_hundred_rows_decide_as_recording_each_row_one_by_one(cast):
    from jigsaw.web.audit.selectors import audit_chain_verdict
    from jigsaw.web.concerns.services import Identity, concern_record

    record_concern(cast.nurse, JESSICA, HEALTH_SIGNS, "health's concern")
    today = timezone.localdate()
    check = check_of(csv_bytes(_rows(300, seed=11)))
    assert check.accepted, check.problems[:5]
    assert len(check.rows) == 300
    try:
        with transaction.atomic():
            import_store(actor=cast.school_dsl, agency=cast.school, check=check, today=today)
            batch = _outcome(cast.school.pk)
            verdict = audit_chain_verdict()
            raise _Undo
    except _Undo:
        pass
    matching.matcher_forget()
    # Appended in bulk (a contact per row, a grade per child), the chain holds.
    assert verdict.broken is None and verdict.events >= 300 + batch["children"]
    for row in check.rows:
        concern_record(
            actor=cast.school_dsl,
            seen_on=row.seen_on,
            indicators=row.indicators,
            note=row.note,
            lawful_basis=row.lawful_basis,
            identity=Identity(
                first_name=row.first_name,
                last_name=row.last_name,
                dob=row.dob,
                sex=row.sex,
                postcode=row.postcode,
                nhs_number=row.nhs_number,
            ),
            today=today,
        )
    one_by_one = _outcome(cast.school.pk)
    differ = [
        (i, key, a[key], b[key])
        for i, (a, b) in enumerate(zip(batch["rows"], one_by_one["rows"], strict=True))
        for key in a
        if a[key] != b[key]
    ]
    assert differ == [], "\n".join(map(str, differ))
    assert batch == one_by_one
    # Not a trivial agreement: rows joined each other and the health trust's child, and some
    # went to the MASH for review.
    rows = batch["rows"]
    assert batch["children"] < 250
    assert any(len(r["child"]) > 2 for r in rows)
    assert any(any(not m.startswith("row") for m in r["child"]) for r in rows)
    assert sum(len(r["pending"]) for r in rows) >= 3
    assert any(r["referrals"] for r in rows)
