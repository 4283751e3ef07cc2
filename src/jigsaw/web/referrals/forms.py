"""The workflow's forms; the services check the rules, the forms the shape of what was typed."""

from __future__ import annotations

import datetime as dt

from django import forms

from jigsaw.act.clock import LONDON, Rag
from jigsaw.act.states import (
    ContactDecision,
    MashDecision,
    Outcome,
    SeenAlone,
    StrategyMode,
    choices,
)
from jigsaw.web.forms import date_fields, date_from_parts


class GovukDates(forms.Form):
    """A form whose dates are GOV.UK three-field dates (day, month, year), as everywhere else in
    the service: never a browser date input, which shows mm/dd/yyyy in some browsers.

    ``dates``: (name, label in an error message, required). ``cleaned_data[name]`` is the date,
    or ``None`` for an optional date left empty; the error sits on ``<name>_day``.
    """

    dates: tuple[tuple[str, str, bool], ...] = ()

    # Where a field's error links to in the summary, when the page's id is not its name.
    anchors: dict[str, str] = {}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, _, _ in self.dates:
            self.fields.update(date_fields(name))
        # The error summary follows the page: each date where it sits among the fields.
        self.order_fields(self.field_order)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for name, label, required in self.dates:
            parts = [self.data.get(f"{name}_{p}", "") for p in ("day", "month", "year")]
            if not required and not any(str(v).strip() for v in parts):
                data[name] = None
                continue
            data[name] = date_from_parts(self, name, label)
        return data


class ContactDecisionForm(GovukDates):
    dates = (("review_on", "the review date", False),)
    anchors = {"decision": "decision-no_further_action"}
    decision = forms.ChoiceField(
        choices=choices(ContactDecision), error_messages={"required": "Select your decision"}
    )
    reason = forms.CharField(required=False, max_length=2000)


class ReferDirectForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, error_messages={"required": "Say why you are referring to the MASH"}
    )


class RateForm(forms.Form):
    # Nothing is chosen until the analyst chooses: a default would save Red (or Green) unread.
    rag = forms.ChoiceField(
        choices=Rag.choices(),
        error_messages={
            "required": "Select a RAG rating",
            "invalid_choice": "Select a RAG rating",
        },
    )
    reason = forms.CharField(required=False, max_length=2000)
    anchors = {"reason": "rate-reason"}


def rag_options(current: str) -> list[tuple[str, str]]:
    """The RAG select's options: the current rating preselected by the form's initial value; an
    empty first option when there is none yet, so that nothing is chosen by default."""
    options = list(Rag.choices())
    return options if current else [("", "Choose a rating"), *options]


class MaceDateForm(GovukDates):
    """The MACE panel's meeting date (the rest of the panel's record is typed per child)."""

    dates = (("held_on", "the date of the meeting", True),)


def with_empty(options: list[tuple[str, str]], prompt: str) -> list[tuple[str, str]]:
    """A select's options with an empty first one, selected until someone chooses: a decision
    or an outcome is never saved by default."""
    return [("", prompt), *options]


class DecideForm(GovukDates):
    dates = (("outcome_due", "the date the outcome is due", True),)
    field_order = ["decision", "reason", "outcome_due_day", "outcome_due_month", "outcome_due_year"]
    anchors = {"reason": "decide-reason", "child_voice": "decide-child-voice"}
    decision = forms.ChoiceField(
        choices=choices(MashDecision),
        error_messages={
            "required": "Select the MASH decision",
            "invalid_choice": "Select the MASH decision",
        },
    )
    reason = forms.CharField(
        max_length=2000, error_messages={"required": "Give the reason for the decision"}
    )
    child_voice = forms.CharField(required=False, max_length=4000)


