"""Bulk import of an agency's list of children of concern (CSV or ``.xlsx``).

Three steps, each usable alone: :func:`file_read` (the file's cells, all as text), then
:func:`import_check` (every row validated through :mod:`jigsaw.web.imports.fields`, the rules the
API uses too; every bad row reported with its row, column and reason), then :func:`import_store`,
which stores an accepted file in ONE transaction: records, links, concerns, grades, the
:class:`ImportBatch` row and the audit row commit together or not at all, so an import that fails
or is killed half-way leaves nothing behind and can simply be run again.

Storing takes the batch paths (``bulk_create`` of records, children, links and concerns; one
regrade per child touched) but the same decisions as recording each row on the intake page one
after another: each new record is matched with the same :mod:`~jigsaw.web.children.matching`
index, against every record stored before it, this file's earlier rows included, and linked by
the same rule as :func:`~jigsaw.web.children.services.record_link`; each concern is graded by
:func:`jigsaw.screening.grade_concern` and each child regraded by
:func:`~jigsaw.web.children.services.child_regrade`. ``tests/web/imports`` proves the two paths
store the same links and grades for the same rows.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import io
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from jigsaw.errors import InputError
from jigsaw.web.access import Actor, may_import_list
from jigsaw.web.accounts.models import Agency
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.imports import fields
from jigsaw.web.imports.models import ImportBatch, ImportMapping

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from jigsaw.web.children.models import AgencyRecord


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool


#: Jigsaw's columns, in the order the mapping page shows them.
FIELDS: tuple[Field, ...] = (
    Field("reference", "Your reference for the child", True),
    Field("first_name", "First name", True),
    Field("last_name", "Last name", True),
    Field("dob", "Date of birth", True),
    Field("sex", "Sex", False),
    Field("postcode", "Postcode", False),
    Field("nhs_number", "NHS number", False),
    Field("seen_on", "Date seen", True),
    Field("indicators", "Signs seen (indicator codes or labels, separated by ;)", True),
    Field("note", "What was seen", False),
    Field("lawful_basis", "Lawful basis", False),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
#: The largest file accepted: a 100,000-row list is a few megabytes.
MAX_BYTES = 64 * 1024 * 1024
#: Spreadsheet row of the first data row (row 1 is the header).
FIRST_ROW = 2


@dataclasses.dataclass(frozen=True)
class RowProblem:
    """A bad row: its spreadsheet row number (the header is row 1), the agency's column, why."""

    row: int
    column: str
    reason: str


