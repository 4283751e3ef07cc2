"""The child profile and the MASH analyst's link decisions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jigsaw.screening import Grade
from jigsaw.web.access import view_purpose
from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.accounts.selectors import role_of
from jigsaw.web.children.compare import link_threshold, review_threshold
from jigsaw.web.children.forms import LinkReviewForm, LinkUndoForm, SearchForm
from jigsaw.web.children.paging import paginate
from jigsaw.web.children.search import SearchTerms, children_search
from jigsaw.web.children.selectors import (
    child_access,
    child_names,
    children_listed,
    children_to_review_for,
    children_visible_to,
    link_review_for,
    pending_links_for,
)
from jigsaw.web.children.services import link_decide as link_decision_record
from jigsaw.web.children.services import link_undo as link_undo_record
from jigsaw.web.concerns.selectors import indicator_labels

PURPOSES = {
    "mash": "MASH review",
    "list": "opened from my children",
    "linked": "after a link decision",
    "search": "found by a search",
    "amended": "after correcting or withdrawing a concern",
    "concerns": "opened from a list of concerns",
}

# The sorts a list offers: the value in ?sort= and the ordering it means.
CHILD_SORTS = {
    "graded": ("Most recently graded", ("-graded_at", "-id")),
    "grade": ("Highest grade", None),  # by the grade's rank: see _ordered
    "oldest": ("First known", ("created_at", "id")),
}


def _signs_counting(view) -> list[str]:
    """Every sign on the child's concerns that still count (not withdrawn)."""
    return [i for c in view.concerns if not c.withdrawn for i in c.indicators]


