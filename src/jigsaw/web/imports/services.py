"""Bulk import of an agency's list of children of concern (CSV or ``.xlsx``).

Three steps, each usable alone: :func:`file_read` (the file's cells, all as text), then
:func:`import_check` (every row validated through :mod:`jigsaw.web.imports.fields`, the rules the
API uses too; every bad row reported with its row, column and reason), then :func:`import_store`,
which stores an accepted file in ONE transaction: records, links, concerns, grades, the
:class:`ImportBatch` row and the audit row commit together or not at all, so an import that fails
or is killed half-way leaves nothing behind and can simply be run again.

Storing takes the batch paths but makes the decisions of recording each row on the intake page
one after another (docs/imports.md): the new records are matched in one pass
(:func:`~jigsaw.web.children.matching.match_in_order`), each against the store and the file's
earlier rows, and linked by :func:`~jigsaw.web.children.services.record_link`'s rule; records,
children, links, concerns and contacts are inserted in bulk (:mod:`jigsaw.web.bulk`); each child
touched is regraded once (:func:`~jigsaw.web.children.services.children_regrade`); the audit
rows are appended to the chain together (:func:`~jigsaw.web.audit.services.audit_record_many`).
``tests/web/imports/test_batch_equivalence.py`` proves the two paths store the same children,
links and grades for the same rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import tempfile
from collections.abc import Callable
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
from jigsaw.web.bulk import ids_take, rows_insert
from jigsaw.web.imports import fields
from jigsaw.web.imports.models import ImportBatch, ImportMapping

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from jigsaw.linkage import Match
    from jigsaw.screening import Grading
    from jigsaw.web.children.models import AgencyRecord
    from jigsaw.web.concerns.models import Concern


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
    ``progress(done, total)`` is called as the work goes on (``total`` is twice the rows: the
    matching takes the first half, storing, grading and the workflow the second).

    Raises
    ------
    PermissionDenied
        Unless ``actor`` may import for ``agency``.
    ValueError
        If the check did not accept the file.
    """
    from jigsaw.web.children import matching
    from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord, Link
    from jigsaw.web.children.services import children_regrade
    from jigsaw.web.concerns.models import Concern
    from jigsaw.web.referrals.services import after_concerns

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
    steps = 2 * total

    def report(done: int) -> None:
        if progress is not None:
            progress(done, steps)

    now = timezone.now()
    with transaction.atomic():
        # Before the first write, as at intake: waits for any save of a record these rows match
        # (a large file takes the whole store's lock instead).
        matching.lock_candidate_blocks(*(_incoming(agency, row) for row in check.rows))
        # First write: orders this transaction after any other change to the store, and tells
        # every process to rebuild its index (thousands of records are not followed one by one).
        matching.store_changed(rebuild=True)
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
        ids = sorted({record_id_for(agency, r.reference) for r in check.rows})
        hashes = sorted({r.row_hash[:64] for r in check.rows})
        records: dict[str, AgencyRecord] = {}
        stored_refs: set[str] = set()
        for start in range(0, max(len(ids), len(hashes)), _CHUNK):
            records.update(
                (r.record_id, r)
                for r in AgencyRecord.objects.filter(
                    agency=agency, record_id__in=ids[start : start + _CHUNK]
                )
            )
            stored_refs.update(
                Concern.objects.filter(
                    record__agency=agency, source_ref__in=hashes[start : start + _CHUNK]
                ).values_list("source_ref", flat=True)
            )
        known = [r.pk for r in records.values()]
        child_of: dict[int, int] = {}
        for start in range(0, len(known), _CHUNK):
            child_of.update(
                Link.objects.filter(
                    record_id__in=known[start : start + _CHUNK], status__in=ACTIVE_LINK_STATUSES
                ).values_list("record_id", "child_id")
            )
        todo = [r for r in check.rows if r.row_hash[:64] not in stored_refs]
        already = total - len(todo)
        # The file's new records, each at its first row.
        new_rows: dict[str, CheckedRow] = {}
        for row in todo:
            record_id = record_id_for(agency, row.reference)
            if record_id not in records:
                new_rows.setdefault(record_id, row)
        report(already)
        new_records, children = _records_link(
            actor, agency, list(new_rows.items()), now, lambda i: report(already + i)
        )
        records.update((r.record_id, r) for r in new_records)
        child_of.update(children)
        report(total)
        memo: dict[tuple[object, ...], Grading] = {}
        concerns = _concerns_of(actor, agency, todo, records, now, today, memo)
        rows_insert(concerns)
        report(total + total // 2)
        regraded = children_regrade(
            actor=actor,
            child_ids={child_of[c.record.pk] for c in concerns},
            today=today,
            memo=memo,
        )
        # What follows each concern at intake: a contact for the agency's safeguarding lead, and
        # a referral when the child's grade has reached the partnership's threshold (taken at the
        # child's final grade, on the first of the file's concerns about them).
        after_concerns(
            actor=actor, concerns=[(c, regraded[child_of[c.record.pk]]) for c in concerns]
        )
        batch.records_created = len(new_records)
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
                "records_created": len(new_records),
                "concerns_created": len(concerns),
                "rows_already_stored": already,
                "duplicates_in_file": check.duplicates,
                "children_regraded": len(regraded),
            },
        )
    report(steps)
    return ImportOutcome(batch, None, len(new_records), len(concerns), already)


