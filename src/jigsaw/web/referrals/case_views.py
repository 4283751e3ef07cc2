"""The MACE panel's pages of cases: the list, opening a case on a place or a peer group (from
the places page or a group), and one case with its children, notes, actions and history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jigsaw.web.access import Actor
from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Agency, Role
from jigsaw.web.groups.models import Group
from jigsaw.web.referrals import cases
from jigsaw.web.referrals.forms import GovukDates
from jigsaw.web.referrals.models import MaceCaseKind, MaceCaseStatus
from jigsaw.web.referrals.views import SignedInRequest, _errors_into
from jigsaw.web.refs import pk_of, ref

# The texts are checked by the services (jigsaw.web.referrals.cases), whose messages the pages
# show; the forms check only the shape of what was typed.


def _text(max_length: int = 4000) -> forms.CharField:
    return forms.CharField(required=False, max_length=max_length)


class OpenForm(forms.Form):
    kind = forms.ChoiceField(
        choices=MaceCaseKind.choices,
        error_messages={
            "required": "Select a place or a peer group",
            "invalid_choice": "Select a place or a peer group",
        },
    )
    title = _text(200)
    place = _text(200)
    postcode = _text(10)
    anchors = {"kind": "kind-place", "title": "title", "place": "place", "postcode": "postcode"}


class ChildForm(forms.Form):
    child = _text(40)
    child_ref = _text(300)
    reason = _text()


class RemoveForm(forms.Form):
    member = forms.TypedChoiceField(
        coerce=int, choices=(), error_messages={"required": "Choose the child to take off"}
    )
    remove_reason = _text()

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "Choose a child"), *members]  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    text = _text()


class CaseActionForm(GovukDates):
    dates = (("due_on", "the due date", True),)
    field_order = ["title", "owner_agency", "due_on_day", "due_on_month", "due_on_year"]
    title = _text(200)
    owner_agency = forms.TypedChoiceField(
        coerce=int, choices=(), error_messages={"required": "Choose the agency that owns it"}
    )

    def __init__(self, *args: Any, agencies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].choices = [("", "Choose an agency"), *agencies]  # type: ignore[attr-defined]


class DoneForm(forms.Form):
    done_action = forms.TypedChoiceField(
        coerce=int, choices=(), error_messages={"required": "Choose the action that was done"}
    )
    evidence = _text()

    def __init__(self, *args: Any, open_actions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done_action"].choices = [("", "Choose an action"), *open_actions]  # type: ignore[attr-defined]


class CaseCloseForm(forms.Form):
    close_reason = _text(2000)


STEPS = ("child", "remove", "note", "action", "done", "close")


@role_required(Role.MASH_ANALYST)
@require_http_methods(["GET"])
def case_list(request: SignedInRequest) -> HttpResponse:
    return render(
        request,
        "referrals/cases/list.html",
        {
            "rows": cases.cases_for(request.user),
            "closed": cases.cases_for(request.user, status=MaceCaseStatus.CLOSED),
        },
    )


def _open(request: SignedInRequest, group: Group | None) -> HttpResponse:
    place_label = "" if group else request.GET.get("place", "").strip()
    if place_label and place_label not in cases.place_labels(Actor.of(request.user).area_id or 0):
        raise Http404("no such place")
    if group is not None:
        initial = {"kind": MaceCaseKind.PEER_GROUP, "title": f"Peer group: group {group.pk}"}
    elif place_label:
        initial = {"kind": MaceCaseKind.PLACE, "title": place_label, "place": place_label}
    else:
        initial = {}
    form = OpenForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = cases.case_open(
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                place=data["place"],
                postcode=data["postcode"],
                place_label=place_label,
                group=group,
            )
        except ValidationError as error:
            _errors_into(form, error)
        else:
            return redirect("referrals:case", case_id=case.pk)
    return render(
        request,
        "referrals/cases/open.html",
        {"form": form, "group": group, "place_label": place_label, "kinds": MaceCaseKind.choices},
        status=400 if form.errors else 200,
    )


@role_required(Role.MASH_ANALYST)
@require_http_methods(["GET", "POST"])
def case_open(request: SignedInRequest) -> HttpResponse:
    """Open a case; from the places page the place comes as ``?place=`` (a label the area's
    mentions resolved to, else 404)."""
    return _open(request, None)


@role_required(Role.MASH_ANALYST)
@require_http_methods(["GET", "POST"])
def case_open_group(request: SignedInRequest, group_id: int) -> HttpResponse:
    """Open a peer-group case on a group of connected children (404 outside the area)."""
    from jigsaw.web.groups.selectors import group_to_decide

    return _open(request, group_to_decide(user=request.user, group_id=group_id))


def _forms(case: Any, data: Any = None, step: str = "") -> dict[str, Any]:
    """The case page's forms, ``step``'s bound to ``data``; the choices are the case's own ids
    (the page writes the options' names from the audited view)."""

    def bound(name: str) -> Any:
        return data if step == name else None

    agencies = [(a.pk, a.name) for a in Agency.objects.filter(area_id=case.area_id)]
    members = [
        (pk, str(pk))
        for pk in case.children.filter(removed_at__isnull=True).values_list("pk", flat=True)
    ]
    open_actions = [
        (pk, str(pk))
        for pk in case.actions.filter(done_at__isnull=True).values_list("pk", flat=True)
    ]
    return {
        "child": ChildForm(bound("child")),
        "remove": RemoveForm(bound("remove"), members=members),
        "note": NoteForm(bound("note")),
        "action": CaseActionForm(bound("action"), agencies=agencies),
        "done": DoneForm(bound("done"), open_actions=open_actions),
        "close": CaseCloseForm(bound("close")),
    }


def _render(
    request: SignedInRequest,
    view: cases.CaseView,
    forms_: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms_ = forms_ or _forms(view.case)
    agencies = Agency.objects.filter(area_id=view.case.area_id).order_by("name")
    return render(
        request,
        "referrals/cases/case.html",
        {
            "view": view,
            "case": view.case,
            "forms": forms_,
            "suggested": [(ref(c), name, why) for c, name, why in view.suggested],
            "forms_with_errors": [f for f in forms_.values() if f.errors],
            "is_open": view.case.status == MaceCaseStatus.OPEN,
            "agencies": [("", "Choose an agency"), *((a.pk, a.name) for a in agencies)],
            "members": [("", "Choose a child"), *((r.member.pk, r.name) for r in view.children)],
            "open_actions": [
                ("", "Choose an action"),
                *((a.pk, a.title) for a, _ in view.actions if a.done_at is None),
            ],
        },
        status=status,
    )


@role_required(Role.MASH_ANALYST)
@require_http_methods(["GET"])
def case_page(request: SignedInRequest, case_id: int) -> HttpResponse:
    return _render(request, cases.case_view(user=request.user, case_id=case_id))


def _child_id(data: dict[str, str]) -> int:
    """The child chosen from the suggestions or typed as a reference (the end of the child's
    page address); a reference that names no child is answered as one outside the scope."""
    given = (data["child_ref"] or data["child"]).strip().rstrip("/").rsplit("/", 1)[-1]
    if not given:
        raise ValidationError({"child": "Choose a child, or give a child's reference"})
    try:
        return pk_of(given)
    except ValueError:
        raise ValidationError({"child": cases.NO_SUCH_CHILD}) from None


@role_required(Role.MASH_ANALYST)
@require_http_methods(["POST"])
def case_change(request: SignedInRequest, case_id: int, step: str) -> HttpResponse:
    case = cases.case_for(user=request.user, case_id=case_id)
    if step not in STEPS:
        raise Http404("no such change")
    forms_ = _forms(case, request.POST, step)
    form = forms_[step]
    if form.is_valid():
        data = form.cleaned_data
        try:
            if step == "child":
                cases.case_child_add(
                    actor=request.user, case=case, child_id=_child_id(data), reason=data["reason"]
                )
            elif step == "remove":
                cases.case_child_remove(
                    actor=request.user,
                    case=case,
                    member_id=data["member"],
                    reason=data["remove_reason"],
                )
            elif step == "note":
                cases.case_note_add(actor=request.user, case=case, text=data["text"])
            elif step == "action":
                cases.case_action_create(
                    actor=request.user,
                    case=case,
                    title=data["title"],
                    owner_agency=Agency.objects.get(pk=data["owner_agency"]),
                    due_on=data["due_on"],
                )
            elif step == "done":
                cases.case_action_done(
                    actor=request.user,
                    case=case,
                    action_id=data["done_action"],
                    evidence=data["evidence"],
                )
            else:
                cases.case_close(actor=request.user, case=case, reason=data["close_reason"])
        except ValidationError as error:
            _errors_into(form, error)
        else:
            return redirect("referrals:case", case_id=case.pk)
    # Refused: the page again, with why (its look at the children audited as any other).
    return _render(request, cases.case_view(user=request.user, case_id=case_id), forms_, 400)
