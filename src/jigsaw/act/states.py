"""The workflow's states and the only transitions between them, for contacts, referrals, actions.

The web services store states and ask :func:`check` before every change, so a referral can only
move the way this table says; in particular it reaches ``closed`` only from ``outcome`` or
``reviewing``, that is after a decision and an outcome, and closing needs a reason.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class TransitionError(ValueError):
    """A change the workflow does not allow, naming the thing, its state and the change."""


class ContactState(enum.Enum):
    """A concern as it reaches the recording agency's safeguarding lead."""

    NEW = "new"
    WATCHING = "watching"  # keep watching: back on the queue on its review date
    NO_FURTHER_ACTION = "no_further_action"
    REFERRED = "referred"


class ContactDecision(enum.Enum):
    NO_FURTHER_ACTION = "no_further_action"
    KEEP_WATCHING = "keep_watching"
    REFER = "refer"

    @property
    def label(self) -> str:
        return {
            "no_further_action": "No further action",
            "keep_watching": "Keep watching, with a review date",
            "refer": "Refer to the MASH",
        }[self.value]


class ReferralState(enum.Enum):
    OPEN = "open"  # with the MASH, awaiting its decision
    DECIDED = "decided"  # decided; work under way, outcome due by the review date
    OUTCOME = "outcome"  # outcome recorded, not (or no longer) under review
    REVIEWING = "reviewing"  # victim or at risk: reviewed on a schedule until closed
    CLOSED = "closed"


class MashDecision(enum.Enum):
    NO_FURTHER_ACTION = "no_further_action"
    INFORMATION_AND_ADVICE = "information_and_advice"
    EARLY_HELP = "early_help"
    ASSESSMENT_S17 = "assessment_s17"
    STRATEGY_S47 = "strategy_s47"

    @property
    def label(self) -> str:
        return {
            "no_further_action": "No further action",
            "information_and_advice": "Information and advice to the referrer",
            "early_help": "Early help or another agency",
            "assessment_s17": "Child and family assessment (section 17)",
            "strategy_s47": "Strategy discussion (section 47)",
        }[self.value]


class Outcome(enum.Enum):
    VICTIM_OF_CSE = "victim_of_cse"
    AT_RISK_OF_CSE = "at_risk_of_cse"
    OTHER_EXPLOITATION = "other_exploitation"
    OTHER_NEED = "other_need"
    NO_CONCERN = "no_concern"

    @property
    def label(self) -> str:
        return {
            "victim_of_cse": "Identified as a victim of child sexual exploitation",
            "at_risk_of_cse": "At risk of child sexual exploitation",
            "other_exploitation": "Other exploitation (criminal, trafficking)",
            "other_need": "Other need",
            "no_concern": "No concern found",
        }[self.value]

    @property
    def reviewed(self) -> bool:
        """Whether a child with this outcome is reviewed on a schedule until closed."""
        return self in (Outcome.VICTIM_OF_CSE, Outcome.AT_RISK_OF_CSE)


class ActionState(enum.Enum):
    OPEN = "open"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    DONE = "done"
    CANCELLED = "cancelled"


def _choices(kind: type[enum.Enum]) -> list[tuple[str, str]]:
    return [
        (member.value, getattr(member, "label", member.value.replace("_", " ").capitalize()))
        for member in kind
    ]


def choices(kind: type[enum.Enum]) -> list[tuple[str, str]]:
    """``(value, label)`` pairs for a form or a model field."""
    return _choices(kind)


# What each change may start from, and where it ends.
CONTACT: Mapping[str, tuple[frozenset[ContactState], ContactState | None]] = {
    "no_further_action": (
        frozenset({ContactState.NEW, ContactState.WATCHING}),
        ContactState.NO_FURTHER_ACTION,
    ),
    "keep_watching": (frozenset({ContactState.NEW, ContactState.WATCHING}), ContactState.WATCHING),
    "refer": (frozenset({ContactState.NEW, ContactState.WATCHING}), ContactState.REFERRED),
}
REFERRAL: Mapping[str, tuple[frozenset[ReferralState], ReferralState | None]] = {
    "rate": (frozenset({ReferralState.OPEN, ReferralState.DECIDED}), None),
    "decide": (frozenset({ReferralState.OPEN}), ReferralState.DECIDED),
    "record_outcome": (frozenset({ReferralState.DECIDED}), None),  # OUTCOME or REVIEWING
    "review": (frozenset({ReferralState.REVIEWING}), ReferralState.REVIEWING),
    "close": (frozenset({ReferralState.OUTCOME, ReferralState.REVIEWING}), ReferralState.CLOSED),
}
ACTION: Mapping[str, tuple[frozenset[ActionState], ActionState | None]] = {
    "overdue": (frozenset({ActionState.OPEN}), ActionState.OVERDUE),
    "escalate": (frozenset({ActionState.OVERDUE}), ActionState.ESCALATED),
    "complete": (
        frozenset({ActionState.OPEN, ActionState.OVERDUE, ActionState.ESCALATED}),
        ActionState.DONE,
    ),
    "cancel": (
        frozenset({ActionState.OPEN, ActionState.OVERDUE, ActionState.ESCALATED}),
        ActionState.CANCELLED,
    ),
}

_TABLES: Mapping[type[enum.Enum], Mapping[str, tuple[frozenset[object], object]]] = {
    ContactState: CONTACT,
    ReferralState: REFERRAL,
    ActionState: ACTION,
}


def allowed(state: enum.Enum, change: str) -> bool:
    table = _TABLES[type(state)]
    return change in table and state in table[change][0]


def check(state: enum.Enum, change: str, *, what: str) -> None:
    """Refuse ``change`` unless the workflow allows it from ``state``.

    Raises
    ------
    TransitionError
        Naming ``what`` (e.g. "referral 12"), its state and the refused change.
    """
    table = _TABLES[type(state)]
    if change not in table:
        raise TransitionError(f"{what}: '{change}' is not a change of a {type(state).__name__}")
    if state not in table[change][0]:
        starts = ", ".join(sorted(s.value for s in table[change][0]))  # type: ignore[attr-defined]
        raise TransitionError(
            f"{what} is {state.value}: '{change}' is only possible when it is {starts}"
        )


def changes_from(state: enum.Enum) -> list[str]:
    """The changes possible from ``state`` (what a page offers)."""
    return [change for change in _TABLES[type(state)] if allowed(state, change)]


class StrategyMode(enum.Enum):
    CALL = "call"
    MEETING = "meeting"

    @property
    def label(self) -> str:
        return {"call": "Call", "meeting": "Meeting"}[self.value]


def suggested_mode(*, exploitation: bool, trafficking: bool = False) -> StrategyMode:
    """A meeting when exploitation or trafficking is suspected (more agencies, more to share,
    and a plan to agree together), else a call is enough to start with."""
    return StrategyMode.MEETING if exploitation or trafficking else StrategyMode.CALL


class SeenAlone(enum.Enum):
    YES = "yes"
    PLANNED = "planned"
    NO = "no"

    @property
    def label(self) -> str:
        return {"yes": "Yes, seen alone", "planned": "Planned", "no": "No"}[self.value]
