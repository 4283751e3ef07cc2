"""Checks and normal forms for the identifiers agencies hold about a child.

Shared by the synthetic world (which must produce valid and invalid ones) and by linkage (which
must recognise them). Pure Python; no third-party imports.
"""

from __future__ import annotations

import re

__all__ = [
    "nhs_check_digit",
    "is_valid_nhs_number",
    "normalise_nhs_number",
    "normalise_postcode",
    "postcode_district",
    "postcode_sector",
]

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


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
    if value is None:
        return None
    text = re.sub(r"[\s-]", "", str(value))
    if text in ("", "nan", "None"):
        return None
    return text


def is_valid_nhs_number(value: object) -> bool:
    """Return whether ``value`` is a ten-digit NHS number whose modulus-11 check digit is right.

    >>> is_valid_nhs_number("943 476 5919")
    True
    >>> is_valid_nhs_number("9434765918")
    False
    """
    text = normalise_nhs_number(value)
    if text is None or len(text) != 10 or not text.isdigit():
        return False
    return nhs_check_digit(text[:9]) == int(text[9])


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


def postcode_district(value: object) -> str | None:
    """Return the outward code (district) of a full or partial postcode, e.g. ``"LS6"``.

    >>> postcode_district("ls6 1an")
    'LS6'
    >>> postcode_district("LS6")
    'LS6'
    """
    full = normalise_postcode(value)
    if full:
        return full.split(" ")[0]
    if value is None:
        return None
    text = re.sub(r"[^A-Za-z0-9]", "", str(value)).upper()
    return text if re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?", text) else None


def postcode_sector(value: object) -> str | None:
    """Return the sector of a full postcode (outward code and the inward digit), e.g. ``"LS6 1"``.

    >>> postcode_sector("LS6 1AN")
    'LS6 1'
    """
    full = normalise_postcode(value)
    return full[:-2] if full else None
