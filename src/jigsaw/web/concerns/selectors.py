"""Reads for the intake page: the catalogue grouped by domain, and this agency's matching records."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import Http404

from jigsaw.web.access import view_purpose
from jigsaw.web.accounts.models import Agency
from jigsaw.web.accounts.selectors import profile_of
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children import matching
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord, LinkStatus
from jigsaw.web.concerns.models import Concern

if TYPE_CHECKING:
    from jigsaw.web.children.selectors import ChildView


@lru_cache(maxsize=1)
def catalogue():
    """Return the indicator catalogue (loaded once per process)."""
    from jigsaw.catalogue import load

    return load()


def indicators_by_domain() -> list[tuple[str, str, list]]:
    """Return ``(domain id, domain label, indicators)`` in catalogue order."""
    cat = catalogue()
    labels = {}
    for domain in getattr(cat, "domains", ()) or ():
        if isinstance(domain, dict):
            labels[domain["id"]] = domain["label"]
        else:
            labels[getattr(domain, "id", str(domain))] = getattr(domain, "label", str(domain))
    groups: dict[str, list] = {}
    for indicator in cat.indicators:
        groups.setdefault(indicator.domain, []).append(indicator)
    return [
        (d, labels.get(d, d.replace("_", " ").capitalize()), items) for d, items in groups.items()
    ]


def indicator_labels() -> dict[str, str]:
    return {i.id: i.label for i in catalogue().indicators}


@dataclasses.dataclass(frozen=True)
class Suggestion:
    record: AgencyRecord
    match_probability: float


def _agency_matcher(agency_id: int):
    """A linkage index of one agency's own active records, each with the child it belongs to.

    The intake search reads only this: matching against every agency's records would let a
    made-up name with a real NHS number held by health return the school's pupil.
    """
    import pandas as pd

    from jigsaw.linkage import RECORD_COLUMNS, OnlineMatcher
    from jigsaw.web.children.models import Link

    rows = Link.objects.filter(
        status__in=ACTIVE_LINK_STATUSES, record__agency_id=agency_id
    ).values_list(
        "record__record_id",
        "record__agency__kind",
        "record__first_name",
        "record__last_name",
        "record__dob",
        "record__sex",
        "record__postcode",
        "record__nhs_number",
        "child_id",
    )
    frame = pd.DataFrame.from_records(list(rows), columns=[*RECORD_COLUMNS, "child_id"])
    frame["sex"] = [sex if sex in ("F", "M") else None for sex in frame["sex"]]
    for column in ("postcode", "nhs_number"):
        frame[column] = frame[column].replace("", None)
    frame["child_id"] = frame["child_id"].astype(str)
    # Weighed with the model the agency's area links with, as intake weighs the saved record.
    area_id = Agency.objects.filter(pk=agency_id).values_list("area_id", flat=True).first()
    return OnlineMatcher.from_records(frame, matching.model_of(area_id))


def own_records_matching(*, user: Any, identity: dict[str, Any]) -> list[Suggestion]:
    """Return the user's own agency's records that the linkage engine thinks are this child.

    The search reads only the user's agency's records (the matcher never sees another
    agency's): what other agencies know stays hidden, and cannot be drawn out through a shared
    identifier, until the concern is saved and linked (and then only as the access rule
    allows). The search is audited.
    """
    profile = profile_of(user)
    if profile is None or profile.agency_id is None:
        return []
    mapping = matching.record_mapping(
        record_id="search", agency_kind=profile.agency.kind, **identity
    )
    index = _agency_matcher(profile.agency_id)
    found = []
    for match in index.match(mapping, limit=10):
        record = AgencyRecord.objects.filter(
            agency_id=profile.agency_id, record_id=match.record_id
        ).first()
        if record is not None:
            found.append(Suggestion(record, float(match.match_probability)))
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.RECORD_SEARCHED,
            extra={"shown": [s.record.record_id for s in found]},
        )
    return found


def concern_for_author(*, user, concern_id: int) -> Concern | None:
    """Return a concern only to the person who recorded it (the page shown after saving)."""
    return (
        Concern.objects.filter(pk=concern_id, recorded_by=user)
        .select_related("record__agency")
        .first()
    )


@dataclasses.dataclass(frozen=True)
class SavedConcern:
    """The page after saving: the concern, the child as its author may see them, and what is
    waiting for the MASH."""

    concern: Concern
    view: ChildView
    pending: int
    other_agencies: list[str]


def saved_concern_for(*, user, concern_id: int) -> SavedConcern:
    """Return what the author of a concern sees once it is saved (the child view is audited).

    Raises
    ------
    Http404
        Unless ``user`` recorded this concern.
    """
    from jigsaw.web.children.selectors import child_access

    concern = concern_for_author(user=user, concern_id=concern_id)
    if concern is None:
        raise Http404("no such concern of yours")
    link = concern.record.links.filter(status__in=ACTIVE_LINK_STATUSES).first()
    if link is None:
        raise Http404("no such concern of yours")
    view = child_access(
        user=user, child_id=link.child_id, purpose=view_purpose(None, "after_concern")
    )
    return SavedConcern(
        concern=concern,
        view=view,
        pending=concern.record.links.filter(status=LinkStatus.PENDING).count(),
        other_agencies=[a for a in view.agencies if a != concern.record.agency.name],
    )
