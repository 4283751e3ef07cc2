"""One-record linkage for the web application, on top of :class:`jigsaw.linkage.OnlineMatcher`.

The matcher is an in-memory index of every agency record with the child it belongs to. Each process
keeps one, rebuilt from the database whenever the database has changed in a way this process did
not make itself (another worker, a MASH decision, a test that emptied the tables).
"""

from __future__ import annotations

import threading
from typing import Any

from django.db.models import Count, Max

from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord, Link

_lock = threading.RLock()
_state: dict[str, Any] = {"key": None, "matcher": None}

def _database_key() -> tuple:
    records = AgencyRecord.objects.aggregate(n=Count("id"), top=Max("id"))
    links = Link.objects.aggregate(n=Count("id"), top=Max("id"), decided=Max("decided_at"))
    return (records["n"], records["top"], links["n"], links["top"], links["decided"])


def record_mapping(
    *,
    record_id: str,
    agency_kind: str,
    first_name: str,
    last_name: str,
    dob,
    sex: str,
    postcode: str,
    nhs_number: str,
) -> dict[str, object]:
    """Return a record in the shape the linkage engine reads (``jigsaw.linkage.RECORD_COLUMNS``)."""
    return {
        "record_id": record_id,
        "agency": agency_kind,
        "first_name": first_name,
        "last_name": last_name,
        "dob": dob,
        "sex": sex if sex in ("F", "M") else None,
        "postcode": postcode or None,
        "nhs_number": nhs_number or None,
    }


def _records_frame():
    import pandas as pd

    from jigsaw.linkage import RECORD_COLUMNS

    rows = (
        Link.objects.filter(status__in=ACTIVE_LINK_STATUSES)
        .select_related("record__agency")
        .values_list(
            "record__record_id",
            "record__agency__kind",
            "record__first_name",
            "record__last_name",
            "record__dob",
            "record__sex",
            "record__postcode",
            "record__nhs_number",
            "child_id",
            "record__dob_estimated",
        )
    )
    frame = pd.DataFrame.from_records(
        list(rows), columns=[*RECORD_COLUMNS, "child_id", "dob_estimated"]
    )
    # A birth date estimated from an approximate age would link (and unlink) by chance.
    frame["dob"] = frame["dob"].where(~frame.pop("dob_estimated").astype(bool), None)
    frame["sex"] = frame["sex"].where(frame["sex"].isin(["F", "M"]), None)
    for column in ("postcode", "nhs_number"):
        frame[column] = frame[column].replace("", None)
    frame["child_id"] = frame["child_id"].astype(str)
    return frame


def matcher():
    """Return this process's matcher, rebuilt first if the database has moved on without it."""
    from jigsaw.linkage import OnlineMatcher

    with _lock:
        key = _database_key()
        if _state["matcher"] is None or _state["key"] != key:
            _state["matcher"] = OnlineMatcher.from_records(_records_frame())
            _state["key"] = key
        return _state["matcher"]


def match(record: dict[str, object], *, limit: int = 5) -> list:
    """Return the linkage engine's best matches for one record (not yet stored), best first."""
    # The matcher is not safe to read while another thread adds to it; a query takes ~20 ms.
    with _lock:
        return list(matcher().match(record, limit=limit))


def matcher_add(record: dict[str, object], child_id: int) -> None:
    """Add a just-stored record to this process's index without rebuilding it.

    Called inside the storing transaction; the key then counts the record, so a rollback leaves a
    mismatch that makes the next :func:`matcher` call rebuild from the database.
    """
    with _lock:
        current = _state["matcher"]
        if current is None:
            return
        current.add(record, str(child_id))
        _state["key"] = _database_key()


def matcher_forget() -> None:
    """Drop the index (tests and the demo loader, after bulk changes)."""
    with _lock:
        _state["matcher"] = None
        _state["key"] = None
