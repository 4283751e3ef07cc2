"""The database as the input frames of :mod:`jigsaw.oversight.partnership`, for one area.

One query per kind of record, read into plain frames with the columns of
:data:`jigsaw.oversight.partnership.INPUT_COLUMNS` (``docs/returns.md``). Only what existed
before the cut-off (the start of the snapshot's day) is read, so a snapshot never changes once
made. The clock results are the workflow's: a referral was decided within its RAG clock when it
was decided by the ``response_due`` and within one working day when by the ``decision_due``
that :mod:`jigsaw.act.clock` gave it; working hours to decision are counted on the area's
:class:`~jigsaw.act.clock.WorkingCalendar`.

Children are counted as Jigsaw linked them: a child's concerns and identifications by several
agencies are one child. An identification is a referral whose outcome is a victim of, or at
risk of, child sexual exploitation; it counts for the agency that referred (the referrer's
agency, else the agency of the concern or contact it came from), so each agency's list is the
children it brought to the MASH who were found victims or at risk.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pandas as pd
from django.db.models import Exists, OuterRef
from django.utils import timezone

from jigsaw.act.clock import LONDON, WorkingCalendar
from jigsaw.act.states import ActionState, Outcome
from jigsaw.characteristics import NOT_ASKED
from jigsaw.oversight.partnership import INPUT_COLUMNS, PartnershipInputs
from jigsaw.web.accounts.models import Agency, Area
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord, Child, Link
from jigsaw.web.concerns.models import Concern
from jigsaw.web.oversight.models import AreaPopulation
from jigsaw.web.referrals.models import Action, MissingEpisode, Referral

__all__ = [
    "OUTCOME_OF",
    "area_population",
    "partnership_inputs",
    "similar_partnerships",
    "working_hours_between",
]

#: The workflow's outcomes that count a child as identified, as the return names them.
OUTCOME_OF = {Outcome.VICTIM_OF_CSE.value: "victim", Outcome.AT_RISK_OF_CSE.value: "at_risk"}

_SEX = {"F": "female", "M": "male", "U": "not recorded"}


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _day(when: dt.datetime | None) -> str:
    return "" if when is None else when.astimezone(LONDON).date().isoformat()


def working_hours_between(start: dt.datetime, end: dt.datetime, calendar: WorkingCalendar) -> float:
    """Office hours (``opens`` to ``closes`` on working days) from ``start`` to ``end``.

    The inverse of :meth:`WorkingCalendar.add_working_hours`: a referral received out of hours
    starts counting when the office next opens.

    >>> cal = WorkingCalendar()
    >>> friday = dt.datetime(2025, 1, 10, 16, 0, tzinfo=LONDON)
    >>> working_hours_between(friday, cal.add_working_hours(friday, 3.5), cal)
    3.5
    """
    if end <= start:
        return 0.0
    cursor = calendar.next_opening(start)
    hours = 0.0
    end_local = end.astimezone(LONDON)
    # Bounded by the days between the two times (each step moves to the next working day).
    while cursor < end_local:
        closing = dt.datetime.combine(cursor.date(), calendar.closes, tzinfo=LONDON)
        stop = min(closing, end_local)
        if stop > cursor:
            hours += (
                stop.replace(tzinfo=None) - cursor.replace(tzinfo=None)
            ).total_seconds() / 3600
        if end_local <= closing:
            break
        cursor = dt.datetime.combine(
            calendar.next_working_day(cursor.date()), calendar.opens, tzinfo=LONDON
        )
    return round(hours, 4)


def _calendar_of(area: Area) -> WorkingCalendar:
    settings = getattr(area, "response_settings", None)
    if settings is None:
        return WorkingCalendar()
    return WorkingCalendar(opens=settings.opens, closes=settings.closes)


def area_population(area: Area) -> tuple[float, pd.DataFrame, str]:
    """The area's children aged 0-17 and their population by group, and where they come from.

    The area's own :class:`AreaPopulation` when one is set; else, for an English LA, the
    shipped published figures (the CIN census's children and Census 2021 ethnicity); else the
    children known to Jigsaw (an undercount: said so in the source).
    """
    from jigsaw.errors import InputError
    from jigsaw.oversight.partnership import census_ethnicity

    stored = AreaPopulation.objects.filter(area=area).first()
    if stored is not None:
        groups = pd.DataFrame(stored.groups, columns=list(INPUT_COLUMNS["population"]))
        return float(stored.children), groups, stored.source
    try:
        from jigsaw.oversight.partnership import published_cin

        children = published_cin(area.code).children
        return (
            children,
            census_ethnicity(area.code, children),
            "published (DfE CIN census, Census 2021)",
        )
    except InputError:
        known = float(area.children.count())
        return (
            known,
            pd.DataFrame(columns=list(INPUT_COLUMNS["population"])),
            ("children known to Jigsaw (no published population for this area)"),
        )


def similar_partnerships(area: Area) -> tuple[list[Area], str]:
    """The partnerships an agency's share of concerns is compared with, and what they are.

    The area's DfE statistical neighbours (the shipped 2025 list, the national report's) that
    this database holds concerns of; where it holds none of them, every other partnership it
    holds concerns of; where there is none, no comparison (an empty list).
    """
    from jigsaw.errors import InputError
    from jigsaw.oversight.partnership import published_cin

    holding = Area.objects.exclude(pk=area.pk).filter(
        Exists(Concern.objects.filter(record__agency__area=OuterRef("pk")))
    )
    try:
        neighbours = published_cin(area.code).neighbours
    except InputError:
        neighbours = ()
    found = list(holding.filter(code__in=list(neighbours)).order_by("code"))
    if found:
        return found, "its DfE statistical neighbours held in Jigsaw"
    others = list(holding.order_by("code"))
    if others:
        return others, "the other partnerships held in Jigsaw"
    return [], "no similar partnership is held in Jigsaw"


def _reference_concerns(areas: list[Area], cutoff: dt.datetime) -> pd.DataFrame | None:
    """The similar partnerships' concerns (agency kind and day seen), or None with none."""
    if not areas:
        return None
    rows = Concern.objects.filter(
        record__agency__area__in=areas, recorded_at__lt=cutoff
    ).values_list("id", "record__agency__kind", "seen_on")
    return pd.DataFrame(
        [(f"C{pk}", "", kind, seen.isoformat()) for pk, kind, seen in rows],
        columns=list(INPUT_COLUMNS["concerns"]),
    )


