from __future__ import annotations

from django import forms


class SignInForm(forms.Form):
    username = forms.CharField(max_length=150)
    password = forms.CharField(max_length=256, strip=False)


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[a-z0-9_.-]{3,40}$",
        max_length=40,
        error_messages={
            "invalid": "Use 3 to 40 lower-case letters, digits, dots, dashes or underscores"
        },
    )
    role = forms.ChoiceField(choices=(), error_messages={"required": "Select the user's role"})
    agency = forms.ChoiceField(choices=(), error_messages={"required": "Select the user's agency"})

    def __init__(self, *args, agencies, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(str(a.pk), a.name) for a in agencies]
        self.fields["role"].choices = roles


class AgencyCreateForm(forms.Form):
    name = forms.CharField(max_length=160, error_messages={"required": "Enter the agency's name"})
    kind = forms.ChoiceField(choices=(), error_messages={"required": "Select the kind of agency"})

    def __init__(self, *args, **kwargs):
        from jigsaw.web.accounts.models import AgencyKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = AgencyKind.choices
