"""The workflow's forms; the services check the rules, the forms the shape of what was typed."""

from __future__ import annotations

import datetime as dt

from django import forms

from jigsaw.act.clock import LONDON, Rag
from jigsaw.act.states import ContactDecision, MashDecision, Outcome, choices


class ContactDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=choices(ContactDecision))
    reason = forms.CharField(required=False, max_length=2000)
    review_on = forms.DateField(required=False)


class ReferDirectForm(forms.Form):
    reason = forms.CharField(max_length=2000, error_messages={"required": "Say why you are referring to the MASH"})


class RateForm(forms.Form):
    rag = forms.ChoiceField(choices=Rag.choices())
    reason = forms.CharField(required=False, max_length=2000)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=choices(MashDecision))
    reason = forms.CharField(max_length=2000, error_messages={"required": "Give the reason for the decision"})
    outcome_due = forms.DateField(error_messages={"required": "Give the date the outcome is due"})


class ActionForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Say what is to be done"})
    owner_agency = forms.TypedChoiceField(coerce=int, choices=())
    owner = forms.TypedChoiceField(coerce=int, choices=(), required=False, empty_value=None)
    due_on = forms.DateField(error_messages={"required": "Give the due date"})
    due_time = forms.TimeField(required=False)

    def __init__(self, *args: object, agencies: list[tuple[int, str]], staff: list[tuple[int, str]], **kwargs: object) -> None:
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
    note = forms.CharField(max_length=4000, error_messages={"required": "Say what the review found"})
    next_review_on = forms.DateField(required=False)


class CloseForm(forms.Form):
    close_reason = forms.CharField(max_length=2000, error_messages={"required": "Say why the referral can close"})


class ActionUpdateForm(forms.Form):
    change = forms.ChoiceField(choices=[("complete", "Done"), ("cancel", "Cancel")])
    text = forms.CharField(max_length=2000, error_messages={"required": "Give the evidence or the reason"})