def _incoming(agency: Agency, row: CheckedRow, record_id: str = "incoming") -> dict[str, object]:
    """A row's child in the linkage engine's shape, as matched before the record is stored."""
    from jigsaw.web.children import matching

    return matching.record_mapping(
        record_id=record_id,
        agency_kind=agency.kind,
        first_name=row.first_name,
        last_name=row.last_name,
        dob=row.dob,
        sex=row.sex,
        postcode=row.postcode,
        nhs_number=row.nhs_number,
    )


# How many ids one query names (SQLite refuses more than 32,766 parameters).
_CHUNK = 10_000


def _records_link(
    actor: User,
    agency: Agency,
    new_rows: list[tuple[str, CheckedRow]],
    now: dt.datetime,
    matched: Callable[[int], None],
) -> tuple[list[AgencyRecord], dict[int, int]]:
    """Match, store and link the file's new records as :func:`record_create` then
    :func:`~jigsaw.web.children.services.record_link` would one after another (each matched
    against the store and the file's earlier records); return the records and each one's child.

    The rule is ``record_link``'s: a *link* to a child of the area joins it; otherwise a new
    child, with a pending link to each *review* candidate of the area.
    """
    from jigsaw.linkage import RECORD_COLUMNS
    from jigsaw.web.children import matching
    from jigsaw.web.children.models import AgencyRecord, Child, Link, LinkStatus
    from jigsaw.web.children.services import link_explanation
    from jigsaw.web.concerns.elsewhere import other_area_match_record

    # The fields of an agency record that an import row gives as they are: the linkage engine's
    # record columns (the one definition of a record), less the two the import sets itself.
    row_fields = tuple(c for c in RECORD_COLUMNS if c not in ("record_id", "agency"))

    # Children are named by their id as text, as the matcher names them. The children this file
    # creates get theirs before they are stored, in the order intake would give them, so that
    # the matcher ranks equally good candidates (by child id) as it would one by one.
    area_of = {str(pk): a for pk, a in Child.objects.values_list("pk", "area_id")}
    area = {pk for pk, a in area_of.items() if a == agency.area_id}
    spare = iter(ids_take(Child, len(new_rows)))
    fresh: list[str] = []
    placed: list[str] = []
    started: set[int] = set()  # the new records that start a child of their own
    # Per new record, as at intake (concerns.elsewhere.matches_by_area): its matches among the
    # area's children, the only candidates for a link, and the other areas holding a child it
    # strongly matched, noted for the MASH.
    owns: list[list[Match]] = []
    elsewhere: dict[int, list[int]] = {}

    def place(position: int, everywhere: list[Match]) -> str:
        matches = [m for m in everywhere if m.child_id in area]
        owns.append(matches)
        others = sorted(
            {
                area_of[m.child_id]
                for m in everywhere
                if m.decision == "link" and area_of.get(m.child_id) not in (None, agency.area_id)
            }
        )
        if others:
            elsewhere[position] = others
        best = matches[0] if matches else None
        if best is not None and best.decision == "link" and best.child_id in area:
            key = best.child_id
        else:
            key = str(next(spare))
            area.add(key)
            fresh.append(key)
            started.add(position)
        placed.append(key)
        if position % 1000 == 999:
            matched(position + 1)
        return key

    mappings = [_incoming(agency, row, record_id) for record_id, row in new_rows]
    # Ten, as intake asks for before keeping its own area's.
    matching.match_in_order(mappings, place, limit=10, area_id=agency.area_id)
    records = [
        AgencyRecord(
            record_id=record_id,
            agency=agency,
            **{name: getattr(row, name) for name in row_fields},
            needs_identification=not row.last_name.strip(),
            created_at=now,
            created_by=actor,
        )
        for record_id, row in new_rows
    ]
    rows_insert(records)
    rows_insert([Child(pk=int(key), area_id=agency.area_id, created_at=now) for key in fresh])

    def link(record: AgencyRecord, key: str, status: LinkStatus, match: Match | None) -> Link:
        return Link(
            record=record,
            child_id=int(key),
            status=status,
            match_probability=match.match_probability if match is not None else None,
            match_weight=match.match_weight if match is not None else None,
            explanation=link_explanation(match, area_id=agency.area_id),
            created_at=now,
        )

    links: list[Link] = []
    for position, (record, key, matches) in enumerate(zip(records, placed, owns, strict=True)):
        if position not in started:
            links.append(link(record, key, LinkStatus.AUTO, matches[0]))
            continue
        links.append(link(record, key, LinkStatus.NEW, None))
        links.extend(
            link(record, candidate.child_id, LinkStatus.PENDING, candidate)
            for candidate in matches
            if candidate.decision == "review"
            and candidate.child_id in area
            and candidate.child_id != key
        )
    rows_insert(links)
    for position, areas in elsewhere.items():
        other_area_match_record(actor=actor, record=records[position], area_ids=areas)
    return records, {r.pk: int(key) for r, key in zip(records, placed, strict=True)}


