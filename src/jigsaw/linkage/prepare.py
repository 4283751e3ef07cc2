"""Turn agencies' records into the clean, comparable columns the linkage model reads.

Every value that cannot be read is reported with its row number and reason and left blank; the
row itself stays in the run, because a child's other identifiers can still link it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from jigsaw.errors import InputError
from jigsaw.identifiers import (
    is_valid_nhs_number,
    normalise_nhs_number,
    normalise_postcode,
    postcode_district,
    postcode_sector,
)
from jigsaw.linkage.names import (
    forename_group,
    near_groups,
    soundex,
    split_forenames,
    split_surname,
)

__all__ = ["RECORD_COLUMNS", "Problem", "Prepared", "prepare", "prepare_record", "parse_dob", "parse_sex"]

RECORD_COLUMNS = ("record_id", "agency", "first_name", "last_name", "dob", "sex", "postcode", "nhs_number")

_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
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
        return f"row {self.row} (record {self.record_id}), {self.field} {self.value!r}: {self.reason}"


@dataclass(frozen=True)
class Prepared:
    """Prepared records (one row per usable record) and the problems found on the way."""

    frame: pd.DataFrame
    problems: tuple[Problem, ...]

    def problems_frame(self) -> pd.DataFrame:
        """Return the problems as a table with columns row, record_id, field, value, reason."""
        return pd.DataFrame(
            [vars(p) for p in self.problems], columns=["row", "record_id", "field", "value", "reason"]
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
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("", "nan", "none", "nat", "null", "unknown", "n/a"):
        return None
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
    "m": "M", "male": "M", "boy": "M", "1": "M",
    "f": "F", "female": "F", "girl": "F", "2": "F",
    # NHS Data Dictionary person stated gender codes 0 (not known) and 9 (not specified); other
    # answers are not a conflict with either recorded sex, so they are left blank.
    "0": None, "9": None, "u": None, "unknown": None, "x": None, "i": None, "indeterminate": None,
    "not known": None, "not specified": None, "other": None,
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
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("", "nan", "none"):
        return None
    if text.endswith(".0"):
        text = text[:-2]
    if text not in _SEX:
        raise ValueError("not a sex code (expected M/F, male/female or NHS code 0/1/2/9)")
    return _SEX[text]


def _split_postcodes(value: object) -> list[str]:
    if value is None:
        return []
    text = str(value).strip()
    if text.lower() in ("", "nan", "none", "nfa", "no fixed abode"):
        return []
    return [p.strip() for p in re.split(r"[;|,/]", text) if p.strip()]


def prepare(records: pd.DataFrame, *, source: str = "records") -> Prepared:
    """Clean agencies' records into the columns the linkage model compares.

    Parameters
    ----------
    records : pandas.DataFrame
        Columns ``record_id, agency, first_name, last_name, dob, sex, postcode, nhs_number``
        (as text; blanks allowed except in ``record_id``). ``postcode`` may hold several
        postcodes an agency has for the child, separated by ``;``. Row numbers in problems count
        the header as row 1, as a spreadsheet shows a CSV file.
    source : str
        Name of the file, used in error messages.

    Returns
    -------
    Prepared
        ``frame`` has ``unique_id`` (the record id), ``agency``, ``forename``, ``middle_names``,
        ``forename_group``, ``forename_sdx``, ``surname``, ``surname_first``, ``surname_last``,
        ``surname_sdx``, ``dob`` (ISO text), ``dob_year``, ``dob_month``, ``dob_day``, ``sex``,
        ``postcodes``, ``sectors``, ``districts`` (lists), ``district`` and ``postcode_sector`` (the first ones, for blocking),
        ``nhs_number`` (valid numbers only) and ``row``. ``problems`` lists every value not used.
        Rows without a record id, or repeating one, are reported and left out.

    Raises
    ------
    InputError
        If ``record_id`` is not a column (names the file); never for a bad value in a row.
    """
    if "record_id" not in records.columns:
        raise InputError(f"{source}: no record_id column (columns are {', '.join(map(str, records.columns))})")
    frame = records.reset_index(drop=True).astype(object).where(records.reset_index(drop=True).notna(), None)
    for column in RECORD_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    problems: list[Problem] = []
    rows = pd.Series(range(2, len(frame) + 2))
    ids = frame["record_id"].map(lambda v: None if v is None or str(v).strip() == "" else str(v).strip())

    def report(field: str, index: int, value: object, reason: str) -> None:
        problems.append(Problem(int(rows[index]), ids[index], field, str(value), reason))

    keep = ids.notna()
    for index in frame.index[~keep]:
        report("record_id", index, "", "blank record id: row left out")
    duplicated = ids.duplicated(keep="first") & keep
    for index in frame.index[duplicated]:
        report("record_id", index, ids[index], "record id repeats an earlier row: row left out")
    keep &= ~duplicated

    out = pd.DataFrame({"unique_id": ids, "row": rows})
    out["agency"] = frame["agency"].map(lambda v: None if v is None else str(v).strip() or None)

    forenames = _map_unique(frame["first_name"], split_forenames)
    out["forename"] = [f for f, _ in forenames]
    out["middle_names"] = [m for _, m in forenames]
    out["forename_group"] = _map_unique(out["forename"], forename_group)
    out["forename_sdx"] = _map_unique(out["forename"], soundex)
    out["initial"] = _map_unique(out["forename"], _initial)
    out["forename_del"] = _map_unique(out["forename"], deletions)
    out["near_groups"] = _map_unique(out["forename"], near_groups)
    surnames = _map_unique(frame["last_name"], split_surname)
    out["surname"] = [s[0] for s in surnames]
    out["surname_first"] = [s[1] for s in surnames]
    out["surname_last"] = [s[2] for s in surnames]
    out["surname_sdx"] = _map_unique(out["surname"], soundex)
    out["surname_del"] = _map_unique(out["surname"], deletions)

    dobs = _checked(frame["dob"], lambda v: parse_dob(v), "dob", report)
    out["dob"] = [d.isoformat() if d else None for d in dobs]
    out["dob_year"] = pd.array([d.year if d else None for d in dobs], dtype="Int64")
    out["dob_month"] = pd.array([d.month if d else None for d in dobs], dtype="Int64")
    out["dob_day"] = pd.array([d.day if d else None for d in dobs], dtype="Int64")
    out["dob_masks"] = _map_unique(out["dob"], dob_masks)
    out["dob_slips"] = _map_unique(out["dob"], dob_slips)
    out["sex"] = _checked(frame["sex"], parse_sex, "sex", report)

    postcodes = _checked(frame["postcode"], _read_postcodes, "postcode", report)
    # Empty lists become missing values, so "no postcode" is the comparison's null level.
    out["postcodes"] = [p[0] or None for p in postcodes]
    out["sectors"] = [p[1] or None for p in postcodes]
    out["districts"] = [p[2] or None for p in postcodes]
    out["district"] = [p[2][0] if p[2] else None for p in postcodes]
    out["postcode_sector"] = [p[1][0] if p[1] else None for p in postcodes]
    out["nhs_number"] = _checked(frame["nhs_number"], _read_nhs_number, "nhs_number", report)

    result = out[keep.to_numpy()].reset_index(drop=True)
    problems.sort(key=lambda p: p.row)
    return Prepared(result, tuple(problems))


def prepare_record(record: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """Prepare one record (a mapping with the RECORDS.csv fields) the way :func:`prepare` does.

    Returns
    -------
    tuple of (dict, list of str)
        The prepared fields (as in a row of ``prepare(...).frame``, without ``row``) and one
        message per value not used.

    >>> prepared, problems = prepare_record({"record_id": "r1", "first_name": "Jess",
    ...     "last_name": "Smith-Khan", "dob": "3/4/2011", "nhs_number": "123"})
    >>> prepared["forename_group"], prepared["surname"], prepared["dob"], problems
    ('jessica', 'smithkhan', '2011-04-03', ['nhs_number: fails the NHS number modulus-11 check'])
    """
    problems: list[str] = []

    def read(field: str, function: Callable) -> object:
        try:
            return function(record.get(field))
        except ValueError as error:
            problems.append(f"{field}: {error}")
            return _empty(field)

    record_id = record.get("record_id")
    forename, middle = split_forenames(record.get("first_name"))
    surname, first, last = split_surname(record.get("last_name"))
    born = read("dob", parse_dob)
    full, sectors, districts = read("postcode", _read_postcodes)  # type: ignore[misc]
    agency = record.get("agency")
    prepared = {
        "unique_id": None if record_id is None else str(record_id).strip(),
        "agency": None if agency is None else str(agency).strip() or None,
        "forename": forename, "middle_names": middle,
        "forename_group": forename_group(forename), "forename_sdx": soundex(forename),
        "initial": _initial(forename), "forename_del": deletions(forename),
        "near_groups": near_groups(forename),
        "surname": surname, "surname_first": first, "surname_last": last, "surname_sdx": soundex(surname),
        "surname_del": deletions(surname),
        "dob": born.isoformat() if born else None,  # type: ignore[union-attr]
        "dob_year": born.year if born else None,  # type: ignore[union-attr]
        "dob_month": born.month if born else None,  # type: ignore[union-attr]
        "dob_day": born.day if born else None,  # type: ignore[union-attr]
        "dob_masks": dob_masks(born.isoformat() if born else None),  # type: ignore[union-attr]
        "dob_slips": dob_slips(born.isoformat() if born else None),  # type: ignore[union-attr]
        "sex": read("sex", parse_sex),
        "postcodes": full or None, "sectors": sectors or None, "districts": districts or None,
        "district": districts[0] if districts else None,
        "postcode_sector": sectors[0] if sectors else None,
        "nhs_number": read("nhs_number", _read_nhs_number),
    }
    return prepared, problems


def _initial(forename: str | None) -> str | None:
    return forename[0] if forename else None


def deletions(name: str | None) -> list[str] | None:
    """Return a name and every string made by deleting one of its letters (symmetric deletion).

    Two names one typing slip apart (a letter changed, added, dropped or two swapped) share at
    least one member.

    >>> sorted(deletions("amy"))
    ['am', 'amy', 'ay', 'my']
    >>> bool(set(deletions("zofia")) & set(deletions("zoifa")))
    True
    """
    if not name:
        return None
    return sorted({name} | {name[:i] + name[i + 1:] for i in range(len(name))})


def dob_masks(dob: str | None) -> list[str] | None:
    """Return an ISO date with each digit masked in turn: two dates sharing a mask differ in at
    most one digit.

    >>> dob_masks("2011-04-03")[:2]
    ['_0110403', '2_110403']
    """
    if not dob:
        return None
    digits = dob.replace("-", "")
    return [digits[:i] + "_" + digits[i + 1:] for i in range(len(digits))]


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


def _map_unique(values: pd.Series, function: Callable) -> list:
    cache: dict = {}
    out = []
    for value in values:
        if value not in cache:
            cache[value] = function(value)
        out.append(cache[value])
    return out


def _checked(values: pd.Series, function: Callable, field: str, report: Callable) -> list:
    cache: dict = {}
    out = []
    for index, value in zip(values.index, values, strict=True):
        if value not in cache:
            try:
                cache[value] = (function(value), None)
            except ValueError as error:
                cache[value] = (_empty(field), str(error))
        result, reason = cache[value]
        if reason:
            report(field, index, value, reason + ": value not used")
        out.append(result)
    return out


def _empty(field: str) -> object:
    return ([], [], []) if field == "postcode" else None


def _read_postcodes(value: object) -> tuple[list[str], list[str], list[str]]:
    full: list[str] = []
    sectors: list[str] = []
    districts: list[str] = []
    bad = []
    for part in _split_postcodes(value):
        postcode = normalise_postcode(part)
        if postcode:
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
    if bad:
        raise ValueError(f"not a UK postcode: {', '.join(bad)}")
    return full, sectors, districts


def _append(items: list[str], value: str | None) -> None:
    if value and value not in items:
        items.append(value)


def _read_nhs_number(value: object) -> str | None:
    text = normalise_nhs_number(value)
    if text is None:
        return None
    if text.endswith(".0"):
        text = text[:-2]
    if not is_valid_nhs_number(text):
        raise ValueError("fails the NHS number modulus-11 check")
    # Every ten-times-repeated digit passes the check; systems use 0000000000 and 9999999999 for
    # "not known", and matching on one would join every child recorded with it.
    if len(set(text)) == 1:
        raise ValueError("one digit repeated: a placeholder, not a real NHS number")
    return text


def problems_lines(problems: Iterable[Problem], source: str) -> list[str]:
    """Return one line per problem, naming the file, for printing."""
    return [f"{source}: {p}" for p in problems]
