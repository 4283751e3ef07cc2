"""The child profile and the MASH analyst's link decisions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.children.selectors import (
    child_access,
    children_listed,
    children_to_review_for,
    children_visible_to,
    pending_links_for,
)
from jigsaw.web.children.services import link_confirm, link_reject
from jigsaw.web.concerns.forms import LinkDecisionForm
from jigsaw.web.concerns.selectors import indicator_labels

PURPOSES = {
    "mash": "MASH review",
    "list": "opened from my children",
    "linked": "after a link decision",
}


@role_required(Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
def child_profile(request, child_id: int):
    purpose = PURPOSES.get(request.GET.get("from", ""), "opened the child's profile")
    view = child_access(user=request.user, child_id=child_id, purpose=purpose)
    timeline = sorted(view.concerns, key=lambda c: (c.seen_on, c.id))
    return render(
        request,
        "children/profile.html",
        {
            "view": view,
            "labels": indicator_labels(),
            "timeline": timeline,
            "decision_form": LinkDecisionForm(),
        },
    )


@role_required(Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
def my_children(request):
    children = list(children_visible_to(request.user).order_by("-graded_at")[:100])
    children_listed(user=request.user, children=children, purpose="my children")
    return render(request, "children/list.html", {"children": children})


@role_required(Role.MASH_ANALYST)
def mash_queue(request):
    links = list(pending_links_for(request.user)[:100])
    children = list(children_to_review_for(request.user))
    children_listed(user=request.user, children=children, links=links, purpose="MASH queue")
    return render(request, "children/mash.html", {"links": links, "children": children})


@role_required(Role.MASH_ANALYST)
@require_http_methods(["POST"])
def link_decide(request, link_id: int):
    link = get_object_or_404(pending_links_for(request.user), pk=link_id)
    form = LinkDecisionForm(request.POST)
    if form.is_valid():
        decide = link_confirm if form.cleaned_data["decision"] == "confirm" else link_reject
        try:
            decide(actor=request.user, link=link, reason=form.cleaned_data["reason"])
        except ValidationError:
            pass
        return redirect(f"/children/{link.child_id}/?from=linked")
    view = child_access(user=request.user, child_id=link.child_id, purpose="MASH review")
    return render(
        request,
        "children/profile.html",
        {
            "view": view,
            "labels": indicator_labels(),
            "timeline": sorted(view.concerns, key=lambda c: (c.seen_on, c.id)),
            "decision_form": form,
        },
        status=400,
    )
