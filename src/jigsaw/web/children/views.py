"""The child profile and the MASH analyst's link decisions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jigsaw.screening import Grade
from jigsaw.web.access import view_purpose
from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.accounts.selectors import role_of
from jigsaw.web.children.selectors import (
    child_access,
    children_listed,
    children_to_review_for,
    children_visible_to,
    link_to_decide,
    pending_links_for,
)
from jigsaw.web.children.services import link_decide as link_decision_record
from jigsaw.web.concerns.forms import LinkDecisionForm
from jigsaw.web.concerns.selectors import indicator_labels


def render_profile(request, view, form, status: int = 200):
    """The child's profile page; ``form`` is the decision or override form whose errors to show."""
    return render(
        request,
        "children/profile.html",
        {
            "view": view,
            "labels": indicator_labels(),
            "timeline": sorted(view.concerns, key=lambda c: (c.seen_on, c.id)),
            "decision_form": form,
            "grade_choices": Grade.choices(),
        },
        status=status,
    )


# Every role reaches the selector, which decides: a refusal (a partnership lead's too) is then
# audited, and answers exactly as a child that does not exist.
@role_required(*Role)
def child_profile(request, child_id: int):
    # The purpose is the server's, from role and page: nothing in the URL can change it.
    purpose = view_purpose(role_of(request.user), "profile")
    view = child_access(user=request.user, child_id=child_id, purpose=purpose)
    return render_profile(request, view, LinkDecisionForm())


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
    link = link_to_decide(user=request.user, link_id=link_id)
    form = LinkDecisionForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            link_decision_record(
                actor=request.user,
                link=link,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            # Decided already (by another analyst, or twice): say so, never redirect silently.
            form.add_error(None, "The decision was not saved: " + "; ".join(error.messages))
            status = 409
        else:
            return redirect(f"/children/{link.child_id}/?from=linked")
    view = child_access(
        user=request.user,
        child_id=link.child_id,
        purpose=view_purpose(role_of(request.user), "link_decision"),
    )
    return render_profile(request, view, form, status=status)
