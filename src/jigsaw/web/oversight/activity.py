"""Two years of a synthetic partnership's workflow, stored in bulk (the demo, tests and benchmark).

:func:`jigsaw.web.demo.partnership_load` stores a world's children, records and concerns; this
adds what the world's agencies did about them, from
:func:`jigsaw.oversight.partnership.inputs_from_world`: a referral for every concern, decided
after the drawn working hours on the area's calendar, the world's identifications as those
referrals' outcomes, actions, missing episodes with their return interviews, and the area's
child population. What is stored is then known exactly, so every figure the dashboard computes
back from the database can be checked against it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from jigsaw.act.clock import LONDON, WorkingCalendar
from jigsaw.characteristics import NOT_ASKED, disability_answer, ethnicity_answer
from jigsaw.oversight.partnership import PartnershipInputs
from jigsaw.web.accounts.models import Agency, Area
from jigsaw.web.children.models import AgencyRecord, Child, Link
from jigsaw.web.oversight.models import AreaPopulation
from jigsaw.web.referrals.models import Action, MissingEpisode, Referral

__all__ = ["activity_load", "characteristics_load", "world_children"]

_OUTCOME = {"victim": "victim_of_cse", "at_risk": "at_risk_of_cse"}

# The history is past work: every referral of it is closed, so none waits on a MASH queue or is
# escalated by the clocks (the figures read decisions and outcomes, not the state). The closing
# time is left blank: when each closed is not part of the history.
_CLOSED = {"state": "closed", "close_reason": "Closed: the partnership's earlier work."}


def world_children(area: Area, truth: pd.DataFrame) -> dict[str, int]:
    """The world's child ids -> the stored children their records were linked to."""
    child_of = truth.set_index("record_id")["child_id"].astype(str)
    out: dict[str, int] = {}
    for record_id, child in Link.objects.filter(
        child__area=area, record__in=AgencyRecord.objects.all()
    ).values_list("record__record_id", "child_id"):
        if record_id in child_of.index:
            out.setdefault(str(child_of[record_id]), child)
    return out


def characteristics_load(area: Area, world: Any, children: dict[str, int]) -> int:
    """Record on each stored child the ethnicity and disability the world's agencies recorded.

    ``children`` is :func:`world_children`'s map. A stored child holding records of two of the
    world's children (a wrong link) takes the answers of the one listed last; a world written
    before it recorded them gives the truth. Returns how many children were updated.
    """
    kids = world.children.set_index(world.children["child_id"].astype(str))
    ethnicity = kids.get("ethnicity_recorded", kids["ethnicity"])
    disability = kids.get("disability_recorded", kids["disability"])
    stored = {c.pk: c for c in Child.objects.filter(area=area)}
    changed = {}
    for world_child, pk in children.items():
        child = stored.get(pk)
        if child is None or world_child not in kids.index:
            continue
        child.ethnicity = ethnicity_answer(ethnicity[world_child]) or NOT_ASKED
        child.disability = disability_answer(disability[world_child]) or NOT_ASKED
        changed[pk] = child
    Child.objects.bulk_update(list(changed.values()), ["ethnicity", "disability"], batch_size=2000)
    return len(changed)


def _at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(str(day)[:10]), dt.time(hour), tzinfo=LONDON)


