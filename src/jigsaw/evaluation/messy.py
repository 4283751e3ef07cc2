"""A second, independent generator of messy multi-agency records about children.

**For evaluation only: never use these records to choose a threshold, train or tune the shipped
linkage model, or design a rule.** They exist to measure linkage on data it was not built with.

:mod:`jigsaw.world` makes records from its own account of how agencies' data go wrong
(nickname table lookups, one random keyboard slip keeping the first letter, day-first dates,
valid-or-broken identifiers drawn per record). This module is written from a different account,
in which records go wrong the way clerks, forms and systems make them go wrong:

* names are **heard** (phonetic respellings: Phoebe/Foebe, Connor/Conner), **typed** (a slip to
  a neighbouring key on a QWERTY keyboard, the first letter included), **scanned** (OCR reads
  ``rn`` as ``m``, ``l`` as ``1``) and **transliterated** (Muhammad/Mohammed/Mohamad,
  Chen/Chan, Zieliński/Zielinski), and a child is known by a short form (Tunde, Jess);
* double-barrelled surnames are kept in full, in part or reversed; forename and surname are
  swapped, or both are typed into one field;
* dates come from software that writes them month first (US style), are swapped by a clerk (so
  that 23 April becomes "month 23", impossible as written and plausible swapped), or have one
  digit slip to its neighbour on the keyboard (sometimes giving day 38 or month 0);
* families move, and agencies keep the address they had; a postcode mistyped on a referral
  travels with the family to every agency that copies it, with inward-code letters Royal Mail
  never issues (C, I, K, M, O, V); NHS numbers are mistyped (a digit, or two digits swapped),
  and one mistyped number is copied between agencies for some children;
* siblings share a surname and address, twins also a date of birth: they differ in a first
  name only.

Each record carries at most one error per field group (forename, surname, layout, date of
birth, sex, postcode, NHS number), drawn from one uniform number per group against cut-points,
so every error has exactly its stated rate among the records it can apply to
(:data:`ERRORS`; ``MessyRecords.eligible`` says which records those are). The generator is
seeded and deterministic. Rates and their sources: docs/methods/linkage-evaluation.md.

Run ``python -m jigsaw.evaluation --out DIR`` to write ``records.csv`` (the columns
``jigsaw link`` reads) and ``truth.csv``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from jigsaw.evaluation import _names
from jigsaw.identifiers import is_valid_nhs_number, nhs_check_digit

__all__ = ["RECORD_COLUMNS", "AGENCIES", "ERRORS", "ErrorType", "MessyRecords", "generate", "main"]

#: The columns of the records, as ``jigsaw link`` reads them (RECORDS.csv).
RECORD_COLUMNS = (
    "record_id",
    "agency",
    "first_name",
    "last_name",
    "dob",
    "sex",
    "postcode",
    "nhs_number",
)


@dataclass(frozen=True)
class ErrorType:
    """One way a record goes wrong.

    ``rate`` is the chance per unit (record, family or child, see ``unit``) among the units in
    ``base``; ``group`` names the field group whose errors exclude each other.
    """

    name: str
    group: str
    rate: float
    base: str
    description: str
    source: str = "assumed"
    unit: str = "record"


_A = "every record"
ERRORS: tuple[ErrorType, ...] = (
    # Who the family is: drawn once per family or child, shared by all their records.
    ErrorType(
        "family_double_barrelled",
        "family",
        0.05,
        "every family",
        "the family's surname is double-barrelled (two surnames joined by a hyphen)",
        unit="family",
    ),
    ErrorType(
        "family_moved",
        "family",
        0.20,
        "every family",
        "the family moved once in the period the records cover",
        unit="family",
    ),
    ErrorType(
        "family_carried_postcode",
        "family",
        0.12,
        "every family",
        "a referral mistyped the family's postcode into inward letters Royal Mail never issues, "
        "and agencies copy it",
        unit="family",
    ),
    ErrorType(
        "child_carried_nhs",
        "child",
        0.04,
        "every child",
        "a mistyped NHS number for the child is held in a shared system and copied",
        unit="child",
    ),
    ErrorType(
        "family_twins",
        "family",
        0.05,
        "families of two or more children",
        "the first two children are twins (same date of birth, surname and home)",
        unit="family",
    ),
    # Forename: at most one per record.
    ErrorType(
        "forename_transliteration",
        "forename",
        0.20,
        "records of forenames written in several spellings",
        "another spelling of the same name (Muhammad/Mohammed, Caitlin/Kaitlyn)",
    ),
    ErrorType(
        "forename_nickname",
        "forename",
        0.06,
        "records of forenames with a common short form",
        "the short form the child is known by (Tunde for Babatunde, Jess for Jessica)",
    ),
    ErrorType(
        "forename_phonetic",
        "forename",
        0.03,
        "records whose forename a phonetic rule changes",
        "respelled as heard (ph/f, c/k, double/single letters, ee/ea, final y/ie)",
    ),
    ErrorType(
        "forename_keyboard",
        "forename",
        0.02,
        "records of forenames of three letters or more",
        "a neighbouring QWERTY key hit instead or as well (any letter, the first included)",
    ),
    ErrorType(
        "forename_ocr",
        "forename",
        0.01,
        "records whose forename holds a letter OCR confuses",
        "read from a scanned form: rn/m, cl/d, li/h, vv/w, e/c, l/1, o/0",
    ),
    # Surname.
    ErrorType(
        "surname_one_part",
        "surname",
        0.35,
        "records of children with a double-barrelled surname",
        "only one part of the double-barrelled surname kept (either part)",
    ),
    ErrorType(
        "surname_parts_reversed",
        "surname",
        0.05,
        "records of children with a double-barrelled surname",
        "the two parts in the other order",
    ),
    ErrorType(
        "surname_transliteration",
        "surname",
        0.15,
        "records of single surnames written in several spellings",
        "another spelling of the same surname (Chowdhury/Choudhury, Chen/Chan, Kamiński/Kaminski)",
    ),
    ErrorType(
        "surname_phonetic",
        "surname",
        0.03,
        "records whose surname a phonetic rule changes",
        "respelled as heard",
    ),
    ErrorType(
        "surname_keyboard",
        "surname",
        0.02,
        "records of surnames of three letters or more",
        "a neighbouring QWERTY key hit instead or as well",
    ),
    ErrorType(
        "surname_ocr",
        "surname",
        0.01,
        "records whose surname holds a letter OCR confuses",
        "read from a scanned form",
    ),
    # Where the names are.
    ErrorType(
        "names_swapped",
        "layout",
        0.02,
        _A,
        "forename in the surname field and surname in the forename field",
    ),
    ErrorType(
        "names_in_first_field",
        "layout",
        0.015,
        _A,
        "'Forename Surname' typed into the forename field, surname field blank",
    ),
    ErrorType(
        "names_in_last_field",
        "layout",
        0.01,
        _A,
        "'SURNAME, Forename' typed into the surname field, forename field blank",
    ),
    # Date of birth.
    ErrorType("dob_missing", "dob", 0.03, _A, "no date of birth"),
    ErrorType(
        "dob_us_format",
        "dob",
        0.04,
        _A,
        "written month first (MM/DD/YYYY) by software set to US format",
    ),
    ErrorType(
        "dob_day_month_swapped",
        "dob",
        0.02,
        _A,
        "day and month swapped by a clerk, in the agency's own format (impossible as written when the day is over 12)",
    ),
    ErrorType(
        "dob_digit_slip",
        "dob",
        0.015,
        _A,
        "one digit of the day, month or year typed as its neighbour on the number row (may give day 38 or month 0)",
    ),
    # Sex.
    ErrorType("sex_missing", "sex", 0.04, _A, "sex not recorded"),
    ErrorType("sex_wrong", "sex", 0.005, _A, "the other sex recorded"),
    # Postcode.
    ErrorType(
        "postcode_previous",
        "move",
        0.45,
        "records of children whose family moved",
        "the address before the move, kept by the agency",
    ),
    ErrorType(
        "postcode_carried",
        "postcode",
        0.70,
        "records showing the current home of a family whose postcode a referral mistyped",
        "the family's copied, mistyped postcode (the same wrong value at every agency that copied it)",
    ),
    ErrorType("postcode_missing", "postcode", 0.04, _A, "no postcode"),
    ErrorType("postcode_district_only", "postcode", 0.02, _A, "the district only ('LS6')"),
    ErrorType(
        "postcode_bad_inward",
        "postcode",
        0.03,
        _A,
        "one inward letter mistyped to a letter Royal Mail never issues there (C, I, K, M, O, V)",
    ),
    # NHS number.
    ErrorType(
        "nhs_carried",
        "nhs",
        0.70,
        "records with an NHS number, of children whose mistyped number is copied",
        "the child's copied, mistyped NHS number (fails the check digit; the same at every agency that copied it)",
    ),
    ErrorType("nhs_digit_slip", "nhs", 0.015, "records with an NHS number", "one digit mistyped"),
    ErrorType(
        "nhs_transposed",
        "nhs",
        0.01,
        "records with an NHS number",
        "two neighbouring different digits swapped",
    ),
)
_BY_NAME = {e.name: e for e in ERRORS}
RECORD_ERRORS = tuple(e.name for e in ERRORS if e.unit == "record")

#: Agencies, their record-id prefix, share of records, how they write names and dates and the
#: chance they hold the child's NHS number (all assumed; health and social care hold it most,
#: as the NHS number is the statutory identifier there).
AGENCIES: dict[str, dict[str, object]] = {
    "health": {
        "prefix": "NHS-T",
        "share": 0.30,
        "upper": False,
        "dob": "iso",
        "nhs": 0.95,
        "sex": "nhs",
    },
    "education": {
        "prefix": "LA-ED",
        "share": 0.25,
        "upper": False,
        "dob": "dmy/",
        "nhs": 0.03,
        "sex": "word",
    },
    "social_care": {
        "prefix": "CSC-C",
        "share": 0.15,
        "upper": False,
        "dob": "dmy.",
        "nhs": 0.70,
        "sex": "letter",
    },
    "police": {
        "prefix": "POL-N",
        "share": 0.12,
        "upper": True,
        "dob": "dmony",
        "nhs": 0.08,
        "sex": "letter",
    },
    "housing": {
        "prefix": "HOU-R",
        "share": 0.07,
        "upper": True,
        "dob": "dmy/",
        "nhs": 0.02,
        "sex": "letter",
    },
    "voluntary": {
        "prefix": "VCS-K",
        "share": 0.06,
        "upper": False,
        "dob": "dmyy",
        "nhs": 0.05,
        "sex": "word",
    },
    "youth_justice": {
        "prefix": "YOT-J",
        "share": 0.05,
        "upper": False,
        "dob": "isotime",
        "nhs": 0.30,
        "sex": "letter",
    },
}

_FAMILY_SIZES = (0.42, 0.38, 0.14, 0.06)  # 1, 2, 3, 4 children (assumed)
_MEAN_EXTRA_RECORDS = 2.75  # records per child 1 + Poisson(2.75): 15,000 records of 4,000 children
_BOY_SHARE = 0.512  # ONS: about 105 boys born per 100 girls
_SAME_SEX_TWINS = 0.65  # identical (about a third) plus half of the others
_AREAS = ("LS", "BD", "WF", "HX", "HD")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # Royal Mail never uses C, I, K, M, O, V in an inward code
_NEVER_INWARD = "CIKMOV"
_OLDEST = date(2008, 4, 1)
_YOUNGEST = date(2025, 12, 31)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_KEYS = {
    "q": "wa",
    "w": "qeas",
    "e": "wrsd",
    "r": "etdf",
    "t": "ryfg",
    "y": "tugh",
    "u": "yihj",
    "i": "uojk",
    "o": "ipkl",
    "p": "ol",
    "a": "qwsz",
    "s": "weadzx",
    "d": "erfsxc",
    "f": "rtdgcv",
    "g": "tyfhvb",
    "h": "yugjbn",
    "j": "uihknm",
    "k": "iojlm",
    "l": "opk",
    "z": "asx",
    "x": "zsdc",
    "c": "xdfv",
    "v": "cfgb",
    "b": "vghn",
    "n": "bhjm",
    "m": "njk",
}
_DIGIT_KEYS = {
    "0": "9",
    "1": "2",
    "2": "13",
    "3": "24",
    "4": "35",
    "5": "46",
    "6": "57",
    "7": "68",
    "8": "79",
    "9": "80",
}
# Sound-alike respellings, as a clerk writes a name they hear (applied to lower case).
_PHONETIC: tuple[tuple[str, str], ...] = (
    ("ph", "f"),
    ("f", "ph"),
    ("ck", "k"),
    ("c(?=[aou])", "k"),
    ("k(?=[aou])", "c"),
    ("ee", "ea"),
    ("ea", "ee"),
    ("ie$", "y"),
    ("y$", "ie"),
    ("ey$", "y"),
    ("ou", "ow"),
    ("oo", "u"),
    ("th", "t"),
    ("(?<=[aeiou])s(?=[aeiou])", "z"),
    ("z", "s"),
    ("ai", "ay"),
    ("ay", "ai"),
    ("ei", "ie"),
    ("([bdfglmnprstz])\\1", "\\1"),
    ("(?<=[aeiou])([lnrst])(?=[aeiou])", "\\1\\1"),
    ("er$", "a"),
    ("a$", "ah"),
    ("ah$", "a"),
    ("x", "ks"),
    ("qu", "kw"),
    ("wh", "w"),
    ("kh", "k"),
    ("^h(?=[aeiou])", ""),
    ("or$", "er"),
    ("(?<=[^aeiou])i(?=[^aeiou])", "y"),
)
# What OCR of a handwritten or faxed form reads instead.
_OCR: tuple[tuple[str, str], ...] = (
    ("rn", "m"),
    ("m", "rn"),
    ("cl", "d"),
    ("d", "cl"),
    ("li", "h"),
    ("h", "li"),
    ("vv", "w"),
    ("w", "vv"),
    ("e", "c"),
    ("l", "1"),
    ("o", "0"),
)


@dataclass(frozen=True)
class MessyRecords:
    """Records, their truth and the errors each record carries.

    Attributes
    ----------
    records : pandas.DataFrame
        :data:`RECORD_COLUMNS`, as text ("" for blank), in the order agencies list them.
    truth : pandas.DataFrame
        ``record_id``, ``child_id``, ``family_id`` (which records are whose).
    errors, eligible : pandas.DataFrame
        ``record_id`` and one boolean column per record-level error of :data:`ERRORS`: whether
        the error was applied, and whether the record was one it could apply to.
    children : pandas.DataFrame
        One row per child: ``child_id``, ``family_id``, ``forename``, ``surname``, ``dob``,
        ``sex``, ``tradition``, ``nhs_number`` (valid), ``twin_of`` ("" if none) and the
        family- and child-level errors of :data:`ERRORS` as booleans.
    families : pandas.DataFrame
        ``family_id``, ``size`` and the family-level errors and their eligibility
        (``eligible_<name>``).
    """

    records: pd.DataFrame
    truth: pd.DataFrame
    errors: pd.DataFrame
    eligible: pd.DataFrame
    children: pd.DataFrame
    families: pd.DataFrame
    seed: int


@dataclass
class _Child:
    child_id: str
    family: int
    tradition: str
    sex: str
    forename: tuple[str, ...]  # spellings of the name; [spelling] is the registered one
    spelling: int
    surname: tuple[str, ...]
    surname_spelling: int
    double: tuple[str, str] | None
    dob: date
    nhs: str
    twin_of: str = ""
    carried_nhs: str = ""


def _weights(n: int, power: float) -> np.ndarray:
    """Zipf-like weights for ranks 1..n: common names are common."""
    w = 1.0 / np.arange(1, n + 1) ** power
    return np.asarray(w / w.sum())


def _pick(rng: np.random.Generator, options: Sequence[object], power: float = 0.9) -> int:
    return int(rng.choice(len(options), p=_weights(len(options), power)))


def _spelling(rng: np.random.Generator, spellings: tuple[str, ...]) -> int:
    return _pick(rng, spellings, 1.5) if len(spellings) > 1 else 0


def _nhs_number(rng: np.random.Generator, used: set[str]) -> str:
    # Numbers starting 999 lie outside the ranges issued in England and Wales (400-499 and
    # 600-799 million), so no synthetic number can be a real child's.
    while True:
        first = "999" + "".join(str(d) for d in rng.integers(0, 10, 6))
        check = nhs_check_digit(first)
        if check is None:
            continue
        number = first + str(check)
        if number not in used and len(set(number)) > 1:
            used.add(number)
            return number


def _mistype_nhs(rng: np.random.Generator, number: str, transpose: bool, used: set[str]) -> str:
    """Return ``number`` with one digit changed or two neighbouring digits swapped, never a valid
    number and never one already held by another child."""
    for _ in range(100):
        digits = list(number)
        if transpose:
            i = int(rng.integers(0, 9))
            if digits[i] == digits[i + 1]:
                continue
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
        else:
            i = int(rng.integers(0, 10))
            digits[i] = str((int(digits[i]) + int(rng.integers(1, 10))) % 10)
        wrong = "".join(digits)
        if not is_valid_nhs_number(wrong) and wrong not in used:
            return wrong
    raise RuntimeError(f"could not mistype NHS number {number}")  # pragma: no cover


def _postcode_pool(rng: np.random.Generator, n: int) -> list[str]:
    districts = [f"{a}{k}" for a in _AREAS for k in range(1, 9)]
    weights = _weights(len(districts), 0.5)
    seen: set[str] = set()
    pool: list[str] = []
    while len(pool) < n:
        d = districts[int(rng.choice(len(districts), p=weights))]
        letters = rng.integers(0, len(_INWARD_LETTERS), 2)
        code = f"{d} {int(rng.integers(0, 10))}{_INWARD_LETTERS[letters[0]]}{_INWARD_LETTERS[letters[1]]}"
        if code not in seen:
            seen.add(code)
            pool.append(code)
    return pool


def _bad_inward(rng: np.random.Generator, postcode: str) -> str:
    """Mistype one inward letter to a neighbouring key Royal Mail never issues there, or to any
    such letter when no neighbour is one."""
    outward, inward = postcode.split(" ")
    i = 1 + int(rng.integers(0, 2))
    letter = inward[i].lower()
    near = [k.upper() for k in _KEYS.get(letter, "") if k.upper() in _NEVER_INWARD]
    new = near[int(rng.integers(0, len(near)))] if near else _NEVER_INWARD[int(rng.integers(0, 6))]
    return f"{outward} {inward[:i]}{new}{inward[i + 1 :]}"


def _applicable(rules: tuple[tuple[str, str], ...], name: str) -> list[tuple[str, str]]:
    return [(p, r) for p, r in rules if re.search(p, name) and re.sub(p, r, name, count=1) != name]


def _rewrite(rng: np.random.Generator, rules: tuple[tuple[str, str], ...], name: str) -> str:
    """Apply one of the rules that change ``name``, at one of the places it matches."""
    lower = name.lower()
    options = _applicable(rules, lower)
    pattern, replacement = options[int(rng.integers(0, len(options)))]
    # Matched on the whole name, so look-behinds and anchors see their context.
    matches = list(re.finditer(pattern, lower))
    match = matches[int(rng.integers(0, len(matches)))]
    changed = lower[: match.start()] + match.expand(replacement) + lower[match.end() :]
    return changed if changed != lower else re.sub(pattern, replacement, lower, count=1)


def _keyboard(rng: np.random.Generator, name: str) -> str:
    lower = name.lower()
    letters = [i for i, c in enumerate(lower) if c in _KEYS]
    i = letters[int(rng.integers(0, len(letters)))]
    near = _KEYS[lower[i]]
    key = near[int(rng.integers(0, len(near)))]
    if rng.random() < 0.7:
        return lower[:i] + key + lower[i + 1 :]  # the neighbour hit instead
    return lower[: i + 1] + key + lower[i + 1 :]  # the neighbour hit as well


def _title(text: str) -> str:
    return re.sub(r"(^|[\s\-'])([^\W\d_])", lambda m: m[1] + m[2].upper(), text.lower())


def _write_date(y: int, m: int, d: int, style: str) -> str:
    if style == "iso":
        return f"{y:04d}-{m:02d}-{d:02d}"
    if style == "isotime":
        return f"{y:04d}-{m:02d}-{d:02d} 00:00:00"
    if style == "dmy.":
        return f"{d:02d}.{m:02d}.{y:04d}"
    if style == "dmyy":
        return f"{d}/{m}/{y % 100:02d}"
    if style == "dmony" and 1 <= m <= 12:
        return f"{d:02d}-{_MONTHS[m - 1]}-{y:04d}"
    # "dmy/", and a month-name system given a month it has no name for (typed as numbers).
    return f"{d:02d}/{m:02d}/{y:04d}"


def _digit_slip(rng: np.random.Generator, y: int, m: int, d: int) -> tuple[int, int, int]:
    part = rng.random()
    if part < 0.45:
        text = f"{d:02d}"
    elif part < 0.65:
        text = f"{m:02d}"
    else:
        text = f"{y:04d}"
    i = int(rng.integers(0, len(text)))
    near = _DIGIT_KEYS[text[i]]
    text = text[:i] + near[int(rng.integers(0, len(near)))] + text[i + 1 :]
    if part < 0.45:
        return y, m, int(text)
    if part < 0.65:
        return y, int(text), d
    return int(text), m, d


def _families(rng: np.random.Generator, children: int) -> list[int]:
    sizes: list[int] = []
    total = 0
    while total < children:
        size = 1 + int(rng.choice(4, p=np.array(_FAMILY_SIZES)))
        size = min(size, children - total)
        sizes.append(size)
        total += size
    return sizes


def _dob(rng: np.random.Generator, taken: list[date]) -> date:
    span = (_YOUNGEST - _OLDEST).days
    while True:
        born = _OLDEST + timedelta(days=int(rng.integers(0, span + 1)))
        # Siblings who are not twins are born at least 300 days apart.
        if all(abs((born - other).days) >= 300 for other in taken):
            return born


def generate(children: int = 4000, *, seed: int = 1, without: Collection[str] = ()) -> MessyRecords:
    """Generate messy records of ``children`` children (about 3.75 records each) with their truth.

    For evaluation only (see the module docstring). Deterministic: the same ``children`` and
    ``seed`` give identical frames.

    Parameters
    ----------
    children : int
        Number of children (4,000 gives about 15,000 records).
    seed : int
        Seed of the random generator.
    without : collection of str
        Record-level errors (names in :data:`ERRORS`) to draw but not apply: every other value
        is identical to the run without this argument, so linking both measures what that
        error alone costs.

    Returns
    -------
    MessyRecords

    Raises
    ------
    ValueError
        If ``children`` is below 1 or ``without`` names an error that is not a record-level one.
    """
    if children < 1:
        raise ValueError(f"children must be at least 1, not {children}")
    unknown = sorted(set(without) - set(RECORD_ERRORS))
    if unknown:
        raise ValueError(
            f"not record-level errors: {', '.join(unknown)} (choose from {', '.join(RECORD_ERRORS)})"
        )
    rng = np.random.default_rng(seed)
    traditions = list(_names.TRADITIONS)
    tradition_p = np.array([_names.TRADITIONS[t] for t in traditions])
    sizes = _families(rng, children)
    n_families = len(sizes)
    pool = _postcode_pool(rng, n_families + n_families // 2)
    used_nhs: set[str] = set()
    fam_rows: list[dict[str, object]] = []
    kids: list[_Child] = []
    homes: list[tuple[str, str, str]] = []  # (current, previous or "", carried mistype or "")
    for f, size in enumerate(sizes):
        tradition = traditions[int(rng.choice(len(traditions), p=tradition_p))]
        surnames = _names.SURNAMES[tradition]
        surname = surnames[_pick(rng, surnames)]
        surname_spelling = _spelling(rng, surname)
        double: tuple[str, str] | None = None
        is_double = bool(rng.random() < _BY_NAME["family_double_barrelled"].rate)
        if is_double:
            other_tradition = "english" if rng.random() < 0.7 else tradition
            others = [
                s
                for s in _names.SURNAMES[other_tradition]
                if s != surname and "'" not in s[0] and " " not in s[0]
            ]
            partner = others[_pick(rng, others)]
            first_part = surname[surname_spelling]
            if " " in first_part or "-" in first_part or "'" in first_part:
                first_part = surname[0].replace(" ", "").replace("-", "").replace("'", "")
            double = (first_part, partner[0])
        moved = bool(rng.random() < _BY_NAME["family_moved"].rate)
        current = pool[int(rng.integers(0, len(pool)))]
        previous = ""
        if moved:
            while not previous or previous == current:
                previous = pool[int(rng.integers(0, len(pool)))]
        carried = ""
        if rng.random() < _BY_NAME["family_carried_postcode"].rate:
            carried = _bad_inward(rng, current)
        twins = size >= 2 and bool(rng.random() < _BY_NAME["family_twins"].rate)
        fam_rows.append(
            {
                "family_id": f"F{f + 1:05d}",
                "size": size,
                "tradition": tradition,
                "family_double_barrelled": is_double,
                "family_moved": moved,
                "family_carried_postcode": bool(carried),
                "family_twins": twins,
                "eligible_family_twins": size >= 2,
            }
        )
        taken: list[date] = []
        names_used: list[tuple[str, ...]] = []
        for k in range(size):
            sex = "M" if rng.random() < _BOY_SHARE else "F"
            if twins and k == 1:
                twin = kids[-1]
                if rng.random() < _SAME_SEX_TWINS:
                    sex = twin.sex
                born = twin.dob
            else:
                born = _dob(rng, taken)
            taken.append(born)
            lists = (_names.BOYS if sex == "M" else _names.GIRLS)[tradition]
            while True:
                forename = lists[_pick(rng, lists)]
                if forename not in names_used:  # siblings and twins never share a first name
                    break
            names_used.append(forename)
            child = _Child(
                child_id=f"C{len(kids) + 1:06d}",
                family=f,
                tradition=tradition,
                sex=sex,
                forename=forename,
                spelling=_spelling(rng, forename),
                surname=surname,
                surname_spelling=surname_spelling,
                double=double,
                dob=born,
                nhs=_nhs_number(rng, used_nhs),
            )
            if twins and k == 1:
                child.twin_of = kids[-1].child_id
            kids.append(child)
            homes.append((current, previous, carried))
    # Copied mistyped NHS numbers, drawn once per child after every child has a number, so a
    # mistype can be checked against all children's numbers.
    carried_nhs = rng.random(len(kids)) < _BY_NAME["child_carried_nhs"].rate
    for child, carries in zip(kids, carried_nhs, strict=True):
        if carries:
            child.carried_nhs = _mistype_nhs(rng, child.nhs, bool(rng.random() < 0.3), used_nhs)
            used_nhs.add(child.carried_nhs)

    # Records: 1 + Poisson each.
    per_child = 1 + rng.poisson(_MEAN_EXTRA_RECORDS, len(kids))
    owner = np.repeat(np.arange(len(kids)), per_child)
    agency_names = list(AGENCIES)
    shares = np.array([float(AGENCIES[a]["share"]) for a in agency_names])  # type: ignore[arg-type]
    agency = rng.choice(len(agency_names), size=len(owner), p=shares / shares.sum())
    # Schools hold children aged 4 and over and youth offending teams those of 10 and over (at
    # the end of the period): a younger child's record is held by health or children's social
    # care instead. Police meet children of every age (domestic incidents, missing children).
    birth = np.array([kids[i].dob for i in owner], dtype="datetime64[D]")
    code = {a: i for i, a in enumerate(agency_names)}
    agency[(birth > np.datetime64("2022-03-31")) & (agency == code["education"])] = code["health"]
    agency[(birth > np.datetime64("2016-03-31")) & (agency == code["youth_justice"])] = code[
        "social_care"
    ]
    records = _records(
        rng,
        seed,
        frozenset(without),
        kids,
        homes,
        owner,
        [agency_names[a] for a in agency],
        used_nhs,
    )
    # Shuffle, then let each agency number its own records: record numbers say nothing about
    # the child.
    triples = list(zip(*records, strict=True))
    triples = [triples[i] for i in rng.permutation(len(triples))]
    triples.sort(key=lambda t: agency_names.index(str(t[0]["agency"])))
    rows = [t[0] for t in triples]
    errors = [t[1] for t in triples]
    eligible = [t[2] for t in triples]
    counters = dict.fromkeys(agency_names, 0)
    for row in rows:
        a = str(row["agency"])
        counters[a] += 1
        row["record_id"] = f"{AGENCIES[a]['prefix']}{counters[a]:06d}"
    frame = pd.DataFrame(rows)
    record_frame = frame[list(RECORD_COLUMNS)].reset_index(drop=True)
    truth = frame[["record_id", "child_id", "family_id"]].reset_index(drop=True)
    error_frame = pd.DataFrame(errors, columns=list(RECORD_ERRORS)).astype(bool)
    error_frame.insert(0, "record_id", record_frame["record_id"])
    eligible_frame = pd.DataFrame(eligible, columns=list(RECORD_ERRORS)).astype(bool)
    eligible_frame.insert(0, "record_id", record_frame["record_id"])
    families = pd.DataFrame(fam_rows)
    children_frame = pd.DataFrame(
        {
            "child_id": [c.child_id for c in kids],
            "family_id": [f"F{c.family + 1:05d}" for c in kids],
            "forename": [c.forename[c.spelling] for c in kids],
            "surname": [_registered_surname(c) for c in kids],
            "dob": [c.dob.isoformat() for c in kids],
            "sex": [c.sex for c in kids],
            "tradition": [c.tradition for c in kids],
            "nhs_number": [c.nhs for c in kids],
            "twin_of": [c.twin_of for c in kids],
            "child_carried_nhs": [bool(c.carried_nhs) for c in kids],
            "carried_nhs_number": [c.carried_nhs for c in kids],
        }
    )
    return MessyRecords(
        record_frame, truth, error_frame, eligible_frame, children_frame, families, seed
    )


def _registered_surname(child: _Child) -> str:
    if child.double:
        return f"{child.double[0]}-{child.double[1]}"
    return child.surname[child.surname_spelling]


def _draw(u: float, group: str, eligible: dict[str, bool]) -> str | None:
    """Return the error of ``group`` that ``u`` falls on among the group's cut-points, if the
    record is eligible for it: every error keeps its stated rate among eligible records."""
    edge = 0.0
    for error in ERRORS:
        if error.group != group:
            continue
        if edge <= u < edge + error.rate:
            return error.name if eligible[error.name] else None
        edge += error.rate
    return None


def _records(
    rng: np.random.Generator,
    seed: int,
    without: frozenset[str],
    kids: list[_Child],
    homes: list[tuple[str, str, str]],
    owner: np.ndarray,
    agencies: list[str],
    used_nhs: set[str],
) -> tuple[list[dict[str, object]], list[dict[str, bool]], list[dict[str, bool]]]:
    m = len(owner)
    groups = ("forename", "surname", "layout", "dob", "sex", "move", "postcode", "nhs")
    u = {g: rng.random(m) for g in groups}
    nhs_recorded = rng.random(m)
    careless = rng.random(m)
    rows: list[dict[str, object]] = []
    applied_rows: list[dict[str, bool]] = []
    eligible_rows: list[dict[str, bool]] = []
    for r in range(m):
        child = kids[int(owner[r])]
        agency = agencies[r]
        spec = AGENCIES[agency]
        current, previous, carried = homes[int(owner[r])]
        registered = child.forename[child.spelling]
        short = _names.NICKNAMES.get(child.forename[0].lower(), ())
        surname = _registered_surname(child)
        recorded = bool(nhs_recorded[r] < float(spec["nhs"]))  # type: ignore[arg-type]
        eligible = {
            "forename_transliteration": len(child.forename) > 1,
            "forename_nickname": bool(short),
            "forename_phonetic": bool(_applicable(_PHONETIC, registered.lower())),
            "forename_keyboard": sum(c in _KEYS for c in registered.lower()) >= 3,
            "forename_ocr": bool(_applicable(_OCR, registered.lower())),
            "surname_one_part": child.double is not None,
            "surname_parts_reversed": child.double is not None,
            "surname_transliteration": child.double is None and len(child.surname) > 1,
            "surname_phonetic": bool(_applicable(_PHONETIC, surname.lower())),
            "surname_keyboard": sum(c in _KEYS for c in surname.lower()) >= 3,
            "surname_ocr": bool(_applicable(_OCR, surname.lower())),
            "postcode_previous": bool(previous),
            "nhs_digit_slip": recorded,
            "nhs_transposed": recorded,
            "nhs_carried": recorded and bool(child.carried_nhs),
        }
        for name in RECORD_ERRORS:
            eligible.setdefault(name, True)
        applied = dict.fromkeys(RECORD_ERRORS, False)

        def take(
            group: str,
            r: int = r,
            eligible: dict[str, bool] = eligible,
            applied: dict[str, bool] = applied,
        ) -> str | None:
            error = _draw(float(u[group][r]), group, eligible)
            if error is None or error in without:
                return None
            applied[error] = True
            return error

        def dice(group: str, r: int = r) -> np.random.Generator:
            # Each record and field group has its own stream, so leaving one error out
            # (``without``) changes no other value.
            return np.random.default_rng((seed, r, groups.index(group)))

        # Forename.
        first = registered
        error = take("forename")
        if error == "forename_transliteration":
            others = [s for i, s in enumerate(child.forename) if i != child.spelling]
            first = others[int(dice("forename").integers(0, len(others)))]
        elif error == "forename_nickname":
            first = short[int(dice("forename").integers(0, len(short)))]
        elif error == "forename_phonetic":
            first = _rewrite(dice("forename"), _PHONETIC, registered)
        elif error == "forename_keyboard":
            first = _keyboard(dice("forename"), registered)
        elif error == "forename_ocr":
            first = _rewrite(dice("forename"), _OCR, registered)
        # Surname.
        last = surname
        error = take("surname")
        if error == "surname_one_part" and child.double:
            last = child.double[int(dice("surname").integers(0, 2))]
        elif error == "surname_parts_reversed" and child.double:
            last = f"{child.double[1]}-{child.double[0]}"
        elif error == "surname_transliteration":
            others = [s for i, s in enumerate(child.surname) if i != child.surname_spelling]
            last = others[int(dice("surname").integers(0, len(others)))]
        elif error == "surname_phonetic":
            last = _rewrite(dice("surname"), _PHONETIC, surname)
        elif error == "surname_keyboard":
            last = _keyboard(dice("surname"), surname)
        elif error == "surname_ocr":
            last = _rewrite(dice("surname"), _OCR, surname)
        upper = bool(spec["upper"])
        first = first.upper() if upper else _title(first)
        last = last.upper() if upper else _title(last)
        # Where the names are written.
        error = take("layout")
        if error == "names_swapped":
            first, last = last, first
        elif error == "names_in_first_field":
            first, last = f"{first} {last}", ""
        elif error == "names_in_last_field":
            first, last = "", f"{last.upper()}, {first}"
        # Date of birth.
        y, mo, d = child.dob.year, child.dob.month, child.dob.day
        style = str(spec["dob"])
        error = take("dob")
        if error == "dob_missing":
            dob = ""
        elif error == "dob_us_format":
            dob = f"{mo:02d}/{d:02d}/{y:04d}"
        elif error == "dob_day_month_swapped":
            dob = _write_date(y, d, mo, style)
        elif error == "dob_digit_slip":
            dob = _write_date(*_digit_slip(dice("dob"), y, mo, d), style)
        else:
            dob = _write_date(y, mo, d, style)
        # Sex, in the agency's coding.
        error = take("sex")
        sex = (
            ""
            if error == "sex_missing"
            else ({"M": "F", "F": "M"}[child.sex] if error == "sex_wrong" else child.sex)
        )
        if sex and spec["sex"] == "nhs":
            sex = "1" if sex == "M" else "2"
        elif sex and spec["sex"] == "word":
            sex = "Male" if sex == "M" else "Female"
        # Postcode: the old address, the copied mistype, or this record's own slip.
        home = current
        moved_away = _draw(float(u["move"][r]), "move", eligible) == "postcode_previous"
        if take("move") == "postcode_previous":
            home = previous
        eligible["postcode_carried"] = bool(carried) and not moved_away
        error = take("postcode")
        if error == "postcode_carried":
            home = carried
        elif error == "postcode_missing":
            home = ""
        elif error == "postcode_district_only":
            home = home.split(" ")[0]
        elif error == "postcode_bad_inward":
            home = _bad_inward(dice("postcode"), home)
        if home and not upper and careless[r] < 0.15:
            home = home.lower().replace(" ", "")  # typed without care: "ls61an"
        # NHS number.
        nhs = ""
        if recorded:
            nhs = child.nhs
            error = take("nhs")
            if error == "nhs_carried":
                nhs = child.carried_nhs
            elif error in ("nhs_digit_slip", "nhs_transposed"):
                nhs = _mistype_nhs(dice("nhs"), child.nhs, error == "nhs_transposed", used_nhs)
                used_nhs.add(nhs)
            if agency == "social_care":
                nhs = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
        rows.append(
            {
                "record_id": "",
                "agency": agency,
                "first_name": first,
                "last_name": last,
                "dob": dob,
                "sex": sex,
                "postcode": home,
                "nhs_number": nhs,
                "child_id": child.child_id,
                "family_id": f"F{child.family + 1:05d}",
            }
        )
        applied_rows.append(applied)
        eligible_rows.append(dict(eligible))
    return rows, applied_rows, eligible_rows


def main(argv: Sequence[str] | None = None) -> int:
    """Write ``records.csv`` and ``truth.csv`` (and ``errors.csv``) to ``--out``."""
    parser = argparse.ArgumentParser(
        prog="python -m jigsaw.evaluation",
        description="Messy multi-agency child records for evaluating linkage (never for tuning it).",
    )
    parser.add_argument("--children", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out", required=True, help="folder to write records.csv, truth.csv, errors.csv"
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    made = generate(args.children, seed=args.seed)
    made.records.to_csv(out / "records.csv", index=False)
    made.truth.to_csv(out / "truth.csv", index=False)
    made.errors.to_csv(out / "errors.csv", index=False)
    print(f"{len(made.records):,} records of {len(made.children):,} children written to {out}")
    return 0
