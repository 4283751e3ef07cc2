from __future__ import annotations

from django import forms

from jigsaw.web.linkmodel.models import RetrainEvery

OFF = "off"


class ScheduleForm(forms.Form):
    every_days = forms.ChoiceField(
        choices=[(OFF, "Off: retrain only when I ask")]
        + [(str(value), label) for value, label in RetrainEvery.choices],
        error_messages={
            "required": "Choose how often to retrain",
            "invalid_choice": "Choose how often to retrain",
        },
    )

    def every(self) -> int | None:
        """The chosen interval in days, or None for off."""
        value = self.cleaned_data["every_days"]
        return None if value == OFF else int(value)