def render_profile(request, view, form, status: int = 200):
    """The child's profile page; ``form`` is the decision or override form whose errors to show."""
    # Named as the user may see them: from the first linked record whose identity they may see.
    name = next((r.identity for r in view.records if r.identity), None)
    return render(
        request,
        "children/profile.html",
        {
            "view": view,
            "name": name,
            "child_signs": _signs_counting(view),
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
    return render_profile(request, view, None)


def _ordered(children, sort: str):
    """``children`` annotated with ``shown_grade`` and ``shown_graded_at`` (see
    :func:`_with_shown_grade`), in the chosen order."""
    from django.db.models import Case, F, Value, When

    if sort == "grade":
        rank = Case(
            *(When(shown_grade=g.value, then=Value(g.rank)) for g in Grade), default=Value(0)
        )
        return children.order_by(rank.desc(), F("shown_graded_at").desc(nulls_last=True), "-id")
    if sort not in CHILD_SORTS or sort == "graded":
        # Never-graded children last, on PostgreSQL as on SQLite.
        return children.order_by(F("shown_graded_at").desc(nulls_last=True), "-id")
    return children.order_by(*(CHILD_SORTS[sort][1] or ()))


def _with_shown_grade(user, children):
    """Each child with the grade this user may see: the combined grade for those who hold the
    combined picture (the safeguarding lead, the MASH), else the grade of the user's own latest
    concern about the child, as on the child's profile. Filters and sorting use the same grade,
    so that neither hints at what other agencies recorded."""
    from django.db.models import F, OuterRef, Subquery

    from jigsaw.web.access import Actor, may_see_combined_grade
    from jigsaw.web.children.models import ACTIVE_LINK_STATUSES
    from jigsaw.web.concerns.models import Concern

    actor = Actor.of(user)
    if actor.area_id is not None and may_see_combined_grade(actor, child_area_id=actor.area_id):
        return children.annotate(shown_grade=F("grade_level"), shown_graded_at=F("graded_at")), True
    own = Concern.objects.filter(
        record__links__child=OuterRef("pk"),
        record__links__status__in=ACTIVE_LINK_STATUSES,
        recorded_by_id=user.pk,
    ).order_by("-recorded_at", "-id")
    return (
        children.annotate(
            shown_grade=Subquery(own.values("grade_level")[:1]),
            shown_graded_at=Subquery(own.values("recorded_at")[:1]),
        ),
        False,
    )


def _with_names(user, items, child_of=lambda item: item):
    """Pair each shown item with the name of its child the user may see (or ``None``)."""
    names = child_names(user=user, child_ids={child_of(item).pk for item in items})
    return [(item, names.get(child_of(item).pk)) for item in items]


@role_required(Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
def my_children(request):
    grade = request.GET.get("grade", "")
    sort = request.GET.get("sort", "graded")
    children, combined = _with_shown_grade(request.user, children_visible_to(request.user))
    if grade in {g.value for g in Grade}:
        children = children.filter(shown_grade=grade)
    paged = paginate(request, _ordered(children, sort))
    rows = _with_names(request.user, list(paged.items))
    children_listed(user=request.user, children=[c for c, _ in rows], purpose="my children")
    return render(
        request,
        "children/list.html",
        {
            "rows": rows,
            "paged": paged,
            "grade": grade,
            "sort": sort if sort in CHILD_SORTS else "graded",
            "grade_choices": Grade.choices(),
            "combined": combined,
            "sorts": [(k, label) for k, (label, _) in CHILD_SORTS.items()],
        },
    )


@role_required(Role.MASH_ANALYST)
def mash_queue(request):
    links = pending_links_for(request.user)
    agency = request.GET.get("agency", "")
    if agency.isdigit():
        links = links.filter(record__agency_id=int(agency))
    links_paged = paginate(request, links, per_page=25)
    link_rows = _with_names(request.user, list(links_paged.items), child_of=lambda link: link.child)
    children_paged = paginate(
        request, children_to_review_for(request.user), per_page=25, parameter="children_page"
    )
    child_rows = _with_names(request.user, list(children_paged.items))
    children_listed(
        user=request.user,
        children=[c for c, _ in child_rows],
        links=[link for link, _ in link_rows],
        purpose="MASH queue",
    )
    from jigsaw.web.accounts.models import Agency
    from jigsaw.web.children.matching import model_of

    # The thresholds of the model the area links with now.
    used = model_of(request.user.profile.area_id)
    return render(
        request,
        "children/mash.html",
        {
            "link_rows": link_rows,
            "links_paged": links_paged,
            "child_rows": child_rows,
            "children_paged": children_paged,
            "agency": agency,
            "link_threshold": link_threshold(used),
            "review_threshold": review_threshold(used),
            "agencies": Agency.objects.filter(area_id=request.user.profile.area_id).order_by(
                "name"
            ),
        },
    )


@role_required(Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
def child_search(request):
    form = SearchForm(request.GET or None)
    paged = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        terms = SearchTerms(
            name=data["name"].strip(),
            dob_day=data.get("dob_day"),
            dob_month=data.get("dob_month"),
            dob_year=data.get("dob_year"),
            age=data.get("age"),
            nhs_number=data["nhs_number"],
            postcode=data["postcode"].strip(),
            reference=data["reference"].strip(),
        )
        paged = paginate(request, children_search(user=request.user, terms=terms), per_page=20)
    return render(
        request,
        "children/search.html",
        {"form": form, "paged": paged},
        status=400 if form.is_bound and form.errors else 200,
    )


def _review_page(request, review, form, undo_form, status: int = 200):
    return render(
        request,
        "children/link_review.html",
        {"review": review, "form": form, "undo_form": undo_form},
        status=status,
    )


@role_required(Role.MASH_ANALYST)
@require_http_methods(["GET", "POST"])
def link_review(request, link_id: int):
    """The two records side by side; a POST decides (with a reason) and goes to the child."""
    review = link_review_for(user=request.user, link_id=link_id)
    form = LinkReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                link_decision_record(
                    actor=request.user,
                    link=review.link,
                    decision=form.cleaned_data["decision"],
                    reason=form.reason_text(),
                )
            except ValidationError as error:
                # Decided already (by another analyst, or twice): say so, never redirect silently.
                form.add_error(None, "The decision was not saved: " + "; ".join(error.messages))
                return _review_page(request, review, form, LinkUndoForm(), status=409)
            return redirect(reverse("children:link_review", args=[link_id]) + "?decided=1")
        return _review_page(request, review, form, LinkUndoForm(), status=400)
    return _review_page(request, review, form, LinkUndoForm())


@role_required(Role.MASH_ANALYST)
@require_http_methods(["GET", "POST"])
def link_decide(request, link_id: int):
    """The older address of a decision: the review page now takes it (a GET goes there too)."""
    if request.method == "GET":
        return redirect("children:link_review", link_id=link_id)
    return link_review(request, link_id)


@role_required(Role.MASH_ANALYST)
@require_http_methods(["GET", "POST"])
def link_undo(request, link_id: int):
    review = link_review_for(user=request.user, link_id=link_id)
    if request.method == "GET":
        return redirect("children:link_review", link_id=link_id)
    form = LinkUndoForm(request.POST)
    if form.is_valid():
        try:
            link_undo_record(
                actor=request.user, link=review.link, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, "The decision was not undone: " + "; ".join(error.messages))
            return _review_page(request, review, LinkReviewForm(), form, status=409)
        return redirect(reverse("children:link_review", args=[link_id]) + "?undone=1")
    return _review_page(request, review, LinkReviewForm(), form, status=400)
