"""The MASH's pages of groups: the list, one group (with its decision and person matches) and
the area's places."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.groups import selectors, services
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
