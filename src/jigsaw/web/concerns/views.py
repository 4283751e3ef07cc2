"""Record a concern; show its grade and, where allowed, the child's combined grade."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jigsaw.web.access import view_purpose
from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.children.selectors import child_access
from jigsaw.web.children.views import render_profile
from jigsaw.web.concerns.forms import ConcernForm, OverrideForm
from jigsaw.web.concerns.selectors import (
    catalogue,
    indicator_labels,
    indicators_by_domain,
    own_records_matching,
    saved_concern_for,
)
from jigsaw.web.concerns.services import (
    Identity,
    concern_grade_override,
    concern_record,
    concern_to_override,
)
from jigsaw.web.referrals.selectors import after_saving

IDENTITY_FIELDS = (
    "first_name",
    "last_name",
    "sex",
    "postcode",
    "nhs_number",
    "dob_day",
    "dob_month",
    "dob_year",
)


@role_required(Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
@require_http_methods(["GET", "POST"])
def concern_new(request):
    form = ConcernForm(request.POST or None, catalogue=catalogue())
    suggestions = None
    action = request.POST.get("action", "save")
    if request.method == "POST":
        valid = form.is_valid()
        if action == "find":
            # Only the child's details are needed to search; the concern can be filled in after.
            for name in list(form.errors):
                if name not in IDENTITY_FIELDS and name != "__all__":
                    del form.errors[name]
            if not form.errors:
                data = form.cleaned_data
                suggestions = own_records_matching(
                    user=request.user, identity=_identity(data).__dict__
                )
        elif valid:
            data = form.cleaned_data
            choice = data.get("record_choice", "")
            record_id = "" if choice in ("", "new") else choice
            try:
                outcome = concern_record(
                    actor=request.user,
                    identity=None if record_id else _identity(data),
                    record_id=record_id,
                    seen_on=data["seen_on"],
                    indicators=data["indicators"],
                    note=data["note"],
                    lawful_basis=data["lawful_basis"],
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    target = {"seen_on": "seen_day"}.get(field, field)
                    for message in messages:
                        form.add_error(target if target in form.fields else None, message)
            else:
                return redirect("concerns:saved", concern_id=outcome.concern.pk)
    selected = set(form.data.getlist("indicators")) if form.is_bound else set()
    return render(
        request,
        "concerns/new.html",
        {
            "form": form,
            "domains": [
                (domain_id, label, items, any(i.id in selected for i in items))
                for domain_id, label, items in indicators_by_domain()
            ],
            "selected": selected,
            "suggestions": suggestions,
            "searched": action == "find" and request.method == "POST",
            "catalogue_version": catalogue().version,
        },
    )


def _identity(data) -> Identity:
    return Identity(
        first_name=data["first_name"],
        last_name=data["last_name"],
        dob=data["dob"],
        sex=data["sex"],
        postcode=data["postcode"],
        nhs_number=data["nhs_number"],
    )


@role_required(Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
def concern_saved(request, concern_id: int):
    saved = saved_concern_for(user=request.user, concern_id=concern_id)
    return render(
        request,
        "concerns/saved.html",
        {
            "concern": saved.concern,
            "view": saved.view,
            "labels": indicator_labels(),
            "pending": saved.pending,
            "other_agencies": saved.other_agencies,
            "refer_error": "refer_error" in request.GET,
            **after_saving(user=request.user, concern=saved.concern, child_view=saved.view),
        },
    )


@role_required(Role.DSL, Role.MASH_ANALYST)
@require_http_methods(["POST"])
def concern_override(request, concern_id: int):
    """Record a professional's grade beside the computed one; the service checks who may."""
    # Refused before anything else, as a missing concern is: even an invalid form must not
    # redirect an outsider to the child's profile, which would tell them which child it is about.
    concern, child_id = concern_to_override(actor=request.user, concern_id=concern_id)
    form = OverrideForm(request.POST)
    if form.is_valid():
        concern_grade_override(
            actor=request.user,
            concern=concern,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
        )
        return redirect(f"/children/{child_id}/?from=override")
    # Nothing saved: show why on the profile, rather than return to it as if it had been.
    view = child_access(
        user=request.user, child_id=child_id, purpose=view_purpose(None, "override")
    )
    return render_profile(request, view, form, status=400)


@role_required(Role.MASH_ANALYST)
def other_areas(request):
    """The MASH's children that another partnership may know too, and whom to contact there."""
    from jigsaw.web.concerns.elsewhere import other_area_notices_for

    return render(
        request, "concerns/other_areas.html", {"notices": other_area_notices_for(request.user)}
    )
