"""Find a child: by name (forgiving), date of birth (whole, partial or an age), NHS number,
postcode or an agency's reference, among the children the searcher may open.

Only identities the searcher may see are searched (``jigsaw.web.access.may_see_identity``), so
a result never rests on what another agency knows, and a child the searcher may not open is
neither shown nor counted. Names are compared with the linkage engine's comparisons
(:mod:`jigsaw.web.children.compare`). Every search is audited with its terms and what it showed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from jigsaw.identifiers import normalise_nhs_number, normalise_postcode
from jigsaw.web.access import Actor, audit_area, may_see_identity, may_trace_child_access
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children import compare
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord, Child, Link
from jigsaw.web.children.selectors import children_visible_to

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclasses.dataclass(frozen=True)
class SearchTerms:
    """What the searcher typed; blank fields are not searched on."""

    name: str = ""
    dob_day: int | None = None
    dob_month: int | None = None
    dob_year: int | None = None
    age: int | None = None
    nhs_number: str = ""
    postcode: str = ""
    reference: str = ""

    def given(self) -> dict[str, object]:
        """The terms given, as stored in the audit row."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in ("", None)}

    @property
    def empty(self) -> bool:
        return not self.given()


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """One child found, through the record of theirs that matched best."""

    child: Child
    record: AgencyRecord
    score: float
    agreements: tuple[compare.FieldAgreement, ...]

    @property
    def name(self) -> str:
        return f"{self.record.first_name} {self.record.last_name}".strip()

    @property
    def how(self) -> str:
        """How the name matched, in the engine's words ("nickname or variant (Jess/Jessica)")."""
        return "; ".join(f"{a.label.lower()}: {a.level}" for a in self.agreements if not a.missing)


def _split_name(name: str) -> list[tuple[str, str]]:
    """The ways a typed name may be read as (first name, last name)."""
    parts = name.split()
    if not parts:
        return []
    if len(parts) == 1:
        # One word may be either name: "Jess" or "Okafor".
        return [(parts[0], ""), ("", parts[0])]
    return [(" ".join(parts[:-1]), parts[-1]), (parts[0], " ".join(parts[1:]))]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _dob_range(terms: SearchTerms, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The birth dates an approximate age allows: a year either side, as ages are guessed."""
    if terms.age is None:
        return None
    return _years_before(today, terms.age + 2), _years_before(today, terms.age - 1)


def _candidate_links(user: User, terms: SearchTerms, today: dt.date, for_audit: bool) -> Any:
    """The active links of children the user may open (an auditor: trace), narrowed by the exact
    terms in SQL."""
    area = audit_area(Actor.of(user))
    children = (
        (Child.objects.filter(area_id=area) if area is not None else Child.objects.none())
        if for_audit
        else children_visible_to(user)
    )
    links = Link.objects.filter(status__in=ACTIVE_LINK_STATUSES, child__in=children).select_related(
        "record__agency", "child"
    )
    if terms.nhs_number:
        links = links.filter(record__nhs_number=normalise_nhs_number(terms.nhs_number) or "-")
    if terms.reference:
        links = links.filter(record__record_id__iexact=terms.reference.strip())
    if terms.postcode:
        full = normalise_postcode(terms.postcode)
        if full is not None:
            links = links.filter(record__postcode=full)
        else:
            # Part of a postcode (its district, "NB1", or sector, "NB1 4") finds the area.
            links = links.filter(record__postcode__istartswith=terms.postcode.strip().upper())
    if terms.dob_year is not None:
        links = links.filter(record__dob__year=terms.dob_year)
    if terms.dob_month is not None:
        links = links.filter(record__dob__month=terms.dob_month)
    if terms.dob_day is not None:
        links = links.filter(record__dob__day=terms.dob_day)
    window = _dob_range(terms, today)
    if window is not None:
        links = links.filter(record__dob__range=window)
    return links


def _name_score(
    query: list[dict[str, object]], record: AgencyRecord, full_dob: bool
) -> tuple[float, tuple[compare.FieldAgreement, ...]] | None:
    """The best reading of the typed name against a record, or ``None`` if no reading agrees."""
    best = None
    other = compare.prepared_record(record)
    fields = ("forename", "surname", "dob") if full_dob else ("forename", "surname")
    for reading in query:
        found = compare.compare(reading, other, only=fields)
        names = {a.name: a for a in found if a.name in ("forename", "surname") and not a.missing}
        if not any(a.agrees for a in names.values()):
            continue
        dob_agrees = any(a.name == "dob" and a.agrees for a in found)
        # A changed surname is forgiven only when the first name and date of birth agree:
        # otherwise "Jessica Brown" would list every Jessica.
        if any(not a.agrees for a in names.values()) and not dob_agrees:
            continue
        score = sum(a.weight for a in found if not a.missing)
        if score > 0 and (best is None or score > best[0]):
            best = (score, tuple(found))
    return best


def children_search(
    *, user: User, terms: SearchTerms, today: dt.date | None = None, for_audit: bool = False
) -> list[SearchResult]:
    """Return the children ``user`` may open whose visible identities match ``terms``, best first.

    Names are compared with the linkage engine's comparisons (nicknames, one typo, a surname that
    shares a part or sounds alike, first and last name swapped); a surname that differs outright
    is forgiven when the first name and full date of birth agree. The other terms must match
    exactly; a date of birth may be partial (year, or month and year) and an age approximate.

    ``for_audit``: an auditor finding a child to see who looked at them, among their area's
    children (``jigsaw.web.access.may_trace_child_access``) instead of those they may open.

    Every search, even one that finds nothing, is audited with its terms and the children shown.

    Raises
    ------
    django.db.DatabaseError
        If the audit row cannot be written; nothing is then shown.
    """
    actor = Actor.of(user)
    results: dict[int, SearchResult] = {}
    if not terms.empty:
        full_dob = None not in (terms.dob_day, terms.dob_month, terms.dob_year)
        query = []
        for first, last in _split_name(terms.name):
            query.append(
                compare.prepared(
                    {
                        "record_id": "search",
                        "first_name": first or None,
                        "last_name": last or None,
                        "dob": (
                            dt.date(terms.dob_year, terms.dob_month, terms.dob_day)  # type: ignore[arg-type]
                            if full_dob
                            else None
                        ),
                    }
                )
            )
        for link in _candidate_links(user, terms, today or timezone.localdate(), for_audit):
            record = link.record
            if not (
                may_trace_child_access(actor, child_area_id=link.child.area_id)
                if for_audit
                else may_see_identity(
                    actor, child_area_id=link.child.area_id, record_agency_id=record.agency_id
                )
            ):
                continue
            if query:
                scored = _name_score(query, record, full_dob)
                if scored is None:
                    continue
                score, agreements = scored
            else:
                score, agreements = 0.0, ()
            current = results.get(link.child_id)
            if current is None or score > current.score:
                results[link.child_id] = SearchResult(link.child, record, score, agreements)
    found = sorted(results.values(), key=lambda r: (-r.score, r.name.lower(), r.child.pk))
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.CHILDREN_SEARCHED,
            extra={
                **({"purpose": "auditor: who looked at a child"} if for_audit else {}),
                "terms": terms.given(),
                "children": [r.child.pk for r in found],
                "records": [r.record.record_id for r in found],
            },
        )
    return found
