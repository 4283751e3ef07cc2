"""Bulk import: malformed files are refused with every bad row named, an accepted file is stored
whole and once, and the batch store decides exactly what recording each row one by one would."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import transaction
from django.utils import timezone

from jigsaw.identifiers import nhs_check_digit
from jigsaw.web.children import matching
from jigsaw.web.children.models import AgencyRecord, Link
from jigsaw.web.concerns.models import Concern
from jigsaw.web.imports.models import ImportBatch, ImportMapping
from jigsaw.web.imports.services import (
    ImportRefused,
    file_read,
    import_check,
    import_store,
    mapping_guess,
    problems_csv,
    record_id_for,
)
from tests.web.cast import JESSICA, record_concern, unsure_identity, verified_client

pytestmark = pytest.mark.django_db

HEADER = [
    "Pupil ID",
    "Forename",
    "Surname",
    "DOB",
    "Gender",
    "Postcode",
    "NHS No",
    "Date seen",
    "Signs",
    "Notes",
]
MAPPING = {
    "reference": "Pupil ID",
    "first_name": "Forename",
    "last_name": "Surname",
    "dob": "DOB",
    "sex": "Gender",
    "postcode": "Postcode",
    "nhs_number": "NHS No",
    "seen_on": "Date seen",
    "indicators": "Signs",
    "note": "Notes",
}


def nhs(n: int) -> str:
    """A valid NHS number (check digit computed), for synthetic rows."""
    while True:
        first = f"{n:09d}"
        digit = nhs_check_digit(first)
        if digit is not None:
            return first + str(digit)
        n += 1


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


GOOD = [
    [
        "P1",
        "Jess",
        "Okafor",
        "03/04/2011",
        "F",
        "NB1 4QT",
        "",
        "1 Nov 2026",
        "Unexplained absence from school; gifts_from_older_people",
        "seen at the gate",
    ],
    [
        "P2",
        "Tom",
        "Baker",
        "2012-05-06",
        "male",
        "NB2 1AA",
        nhs(401023),
        "02/11/26",
        "older_associates",
        "",
    ],
]


def check_of(content: bytes, name: str = "list.csv", mapping: dict = MAPPING):
    return import_check(file_read(name, content), mapping, today=timezone.localdate())


def test_an_accepted_file_is_stored_linked_and_graded(cast):
    record_concern(cast.nurse, JESSICA, ["sti_diagnosis"], "health's concern")
    check = check_of(csv_bytes(GOOD))
    assert check.problems == [] and check.accepted
    outcome = import_store(actor=cast.school_dsl, agency=cast.school, check=check)
    assert (outcome.records_created, outcome.concerns_created) == (2, 2)
    jess = AgencyRecord.objects.get(record_id=record_id_for(cast.school, "P1"))
    assert jess.dob == dt.date(2011, 4, 3)  # day first, as in the UK
    concern = jess.concerns.get()
    assert concern.indicators == ["unexplained_absence", "gifts_from_older_people"]
    # Jess at school is the health trust's Jessica: linked as intake would link her.
    health = AgencyRecord.objects.get(agency=cast.health)
    child_of = dict(
        Link.objects.filter(status__in=["new", "auto", "confirmed"]).values_list(
            "record_id", "child_id"
        )
    )
    assert child_of[jess.pk] == child_of[health.pk]
    assert ImportBatch.objects.get().rows == 2


def test_the_same_file_again_stores_nothing_twice(cast):
    content = csv_bytes(GOOD)
    first = import_store(actor=cast.school_dsl, agency=cast.school, check=check_of(content))
    again = import_store(actor=cast.school_dsl, agency=cast.school, check=check_of(content))
    assert again.batch is None and again.already_imported == first.batch
    # Another file holding the same rows (and one new) stores only the new one.
    bigger = csv_bytes(
        GOOD + [["P3", "Amy", "Lee", "1/1/2013", "F", "", "", "3/11/2026", "older_associates", ""]]
    )
    third = import_store(actor=cast.school_dsl, agency=cast.school, check=check_of(bigger))
    assert (third.concerns_created, third.rows_already_stored, third.records_created) == (1, 2, 1)
    assert Concern.objects.filter(record__agency=cast.school).count() == 3


def test_every_bad_row_is_named_and_nothing_is_stored(cast):
    rows = [
        GOOD[0],
        ["P2", "Tom", "Baker", "31/02/2012", "M", "", "", "2/11/2026", "older_associates", ""],
        ["P3", "Ann", "Cole", "04/13/2011", "F", "", "", "2/11/2026", "older_associates", ""],
        ["P4", "Sam", "Dee", "1/1/2012", "X?", "", "1234567890", "2/11/2026", "not_a_sign", ""],
        ["P5", "Kim", "Eve", "1/1/2012", "F", "", "", "1/1/2011", "older_associates", ""],
        ["", "Lou", "Fox", "1/1/2012", "F", "", "", "2/11/2026", "older_associates", ""],
        ["P1", "Someone", "Else", "1/1/2012", "F", "", "", "2/11/2026", "older_associates", ""],
    ]
    check = check_of(csv_bytes(rows))
    found = {(p.row, p.column) for p in check.problems}
    assert found == {
        (3, "DOB"),
        (4, "DOB"),
        (5, "Gender"),
        (5, "NHS No"),
        (5, "Signs"),
        (6, "Date seen"),
        (7, "Pupil ID"),
        (8, "Pupil ID"),
    }
    assert not check.accepted
    with pytest.raises(ValueError):
        import_store(actor=cast.school_dsl, agency=cast.school, check=check)
    assert not AgencyRecord.objects.filter(agency=cast.school).exists()
    # The downloadable CSV holds every problem.
    lines = list(csv.reader(io.StringIO(problems_csv(check.problems).decode())))
    assert lines[0] == ["row", "column", "reason"] and len(lines) == 1 + len(check.problems)


def test_an_ambiguous_us_date_is_refused_not_guessed():
    check = check_of(
        csv_bytes(
            [["P1", "Ann", "Cole", "04/13/2011", "F", "", "", "2/11/2026", "older_associates", ""]]
        )
    )
    (problem,) = check.problems
    assert problem.column == "DOB" and "US month-first" in problem.reason


def test_exact_duplicate_rows_are_stored_once(cast):
    check = check_of(csv_bytes([GOOD[0], GOOD[0], GOOD[1]]))
    assert check.accepted and check.duplicates == 1 and len(check.rows) == 2


def test_wrong_encoding_missing_column_and_empty_file_are_refused():
    with pytest.raises(ImportRefused, match="row 3 is not UTF-8"):
        file_read(
            "list.csv",
            csv_bytes(
                [
                    GOOD[1],
                    [
                        "P9",
                        "Zoë",
                        "Ames",
                        "1/1/2012",
                        "F",
                        "",
                        "",
                        "2/11/2026",
                        "older_associates",
                        "",
                    ],
                ],
                encoding="latin-1",
            ),
        )
    with pytest.raises(ImportRefused, match="empty"):
        file_read("list.csv", b"")
    with pytest.raises(ImportRefused, match="empty"):
        file_read("list.xlsx", _xlsx([]))
    no_dob = [h for h in HEADER if h != "DOB"]
    check = check_of(
        csv_bytes([[c for h, c in zip(HEADER, GOOD[0], strict=True) if h != "DOB"]], no_dob)
    )
    assert [(p.row, p.column) for p in check.problems] == [(1, "DOB")]
    assert "missing" in check.problems[0].reason


def test_formulas_are_stored_as_text_and_neutralised_on_export(cast):
    formula = '=HYPERLINK("http://evil.example","click")'
    rows = [
        [
            "P1",
            "Jess",
            "Okafor",
            "03/04/2011",
            "F",
            "",
            "",
            "1 Nov 2026",
            "older_associates",
            formula,
        ]
    ]
    check = check_of(csv_bytes(rows))
    import_store(actor=cast.school_dsl, agency=cast.school, check=check)
    assert Concern.objects.get(record__agency=cast.school).note == formula
    bad = check_of(
        csv_bytes(
            [["P1", "@SUM(1)", "Okafor", "=1+1", "F", "", "", "1 Nov 2026", "older_associates", ""]]
        )
    )
    exported = problems_csv(bad.problems).decode()
    assert "'=1+1" in exported or "=1+1" not in exported


def _xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if rows or header:
        if rows:
            sheet.append(header)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_file_with_real_dates_and_a_formula_is_read_as_text(cast):
    rows = [
        [
            "P1",
            "Jess",
            "Okafor",
            dt.datetime(2011, 4, 3),  # noqa: DTZ001 - a naive Excel date
            "F",
            "",
            "",
            dt.date(2026, 11, 1),
            "older_associates",
            "=1+1",
        ]
    ]
    check = check_of(_xlsx(rows), name="list.xlsx")
    assert check.accepted, check.problems
    (row,) = check.rows
    assert row.dob == dt.date(2011, 4, 3) and row.note == "=1+1"


def test_the_mapping_is_saved_once_per_agency_and_offered_again(cast, client):
    page = verified_client(client, cast, "school_dsl")
    answer = page.post(
        "/imports/", {"agency": cast.school.pk, "file": _upload("list.csv", csv_bytes(GOOD))}
    )
    assert answer.status_code == 302
    started = page.post("/imports/columns/", MAPPING)
    assert started.status_code == 302 and started["Location"] == "/imports/progress/"
    done = page.get("/imports/progress/")
    assert done.status_code == 200 and b"2 concerns imported" in done.content
    # Finished: the page no longer reloads itself.
    assert "Refresh" not in done and b'http-equiv="refresh"' not in done.content
    assert ImportMapping.objects.get(agency=cast.school).columns == MAPPING
    assert mapping_guess(HEADER, ImportMapping.objects.get().columns) == MAPPING


def test_the_page_lists_bad_rows_and_offers_them_as_csv(cast, client):
    page = verified_client(client, cast, "school_dsl")
    bad = [
        ["P1", "Jess", "Okafor", "31/02/2011", "F", "", "", "1 Nov 2026", "older_associates", ""]
    ]
    page.post("/imports/", {"agency": cast.school.pk, "file": _upload("list.csv", csv_bytes(bad))})
    answer = page.post("/imports/columns/", MAPPING)
    assert answer.status_code == 400 and b"nothing was stored" in answer.content
    download = page.get("/imports/problems.csv")
    assert download["Content-Type"].startswith("text/csv")
    assert download.content.decode().splitlines()[1].startswith("2,DOB,")
    assert not AgencyRecord.objects.filter(agency=cast.school).exists()


def test_only_the_agencys_dsl_or_the_areas_administrator_imports(cast, client):
    assert verified_client(client, cast, "teacher").get("/imports/").status_code == 403
    with pytest.raises(Exception, match="safeguarding lead"):
        import_store(actor=cast.nurse, agency=cast.school, check=check_of(csv_bytes(GOOD)))
    with pytest.raises(Exception, match="safeguarding lead"):
        import_store(actor=cast.school_dsl, agency=cast.health, check=check_of(csv_bytes(GOOD)))


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


class _Undo(Exception):
    pass


def test_the_batch_store_decides_as_recording_each_row_one_by_one(cast):
    """The proof that the batch path is the intake's: the same rows, stored by import_store and
    then (after rolling it back) by concern_record one by one, give the same children, the same
    pending links for review and the same concern and child grades."""
    from jigsaw.web.concerns.services import Identity, concern_record

    record_concern(cast.nurse, JESSICA, ["sti_diagnosis"], "health's concern")
    unsure = unsure_identity()
    today = timezone.localdate()
    rows = [
        GOOD[0],
        [
            "P2",
            unsure["first_name"],
            unsure["last_name"],
            dt.date(*unsure["dob"]).isoformat(),
            unsure["sex"],
            unsure["postcode"],
            "",
            "2/11/2026",
            "older_associates",
            "",
        ],
        [
            "P3",
            "Tom",
            "Baker",
            "2012-05-06",
            "M",
            "NB2 1AA",
            "",
            "02/11/26",
            "older_associates",
            "",
        ],
        # The same child again under another reference: matched against the file's own row P3.
        [
            "P4",
            "Tom",
            "Baker",
            "2012-05-06",
            "M",
            "NB2 1AA",
            "",
            "03/11/26",
            "gifts_from_older_people",
            "",
        ],
    ]
    check = check_of(csv_bytes(rows))
    assert check.accepted, check.problems

    def outcome(prefix):
        records = AgencyRecord.objects.filter(agency=cast.school).order_by("pk")
        groups, pending, grades = [], [], []
        health = AgencyRecord.objects.get(agency=cast.health)
        for record in records:
            link = Link.objects.get(record=record, status__in=["new", "auto", "confirmed"])
            same = (
                ["health"]
                if Link.objects.filter(record=health, child=link.child_id).exists()
                else []
            ) + [
                r.record_id.removeprefix(prefix)
                for r in records
                if Link.objects.filter(
                    record=r, child=link.child_id, status__in=["new", "auto", "confirmed"]
                ).exists()
            ]
            groups.append(same)
            pending.append(Link.objects.filter(record=record, status="pending").count())
            concern = record.concerns.get()
            # The workflow too: a contact for the school's lead; a referral if the grade is high.
            grades.append(
                (
                    concern.grade_level,
                    link.child.grade_level,
                    hasattr(concern, "contact"),
                    link.child.referrals.count(),
                )
            )
        return groups, pending, grades

    try:
        with transaction.atomic():
            import_store(actor=cast.school_dsl, agency=cast.school, check=check, today=today)
            batch = outcome(f"A{cast.school.pk}-")
            raise _Undo
    except _Undo:
        pass
    matching.matcher_forget()
    for row in check.rows:
        identity = Identity(
            first_name=row.first_name,
            last_name=row.last_name,
            dob=row.dob,
            sex=row.sex,
            postcode=row.postcode,
            nhs_number=row.nhs_number,
        )
        concern_record(
            actor=cast.school_dsl,
            seen_on=row.seen_on,
            indicators=row.indicators,
            note=row.note,
            lawful_basis=row.lawful_basis,
            identity=identity,
            today=today,
        )
    records = list(AgencyRecord.objects.filter(agency=cast.school).order_by("pk"))
    one_by_one_prefix = records[0].record_id[:-1]
    # Intake names records itself; compare by position in the file.
    rename = {r.record_id: f"P{i + 1}" for i, r in enumerate(records)}
    groups, pending, grades = outcome("")
    groups = [sorted(rename.get(x, x) for x in g) for g in groups]
    batch = ([sorted(g) for g in batch[0]], batch[1], batch[2])
    assert one_by_one_prefix  # records were stored
    assert (groups, pending, grades) == batch
    # Not a trivial agreement: rows joined the health trust's child and each other.
    assert "health" in batch[0][0]
    assert batch[0][3] == batch[0][2] == ["P3", "P4"]
