"""The record-a-concern form: who the child is, what was seen, and the lawful basis."""

from __future__ import annotations

import re
import secrets

from django import forms

from jigsaw.identifiers import is_valid_nhs_number, normalise_nhs_number, normalise_postcode
from jigsaw.screening import Grade
from jigsaw.web.children.models import Sex
from jigsaw.web.concerns.models import LawfulBasis
from jigsaw.web.forms import date_fields, date_from_parts

# The concern form's token: random, issued with the form, sent back with it (see
# ``Concern.form_token``). 32 random bytes, URL-safe base64: 43 characters.
_FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_form_token() -> str:
    """A fresh token for a concern form, unguessable and never issued twice."""
    return secrets.token_urlsafe(32)


def form_token_of(value: object) -> str:
    """The token a sent form carries, or ``""`` if it carries none or not one we issue (such a
    form is saved as any other, only without the protection against being saved twice)."""
    return value if isinstance(value, str) and _FORM_TOKEN.fullmatch(value) else ""


class ConcernForm(forms.Form):
    first_name = forms.CharField(
        max_length=80, error_messages={"required": "Enter the child's first name"}
    )
    last_name = forms.CharField(
        max_length=80, error_messages={"required": "Enter the child's last name"}
    )
    sex = forms.ChoiceField(
        choices=Sex.choices, error_messages={"required": "Select the child's sex"}
    )
    postcode = forms.CharField(max_length=10, required=False)
    nhs_number = forms.CharField(max_length=14, required=False)
    record_choice = forms.CharField(max_length=64, required=False)
    indicators = forms.MultipleChoiceField(
        choices=(),
        required=True,
        error_messages={"required": "Select at least one sign that you saw"},
    )
    note = forms.CharField(
        max_length=5000,
        widget=forms.Textarea,
        error_messages={"required": "Describe what you saw"},
    )
    lawful_basis = forms.ChoiceField(
        choices=LawfulBasis.choices,
        error_messages={"required": "Select the lawful basis for sharing this concern"},
    )
    # Hidden, so a token not ours is dropped rather than shown as an error (see form_token_of);
    # only one far too long to be ours is refused.
    form_token = forms.CharField(
        max_length=200,
        required=False,
        error_messages={"max_length": "This form could not be read: open Record a concern again"},
    )

    def __init__(self, *args, catalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(date_fields("dob"))
        self.fields.update(date_fields("seen"))
        self.fields["indicators"].choices = [(i.id, i.label) for i in catalogue.indicators]

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"].strip()
        if not value:
            return ""
        normal = normalise_postcode(value)
        if normal is None:
            raise forms.ValidationError("Enter a real postcode, like LS6 1AN")
        return normal

    def clean_form_token(self) -> str:
        return form_token_of(self.cleaned_data["form_token"])

    def clean_nhs_number(self) -> str:
        value = normalise_nhs_number(self.cleaned_data["nhs_number"])
        if value is None:
            return ""
        if not is_valid_nhs_number(value):
            raise forms.ValidationError(
                "Enter a valid 10-digit NHS number: this one's check digit is wrong"
            )
        return value

    def clean(self):
        data = super().clean()
        data["dob"] = date_from_parts(self, "dob", "the child's date of birth")
        data["seen_on"] = date_from_parts(self, "seen", "the date you saw this")
        return data


class LinkDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("confirm", "Same child: confirm the link"),
            ("reject", "Different child: reject the link"),
        ],
        error_messages={"required": "Select whether these records are about the same child"},
    )
    reason = forms.CharField(max_length=2000, required=False)


class OverrideForm(forms.Form):
    level = forms.ChoiceField(
        choices=Grade.choices(),
        error_messages={"required": "Select the grade you judge right"},
    )
    reason = forms.CharField(
        max_length=2000, error_messages={"required": "Give the reason for the override"}
    )
