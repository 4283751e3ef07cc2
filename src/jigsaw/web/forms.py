"""Form pieces shared by the apps: the GOV.UK three-field date input."""

from __future__ import annotations

import datetime as dt

from django import forms


def date_from_parts(form: forms.Form, prefix: str, label: str) -> dt.date | None:
    """Build a date from ``<prefix>_day``/``_month``/``_year``; add a GOV.UK-style error if bad."""
    day, month, year = (
        form.cleaned_data.get(f"{prefix}_{part}") for part in ("day", "month", "year")
    )
    if day is None or month is None or year is None:
        if f"{prefix}_day" not in form.errors:
            form.add_error(f"{prefix}_day", f"Enter {label} as a real date, for example 27 3 2012")
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        form.add_error(f"{prefix}_day", f"{label[0].upper()}{label[1:]} must be a real date")
        return None


def date_fields(prefix: str) -> dict[str, forms.Field]:
    """Return the day, month and year fields of a GOV.UK date input."""
    return {
        f"{prefix}_day": forms.IntegerField(min_value=1, max_value=31, required=False),
        f"{prefix}_month": forms.IntegerField(min_value=1, max_value=12, required=False),
        f"{prefix}_year": forms.IntegerField(min_value=1900, max_value=2100, required=False),
    }
