"""Forms of the children pages: finding a child, deciding and undoing a link."""

from __future__ import annotations

from django import forms

from jigsaw.identifiers import is_valid_nhs_number, normalise_nhs_number
from jigsaw.web.forms import date_fields


class SearchForm(forms.Form):
    """Any one term is enough; a date of birth may be partial (year, or month and year)."""

    name = forms.CharField(max_length=160, required=False)
    age = forms.IntegerField(
        min_value=0,
        max_value=25,
        required=False,
        error_messages={"invalid": "Enter the approximate age as a number, like 14"},
    )
    nhs_number = forms.CharField(max_length=14, required=False)
    postcode = forms.CharField(max_length=10, required=False)
    reference = forms.CharField(max_length=64, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields.update(date_fields("dob"))
        # Listed in page order, so the error summary follows the fields.
        self.order_fields(
            [
                "name",
                "dob_day",
                "dob_month",
                "dob_year",
                "age",
                "nhs_number",
                "postcode",
                "reference",
            ]
        )

    def clean_nhs_number(self) -> str:
        value = normalise_nhs_number(self.cleaned_data["nhs_number"])
        if value is None:
            return ""
        if not is_valid_nhs_number(value):
            raise forms.ValidationError("Enter a valid 10-digit NHS number, like 943 476 5919")
        return value

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        day, month, year = data.get("dob_day"), data.get("dob_month"), data.get("dob_year")
        if (
            day is not None
            and (month is None or year is None)
            or (month is not None and year is None)
        ):
            self.add_error(
                "dob_day",
                "Enter the date of birth as a whole date, a month and year, or a year",
            )
        if not self.errors and not any(v not in ("", None) for v in data.values()):
            self.add_error(
                None, "Enter a name, date of birth, age, NHS number, postcode or reference"
            )
        return data


# Why a MASH analyst decided: one of these, and free text (required for "other").
LINK_REASONS = [
    ("identifiers_agree", "NHS number, or date of birth and address, agree"),
    ("checked_with_agency", "Checked with the agency that holds the record"),
    ("identifiers_differ", "NHS number, date of birth or address differ"),
    ("twin_or_sibling", "A twin or sibling in the same household"),
    ("other", "Another reason (say below)"),
]


class LinkReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("confirm", "Yes, the same child: link the records"),
            ("reject", "No, a different child: keep them apart"),
        ],
        error_messages={"required": "Select whether these records are about the same child"},
    )
    reason_choice = forms.ChoiceField(
        choices=LINK_REASONS,
        error_messages={"required": "Select the reason for your decision"},
    )
    reason = forms.CharField(max_length=2000, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("reason_choice") == "other" and not str(data.get("reason", "")).strip():
            self.add_error("reason", "Describe the reason for your decision")
        return data

    def reason_text(self) -> str:
        """The reason as stored: the chosen reason and what was added to it."""
        label = dict(LINK_REASONS)[self.cleaned_data["reason_choice"]]
        extra = self.cleaned_data["reason"].strip()
        return f"{label}: {extra}" if extra else label


class LinkUndoForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, error_messages={"required": "Say why the decision is being undone"}
    )
