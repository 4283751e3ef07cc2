"""The administrator's page of API tokens: create one (shown once), revoke one."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from jigsaw.web.access import TOKEN_SCOPES
from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Agency, Role
from jigsaw.web.accounts.selectors import profile_of
from jigsaw.web.api.models import ApiToken
from jigsaw.web.api.services import MAX_LIFETIME, token_create, token_revoke, tokens_for


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80)
    agency = forms.ModelChoiceField(queryset=Agency.objects.none())
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in TOKEN_SCOPES], widget=forms.CheckboxSelectMultiple
    )
    days = forms.IntegerField(min_value=1, max_value=MAX_LIFETIME.days, initial=90)

    def __init__(self, *args: object, area_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["agency"].queryset = Agency.objects.filter(area_id=area_id)  # type: ignore[attr-defined]


@role_required(Role.ADMINISTRATOR)
def tokens(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request.user)
    if profile is None:  # role_required lets only an administrator in; said for the types
        raise PermissionDenied("your role may not use this page")
    form = TokenForm(request.POST or None, area_id=profile.area_id)
    shown = None
    if request.method == "POST" and form.is_valid():
        try:
            shown = token_create(
                actor=request.user,  # type: ignore[arg-type]
                agency=form.cleaned_data["agency"],
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                lifetime=dt.timedelta(days=form.cleaned_data["days"]),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
    context = {
        "form": form,
        "shown": shown,
        "tokens": tokens_for(actor=request.user, area_id=profile.area_id),  # type: ignore[arg-type]
        "area": profile.area,
    }
    return render(request, "api/tokens.html", context)


@role_required(Role.ADMINISTRATOR)
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("api_tokens:tokens")
    profile = profile_of(request.user)
    # Another area's token answers as one that does not exist.
    area_id = profile.area_id if profile is not None else None
    token = get_object_or_404(
        ApiToken.objects.select_related("agency"), pk=token_id, agency__area_id=area_id
    )
    token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
    return redirect("api_tokens:tokens")
