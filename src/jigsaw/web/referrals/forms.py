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


class ContactDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=choices(ContactDecision))
    reason = forms.CharField(required=False, max_length=2000)
    review_on = forms.DateField(required=False)


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


def rag_options(current: str) -> list[tuple[str, str]]:
    """The RAG select's options: the current rating preselected by the form's initial value; an
    empty first option when there is none yet, so that nothing is chosen by default."""
    options = list(Rag.choices())
    return options if current else [("", "Choose a rating"), *options]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=choices(MashDecision))
    reason = forms.CharField(
        max_length=2000, error_messages={"required": "Give the reason for the decision"}
    )
    child_voice = forms.CharField(required=False, max_length=4000)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # The GOV.UK date input: day, month and year, as everywhere else in the service.
        self.fields.update(date_fields("outcome_due"))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        data["outcome_due"] = date_from_parts(self, "outcome_due", "the date the outcome is due")
        return data


class ActionForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Say what is to be done"})
    owner_agency = forms.TypedChoiceField(coerce=int, choices=())
    owner = forms.TypedChoiceField(coerce=int, choices=(), required=False, empty_value=None)
    due_on = forms.DateField(error_messages={"required": "Give the due date"})
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


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=choices(Outcome))
    outcome_on = forms.DateField(error_messages={"required": "Give the date of the outcome"})
    close_reason = forms.CharField(required=False, max_length=2000)


class ReviewForm(forms.Form):
    note = forms.CharField(
        max_length=4000, error_messages={"required": "Say what the review found"}
    )
    next_review_on = forms.DateField(required=False)
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


class StrategyForm(forms.Form):
    held_on = forms.DateField(error_messages={"required": "Give the date it was held"})
    held_time = forms.TimeField(error_messages={"required": "Give the time it was held"})
    mode = forms.ChoiceField(choices=choices(StrategyMode))
    chair = forms.CharField(max_length=160, error_messages={"required": "Name who chaired it"})
    attendees = forms.CharField(max_length=4000, error_messages={"required": "List who took part"})
    information_shared = forms.CharField(required=False, max_length=8000)
    section_47 = forms.ChoiceField(choices=YES_NO)
    criminal_investigation = forms.ChoiceField(choices=YES_NO)
    immediate_safety = forms.CharField(required=False, max_length=4000)
    seen_alone = forms.ChoiceField(choices=choices(SeenAlone))
    seen_alone_on = forms.DateField(required=False)
    decisions = forms.CharField(
        max_length=8000, error_messages={"required": "Record what was decided"}
    )
    child_voice = forms.CharField(required=False, max_length=4000)
    actions = forms.CharField(required=False, max_length=8000)
    next_review_on = forms.DateField(
        error_messages={"required": "Give the date of the next review"}
    )

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