class ActionForm(GovukDates):
    dates = (("due_on", "the due date", True),)
    field_order = [
        *("title", "owner_agency", "owner", "due_on_day", "due_on_month", "due_on_year"),
        "due_time",
    ]
    title = forms.CharField(max_length=200, error_messages={"required": "Say what is to be done"})
    owner_agency = forms.TypedChoiceField(coerce=int, choices=())
    owner = forms.TypedChoiceField(coerce=int, choices=(), required=False, empty_value=None)
    due_time = forms.TimeField(required=False)

    def __init__(
        self,
        *args: object,
        agencies: list[tuple[int, str]],
        staff: list[tuple[int, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["owner_agency"].choices = agencies  # type: ignore[attr-defined]
        self.fields["owner"].choices = [("", "Anyone in the agency"), *staff]  # type: ignore[attr-defined]

    def due_at(self) -> dt.datetime:
        data = self.cleaned_data
        return dt.datetime.combine(data["due_on"], data["due_time"] or dt.time(17), tzinfo=LONDON)


class OutcomeForm(GovukDates):
    dates = (("outcome_on", "the date of the outcome", True),)
    field_order = ["outcome", "outcome_on_day", "outcome_on_month", "outcome_on_year"]
    anchors = {"close_reason": "outcome-close-reason"}
    outcome = forms.ChoiceField(
        choices=choices(Outcome),
        error_messages={"required": "Select the outcome", "invalid_choice": "Select the outcome"},
    )
    close_reason = forms.CharField(required=False, max_length=2000)


class ReviewForm(GovukDates):
    dates = (("next_review_on", "the next review date", False),)
    anchors = {"child_voice": "review-child-voice"}
    note = forms.CharField(
        max_length=4000, error_messages={"required": "Say what the review found"}
    )
    child_voice = forms.CharField(required=False, max_length=4000)


class CloseForm(forms.Form):
    close_reason = forms.CharField(
        max_length=2000, error_messages={"required": "Say why the referral can close"}
    )


class ActionUpdateForm(forms.Form):
    change = forms.ChoiceField(choices=[("complete", "Done"), ("cancel", "Cancel")])
    text = forms.CharField(
        max_length=2000, error_messages={"required": "Give the evidence or the reason"}
    )


YES_NO = [("yes", "Yes"), ("no", "No")]


class StrategyForm(GovukDates):
    dates = (
        ("held_on", "the date it was held", True),
        ("seen_alone_on", "the date the child is seen alone", False),
        # Not "next_review_on": the review form on the same page has that one.
        ("strategy_review_on", "the date of the next review", True),
    )
    field_order = [
        *("held_on_day", "held_on_month", "held_on_year", "held_time", "mode", "chair"),
        *("attendees", "information_shared", "section_47", "criminal_investigation"),
        *("immediate_safety", "seen_alone", "seen_alone_on_day", "seen_alone_on_month"),
        *("seen_alone_on_year", "decisions", "child_voice", "actions"),
    ]
    anchors = {"child_voice": "strategy-child-voice", "actions": "strategy-actions"}
    held_time = forms.TimeField(error_messages={"required": "Give the time it was held"})
    mode = forms.ChoiceField(choices=choices(StrategyMode))
    chair = forms.CharField(max_length=160, error_messages={"required": "Name who chaired it"})
    attendees = forms.CharField(max_length=4000, error_messages={"required": "List who took part"})
    information_shared = forms.CharField(required=False, max_length=8000)
    section_47 = forms.ChoiceField(choices=YES_NO)
    criminal_investigation = forms.ChoiceField(choices=YES_NO)
    immediate_safety = forms.CharField(required=False, max_length=4000)
    seen_alone = forms.ChoiceField(choices=choices(SeenAlone))
    decisions = forms.CharField(
        max_length=8000, error_messages={"required": "Record what was decided"}
    )
    child_voice = forms.CharField(required=False, max_length=4000)
    actions = forms.CharField(required=False, max_length=8000)

    def held_at(self) -> dt.datetime:
        return dt.datetime.combine(
            self.cleaned_data["held_on"], self.cleaned_data["held_time"], tzinfo=LONDON
        )


class MissingForm(forms.Form):
    kind = forms.ChoiceField(choices=[("missing", "Missing"), ("absent", "Absent")])
    started_on = forms.DateField(error_messages={"required": "Give the date it started"})
    started_time = forms.TimeField(error_messages={"required": "Give the time it started"})
    police_reference = forms.CharField(required=False, max_length=40)


class ReturnForm(forms.Form):
    ended_on = forms.DateField(error_messages={"required": "Give the date of the return"})
    ended_time = forms.TimeField(error_messages={"required": "Give the time of the return"})
    found_where = forms.CharField(required=False, max_length=200)


class InterviewForm(forms.Form):
    offered_on = forms.DateField(error_messages={"required": "Give the date it was offered"})
    response = forms.ChoiceField(choices=[("accepted", "Accepted"), ("declined", "Declined")])
    declined_reason = forms.CharField(required=False, max_length=2000)
    completed_on = forms.DateField(required=False)
    completed_time = forms.TimeField(required=False)
    learned = forms.CharField(required=False, max_length=8000)
    child_voice = forms.CharField(required=False, max_length=4000)


def at_london(day: dt.date, time: dt.time | None, default: dt.time = dt.time(12)) -> dt.datetime:
    return dt.datetime.combine(day, time or default, tzinfo=LONDON)
