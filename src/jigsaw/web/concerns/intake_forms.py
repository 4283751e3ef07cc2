"""The intake form as practice needs it: partial identities allowed and marked.

Police and the voluntary sector often know a child only by a first name or a street name, and
an age rather than a date of birth. This form accepts that (a first name or an alias, no last
name, an approximate age instead of the date of birth) on top of :class:`ConcernForm`'s fields;
the record is then stored as needing identification.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from jigsaw.characteristics import DISABILITY_LABELS, ETHNICITY_LABELS, NOT_ASKED
from jigsaw.web.concerns.forms import ConcernForm


def estimated_dob(age: int, today: dt.date) -> dt.date:
    """The birth date of a child of ``age`` half-way through that year of age (so the estimate
    is at most six months out either way for a correct age)."""
    born = today - dt.timedelta(days=round((age + 0.5) * 365.25))
    return born


class IntakeForm(ConcernForm):
    alias = forms.CharField(max_length=80, required=False)
    age = forms.IntegerField(
        min_value=0,
        max_value=25,
        required=False,
        error_messages={"invalid": "Enter the approximate age as a number, like 14"},
    )

    # Asked of a child new to the partnership (jigsaw.characteristics): never blank, so an
    # unanswered question is kept as "not asked" and a refusal as "refused".
    ethnicity = forms.ChoiceField(
        choices=list(ETHNICITY_LABELS.items()), required=False, initial=NOT_ASKED
    )
    disability = forms.ChoiceField(
        choices=list(DISABILITY_LABELS.items()), required=False, initial=NOT_ASKED
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = False
        self.fields["last_name"].required = False
        # The error summary lists errors in the order of the fields on the page.
        self.order_fields(
            [
                "first_name",
                "alias",
                "last_name",
                "dob_day",
                "dob_month",
                "dob_year",
                "age",
                "sex",
                "postcode",
                "nhs_number",
                "ethnicity",
                "disability",
                "record_choice",
                "seen_day",
                "seen_month",
                "seen_year",
                "indicators",
                "note",
                "lawful_basis",
            ]
        )

    def clean(self):
        age = self.cleaned_data.get("age")
        no_dob = all(
            self.data.get(f"dob_{part}", "").strip() == "" for part in ("day", "month", "year")
        )
        data = super().clean()
        if not (data.get("first_name") or "").strip() and not (data.get("alias") or "").strip():
            self.add_error("first_name", "Enter the child's first name, or the name they go by")
        elif not (data.get("first_name") or "").strip():
            # Known only by an alias or street name: that is the name to match on.
            data["first_name"] = data["alias"]
        for answer in ("ethnicity", "disability"):
            data[answer] = data.get(answer) or NOT_ASKED
        data["dob_estimated"] = False
        if no_dob and age is not None:
            self.errors.pop("dob_day", None)
            data["dob"] = estimated_dob(age, timezone.localdate())
            data["dob_estimated"] = True
        elif no_dob and "dob_day" in self.errors:
            self.errors["dob_day"] = self.error_class(
                ["Enter the child's date of birth, or their approximate age if you do not know it"]
            )
        return data
