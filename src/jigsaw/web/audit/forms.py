"""The filters of "who looked at this child and why": user, event and a range of dates."""

from __future__ import annotations

import datetime as dt

from django import forms

from jigsaw.web.forms import date_fields


class ChildAccessFilterForm(forms.Form):
    """Every filter is optional; the dates are GOV.UK date inputs (day, month, year)."""

    actor = forms.ChoiceField(required=False)
    event_type = forms.ChoiceField(required=False)

    def __init__(self, *args: object, users: list[str], event_types: list[str], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["actor"].choices = [("", "Anyone"), *((u, u) for u in users)]  # type: ignore[attr-defined]
        self.fields["event_type"].choices = [  # type: ignore[attr-defined]
            ("", "Any event"),
            *((t, t.replace("_", " ")) for t in event_types),
        ]
        self.fields.update(date_fields("since"))
        self.fields.update(date_fields("until"))
        self.order_fields(["actor", "event_type", "since_day", "until_day"])

    def _date(self, data: dict[str, object], prefix: str, name: str) -> dt.date | None:
        day, month, year = (data.get(f"{prefix}_{part}") for part in ("day", "month", "year"))
        if day is None and month is None and year is None:
            return None
        try:
            if not (isinstance(day, int) and isinstance(month, int) and isinstance(year, int)):
                raise ValueError("a part of the date is missing")
            return dt.date(year, month, day)
        except ValueError:
            self.add_error(f"{prefix}_day", f"{name} must be a real date, like 27 3 2026")
            return None

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        data["since"] = self._date(data, "since", "The first day")
        data["until"] = self._date(data, "until", "The last day")
        if data["since"] and data["until"] and data["since"] > data["until"]:
            self.add_error("until_day", "The last day must be the same as or after the first day")
        return data
