"""A concern in the shape the screening engine grades: one definition for every caller."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypedDict


class ConcernMapping(TypedDict):
    """What the screening engine reads of one concern."""

    agency: str
    date: dt.date
    indicators: list[str]


def concern_mapping(*, agency: str, seen_on: dt.date, indicators: Iterable[str]) -> ConcernMapping:
    """Return a concern as :func:`jigsaw.screening.grade_child` reads it.

    ``agency`` is the recording agency's kind (a catalogue agency id), ``seen_on`` the date the
    signs were seen, ``indicators`` catalogue indicator ids.

    >>> import datetime as dt
    >>> concern_mapping(agency="police", seen_on=dt.date(2026, 1, 2), indicators=("older_associates",))
    {'agency': 'police', 'date': datetime.date(2026, 1, 2), 'indicators': ['older_associates']}
    """
    return {"agency": str(agency), "date": seen_on, "indicators": list(indicators)}


def concern_mapping_of(concern: Any) -> ConcernMapping:
    """Return a stored :class:`~jigsaw.web.concerns.models.Concern` as the engine reads it."""
    return concern_mapping(
        agency=concern.record.agency.kind, seen_on=concern.seen_on, indicators=concern.indicators
    )