class ImportRefused(Exception):
    """The file cannot be read at all (empty, not UTF-8, not CSV or .xlsx, a repeated column)."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__("; ".join(f"row {p.row}: {p.column}: {p.reason}" for p in problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class UploadedFile:
    name: str
    content_hash: str
    header: list[str]
    rows: list[list[str]]


@dataclasses.dataclass(frozen=True)
class CheckedRow:
    row: int
    reference: str
    first_name: str
    last_name: str
    dob: dt.date
    sex: str
    postcode: str
    nhs_number: str
    seen_on: dt.date
    indicators: list[str]
    note: str
    lawful_basis: str
    row_hash: str


@dataclasses.dataclass(frozen=True)
class ImportCheck:
    file: UploadedFile
    rows: list[CheckedRow]
    problems: list[RowProblem]
    duplicates: int

    @property
    def accepted(self) -> bool:
        return not self.problems and bool(self.rows)


def _cell(value: object) -> str:
    """An .xlsx cell as text: dates in ISO form, whole numbers without ``.0``, formulas as their
    text (never evaluated)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(name: str, content: bytes) -> tuple[list[str], list[list[str]]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        # data_only=False: a formula is read as its text ("=HYPERLINK(...)"), never its result.
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportRefused(
            [RowProblem(1, "file", f"not a readable .xlsx workbook ({type(error).__name__})")]
        ) from None
    sheet = book.worksheets[0]
    rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise ImportRefused(
            [RowProblem(1, "file", "it is empty (expected a header row of column names)")]
        )
    header = [h.strip() for h in rows[0]]
    while header and not header[-1]:
        header.pop()
    return header, [row[: len(header)] + [""] * (len(header) - len(row)) for row in rows[1:]]


def _read_csv(name: str, content: bytes) -> tuple[list[str], list[list[str]]]:
    from jigsaw.datasets.csvfile import read_text_csv

    with tempfile.TemporaryDirectory(prefix="jigsaw-import-") as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(content)
        try:
            frame = read_text_csv(path)
        except InputError as error:
            message = str(error).replace(f"{path}: ", "")
            row = 1
            if message.count("row "):
                tail = message.split("row ", 1)[1].split(" ", 1)[0].rstrip(":,")
                row = int(tail) if tail.isdigit() else 1
            raise ImportRefused([RowProblem(row, "file", message)]) from None
    return list(frame.columns), frame.to_numpy().tolist()


def file_read(name: str, content: bytes) -> UploadedFile:
    """Read an uploaded file (``.xlsx`` by its name or its zip signature, else CSV) as text cells.

    Raises
    ------
    ImportRefused
        If the file is too large, empty, not UTF-8 CSV, not a workbook, or repeats a column.
    """
    if len(content) > MAX_BYTES:
        raise ImportRefused([RowProblem(1, "file", f"is larger than {MAX_BYTES // 2**20} MB")])
    if name.lower().endswith(".xlsx") or content.startswith(b"PK\x03\x04"):
        header, rows = _read_xlsx(name, content)
    else:
        header, rows = _read_csv(name, content)
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise ImportRefused(
            [RowProblem(1, c, "this column appears more than once") for c in repeated]
        )
    return UploadedFile(
        name=Path(name).name[:200] or "upload",
        content_hash=hashlib.sha256(content).hexdigest(),
        header=header,
        rows=[[str(cell) for cell in row] for row in rows],
    )


def mapping_guess(header: list[str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """The mapping to offer: the saved one where its columns are still there, else the column
    named like the field (``dob``, ``Date of birth``, any case)."""
    by_name = {h.strip().lower(): h for h in header}
    guess: dict[str, str] = {}
    for field in FIELDS:
        if saved and saved.get(field.name) in header:
            guess[field.name] = saved[field.name]
            continue
        for candidate in (field.name, field.name.replace("_", " "), field.label.split(" (")[0]):
            if candidate.lower() in by_name:
                guess[field.name] = by_name[candidate.lower()]
                break
    return guess


def _require_importer(actor: User, agency: Agency) -> None:
    if not may_import_list(Actor.of(actor), agency_id=agency.pk, agency_area_id=agency.area_id):
        raise PermissionDenied(
            "only the agency's safeguarding lead or the area's administrator imports"
        )


def mapping_save(*, actor: User, agency: Agency, columns: dict[str, str]) -> ImportMapping:
    """Save which of the agency's columns holds each field (once per agency; changed any time).

    Raises
    ------
    PermissionDenied
        Unless ``actor`` may import for ``agency``.
    """
    _require_importer(actor, agency)
    clean = {k: v for k, v in columns.items() if k in FIELD_NAMES and v}
    with transaction.atomic():
        mapping, _ = ImportMapping.objects.update_or_create(
            agency=agency,
            defaults={"columns": clean, "saved_by": actor, "saved_at": timezone.now()},
        )
        audit_record(
            actor=actor,
            event_type=EventType.IMPORT_MAPPING_SAVED,
            subject=mapping,
            extra={"agency": agency.name, "columns": clean},
        )
    return mapping


def import_check(
    upload: UploadedFile, mapping: dict[str, str], *, today: dt.date | None = None
) -> ImportCheck:
    """Validate every row of ``upload`` read through ``mapping``; report every bad row.

    A row exactly repeating an earlier one is stored once (counted in ``duplicates``); a row
    giving an earlier row's reference with another child's name, date of birth or NHS number is
    a problem on both rows' reference.
    """
    today = today or timezone.localdate()
    problems: list[RowProblem] = []
    missing = [f for f in FIELDS if f.required and mapping.get(f.name) not in upload.header]
    for field in missing:
        problems.append(
            RowProblem(
                1,
                mapping.get(field.name) or field.label,
                f"the required column for {field.label.lower()} is missing",
            )
        )
    if missing:
        return ImportCheck(upload, [], problems, 0)
    if not upload.rows:
        return ImportCheck(
            upload, [], [RowProblem(FIRST_ROW, "file", "has no rows under the header")], 0
        )
    index = {
        name: upload.header.index(column)
        for name, column in mapping.items()
        if name in FIELD_NAMES and column in upload.header
    }

    def date_reader(value: str) -> dt.date:
        return fields.date(value, today=today)

    readers: dict[str, Callable[[str], object]] = {
        "reference": lambda v: fields.text(v, max_length=40),
        "first_name": lambda v: fields.text(v, max_length=80),
        "last_name": lambda v: fields.text(v, max_length=80),
        "dob": date_reader,
        "sex": fields.sex,
        "postcode": fields.postcode,
        "nhs_number": fields.nhs_number,
        "seen_on": date_reader,
        "indicators": fields.indicator_list,
        "note": lambda v: fields.text(v, max_length=10000, required=False),
        "lawful_basis": fields.lawful_basis,
    }
    checked: list[CheckedRow] = []
    seen_rows: dict[str, int] = {}
    identity_of: dict[str, tuple[tuple[object, ...], int]] = {}
    duplicates = 0
    for offset, cells in enumerate(upload.rows):
        row = offset + FIRST_ROW
        if not any(cell.strip() for cell in cells):
            continue
        values: dict[str, object] = {}
        bad = False
        for name, reader in readers.items():
            raw = cells[index[name]] if name in index else ""
            try:
                values[name] = reader(raw)
            except ValueError as error:
                problems.append(
                    RowProblem(
                        row, upload.header[index[name]] if name in index else name, str(error)
                    )
                )
                bad = True
        if bad:
            continue
        dob, seen_on = values["dob"], values["seen_on"]
        if not isinstance(dob, dt.date) or not isinstance(seen_on, dt.date):
            raise TypeError("the date readers return dates")
        if seen_on < dob:
            problems.append(
                RowProblem(
                    row, upload.header[index["seen_on"]], "is before the child's date of birth"
                )
            )
            continue
        row_hash = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()
        if row_hash in seen_rows:
            duplicates += 1
            continue
        seen_rows[row_hash] = row
        reference = str(values["reference"])
        identity = (values["first_name"], values["last_name"], dob, values["nhs_number"])
        earlier = identity_of.setdefault(reference, (identity, row))
        if earlier[0] != identity:
            problems.append(
                RowProblem(
                    row,
                    upload.header[index["reference"]],
                    f"reference {reference} is another child on row {earlier[1]}",
                )
            )
            continue
        checked.append(CheckedRow(row=row, row_hash=row_hash, **values))  # type: ignore[arg-type]
    return ImportCheck(upload, checked, problems, duplicates)


def import_reject_record(*, actor: User, agency: Agency, check: ImportCheck) -> None:
    """Audit a file refused for its bad rows: who, which file, how many problems (no cell of it).

    Raises
    ------
    PermissionDenied
        Unless ``actor`` may import for ``agency``.
    """
    _require_importer(actor, agency)
    with transaction.atomic():
        audit_record(
            actor=actor,
            event_type=EventType.IMPORT_REJECTED,
            subject=agency,
            extra={
                "file": check.file.name,
                "content_hash": check.file.content_hash,
                "rows": len(check.file.rows),
                "problems": len(check.problems),
            },
        )


def problems_csv(problems: list[RowProblem]) -> bytes:
    """The bad rows as a CSV file to download (row, column, reason), formulas neutralised."""
    import pandas as pd

    from jigsaw.datasets.csvfile import write_csv

    frame = pd.DataFrame(
        [dataclasses.asdict(p) for p in problems], columns=["row", "column", "reason"]
    )
    with tempfile.TemporaryDirectory(prefix="jigsaw-problems-") as folder:
        path = Path(folder) / "problems.csv"
        write_csv(frame, path)
        return path.read_bytes()


def record_id_for(agency: Agency, reference: str) -> str:
    """The stored record id of the agency's reference: unique across agencies."""
    return f"A{agency.pk}-{reference}"


@dataclasses.dataclass(frozen=True)
class ImportOutcome:
    batch: ImportBatch | None
    already_imported: ImportBatch | None
    records_created: int
    concerns_created: int
    rows_already_stored: int


def import_store(
    *,
    actor: User,
    agency: Agency,
    check: ImportCheck,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    """Store an accepted file in one transaction (see the module doc); nothing twice.

    The same file again (the same bytes for the same agency) stores nothing; a row already
    stored by an earlier file (the same reference and the same content) is not stored again.

    Raises
    ------
    PermissionDenied
        Unless ``actor`` may import for ``agency``.
    ValueError
        If the check did not accept the file.
    """
    from jigsaw.screening import grade_concern
    from jigsaw.web.children import matching
    from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord, Child, Link
    from jigsaw.web.children.services import child_regrade, record_mapping_of
    from jigsaw.web.concerns.grading import concern_mapping
    from jigsaw.web.concerns.models import Concern

    _require_importer(actor, agency)
    if not check.accepted:
        raise ValueError("only a file with no bad rows is stored")
    today = today or timezone.localdate()
    done_before = ImportBatch.objects.filter(
        agency=agency, content_hash=check.file.content_hash
    ).first()
    if done_before is not None:
        return ImportOutcome(None, done_before, 0, 0, len(check.rows))
    total = len(check.rows)
    now = timezone.now()
    with transaction.atomic():
        # Before the first write, as at intake: waits for any save of a record these rows match.
        matching.lock_candidate_blocks(*(_incoming(agency, row) for row in check.rows))
        batch = ImportBatch.objects.create(
            agency=agency,
            file_name=check.file.name,
            content_hash=check.file.content_hash,
            imported_by=actor,
            imported_at=now,
            rows=total,
            records_created=0,
            concerns_created=0,
            rows_already_stored=0,
        )
        ids = {record_id_for(agency, r.reference) for r in check.rows}
        records: dict[str, AgencyRecord] = {
            r.record_id: r for r in AgencyRecord.objects.filter(agency=agency, record_id__in=ids)
        }
        stored_refs = set(
            Concern.objects.filter(
                record__agency=agency, source_ref__in=[r.row_hash[:64] for r in check.rows]
            ).values_list("source_ref", flat=True)
        )
        child_of: dict[int, int] = dict(
            Link.objects.filter(
                record__in=list(records.values()), status__in=ACTIVE_LINK_STATUSES
            ).values_list("record_id", "child_id")
        )
        area_children = set(
            Child.objects.filter(area_id=agency.area_id).values_list("pk", flat=True)
        )
        # The import's own copy of the process's index, grown row by row as intake grows the
        # shared one (so each row meets every earlier row), without asking the database whether
        # it moved on after every row; the shared index is dropped at the end and rebuilt from
        # the database on its next use.
        index = copy.deepcopy(matching.matcher())
        new_records = 0
        concerns: list[Concern] = []
        touched: set[int] = set()
        already = 0
        for position, row in enumerate(check.rows, start=1):
            if row.row_hash in stored_refs:
                already += 1
                continue
            record_id = record_id_for(agency, row.reference)
            record = records.get(record_id)
            if record is None:
                # Matched before the record is stored, as at intake: the index then still
                # agrees with the database and is not rebuilt.
                found = index.match(_incoming(agency, row))
                record = _record_store(agency, row, record_id, now, actor)
                mapping = record_mapping_of(record)
                child_id = _link_store(record, found, area_children, agency, now)
                area_children.add(child_id)
                index.add(mapping, str(child_id))
                records[record_id] = record
                child_of[record.pk] = child_id
                new_records += 1
            grade = grade_concern(
                record.dob,
                concern_mapping(agency=agency.kind, seen_on=row.seen_on, indicators=row.indicators),
                today,
            )
            concerns.append(
                Concern(
                    record=record,
                    recorded_by=actor,
                    recorded_at=now,
                    seen_on=row.seen_on,
                    indicators=row.indicators,
                    note=row.note,
                    lawful_basis=row.lawful_basis,
                    grade_level=grade.level,
                    grade_reasons=grade.as_dict(),
                    catalogue_version=str(grade.catalogue_version),
                    source_ref=row.row_hash[:64],
                )
            )
            touched.add(child_of[record.pk])
            if progress is not None and (position % 1000 == 0 or position == total):
                progress(position, total)
        Concern.objects.bulk_create(concerns, batch_size=2000)
        regraded = {
            child.pk: child_regrade(actor=actor, child=child, today=today)
            for child in Child.objects.filter(pk__in=touched)
        }
        # What follows each concern at intake: a contact for the agency's safeguarding lead, and
        # a referral when the child's grade has reached the partnership's threshold (taken at the
        # child's final grade, on the first of the file's concerns about them).
        from jigsaw.web.referrals.services import after_concern

        for concern in concerns:
            after_concern(actor=actor, concern=concern, child=regraded[child_of[concern.record.pk]])
        batch.records_created = new_records
        batch.concerns_created = len(concerns)
        batch.rows_already_stored = already
        batch.save()
        audit_record(
            actor=actor,
            event_type=EventType.IMPORT_ACCEPTED,
            subject=batch,
            extra={
                "agency": agency.name,
                "file": batch.file_name,
                "rows": total,
                "records_created": new_records,
                "concerns_created": len(concerns),
                "rows_already_stored": already,
                "duplicates_in_file": check.duplicates,
                "children_regraded": len(touched),
            },
        )
    matching.matcher_forget()
    return ImportOutcome(batch, None, new_records, len(concerns), already)


def _incoming(agency: Agency, row: CheckedRow) -> dict[str, object]:
    """A row's child in the linkage engine's shape, as matched before the record is stored."""
    from jigsaw.web.children import matching

    return matching.record_mapping(
        record_id="incoming",
        agency_kind=agency.kind,
        first_name=row.first_name,
        last_name=row.last_name,
        dob=row.dob,
        sex=row.sex,
        postcode=row.postcode,
        nhs_number=row.nhs_number,
    )


def _record_store(
    agency: Agency, row: CheckedRow, record_id: str, now: dt.datetime, actor: User
) -> AgencyRecord:
    from jigsaw.web.children.models import AgencyRecord

    record = AgencyRecord(
        record_id=record_id,
        agency=agency,
        first_name=row.first_name,
        last_name=row.last_name,
        dob=row.dob,
        sex=row.sex,
        postcode=row.postcode,
        nhs_number=row.nhs_number,
        created_at=now,
        created_by=actor,
    )
    record.save()
    return record


def _link_store(
    record: AgencyRecord,
    matches: Sequence[object],
    area_children: set[int],
    agency: Agency,
    now: dt.datetime,
) -> int:
    """Link a new record as :func:`~jigsaw.web.children.services.record_link` does; return the
    child's id. (The same rule: a *link* to a child of the area joins it; otherwise a new child,
    with a pending link to each *review* candidate of the area.)"""
    from jigsaw.web.children.models import Child, Link, LinkStatus
    from jigsaw.web.children.services import _plain

    def link(child_id: int, status: LinkStatus, match: object | None) -> Link:
        explanation = _plain(getattr(match, "explanation", None) or {})
        return Link(
            record=record,
            child_id=child_id,
            status=status,
            match_probability=getattr(match, "match_probability", None),
            match_weight=getattr(match, "match_weight", None),
            explanation=explanation if isinstance(explanation, dict) else {"detail": explanation},
            created_at=now,
        )

    best = matches[0] if matches else None
    best_child = int(getattr(best, "child_id", 0) or 0)
    if best is not None and getattr(best, "decision", "") == "link" and best_child in area_children:
        link(best_child, LinkStatus.AUTO, best).save()
        return best_child
    child = Child.objects.create(area_id=agency.area_id, created_at=now)
    links = [link(child.pk, LinkStatus.NEW, None)]
    for candidate in matches:
        other = int(getattr(candidate, "child_id", 0) or 0)
        if (
            getattr(candidate, "decision", "") == "review"
            and other in area_children
            and other != child.pk
        ):
            links.append(link(other, LinkStatus.PENDING, candidate))
    Link.objects.bulk_create(links)
    return child.pk
