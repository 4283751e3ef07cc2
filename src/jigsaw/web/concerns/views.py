"""Record a concern; show its grade and, where allowed, the child's combined grade."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.accounts.selectors import profile_of
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord
from jigsaw.web.children.selectors import child_access
from jigsaw.web.concerns.forms import ConcernForm, OverrideForm
from jigsaw.web.concerns.models import Concern
from jigsaw.web.concerns.selectors import (
    catalogue,
    concern_for_author,
    indicator_labels,
    indicators_by_domain,
    own_records_matching,
)
from jigsaw.web.concerns.services import (
    Identity,
    concern_grade_override,
    concern_override_check,
    concern_record,
)

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
            record = _chosen_record(request.user, data.get("record_choice", ""))
            try:
                outcome = concern_record(
                    actor=request.user,
                    identity=None if record else _identity(data),
                    record=record,
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


def _chosen_record(user, choice: str) -> AgencyRecord | None:
    if not choice or choice == "new":
        return None
    profile = profile_of(user)
    record = AgencyRecord.objects.filter(
        record_id=choice, agency_id=profile.agency_id, links__status__in=ACTIVE_LINK_STATUSES
    ).first()
    if record is None:
        raise PermissionDenied("not one of your agency's records")
    return record


@role_required(Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
def concern_saved(request, concern_id: int):
    concern = concern_for_author(user=request.user, concern_id=concern_id)
    if concern is None:
        raise Http404("no such concern of yours")
    link = (
        concern.record.links.filter(status__in=ACTIVE_LINK_STATUSES).select_related("child").first()
    )
    view = child_access(
        user=request.user, child_id=link.child_id, purpose="after recording a concern"
    )
    pending = concern.record.links.filter(status="pending").count()
    return render(
        request,
        "concerns/saved.html",
        {
            "concern": concern,
            "view": view,
            "labels": indicator_labels(),
            "pending": pending,
            "other_agencies": [a for a in view.agencies if a != concern.record.agency.name],
        },
    )


@role_required(Role.DSL, Role.MASH_ANALYST)
@require_http_methods(["POST"])
def concern_override(request, concern_id: int):
    """Record a professional's grade beside the computed one; the service checks who may."""
    concern = get_object_or_404(Concern.objects.select_related("record__agency"), pk=concern_id)
    # Refused before anything else: even an invalid form must not redirect an outsider to the
    # child's profile, which would tell them which child the concern is about.
    concern_override_check(actor=request.user, concern=concern)
    form = OverrideForm(request.POST)
    link = concern.record.links.filter(status__in=ACTIVE_LINK_STATUSES).first()
    if form.is_valid():
        concern_grade_override(
            actor=request.user,
            concern=concern,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
        )
    return redirect(f"/children/{link.child_id}/?from=override")
