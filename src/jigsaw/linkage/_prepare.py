"""Turn agencies' records into the clean, comparable columns the linkage model reads.

Every value that cannot be read is reported with its row number and reason and left blank; the
row itself stays in the run, because a child's other identifiers can still link it. A value that
fails a format check but still says something (a postcode with inward letters never issued, an
NHS number failing its check digit, a date impossible as written but real with day and month
swapped) is kept in the form it can be compared in, and reported as well: two records of one
child often carry the same copied mistake, and that agreement is evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import cast

import numpy as np
import pandas as pd

from jigsaw.errors import InputError
from jigsaw.identifiers import (
    is_blank,
    nhs_number_problem,
    normalise_nhs_number,
    normalise_postcode,
    postcode_as_written,
    postcode_district,
    postcode_sector,
)
from jigsaw.linkage._names import (
    arrange_names,
    forename_group,
    near_groups,
    soundex,
    split_forenames,
    split_surname,
)
from jigsaw.linkage._schema import (
    MAX_VALUE_LENGTH,
    PREPARED_COLUMNS,
    check_length,
    shown_value,
)

__all__ = ["Problem", "Prepared", "prepare", "prepare_record", "parse_dob", "parse_sex"]

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's 1900 date system, counting its phantom 29 Feb 1900
_EARLIEST = date(1900, 1, 1)


@dataclass(frozen=True)
class Problem:
    """One value that could not be used: where it is and why."""

    row: int
    record_id: str | None
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return (
            f"row {self.row} (record {self.record_id}), {self.field} {self.value!r}: {self.reason}"
        )


@dataclass(frozen=True)
class Prepared:
    """Prepared records (one row per usable record) and the problems found on the way."""

    frame: pd.DataFrame
    problems: tuple[Problem, ...]

    def records(self, ids: Collection[str] | None = None) -> list[dict[str, object]]:
        """Return the prepared records as dicts without ``row``, missing values as ``None``;
        with ``ids``, only the records whose ``unique_id`` is one of them.

        These are the rows :func:`prepare_record` gives for the same records one at a time.
        """
        out = []
        frame = self.frame
        if ids is not None:
            frame = frame[frame["unique_id"].astype(str).isin(ids)]
        rows = cast("list[dict[str, object]]", frame.drop(columns=["row"]).to_dict("records"))
        for record in rows:
            for column in _INTEGER_COLUMNS:
                value = record[column]
                record[column] = (
                    None if value is None or value is pd.NA else int(cast("int", value))
                )
            out.append(record)
        return out

    def problems_frame(self) -> pd.DataFrame:
        """Return the problems as a table with columns row, record_id, field, value, reason."""
        return pd.DataFrame(
            [vars(p) for p in self.problems],
            columns=["row", "record_id", "field", "value", "reason"],
        )


def _today() -> date:
    return datetime.now(UTC).date()


def parse_dob(value: object, *, today: date | None = None) -> date | None:
    """Read a date of birth written as ISO, UK day-first or an Excel serial number.

    Accepted: ``2011-04-03``, ``20110403``, ``2011-04-03T00:00:00``, ``03/04/2011``, ``3-4-2011``,
    ``03.04.11`` (two-digit years are placed in the century that keeps the date in the past),
    ``3 Apr 2011`` and Excel serials such as ``40636``. Blank values give ``None``.

    Raises
    ------
    ValueError
        If the text has none of these shapes, names an impossible date (31/02/2011), is in the
        future or before 1900. The message says which.

    Examples
    --------
    >>> parse_dob("03/04/2011"), parse_dob("2011-04-03"), parse_dob("40636")
    (datetime.date(2011, 4, 3), datetime.date(2011, 4, 3), datetime.date(2011, 4, 3))
    >>> parse_dob("31/02/2011")
    Traceback (most recent call last):
    ValueError: not a real date (day 31, month 2, year 2011)
    """
    today = today or _today()
    if is_blank(value):
        return None
    text = str(value).strip().lower()
    text = re.sub(r"[t ]00:00(:00(\.0+)?)?$", "", text)
    if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})[-/. ]([a-z]{3})[a-z]*[-/. ](\d{2}|\d{4})", text):
        if m[2] not in _MONTHS:
            raise ValueError(f"unknown month name {m[2]!r}")
        day, month, year = int(m[1]), _MONTHS[m[2]], int(m[3])
        year = _full_year(year, len(m[3]), today)
    elif m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})", text):
        day, month = int(m[1]), int(m[2])
        year = _full_year(int(m[3]), len(m[3]), today)
        if month > 12 and day <= 12:
            raise ValueError("month above 12: looks like a US month-first date; expected day first")
    elif re.fullmatch(r"\d{4}(\.0+)?", text):
        # Excel serials of four digits are dates in 1902-1927; from an agency it is a year alone.
        raise ValueError("four digits: a year alone, not a date of birth")
    elif m := re.fullmatch(r"(\d{5})(\.0+)?", text):
        serial = int(m[1])
        if not 1 <= serial <= 2958465:
            raise ValueError("not an Excel date serial")
        born = _EXCEL_EPOCH + timedelta(days=serial)
        year, month, day = born.year, born.month, born.day
    else:
        raise ValueError("not a date (expected ISO yyyy-mm-dd, UK dd/mm/yyyy or an Excel serial)")
    try:
        born = date(year, month, day)
    except ValueError:
        raise ValueError(f"not a real date (day {day}, month {month}, year {year})") from None
    if born > today:
        raise ValueError("date of birth is in the future")
    if born < _EARLIEST:
        raise ValueError("date of birth is before 1900")
    return born


def _full_year(year: int, digits: int, today: date) -> int:
    if digits == 4:
        return year
    century = today.year // 100 * 100
    return century + year if century + year <= today.year else century - 100 + year


_SEX = {
    "m": "M",
    "male": "M",
    "boy": "M",
    "1": "M",
    "f": "F",
    "female": "F",
    "girl": "F",
    "2": "F",
    # NHS Data Dictionary person stated gender codes 0 (not known) and 9 (not specified); other
    # answers are not a conflict with either recorded sex, so they are left blank.
    "0": None,
    "9": None,
    "u": None,
    "unknown": None,
    "x": None,
    "i": None,
    "indeterminate": None,
    "not known": None,
    "not specified": None,
    "other": None,
}


def parse_sex(value: object) -> str | None:
    """Return ``"M"``, ``"F"`` or ``None`` from the sex codes agencies use.

    Raises
    ------
    ValueError
        If the code is not one of: M/F, male/female, boy/girl, NHS codes 1/2/0/9, U/X/I/unknown.

    >>> parse_sex("Female"), parse_sex("1"), parse_sex("9") is None
    ('F', 'M', True)
    """
    if is_blank(value):
        return None
    text = str(value).strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    if text not in _SEX:
        raise ValueError("not a sex code (expected M/F, male/female or NHS code 0/1/2/9)")
    return _SEX[text]


# "No fixed abode" is a known answer, not a postcode and not a problem.
_NO_ADDRESS = frozenset({"nfa", "no fixed abode"})


def _split_postcodes(value: object) -> list[str]:
    if is_blank(value):
        return []
    text = str(value).strip()
    if text.lower() in _NO_ADDRESS:
        return []
    return [p.strip() for p in re.split(r"[;|,/]", text) if p.strip()]


def prepare(records: pd.DataFrame, *, source: str = "records") -> Prepared:
    """Clean agencies' records into the columns the linkage model compares.

    Parameters
    ----------
    records : pandas.DataFrame
        Columns :data:`RECORD_COLUMNS` (as text; blanks allowed except in ``record_id``; a
        missing column counts as blank). ``postcode`` may hold several postcodes an agency has
        for the child, separated by ``;``. Row numbers in problems count the header as row 1, as
        a spreadsheet shows a CSV file.
    source : str
        Name of the file, used in error messages.

    Returns
    -------
    Prepared
        ``frame`` has ``unique_id`` (the record id), ``row`` and the other
        :data:`PREPARED_COLUMNS`: ``agency``, ``forename``, ``middle_names``,
        ``forename_group``, ``forename_sdx``, ``surname``, ``surname_first``, ``surname_last``,
        ``surname_sdx``, ``dob`` (ISO text), ``dob_year``, ``dob_month``, ``dob_day``, ``sex``,
        ``postcodes``, ``sectors``, ``districts`` (lists), ``district`` and ``postcode_sector``
        (the first ones, for blocking), ``nhs_number`` (usable numbers only) and the derived
        lists the blocking reads. ``problems`` lists every value not used. Rows without a record
        id, or repeating one, are reported and left out.

    Raises
    ------
    InputError
        If ``record_id`` is not a column (names the file); never for a bad value in a row.
    """
    if "record_id" not in records.columns:
        raise InputError(
            f"{source}: no record_id column (columns are {', '.join(map(str, records.columns))})"
        )
    frame = records.reset_index(drop=True)
    n = len(frame)
    reader = _Reader()
    # The batch reads column by column (each distinct value once, through the same readers as
    # prepare_record), then drops the rows whose record id is blank or repeated.
    ids = [_record_id(v) for v in (frame["record_id"].tolist())]
    seen: set[str] = set()
    keep: list[bool] = []
    by_row: dict[int, list[Problem]] = {}
    for position, record_id in enumerate(ids):
        if record_id is None:
            by_row[position] = [
                Problem(position + 2, None, "record_id", "", "blank record id: row left out")
            ]
        elif len(record_id) > MAX_VALUE_LENGTH:
            by_row[position] = [
                Problem(
                    position + 2,
                    None,
                    "record_id",
                    shown_value(record_id),
                    f"record id longer than {MAX_VALUE_LENGTH} characters: row left out",
                )
            ]
        elif record_id in seen:
            by_row[position] = [
                Problem(
                    position + 2,
                    record_id,
                    "record_id",
                    record_id,
                    "record id repeats an earlier row: row left out",
                )
            ]
        else:
            seen.add(record_id)
        keep.append(record_id is not None and position not in by_row)
    columns: dict[str, list[object]] = {"unique_id": list(ids), "row": list(range(2, n + 2))}
    given: dict[str, np.ndarray] = {
        field: frame[field].to_numpy(dtype=object)
        if field in frame.columns
        else np.full(n, None, dtype=object)
        for field, *_ in reader.readers
    }
    given["first_name"], given["last_name"] = _arranged(given["first_name"], given["last_name"])
    for field, _, empty, reported in reader.readers:
        values = given[field]
        codes, distinct = _distinct(values)
        reads = [reader.read(field, value) for value in distinct]
        for column in empty:
            columns[column] = _objects([fields[column] for fields, _, _ in reads])[codes]
        wrong = [code for code, (_, reason, _) in enumerate(reads) if reason is not None]
        if reported and wrong:
            for position in np.flatnonzero(np.isin(codes, wrong)).tolist():
                _, reason, kept = reads[codes[position]]
                by_row.setdefault(position, []).append(
                    Problem(
                        position + 2,
                        ids[position],
                        field,
                        shown_value(values[position]),
                        reason if kept else f"{reason}: value not used",
                    )
                )
    problems = [p for position in sorted(by_row) for p in by_row[position]]
    out = pd.DataFrame(columns)[[PREPARED_COLUMNS[0], "row", *PREPARED_COLUMNS[1:]]]
    out = out.loc[np.asarray(keep, dtype=bool)].reset_index(drop=True)
    for column in _INTEGER_COLUMNS:
        out[column] = pd.array(out[column].to_numpy(dtype=object), dtype="Int64")
    out["row"] = out["row"].astype("int64")
    return Prepared(out, tuple(problems))


def prepare_record(record: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """Prepare one record (a mapping with the RECORDS.csv fields) exactly as :func:`prepare` does.

    Returns
    -------
    tuple of (dict, list of str)
        The prepared fields (a row of ``prepare(...).records()``) and one message per value not
        used. A blank record id gives ``unique_id`` ``None``.

    >>> prepared, problems = prepare_record({"record_id": "r1", "first_name": "Jess",
    ...     "last_name": "Smith-Khan", "dob": "3/4/2011", "nhs_number": "123"})
    >>> prepared["forename_group"], prepared["surname"], prepared["dob"], problems
    ('jessica', 'smithkhan', '2011-04-03', ['nhs_number: not ten digits'])
    """
    prepared, found = _Reader().record(record)
    return prepared, [f"{field}: {reason}" for field, _, reason in found]


def prepare_records(records: Iterable[Mapping[str, object]]) -> list[dict[str, object]]:
    """Prepare many records one by one, each exactly as :func:`prepare_record` does, but sharing
    one reader: each distinct name or date is read once, as :func:`prepare` reads a batch,
    without building a table (a bulk import matches the records one after another).

    >>> [r["surname"] for r in prepare_records([{"record_id": "a", "last_name": "Smith-Khan"},
    ...                                          {"record_id": "b", "last_name": "Smith-Khan"}])]
    ['smithkhan', 'smithkhan']
    """
    reader = _Reader()
    return [reader.record(record)[0] for record in records]


_INTEGER_COLUMNS = ("dob_year", "dob_month", "dob_day")
# Read as one unit: a name or a date gives several prepared columns at once.
_Fields = dict[str, object]
_NO_DOB: _Fields = dict.fromkeys(
    ("dob", "dob_year", "dob_month", "dob_day", "dob_masks", "dob_slips")
)
_NO_POSTCODE: _Fields = dict.fromkeys(
    ("postcodes", "sectors", "districts", "district", "postcode_sector")
)
_NO_FORENAME: _Fields = dict.fromkeys(
    (
        "forename",
        "middle_names",
        "forename_group",
        "forename_sdx",
        "initial",
        "forename_del",
        "near_groups",
    )
)
_NO_SURNAME: _Fields = dict.fromkeys(
    ("surname", "surname_first", "surname_last", "surname_sdx", "surname_del")
)
_NO_NHS: _Fields = dict.fromkeys(("nhs_number", "nhs_unchecked"))


class _Kept(Exception):
    """A value that fails a check but is kept, in ``fields``, with the ``reason`` reported."""

    def __init__(self, fields: _Fields, reason: str) -> None:
        super().__init__(reason)
        self.fields, self.reason = fields, reason


def _distinct(values: np.ndarray) -> tuple[np.ndarray, list[object]]:
    """Return each value's position in a list of the distinct values, and that list.

    Every missing marker (``None``, NaN, pandas' NA) is the one last entry, ``None``. A batch
    then reads each distinct value once and spreads the result with one array lookup, instead of
    a dictionary lookup per row and field (most of a national run's preparing).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes)
    return codes, [*uniques.tolist(), None]


def _objects(items: list[object]) -> np.ndarray:
    # Filled one by one so that lists stay single objects (numpy would make them a dimension).
    array = np.empty(len(items), dtype=object)
    for index, item in enumerate(items):
        array[index] = item
    return array


def _arranged(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Only a row with exactly one of the two fields blank can change (see arrange_names).
    blank = []
    for values in (first, last):
        codes, distinct = _distinct(values)
        blank.append(np.asarray([is_blank(value) for value in distinct], dtype=bool)[codes])
    first, last = first.copy(), last.copy()
    for position in np.flatnonzero(blank[0] != blank[1]).tolist():
        first[position], last[position] = arrange_names(first[position], last[position])
    return first, last


class _Reader:
    """The one way a record's fields become prepared columns, for a batch and for one record.

    It remembers what each distinct value of a field gave, so a batch reads a name or a date
    shared by many records once; a reader lives for one call of :func:`prepare`.
    """

    def __init__(self, today: date | None = None) -> None:
        self._today = today
        # (field, reader, its columns when the value is unreadable, whether that is reported), in
        # the order of PREPARED_COLUMNS, so that a prepared record is built in that order.
        self.readers: tuple[tuple[str, Callable[[object], _Fields], _Fields, bool], ...] = (
            ("agency", _agency_fields, {"agency": None}, True),
            ("first_name", _forename_fields, _NO_FORENAME, True),
            ("last_name", _surname_fields, _NO_SURNAME, True),
            ("dob", self._dob_fields, _NO_DOB, True),
            ("sex", _sex_fields, {"sex": None}, True),
            ("postcode", _postcode_fields, _NO_POSTCODE, True),
            ("nhs_number", _nhs_fields, _NO_NHS, True),
        )
        self._functions = {field: (function, empty) for field, function, empty, _ in self.readers}
        self._memo: dict[str, dict[object, tuple[_Fields, str | None, bool]]] = {
            f: {} for f, *_ in self.readers
        }

    def read(self, field: str, value: object) -> tuple[_Fields, str | None, bool]:
        """Return the prepared columns of one field's value, what is wrong with it (or ``None``)
        and whether it was kept all the same."""
        memo = self._memo[field]
        found = memo.get(value)  # most values repeat exactly as given
        if found is None:
            key = None if is_blank(value) else value  # one key for every way of writing "none"
            found = memo.get(key)
            if found is None:
                function, empty = self._functions[field]
                try:
                    # Before any reading: an over-long value is never prepared (see the bound).
                    check_length(key)
                    found = (function(key), None, True)
                except _Kept as kept:
                    found = (kept.fields, kept.reason, True)
                except ValueError as error:
                    found = (empty, str(error), False)
                memo[key] = found
            memo[value] = found
        return found

    def record(
        self, record: Mapping[str, object]
    ) -> tuple[dict[str, object], list[tuple[str, object, str]]]:
        """Return the prepared columns of one record and ``(field, value, reason)`` per value not used."""
        found: list[tuple[str, object, str]] = []
        out: dict[str, object] = {"unique_id": _record_id(record.get("record_id"))}
        given = {field: record.get(field) for field, *_ in self.readers}
        given["first_name"], given["last_name"] = arrange_names(
            given["first_name"], given["last_name"]
        )
        for field, _, _, reported in self.readers:
            value = given[field]
            fields, reason, _ = self.read(field, value)
            if reason is not None and reported:
                found.append((field, value, reason))
            out.update(fields)
        return out, found

    def _dob_fields(self, value: object) -> _Fields:
        try:
            born = parse_dob(value, today=self._today)
        except ValueError as error:
            # Impossible as written ("04/23/2011", a clerk's day/month swap with the day over
            # 12) but a real date read the other way round: that reading is kept, and flagged.
            swapped = _swapped_dob(value, self._today)
            if swapped is None:
                raise
            raise _Kept(
                _date_fields(swapped),
                f"{error}; kept as {swapped.isoformat()}, day and month swapped",
            ) from None
        return _NO_DOB if born is None else _date_fields(born)


def _date_fields(born: date) -> _Fields:
    iso = born.isoformat()
    return {
        "dob": iso,
        "dob_year": born.year,
        "dob_month": born.month,
        "dob_day": born.day,
        "dob_masks": dob_masks(iso),
        "dob_slips": dob_slips(iso),
    }


def _swapped_dob(value: object, today: date | None) -> date | None:
    """Return the date read with day and month exchanged, if that reading is a real date."""
    text = re.sub(r"[t ]00:00(:00(\.0+)?)?$", "", str(value).strip().lower())
    if m := re.fullmatch(r"(\d{4})([-/.])(\d{1,2})[-/.](\d{1,2})", text):
        swapped = f"{m[1]}-{m[4]}-{m[3]}"
    elif m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text):
        swapped = f"{m[1]}{m[3]}{m[2]}"
    elif m := re.fullmatch(r"(\d{1,2})([-/.])(\d{1,2})[-/.](\d{2}|\d{4})", text):
        swapped = f"{m[3]}{m[2]}{m[1]}{m[2]}{m[4]}"
    else:
        return None
    try:
        return parse_dob(swapped, today=today)
    except ValueError:
        return None


def _record_id(value: object) -> str | None:
    # A record id is the key the agency gave its record, so any text it holds is that key, even
    # "NA"; only an empty cell is blank.
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _agency_fields(value: object) -> _Fields:
    return {"agency": None if value is None else str(value).strip()}


def _forename_fields(value: object) -> _Fields:
    forename, middle = split_forenames(value)
    return {
        "forename": forename,
        "middle_names": middle,
        "forename_group": forename_group(forename),
        "forename_sdx": soundex(forename),
        "initial": forename[0] if forename else None,
        "forename_del": deletions(forename),
        "near_groups": near_groups(forename),
    }


def _surname_fields(value: object) -> _Fields:
    surname, first, last = split_surname(value)
    return {
        "surname": surname,
        "surname_first": first,
        "surname_last": last,
        "surname_sdx": soundex(surname),
        "surname_del": deletions(surname),
    }


def _sex_fields(value: object) -> _Fields:
    return {"sex": parse_sex(value)}


def _postcode_fields(value: object) -> _Fields:
    full, sectors, districts, doubts = _read_postcodes(value)
    # Empty lists become missing values, so "no postcode" is the comparison's null level.
    fields: _Fields = {
        "postcodes": full or None,
        "sectors": sectors or None,
        "districts": districts or None,
        "district": districts[0] if districts else None,
        "postcode_sector": sectors[0] if sectors else None,
    }
    if doubts:
        raise _Kept(fields, "; ".join(doubts))
    return fields


def _nhs_fields(value: object) -> _Fields:
    text = normalise_nhs_number(value)
    if text is not None and text.endswith(".0"):  # a spreadsheet that read the column as numbers
        text = text[:-2]
    if text is None:
        return _NO_NHS
    problem = nhs_number_problem(text)
    if problem is None:
        return {"nhs_number": text, "nhs_unchecked": None}
    if problem.startswith("fails"):
        # Ten digits with a wrong check digit: not this child's number, so never a reason to keep
        # two records apart, but the same mistyped number copied between agencies is still the
        # strongest agreement two records can have. Placeholders never get here.
        raise _Kept(
            {"nhs_number": None, "nhs_unchecked": text},
            f"{problem}; kept, compared only with the same number as written",
        )
    raise ValueError(problem)


def deletions(name: str | None) -> list[str] | None:
    """Return a name, then the string made by deleting each of its letters in turn (symmetric
    deletion).

    Two names one typing slip apart (a letter changed, added, dropped or two swapped) share at
    least one member; so do some names two slips apart (Liv and Ivy share "iv"), which the
    positions tell apart (:func:`jigsaw.linkage._decide.one_slip`), so the order is kept.

    >>> deletions("amy")
    ['amy', 'my', 'ay', 'am']
    >>> bool(set(deletions("zofia")) & set(deletions("zoifa")))
    True
    """
    if not name:
        return None
    return [name] + [name[:i] + name[i + 1 :] for i in range(len(name))]


def dob_masks(dob: str | None) -> list[str] | None:
    """Return an ISO date with each digit masked in turn: two dates sharing a mask differ in at
    most one digit.

    >>> dob_masks("2011-04-03")[:2]
    ['_0110403', '2_110403']
    """
    if not dob:
        return None
    digits = dob.replace("-", "")
    return [digits[:i] + "_" + digits[i + 1 :] for i in range(len(digits))]


def dob_slips(dob: str | None) -> list[str] | None:
    """Return day-and-month with the year and the years either side: two dates whose lists
    overlap have the same day and month and years at most two apart.

    >>> dob_slips("2011-04-03")
    ['0403:2010', '0403:2011', '0403:2012']
    """
    if not dob:
        return None
    year, day_month = int(dob[:4]), dob[5:7] + dob[8:10]
    return [f"{day_month}:{y}" for y in (year - 1, year, year + 1)]


def _read_postcodes(value: object) -> tuple[list[str], list[str], list[str], list[str]]:
    full: list[str] = []
    sectors: list[str] = []
    districts: list[str] = []
    bad = []
    written = []
    for part in _split_postcodes(value):
        valid = normalise_postcode(part)
        postcode = valid or postcode_as_written(part)
        if postcode:
            if postcode != valid:
                written.append(postcode)
            _append(full, postcode)
            _append(sectors, postcode_sector(postcode))
            _append(districts, postcode_district(postcode))
            continue
        # A partial postcode keeps what it says: a district ("LS6") or a sector ("LS6 1",
        # needing its space: "LS61" is the district LS61).
        text = re.sub(r"[^A-Z0-9 ]", "", part.upper()).strip()
        sector = re.fullmatch(r"([A-Z]{1,2}[0-9][A-Z0-9]?) +([0-9])[A-Z]?", text)
        if sector and postcode_district(sector[1]):
            _append(sectors, f"{sector[1]} {sector[2]}")
            _append(districts, sector[1])
        elif postcode_district(text.replace(" ", "")) == text.replace(" ", ""):
            _append(districts, text.replace(" ", ""))
        else:
            bad.append(part)
    if bad and not (full or districts):
        raise ValueError(f"not a UK postcode: {', '.join(bad)}")
    doubts = []
    if written:
        doubts.append(
            f"inward code with letters Royal Mail never issues: {', '.join(written)}; "
            "kept, compared as written"
        )
    if bad:
        doubts.append(f"not a UK postcode: {', '.join(bad)}; that one not used")
    return full, sectors, districts, doubts


def _append(items: list[str], value: str | None) -> None:
    if value and value not in items:
        items.append(value)
