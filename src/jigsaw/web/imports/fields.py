"""How a value from an agency's system is read: one rule per field, shared by bulk import and the
API, so that a row of a file and a call with the same values are accepted or refused alike.

Each reader returns the clean value or raises :class:`ValueError` with the reason to show beside
the row and column.
"""

from __future__ import annotations

import datetime as dt
import functools

from jigsaw.identifiers import is_valid_nhs_number
from jigsaw.linkage import parse_dob, parse_sex
from jigsaw.web.children.models import Sex
from jigsaw.web.concerns.models import LawfulBasis

#: Characters a database cannot keep in text (PostgreSQL refuses NUL) or that no agency's
#: system means as data.
_CONTROL = {chr(code) for code in range(32)} - {"\t", "\n", "\r"}


def text(value: str, *, max_length: int, required: bool = True) -> str:
    """Trimmed text of at most ``max_length`` characters, without control characters."""
    value = value.strip()
    if required and not value:
        raise ValueError("is blank")
    if len(value) > max_length:
        raise ValueError(f"is longer than {max_length} characters")
    if _CONTROL.intersection(value):
        raise ValueError("holds a control character")
    return value


def date(value: str, *, today: dt.date | None = None) -> dt.date:
    """A past date in any common UK form (``03/04/2011``, ``3-4-11``, ``3 Apr 2011``, ISO, an
    Excel serial), read day first as in the UK: see :func:`jigsaw.linkage.parse_dob`."""
    parsed = parse_dob(value.strip(), today=today)
    if parsed is None:
        raise ValueError("is blank")
    return parsed


def sex(value: str) -> str:
    """``F``, ``M`` or ``U`` from the codes agencies use (:func:`jigsaw.linkage.parse_sex`)."""
    parsed = parse_sex(value)
    return parsed if parsed is not None else Sex.UNKNOWN.value


def nhs_number(value: str) -> str:
    """Ten digits (spaces and hyphens allowed) with a valid modulus-11 check digit; blank is
    allowed (not every agency holds it)."""
    digits = value.replace(" ", "").replace("-", "").strip()
    if not digits:
        return ""
    if not is_valid_nhs_number(digits):
        raise ValueError("is not a valid NHS number (ten digits with a modulus-11 check digit)")
    return digits


def postcode(value: str) -> str:
    return text(value, max_length=10, required=False).upper()


@functools.cache
def _indicator_names() -> dict[str, str]:
    from jigsaw.catalogue import load

    names: dict[str, str] = {}
    for indicator in load().indicators:
        names[indicator.id.lower()] = indicator.id
        names[indicator.label.strip().lower()] = indicator.id
    return names


def indicators(values: list[str]) -> list[str]:
    """Catalogue indicator ids for ``values``, each an id or a label (any case); no repeats.

    Raises
    ------
    ValueError
        Naming every value the catalogue does not know, or if there is none.
    """
    names = _indicator_names()
    found: list[str] = []
    unknown: list[str] = []
    for value in values:
        key = value.strip().lower()
        if not key:
            continue
        if key in names:
            if names[key] not in found:
                found.append(names[key])
        else:
            unknown.append(value.strip())
    if unknown:
        raise ValueError("not in the indicator catalogue: " + ", ".join(unknown[:5]))
    if not found:
        raise ValueError("names no indicator")
    return found


def indicator_list(value: str) -> list[str]:
    """Indicators written in one cell, separated by ``;`` or ``|`` (labels may hold commas)."""
    return indicators(value.replace("|", ";").split(";"))


def lawful_basis(value: str) -> str:
    """A :class:`LawfulBasis` value; blank gives the safeguarding public task, the usual basis."""
    word = value.strip()
    if not word:
        return LawfulBasis.SAFEGUARDING_PUBLIC_TASK.value
    if word in LawfulBasis.values:
        return word
    raise ValueError("is not one of " + ", ".join(LawfulBasis.values))
