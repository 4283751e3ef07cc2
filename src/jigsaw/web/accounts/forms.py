from __future__ import annotations

from django import forms


class SignInForm(forms.Form):
    username = forms.CharField(max_length=150)
    password = forms.CharField(max_length=256, strip=False)


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        max_length=16,
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
    email = forms.EmailField(
        max_length=254,
        error_messages={
            "required": "Enter the user's work e-mail address: their link goes there",
            "invalid": "Enter an e-mail address like name@agency.gov.uk",
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


class UserEditForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        required=False,
        error_messages={"invalid": "Enter an e-mail address like name@agency.gov.uk"},
    )
    role = forms.ChoiceField(choices=(), error_messages={"required": "Select the user's role"})
    agency = forms.ChoiceField(choices=(), error_messages={"required": "Select the user's agency"})

    def __init__(self, *args, agencies, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(str(a.pk), a.name) for a in agencies]
        self.fields["role"].choices = roles


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        max_length=256, strip=False, error_messages={"required": "Enter a new password"}
    )
    confirm = forms.CharField(
        max_length=256, strip=False, error_messages={"required": "Enter the password again"}
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("confirm") and data["password"] != data["confirm"]:
            self.add_error("confirm", "The two passwords are different: enter the same one twice")
        return data


class AreaContactForm(forms.Form):
    mash_contact = forms.CharField(
        max_length=300,
        required=False,
        error_messages={"max_length": "Keep the contact to 300 characters"},
    )