def _concerns_of(
    actor: User,
    agency: Agency,
    rows: list[CheckedRow],
    records: dict[str, AgencyRecord],
    now: dt.datetime,
    today: dt.date,
    memo: dict[tuple[object, ...], Grading],
) -> list[Concern]:
    """The file's concerns, each graded as :func:`jigsaw.screening.grade_concern` grades it at
    intake (``grade_child`` of the one concern, computed once for the same birth date, date and
    signs: :func:`~jigsaw.web.children.services.grade_once`)."""
    from jigsaw.web.children.services import grade_once
    from jigsaw.web.concerns.grading import concern_mapping
    from jigsaw.web.concerns.models import Concern

    reasons: dict[int, dict[str, object]] = {}
    out = []
    for row in rows:
        record = records[record_id_for(agency, row.reference)]
        grade = grade_once(
            record.dob,
            [concern_mapping(agency=agency.kind, seen_on=row.seen_on, indicators=row.indicators)],
            today,
            memo,
        )
        if id(grade) not in reasons:
            # One dict for every concern graded alike: it is only written, never changed.
            reasons[id(grade)] = grade.as_dict()
        out.append(
            Concern(
                record=record,
                recorded_by=actor,
                recorded_at=now,
                seen_on=row.seen_on,
                indicators=row.indicators,
                note=row.note,
                lawful_basis=row.lawful_basis,
                grade_level=grade.level,
                grade_reasons=reasons[id(grade)],
                catalogue_version=str(grade.catalogue_version),
                source_ref=row.row_hash[:64],
            )
        )
    return out
