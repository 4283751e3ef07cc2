"""The shape of linkage data: the fields of an agency record, the prepared columns, blank values.

Declared once here; the preparation, the ``jigsaw link`` command, the synthetic world's record
writer and the web intake all read these, so a new field or a new way of writing "not known"
reaches every one of them.
"""

from __future__ import annotations

# Blank values are a rule about identifiers in general (the intake form reads them too), so they
# are declared beside the NHS number and postcode rules and named here with the rest of the schema.
from jigsaw.identifiers import BLANK_TOKENS, is_blank

__all__ = [
    "BLANK_TOKENS",
    "MAX_VALUE_LENGTH",
    "PREPARED_COLUMNS",
    "RECORD_COLUMNS",
    "check_length",
    "is_blank",
    "shown_value",
]

#: The longest value any field of a record may hold, in characters (the same for every field,
#: names included). The longest names in registers are well under 100 characters (the intake
#: form allows 80), a record id is a key of a few dozen, and an agency's postcodes for one child
#: a handful of 8 each: 200 is generous for all. A longer value is a pasted document, not an
#: identifier: it is reported (file, row, field) and not used, as any other unreadable value is,
#: because preparing a name costs more than its length (its one-letter deletions are as many as
#: its letters and each as long as it), so one 1 MB name held a whole run for minutes.
MAX_VALUE_LENGTH = 200


def check_length(value: object) -> None:
    """Refuse a value longer than :data:`MAX_VALUE_LENGTH` characters.

    >>> check_length("Aisha")
    >>> check_length("x" * 201)
    Traceback (most recent call last):
    ...
    ValueError: longer than 200 characters (201)
    """
    if value is not None and len(text := str(value)) > MAX_VALUE_LENGTH:
        raise ValueError(f"longer than {MAX_VALUE_LENGTH} characters ({len(text):,})")


def shown_value(value: object) -> str:
    """A value as a problem report shows it: an over-long one cut to its first
    :data:`MAX_VALUE_LENGTH` characters, so the report stays readable.

    >>> shown_value("x" * 300) == "x" * 200 + "..."
    True
    """
    text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[:MAX_VALUE_LENGTH] + "..."


#: Fields of an agency record (the columns of RECORDS.csv), in their documented order.
RECORD_COLUMNS: tuple[str, ...] = (
    "record_id",
    "agency",
    "first_name",
    "last_name",
    "dob",
    "sex",
    "postcode",
    "nhs_number",
)

#: Columns of a prepared record (``prepare(...).frame``, without ``row``), in order.
PREPARED_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "agency",
    "forename",
    "middle_names",
    "forename_group",
    "forename_sdx",
    "initial",
    "forename_del",
    "near_groups",
    "surname",
    "surname_first",
    "surname_last",
    "surname_sdx",
    "surname_del",
    "dob",
    "dob_year",
    "dob_month",
    "dob_day",
    "dob_masks",
    "dob_slips",
    "sex",
    "postcodes",
    "sectors",
    "districts",
    "district",
    "postcode_sector",
    "nhs_number",
    "nhs_unchecked",
)
