"""Checks and normal forms for the identifiers agencies hold about a child.

Shared by the synthetic world (which must produce valid and invalid ones) and by linkage (which
must recognise them). Pure Python; no third-party imports.
"""

from __future__ import annotations

import math
import re

__all__ = [
    "BLANK_TOKENS",
    "is_blank",
    "nhs_check_digit",
    "nhs_number_problem",
    "is_nhs_placeholder",
    "is_valid_nhs_number",
    "normalise_nhs_number",
    "normalise_postcode",
    "postcode_as_written",
    "postcode_district",
    "postcode_sector",
]

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

#: Text that agencies and spreadsheets write for "no value", compared after trimming and in lower
#: case. One list for every field: "unknown" in a date of birth or an NHS number says as little
#: as in a name. ("nan", "nat" and "none" are what pandas and Python print for a missing value.)
BLANK_TOKENS: frozenset[str] = frozenset(
    {"", "nan", "nat", "none", "null", "na", "n/a", "unknown", "not known"}
)


def is_blank(value: object) -> bool:
    """Return whether ``value`` is missing: ``None``, a float NaN, pandas' NA or a blank token.

    >>> is_blank(None), is_blank(" N/A "), is_blank(float("nan")), is_blank("Amy")
    (True, True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing markers, without pandas
        return True
    return str(value).strip().lower() in BLANK_TOKENS


def nhs_check_digit(first_nine: str) -> int | None:
    """Return the modulus-11 check digit for the first nine digits of an NHS number.

    Parameters
    ----------
    first_nine : str
        Exactly nine decimal digits.

    Returns
    -------
    int or None
        The check digit 0-9, or ``None`` when the remainder makes the number impossible (a check
        value of 10, which NHS England never issues).

    Raises
    ------
    ValueError
        If ``first_nine`` is not nine digits.

    Notes
    -----
    Each of the first nine digits is multiplied by a weight from 10 down to 2; the check digit is
    11 minus the remainder of the sum divided by 11, where 11 becomes 0 and 10 is invalid
    (NHS Data Dictionary, "NHS Number").

    Examples
    --------
    >>> nhs_check_digit("943476591")
    9
    """
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError(f"an NHS number starts with nine digits, not {first_nine!r}")
    total = sum(int(d) * w for d, w in zip(first_nine, _NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: object) -> str | None:
    """Return the ten digits of an NHS number with spaces and dashes removed, or ``None`` if blank.

    Does not check validity: see :func:`is_valid_nhs_number`.

    >>> normalise_nhs_number("943 476 5919")
    '9434765919'
    """
    if is_blank(value):
        return None
    return re.sub(r"[\s-]", "", str(value))


def is_nhs_placeholder(value: object) -> bool:
    """Return whether ``value`` is one digit written ten times, the "not known" of many systems:
    never evidence that two records are one child, even when identical.

    >>> is_nhs_placeholder("000 000 0000"), is_nhs_placeholder("9434765919")
    (True, False)
    """
    text = normalise_nhs_number(value)
    return text is not None and len(text) == 10 and text.isdigit() and len(set(text)) == 1


def nhs_number_problem(value: object) -> str | None:
    """Return why ``value`` is not a usable NHS number, or ``None`` if it is one.

    A usable NHS number has ten digits, the right modulus-11 check digit, and is not one digit
    repeated ten times: every such number passes the check, and systems write 0000000000 or
    9999999999 for "not known", so matching on one would join every child recorded with it.

    >>> nhs_number_problem("943 476 5919") is None
    True
    >>> nhs_number_problem("4444444444")
    'one digit repeated: a placeholder, not a real NHS number'
    """
    text = normalise_nhs_number(value)
    if text is None:
        return "blank"
    if len(text) != 10 or not text.isdigit():
        return "not ten digits"
    if is_nhs_placeholder(text):
        return "one digit repeated: a placeholder, not a real NHS number"
    if nhs_check_digit(text[:9]) != int(text[9]):
        return "fails the NHS number modulus-11 check"
    return None


def is_valid_nhs_number(value: object) -> bool:
    """Return whether ``value`` is a usable NHS number (see :func:`nhs_number_problem`).

    >>> is_valid_nhs_number("943 476 5919")
    True
    >>> is_valid_nhs_number("9434765918"), is_valid_nhs_number("0000000000")
    (False, False)
    """
    return nhs_number_problem(value) is None


# The six valid shapes of a UK postcode's outward code, with the inward code "9AA".
_POSTCODE = re.compile(
    r"^(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?)\s*(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(value: object) -> str | None:
    """Return a full UK postcode in the standard ``"AA9 9AA"`` form, or ``None`` if blank or invalid.

    Case, spaces and punctuation are ignored. Only full postcodes are accepted: a district alone
    (``"LS6"``) returns ``None``; use :func:`postcode_district` for partial postcodes.

    >>> normalise_postcode(" ls6 1an ")
    'LS6 1AN'
    >>> normalise_postcode("LS61AN")
    'LS6 1AN'
    >>> normalise_postcode("not a postcode") is None
    True
    """
    if value is None:
        return None
    text = re.sub(r"[^A-Za-z0-9]", "", str(value)).upper()
    match = _POSTCODE.match(text)
    if not match:
        return None
    return f"{match['outward']} {match['inward']}"


# The shape of a full postcode whatever its inward letters: Royal Mail never issues C, I, K, M,
# O or V there, but a postcode mistyped with one (a neighbouring key, a misread form) is still
# the same string every time an agency copies it, and still names a valid district and sector.
_POSTCODE_SHAPE = re.compile(r"^(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?)\s*(?P<inward>[0-9][A-Z]{2})$")


def postcode_as_written(value: object) -> str | None:
    """Return a postcode with the shape of a full one but inward letters never issued, in the
    standard form, or ``None`` (a valid postcode, or not that shape).

    Such a value is not a real address, but two records carrying the same one agree, and its
    outward code and sector are real: linkage keeps it, compared as written.

    >>> postcode_as_written("ls2 8av")
    'LS2 8AV'
    >>> postcode_as_written("LS2 8AN") is None, postcode_as_written("LS2") is None
    (True, True)
    """
    if value is None or normalise_postcode(value):
        return None
    text = re.sub(r"[^A-Za-z0-9]", "", str(value)).upper()
    match = _POSTCODE_SHAPE.match(text)
    return f"{match['outward']} {match['inward']}" if match else None


def postcode_district(value: object) -> str | None:
    """Return the outward code (district) of a full or partial postcode, e.g. ``"LS6"``.

    >>> postcode_district("ls6 1an")
    'LS6'
    >>> postcode_district("LS6"), postcode_district("LS6 1AV")
    ('LS6', 'LS6')
    """
    full = normalise_postcode(value) or postcode_as_written(value)
    if full:
        return full.split(" ")[0]
    if value is None:
        return None
    text = re.sub(r"[^A-Za-z0-9]", "", str(value)).upper()
    return text if re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?", text) else None


def postcode_sector(value: object) -> str | None:
    """Return the sector of a full postcode (outward code and the inward digit), e.g. ``"LS6 1"``.

    >>> postcode_sector("LS6 1AN"), postcode_sector("LS6 1AV")
    ('LS6 1', 'LS6 1')
    """
    full = normalise_postcode(value) or postcode_as_written(value)
    return full[:-2] if full else None
