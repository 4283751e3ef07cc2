"""The shape of linkage data: the fields of an agency record, the prepared columns, blank values.

Declared once here; the preparation, the ``jigsaw link`` command, the synthetic world's record
writer and the web intake all read these, so a new field or a new way of writing "not known"
reaches every one of them.
"""

from __future__ import annotations

# Blank values are a rule about identifiers in general (the intake form reads them too), so they
# are declared beside the NHS number and postcode rules and named here with the rest of the schema.
from jigsaw.identifiers import BLANK_TOKENS, is_blank

__all__ = ["BLANK_TOKENS", "PREPARED_COLUMNS", "RECORD_COLUMNS", "is_blank"]

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
