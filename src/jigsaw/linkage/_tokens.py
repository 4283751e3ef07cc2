"""Privacy-preserving linkage: agencies share keyed-hash tokens of identifiers, not the identifiers.

Each agency prepares its records (:func:`jigsaw.linkage._prepare`) and replaces every value the
model compares, whole and partial (forename, surname and their parts, sound codes, one-letter
deletions, date of birth and its parts, postcode, sector and district, NHS number), by an
HMAC-SHA256 token under a key the agencies share and the linking party does not hold. Every
comparison level is an equality or a list overlap, so the linking party runs the same model on
the tokens and gets the same levels as on plain text. What it can still learn is set out in
``docs/methods/linkage.md``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

import pandas as pd

from jigsaw.linkage._prepare import Prepared, prepare

__all__ = ["TOKEN_DOMAINS", "token", "tokenise", "tokenise_records"]

# Columns and the domain each is hashed in. Columns a comparison sets against each other share a
# domain (a forename against a surname for the swap level, a day against a month for the
# day/month swap), other columns get their own, so equal tokens in two columns say nothing.
TOKEN_DOMAINS: dict[str, str] = {
    "forename": "name",
    "surname": "name",
    "surname_first": "name",
    "surname_last": "name",
    "middle_names": "name",
    "initial": "name",
    "forename_group": "group",
    "near_groups": "group",
    "forename_sdx": "soundex",
    "surname_sdx": "soundex",
    "forename_del": "deletion",
    "surname_del": "deletion",
    "dob": "dob",
    "dob_year": "year",
    "dob_month": "day-month",
    "dob_day": "day-month",
    "dob_masks": "dob-mask",
    "dob_slips": "dob-slip",
    "sex": "sex",
    "postcodes": "postcode",
    "sectors": "postcode",
    "districts": "postcode",
    "district": "postcode",
    "postcode_sector": "postcode",
    "nhs_number": "nhs",
    "nhs_unchecked": "nhs",
}

_LENGTH = 16  # hex characters kept: 64 bits, collisions negligible at national scale


def token(key: bytes, domain: str, value: object) -> str:
    """Return the keyed-hash token of one value: the first 64 bits of HMAC-SHA256, as hex.

    Parameters
    ----------
    key : bytes
        The secret shared by the agencies (at least 16 bytes); never given to the linking party.
    domain : str
        Which kind of value this is (see :data:`TOKEN_DOMAINS`); the same value in two domains
        gets unrelated tokens.
    value : object
        Converted with ``str``.

    Raises
    ------
    ValueError
        If the key is shorter than 16 bytes.

    Notes
    -----
    HMAC as specified in RFC 2104 with SHA-256 (FIPS 180-4), from Python's ``hmac`` module.

    >>> token(b"0123456789abcdef", "name", "jessica")
    '9b19a357cec05700'
    """
    if len(key) < 16:
        raise ValueError("the token key must be at least 16 bytes")
    message = f"{domain}\x1f{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:_LENGTH]


def _tokens(key: bytes, domain: str, values: Iterable[object]) -> list[str]:
    return [token(key, domain, v) for v in values]


def tokenise(frame: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Replace every compared value of a prepared frame by its token.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``prepare(records).frame``.
    key : bytes
        Shared secret, at least 16 bytes.

    Returns
    -------
    pandas.DataFrame
        The same columns; ``unique_id`` (the agency's record id), ``row`` and ``agency`` are kept
        as they are, missing values stay missing, lists become lists of tokens and middle names
        a space-separated string of tokens.
    """
    out = frame.copy()
    for column, domain in TOKEN_DOMAINS.items():
        cache: dict[object, object] = {}

        def convert(value: object, domain: str = domain, column: str = column) -> object:
            if value is None or value is pd.NA:
                return None
            if isinstance(value, list):
                return _tokens(key, domain, value)
            if column == "middle_names":
                return " ".join(_tokens(key, domain, str(value).split()))
            return token(key, domain, value)

        values: list[object] = []
        for value in frame[column].astype(object).tolist():
            marker = tuple(value) if isinstance(value, list) else value
            if marker not in cache:
                cache[marker] = convert(value)
            values.append(cache[marker])
        out[column] = pd.Series(values, index=out.index, dtype=object)
    return out


def tokenise_records(records: pd.DataFrame, key: bytes, *, source: str = "records") -> Prepared:
    """Prepare an agency's records and tokenise them: what the agency sends to the linking party.

    The problems found in preparation name rows and values in plain text, so they stay with the
    agency; only ``.frame`` is shared.
    """
    prepared = prepare(records, source=source)
    return Prepared(tokenise(prepared.frame, key), prepared.problems)
