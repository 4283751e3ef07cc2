"""The MASH's pages of groups: the list, one group (with its decision and person matches) and
the area's places; the police single point of contact's check of a group's vehicles and phones;
the partnership lead's group rules."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.groups import selectors, services
from jigsaw.web.groups.forms import CheckForm, DesignateForm, GroupRulesForm
from jigsaw.web.groups.models import ProposalStatus


@role_required(Role.MASH_ANALYST)
def group_list(request: HttpRequest) -> HttpResponse:
    return render(request, "groups/list.html", {"rows": selectors.groups_for(request.user)})


def _group_page(
    request: HttpRequest, group_id: int, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    view = selectors.group_for(user=request.user, group_id=group_id)
    return render(
        request,
        "groups/group.html",
        {
            "view": view,
            "errors": errors or {},
            "posted": request.POST,
            "proposed": ProposalStatus.PROPOSED.value,
        },
        status=status,
    )


@role_required(Role.MASH_ANALYST)
def group_page(request: HttpRequest, group_id: int) -> HttpResponse:
    return _group_page(request, group_id)


def _messages(error: ValidationError) -> dict[str, str]:
    return {field: " ".join(messages) for field, messages in error.message_dict.items()}


@role_required(Role.MASH_ANALYST)
@require_POST
def group_decide(request: HttpRequest, group_id: int) -> HttpResponse:
    group = selectors.group_to_decide(user=request.user, group_id=group_id)
    try:
        services.group_decide(
            actor=request.user,  # type: ignore[arg-type]
            group=group,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        return _group_page(request, group_id, _messages(error), status=400)
    return redirect("groups:group", group_id=group.pk)


@role_required(Role.MASH_ANALYST)
@require_POST
def merge_decide(request: HttpRequest, merge_id: int) -> HttpResponse:
    merge = selectors.merge_to_decide(user=request.user, merge_id=merge_id)
    group_id = request.POST.get("group", "")
    try:
        services.merge_decide(
            actor=request.user,  # type: ignore[arg-type]
            merge=merge,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        if group_id.isdigit():
            errors: dict[str, Any] = {
                f"merge-{merge.pk}-{k}": v for k, v in _messages(error).items()
            }
            return _group_page(request, int(group_id), errors, status=400)
        return HttpResponse(" ".join(_messages(error).values()), status=400)
    if group_id.isdigit():
        return redirect("groups:group", group_id=int(group_id))
    return redirect("groups:list")


@role_required(Role.MASH_ANALYST, Role.PARTNERSHIP_LEAD)
@require_http_methods(["GET"])
def places(request: HttpRequest) -> HttpResponse:
    rows, exact = selectors.places_for(request.user)
    return render(request, "groups/places.html", {"rows": rows, "exact": exact})


# A SPOC keeps their role (a police practitioner, safeguarding lead or MASH analyst): the page is
# open to those roles, and the selector answers "not found" unless the user is the area's SPOC.
@role_required(Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
@require_http_methods(["GET", "POST"])
def group_check(request: HttpRequest, task_id: int) -> HttpResponse:
    form = CheckForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        task = selectors.group_check_to_record(user=request.user, task_id=task_id)
        if form.is_valid():
            try:
                services.group_check_record(
                    actor=request.user,  # type: ignore[arg-type]
                    task=task,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    for message in messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                return redirect("groups:check", task_id=task.pk)
        status = 400
    view = selectors.group_check_for(user=request.user, task_id=task_id)
    return render(request, "groups/check.html", {"view": view, "form": form}, status=status)


@role_required(Role.PARTNERSHIP_LEAD)
@require_http_methods(["GET", "POST"])
def group_settings(request: HttpRequest) -> HttpResponse:
    """The partnership lead sets the group rules and names the area's SPOCs."""
    from jigsaw.web.accounts.services import designation_end, spoc_designate

    view = selectors.group_rules_for(request.user)
    posted = request.POST if request.method == "POST" else None
    which = posted.get("form", "") if posted is not None else ""
    rules = GroupRulesForm(posted if which == "rules" else None, instance=view.rules)
    designate = DesignateForm(
        posted if which == "designate" else None, candidates=view.candidates, prefix="spoc"
    )
    if which == "rules" and rules.is_valid():
        try:
            services.group_settings_set(
                actor=request.user,  # type: ignore[arg-type]
                size_threshold=rules.cleaned_data["size_threshold"],
                review_days=rules.cleaned_data["review_days"],
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    rules.add_error(field if field in rules.fields else None, message)
        else:
            return redirect("groups:settings")
    if which == "designate" and designate.is_valid():
        try:
            spoc_designate(actor=request.user, user_id=designate.cleaned_data["user"])  # type: ignore[arg-type]
        except ValidationError as error:
            designate.add_error("user", " ".join(error.messages))
        else:
            return redirect("groups:settings")
    if which == "end":
        ended = posted.get("designation", "") if posted is not None else ""
        if ended.isdigit():
            designation_end(actor=request.user, designation_id=int(ended))  # type: ignore[arg-type]
            return redirect("groups:settings")
    return render(
        request,
        "groups/settings.html",
        {"view": view, "rules": rules, "designate": designate},
        status=400 if posted is not None else 200,
    )