def activity_load(
    area: Area, inputs: PartnershipInputs, children: dict[str, int], *, by: Any
) -> dict[str, int]:
    """Store ``inputs``' referrals, outcomes, actions and missing episodes, and the population.

    ``children`` maps the inputs' child ids to stored children (:func:`world_children`); rows
    of children not stored are left out. ``by`` is the user recorded as having made them.
    Returns how many of each were stored.
    """
    calendar = WorkingCalendar()
    agency_of = {a.kind: a for a in Agency.objects.filter(area=area)}
    # Each (child, agency)'s identification: the outcome goes on that agency's referral.
    identified: dict[tuple[str, str], tuple[str, str]] = {}
    for child, agency, date, outcome in inputs.outcomes[
        ["child_id", "agency", "date", "outcome"]
    ].itertuples(index=False):
        identified.setdefault((str(child), str(agency)), (str(date)[:10], str(outcome)))
    referrals: list[Referral] = []
    strategy: list[int] = []
    for row in inputs.referrals.to_dict("records"):
        child, agency = str(row["child_id"]), str(row["agency"])
        if child not in children:
            continue
        received = _at(row["received"])
        decided = calendar.add_working_hours(received, float(row["hours_to_decision"]))
        found = identified.pop((child, agency), None)
        referral = Referral(
            child_id=children[child],
            area=area,
            source="practitioner",
            referrer_agency=agency_of[agency],
            received_at=received,
            decision_due=calendar.add_working_hours(received, 8),
            rag="amber",
            response_due=calendar.add_working_hours(received, 24),
            decision="strategy_s47" if row["strategy_discussion"] else "information_and_advice",
            decided_at=decided,
            outcome=_OUTCOME[found[1]] if found else "no_concern",
            outcome_on=dt.date.fromisoformat(found[0]) if found else decided.date(),
            **_CLOSED,
        )
        if row["strategy_discussion"]:
            strategy.append(len(referrals))
        referrals.append(referral)
    # An identification with no referral of its own from that agency still needs one to carry it.
    for (child, agency), (date, outcome) in identified.items():
        if child not in children:
            continue
        received = _at(date)
        referrals.append(
            Referral(
                child_id=children[child],
                area=area,
                source="practitioner",
                referrer_agency=agency_of[agency],
                received_at=received,
                decision_due=calendar.add_working_hours(received, 8),
                rag="amber",
                response_due=calendar.add_working_hours(received, 24),
                decision="assessment_s17",
                decided_at=calendar.add_working_hours(received, 4),
                outcome=_OUTCOME[outcome],
                outcome_on=dt.date.fromisoformat(date),
                **_CLOSED,
            )
        )
    Referral.objects.bulk_create(referrals, batch_size=2000)

    actions = []
    for (action_due, overdue), index in zip(
        inputs.actions[["due", "overdue"]].itertuples(index=False), strategy, strict=False
    ):
        due = _at(action_due, 17)
        made = referrals[index].decided_at or referrals[index].received_at
        actions.append(
            Action(
                referral=referrals[index],
                title="Strategy discussion action",
                owner_agency=referrals[index].referrer_agency,
                due_at=due,
                state="overdue" if overdue else "done",
                created_by=by,
                created_at=made,
                finished_at=None if overdue else due - dt.timedelta(days=1),
                evidence="" if overdue else "Done.",
            )
        )
    Action.objects.bulk_create(actions, batch_size=2000)

    episodes = []
    for row in inputs.missing_episodes.to_dict("records"):
        child = str(row["child_id"])
        if child not in children:
            continue
        ended = _at(row["returned"], 12)
        completed = (
            (ended + dt.timedelta(hours=24 if row["within_72h"] else 96))
            if row["interview_completed"]
            else None
        )
        episodes.append(
            MissingEpisode(
                child_id=children[child],
                kind="missing",
                started_at=ended - dt.timedelta(days=1),
                ended_at=ended,
                interview_due=ended + dt.timedelta(hours=72),
                offered_at=ended + dt.timedelta(hours=2) if row["interview_offered"] else None,
                response="accepted" if row["interview_completed"] else "",
                completed_at=completed,
                recorded_by=by,
                recorded_at=ended,
            )
        )
    MissingEpisode.objects.bulk_create(episodes, batch_size=2000)

    AreaPopulation.objects.update_or_create(
        area=area,
        defaults={
            "children": int(inputs.children_total),
            "groups": [
                [str(d), str(g), int(n)]
                for d, g, n in inputs.population[["dimension", "group", "children"]].itertuples(
                    index=False
                )
            ],
            "source": "the synthetic partnership's children (world generator)",
        },
    )
    return {"referrals": len(referrals), "actions": len(actions), "missing_episodes": len(episodes)}