def partnership_inputs(area: Area, *, before: dt.date) -> PartnershipInputs:
    """The area's records recorded before ``before`` began, as :class:`PartnershipInputs`.

    The frames hold every period up to the cut-off; :func:`jigsaw.oversight.partnership.partnership_return`
    picks the period.
    """
    cutoff = _start_of(before)
    calendar = _calendar_of(area)

    # Which child each agency record is linked to (active links only: a pending link is a question).
    child_of_record: dict[int, int] = dict(
        Link.objects.filter(child__area=area, status__in=ACTIVE_LINK_STATUSES).values_list(
            "record_id", "child_id"
        )
    )

    concern_rows = Concern.objects.filter(
        record__agency__area=area, recorded_at__lt=cutoff
    ).values_list("id", "record_id", "record__agency__kind", "seen_on")
    concerns = pd.DataFrame(
        [
            (f"C{pk}", str(child_of_record[record]), kind, seen.isoformat())
            for pk, record, kind, seen in concern_rows
            if record in child_of_record
        ],
        columns=list(INPUT_COLUMNS["concerns"]),
    )

    referral_rows = list(
        Referral.objects.filter(area=area, received_at__lt=cutoff)
        .values_list(
            "id",
            "child_id",
            "referrer_agency__kind",
            "concern__record__agency__kind",
            "contact__agency__kind",
            "received_at",
            "decided_at",
            "decision_due",
            "response_due",
            "decision",
            "outcome",
            "outcome_on",
        )
        .order_by("received_at", "id")
    )
    strategised = set(
        Referral.objects.filter(area=area, strategy_discussions__held_at__lt=cutoff).values_list(
            "id", flat=True
        )
    )
    last_referred: dict[int, dt.datetime] = {}
    referrals: list[tuple[Any, ...]] = []
    outcomes: list[tuple[str, str, str, str]] = []
    for (
        pk,
        child,
        referrer,
        concern_agency,
        contact_agency,
        received,
        decided,
        decision_due,
        response_due,
        decision,
        outcome,
        outcome_on,
    ) in referral_rows:
        agency = referrer or concern_agency or contact_agency or "social_care"
        previous = last_referred.get(child)
        again = previous is not None and (received - previous) <= dt.timedelta(days=365)
        last_referred[child] = received
        if decided is not None and decided >= cutoff:
            decided = None  # decided since the cut-off: still open as the snapshot counts
        if decided is None:
            within_rag: bool | None = None
            within_day: bool | None = None
            hours: float | None = None
        else:
            within_rag = None if response_due is None else decided <= response_due
            within_day = decided <= decision_due
            hours = working_hours_between(received, decided, calendar)
        referrals.append(
            (
                f"R{pk}",
                str(child),
                agency,
                _day(received),
                _day(decided),
                within_rag,
                within_day,
                hours,
                pk in strategised or decision == "strategy_s47",
                again,
            )
        )
        if outcome in OUTCOME_OF and outcome_on is not None and outcome_on < before:
            outcomes.append((str(child), agency, outcome_on.isoformat(), OUTCOME_OF[outcome]))

    period_end_cut = cutoff
    action_rows = Action.objects.filter(referral__area=area, created_at__lt=cutoff).values_list(
        "id", "due_at", "state", "finished_at"
    )
    actions = pd.DataFrame(
        [
            (
                f"A{pk}",
                _day(due),
                # Overdue at the cut-off: due before it and not finished (done or cancelled) by then.
                due < period_end_cut
                and not (
                    state in (ActionState.DONE.value, ActionState.CANCELLED.value)
                    and finished is not None
                    and finished < period_end_cut
                ),
            )
            for pk, due, state, finished in action_rows
        ],
        columns=list(INPUT_COLUMNS["actions"]),
    )

    episode_rows = MissingEpisode.objects.filter(
        child__area=area, recorded_at__lt=cutoff, ended_at__isnull=False, ended_at__lt=cutoff
    ).values_list("id", "child_id", "ended_at", "offered_at", "completed_at", "interview_due")
    episodes = pd.DataFrame(
        [
            (
                f"M{pk}",
                str(child),
                _day(ended),
                offered is not None and offered < cutoff,
                completed is not None and completed < cutoff,
                completed is not None
                and completed < cutoff
                and due is not None
                and completed <= due,
            )
            for pk, child, ended, offered, completed, due in episode_rows
        ],
        columns=list(INPUT_COLUMNS["missing_episodes"]),
    )

    # Each child's sex and date of birth from their linked records (the earliest record first).
    people: dict[int, tuple[str, str]] = {}
    sexes: dict[int, set[str]] = defaultdict(set)
    for record, sex, dob in (
        AgencyRecord.objects.filter(id__in=list(child_of_record))
        .values_list("id", "sex", "dob")
        .order_by("id")
    ):
        child = child_of_record[record]
        if sex in ("F", "M"):
            sexes[child].add(sex)
        people.setdefault(child, ("", dob.isoformat()))
    # A child referred with no linked record left (every link rejected since) is still counted.
    for child_id, *_ in outcomes:
        people.setdefault(int(child_id), ("", ""))
    # Ethnicity and disability as recorded on the child (never blank: "not asked" until asked).
    recorded = {
        pk: (ethnicity, disability)
        for pk, ethnicity, disability in Child.objects.filter(area=area).values_list(
            "id", "ethnicity", "disability"
        )
    }
    children = pd.DataFrame(
        [
            (
                str(child),
                _SEX[next(iter(sexes[child]))] if len(sexes[child]) == 1 else "not recorded",
                dob,
                *recorded.get(child, (NOT_ASKED, NOT_ASKED)),
            )
            for child, (_, dob) in people.items()
        ],
        columns=list(INPUT_COLUMNS["children"]),
    )

    total, population, _source = area_population(area)
    agencies = tuple(sorted(set(Agency.objects.filter(area=area).values_list("kind", flat=True))))
    return PartnershipInputs(
        area_code=area.code,
        area_name=area.name,
        children_total=total,
        agencies=agencies,
        concerns=concerns,
        referrals=pd.DataFrame(referrals, columns=list(INPUT_COLUMNS["referrals"])),
        outcomes=pd.DataFrame(outcomes, columns=list(INPUT_COLUMNS["outcomes"])),
        children=children,
        actions=actions,
        missing_episodes=episodes,
        population=population,
        reference_concerns=_reference_concerns(similar_partnerships(area)[0], cutoff),
    )
