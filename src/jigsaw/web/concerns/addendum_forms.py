"""Forms to correct a saved concern or withdraw it (the intake form's own are in ``forms``)."""

from __future__ import annotations

from django import forms


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        max_length=500, error_messages={"required": "Say why the concern needs correcting"}
    )
    text = forms.CharField(
        max_length=5000,
        widget=forms.Textarea,
        error_messages={"required": "Write the correction"},
    )


class WithdrawalForm(forms.Form):
    withdraw_reason = forms.CharField(
        max_length=500, error_messages={"required": "Say why the concern is being withdrawn"}
    )
