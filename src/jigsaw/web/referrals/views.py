"""The workflow's pages: the inbox, the safeguarding lead's and the MASH's queues, a referral."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jigsaw.act.clock import LONDON, Rag
from jigsaw.act.states import (
    ContactDecision,
    MashDecision,
    Outcome,
    SeenAlone,
    StrategyMode,
    choices,
    suggested_mode,
)
from jigsaw.web.access import Actor
from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Agency, Role
from jigsaw.web.concerns.selectors import concern_for_author
from jigsaw.web.referrals import selectors, services
from jigsaw.web.referrals.forms import (
    ActionForm,
    ActionUpdateForm,
    CloseForm,
    ContactDecisionForm,
    DecideForm,
    OutcomeForm,
    RateForm,
    ReferDirectForm,
    ReviewForm,
    StrategyForm,
    rag_options,
    with_empty,
)
from jigsaw.web.referrals.models import Referral

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CHILD_ROLES = (Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)


class SignedInRequest(HttpRequest):
    """A request that ``role_required`` let through: its user is signed in and verified."""

    user: User


def _errors_into(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            # A three-field date carries its error on the day field, where the summary links.
            if field not in form.fields and f"{field}_day" in form.fields:
                field = f"{field}_day"
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _sweep(request: SignedInRequest) -> None:
    # Late work escalates when someone next looks: the clocks are checked before each queue.
    area_id = Actor.of(request.user).area_id
    if area_id is not None:
        services.clocks_sweep(area_id=area_id)


@role_required(*Role)
def inbox(request: SignedInRequest) -> HttpResponse:
    _sweep(request)
    box = selectors.inbox_for(request.user)
    rows = [(f, selectors.feedback_for_referral_child(f)) for f in box.feedback]
    # The MASH's group reviews and a SPOC's police checks (jigsaw.web.groups).
    from jigsaw.web.access import is_spoc

    return render(
        request,
        "referrals/inbox.html",
        {
            "box": box,
            "feedback_rows": rows,
            "group_tasks": box.groups,
            "spoc": is_spoc(Actor.of(request.user)),
        },
    )


@role_required(Role.DSL)
def contacts_queue(request: SignedInRequest) -> HttpResponse:
    _sweep(request)
    return render(
        request, "referrals/contacts.html", {"rows": selectors.contacts_to_decide(request.user)}
    )


@role_required(Role.DSL)
@require_http_methods(["GET", "POST"])
def contact_decide(request: SignedInRequest, contact_id: int) -> HttpResponse:
    contact = selectors.contact_to_decide(user=request.user, contact_id=contact_id)
    form = ContactDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contact_decide(
                actor=request.user,
                contact=contact,
                decision=data["decision"],
                reason=data["reason"],
                review_on=data["review_on"],
            )
        except ValidationError as error:
            _errors_into(form, error)
        else:
            return redirect("referrals:contacts")
    return render(
        request,
        "referrals/contact.html",
        {"contact": contact, "form": form, "decisions": choices(ContactDecision)},
        status=400 if form.errors else 200,
    )


@role_required(Role.PRACTITIONER)
@require_http_methods(["POST"])
def refer_direct(request: SignedInRequest, concern_id: int) -> HttpResponse:
    concern = concern_for_author(user=request.user, concern_id=concern_id)
    if concern is None:
        raise Http404("no such concern of yours")
    form = ReferDirectForm(request.POST)
    if form.is_valid():
        services.referral_direct(
            actor=request.user, concern=concern, reason=form.cleaned_data["reason"]
        )
        return redirect(reverse("concerns:saved", args=[concern_id]) + "?referred=1")
    return redirect(reverse("concerns:saved", args=[concern_id]) + "?refer_error=1")


@role_required(Role.MASH_ANALYST)
def mash_queue(request: SignedInRequest) -> HttpResponse:
    _sweep(request)
    area_id = Actor.of(request.user).area_id
    return render(
        request,
        "referrals/mash.html",
        {
            "rows": selectors.mash_queue(request.user),
            "interviews": selectors.return_interview_counts(area_id=area_id) if area_id else None,
        },
    )


def _referral_forms(referral: Referral, data: Any = None, which: str = "") -> dict[str, Any]:
    agencies, staff = selectors.action_owner_choices(referral)

    def bound(name: str) -> Any:
        return data if which == name else None

    return {
        "rate_form": RateForm(bound("rate"), initial={"rag": referral.rag}),
        "decide_form": DecideForm(bound("decide")),
        "action_form": ActionForm(bound("action"), agencies=agencies, staff=staff),
        "outcome_form": OutcomeForm(bound("outcome")),
        "review_form": ReviewForm(bound("review")),
        "close_form": CloseForm(bound("close")),
        # Every referral here is about exploitation, which suggests a meeting.
        "strategy_form": StrategyForm(
            bound("strategy"), initial={"mode": suggested_mode(exploitation=True).value}
        ),
    }


def _render_referral(
    request: SignedInRequest,
    referral_id: int,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    view = selectors.referral_for_mash(
        user=request.user, referral_id=referral_id, purpose="working a referral"
    )
    forms = forms or _referral_forms(view.referral)
    agencies, staff = selectors.action_owner_choices(view.referral)
    return render(
        request,
        "referrals/referral.html",
        {
            "view": view,
            **forms,
            "rags": rag_options(view.referral.rag),
            "decision_options": with_empty(choices(MashDecision), "Choose a decision"),
            "outcome_options": with_empty(choices(Outcome), "Choose an outcome"),
            "modes": choices(StrategyMode),
            "seen_alone_choices": choices(SeenAlone),
            "yes_no": [("yes", "Yes"), ("no", "No")],
            "voices": selectors.voices_of(view.referral),
            "agencies": agencies,
            "staff_options": [("", "Anyone in the agency"), *staff],
            "forms_with_errors": [f for f in forms.values() if f.errors],
        },
        status=status,
    )


@role_required(Role.MASH_ANALYST)
def referral_page(request: SignedInRequest, referral_id: int) -> HttpResponse:
    return _render_referral(request, referral_id)


@role_required(Role.MASH_ANALYST)
@require_http_methods(["POST"])
def referral_change(request: SignedInRequest, referral_id: int, change: str) -> HttpResponse:
    view = selectors.referral_for_mash(
        user=request.user, referral_id=referral_id, purpose="changing a referral"
    )
    referral = view.referral
    forms = _referral_forms(referral, request.POST, change)
    key = f"{change}_form"
    if key not in forms:
        raise Http404("no such change")
    form = forms[key]
    if form.is_valid():
        data = form.cleaned_data
        try:
            if change == "rate":
                services.referral_rate(
                    actor=request.user, referral=referral, rag=data["rag"], reason=data["reason"]
                )
            elif change == "decide":
                services.referral_decide(
                    actor=request.user,
                    referral=referral,
                    decision=data["decision"],
                    reason=data["reason"],
                    outcome_due=data["outcome_due"],
                    child_voice=data["child_voice"],
                )
            elif change == "action":
                owner = None
                if data["owner"]:
                    from django.contrib.auth import get_user_model

                    owner = get_user_model().objects.get(pk=data["owner"])
                services.action_create(
                    actor=request.user,
                    referral=referral,
                    title=data["title"],
                    owner_agency=Agency.objects.get(pk=data["owner_agency"]),
                    owner=owner,
                    due_at=form.due_at(),
                )
            elif change == "outcome":
                services.outcome_record(
                    actor=request.user,
                    referral=referral,
                    outcome=data["outcome"],
                    outcome_on=data["outcome_on"],
                    close_reason=data["close_reason"],
                )
            elif change == "review":
                services.referral_review(
                    actor=request.user,
                    referral=referral,
                    note=data["note"],
                    next_review_on=data["next_review_on"],
                    child_voice=data["child_voice"],
                )
            elif change == "strategy":
                services.strategy_record(
                    actor=request.user,
                    referral=referral,
                    held_at=form.held_at(),
                    mode=data["mode"],
                    chair=data["chair"],
                    attendees=data["attendees"],
                    information_shared=data["information_shared"],
                    section_47=data["section_47"] == "yes",
                    criminal_investigation=data["criminal_investigation"] == "yes",
                    seen_alone=data["seen_alone"],
                    seen_alone_on=data["seen_alone_on"],
                    immediate_safety=data["immediate_safety"],
                    decisions=data["decisions"],
                    child_voice=data["child_voice"],
                    actions=data["actions"],
                    next_review_on=data["strategy_review_on"],
                )
            else:
                services.referral_close(
                    actor=request.user, referral=referral, reason=data["close_reason"]
                )
        except ValidationError as error:
            _errors_into(form, error)
        else:
            return redirect("referrals:referral", referral_id=referral.pk)
    return _render_referral(request, referral_id, forms, status=400)


@role_required(*CHILD_ROLES)
@require_http_methods(["POST"])
def action_update(request: SignedInRequest, action_id: int) -> HttpResponse:
    action = selectors.action_to_update(user=request.user, action_id=action_id)
    form = ActionUpdateForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["change"] == "complete":
                services.action_complete(
                    actor=request.user, action=action, evidence=form.cleaned_data["text"]
                )
            else:
                services.action_cancel(
                    actor=request.user, action=action, reason=form.cleaned_data["text"]
                )
        except ValidationError as error:
            _errors_into(form, error)
    if form.errors:
        # Nothing changed: say why on the inbox, where the action was.
        box = selectors.inbox_for(request.user)
        rows = [(f, selectors.feedback_for_referral_child(f)) for f in box.feedback]
        return render(
            request,
            "referrals/inbox.html",
            {"box": box, "feedback_rows": rows, "action_form": form, "failed_action": action.pk},
            status=400,
        )
    return redirect("referrals:inbox")


@role_required(*CHILD_ROLES)
@require_http_methods(["GET", "POST"])
def missing_page(request: SignedInRequest, child_id: int) -> HttpResponse:
    """A child's missing episodes and return home interviews (for the MASH and the agencies that
    know the child); the child view is audited by child_access first."""
    from jigsaw.web.children.models import Child
    from jigsaw.web.children.selectors import child_access
    from jigsaw.web.referrals.forms import InterviewForm, MissingForm, ReturnForm, at_london

    view = child_access(user=request.user, child_id=child_id, purpose="missing episodes")
    episodes = selectors.missing_for_child(user=request.user, child_id=child_id)
    if not _may_record_missing(request, view.child):
        raise Http404("no such child")
    which = request.POST.get("form", "") if request.method == "POST" else ""
    missing_form = MissingForm(request.POST if which == "missing" else None)
    return_form = ReturnForm(request.POST if which == "return" else None)
    interview_form = InterviewForm(request.POST if which == "interview" else None)
    form = {"missing": missing_form, "return": return_form, "interview": interview_form}.get(which)
    # The people, vehicles and places the child spoke of, one form per episode (jigsaw.web.groups).
    from jigsaw.web.groups.forms import interview_mentions_forms

    mention_forms = interview_mentions_forms(
        episodes, request.POST if which == "interview" else None, request.POST.get("episode", "")
    )
    posted_mentions = mention_forms.get(int(request.POST.get("episode", "0") or 0))
    mentions_ok = which != "interview" or posted_mentions is None or posted_mentions.is_valid()
    if form is not None and form.is_valid() and mentions_ok:
        data = form.cleaned_data
        episode: Any = None
        if which != "missing":
            found = next((e for e in episodes if str(e.pk) == request.POST.get("episode")), None)
            if found is None:
                raise Http404("no such episode")
            episode = found
        try:
            if which == "missing":
                services.missing_record(
                    actor=request.user,
                    child=Child.objects.get(pk=child_id),
                    kind=data["kind"],
                    started_at=at_london(data["started_on"], data["started_time"]),
                    police_reference=data["police_reference"],
                )
            elif which == "return":
                services.missing_return(
                    actor=request.user,
                    episode=episode,
                    ended_at=at_london(data["ended_on"], data["ended_time"]),
                    found_where=data["found_where"],
                )
            else:
                from django.db import transaction

                from jigsaw.web.groups.services import interview_mentions_record

                with transaction.atomic():
                    services.return_interview_record(
                        actor=request.user,
                        episode=episode,
                        offered_at=at_london(data["offered_on"], None, dt.time(9)),
                        response=data["response"],
                        declined_reason=data["declined_reason"],
                        completed_at=at_london(data["completed_on"], data["completed_time"])
                        if data["completed_on"]
                        else None,
                        learned=data["learned"],
                        child_voice=data["child_voice"],
                    )
                    interview_mentions_record(
                        actor=request.user,
                        episode=episode,
                        mentions=posted_mentions.mentions() if posted_mentions else [],
                    )
        except ValidationError as error:
            _errors_into(form, error)
        else:
            return redirect("referrals:missing", child_id=child_id)
    shown = selectors.missing_for_child(user=request.user, child_id=child_id)
    for shown_episode in shown:
        setattr(shown_episode, "mentions_form", mention_forms.get(shown_episode.pk))  # noqa: B010
    failed = form is not None and (form.errors or not mentions_ok)
    return render(
        request,
        "referrals/missing.html",
        {
            "view": view,
            "episodes": shown,
            "missing_form": missing_form,
            "return_form": return_form,
            "interview_form": interview_form,
            "forms_with_errors": [
                f for f in (missing_form, return_form, interview_form) if f.errors
            ],
            "now": services.now(),
            "kinds": [
                ("missing", "Missing (whereabouts unknown)"),
                ("absent", "Absent (whereabouts known)"),
            ],
            "responses": [("accepted", "Accepted"), ("declined", "Declined")],
        },
        status=400 if failed else 200,
    )


def _may_record_missing(request: SignedInRequest, child: Any) -> bool:
    from jigsaw.web.access import may_record_missing
    from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, Link

    agencies = set(
        Link.objects.filter(child=child, status__in=ACTIVE_LINK_STATUSES).values_list(
            "record__agency_id", flat=True
        )
    )
    return may_record_missing(
        Actor.of(request.user), child_area_id=child.area_id, record_agency_ids=agencies
    )


MACE_FIELDS = (
    "discussion",
    "risk",
    "plan",
    "victim",
    "offender",
    "location",
    "themes",
    "child_voice",
    "actions",
)


@role_required(Role.MASH_ANALYST)
@require_http_methods(["GET", "POST"])
def mace_panel(request: SignedInRequest) -> HttpResponse:
    """The MACE panel: its agenda, built from the area's referrals, and the meeting record."""
    from jigsaw.web.referrals.forms import MaceDateForm

    _sweep(request)
    today = services.now().astimezone(LONDON).date()
    on = today
    errors: list[str] = []
    date_form = MaceDateForm(
        request.POST if request.method == "POST" else None,
        initial={"held_on_day": on.day, "held_on_month": on.month, "held_on_year": on.year},
    )
    if request.method == "POST":
        if date_form.is_valid():
            on = date_form.cleaned_data["held_on"]
        else:
            errors += [str(m) for field in date_form for m in field.errors]
    agenda = selectors.mace_agenda(request.user, on=on)
    # Cases (places, peer groups) and groups of connected children are on the agenda too.
    from jigsaw.web.referrals.cases import ContextDecision, case_agenda

    mace_cases = case_agenda(request.user, on=on)
    mace_groups = _mace_groups(request.user)
    if request.method == "POST" and not errors:
        contexts = [
            ContextDecision(decision=text, case=entry.case)
            for entry in mace_cases
            if (text := request.POST.get(f"case-{entry.case.pk}-decision", "")).strip()
        ] + [
            ContextDecision(decision=text, group=entry.group)
            for entry in mace_groups
            if (text := request.POST.get(f"group-{entry.group.pk}-decision", "")).strip()
        ]
        items = []
        for entry in agenda:
            key = f"item-{entry.referral.pk}-"
            values = {f: request.POST.get(key + f, "") for f in MACE_FIELDS}
            if not values["discussion"].strip() and not values["plan"].strip():
                continue  # not discussed at this meeting
            items.append(
                services.MaceItemInput(
                    referral=entry.referral,
                    reasons=entry.reasons,
                    risk=values["risk"] or "amber",
                    **{f: values[f] for f in MACE_FIELDS if f != "risk"},
                )
            )
        try:
            meeting = services.mace_meeting_record(
                actor=request.user,
                held_on=on,
                chair=request.POST.get("chair", ""),
                attendees=request.POST.get("attendees", ""),
                items=items,
                contexts=contexts,
            )
        except ValidationError as error:
            errors += [
                m
                for ms in getattr(error, "message_dict", {"": error.messages}).values()
                for m in ms
            ]
        else:
            return redirect("referrals:minutes", meeting_id=meeting.pk)
    return render(
        request,
        "referrals/mace.html",
        {
            "agenda": agenda,
            # Groups of connected children are on the agenda too (jigsaw.web.groups).
            "mace_groups": mace_groups,
            "mace_cases": mace_cases,
            "meetings": selectors.mace_meetings(request.user),
            "date_form": date_form,
            "posted": request.POST,
            "errors": errors,
            "rags": Rag.choices(),
        },
        status=400 if errors else 200,
    )


def _mace_groups(user: Any) -> list[Any]:
    from jigsaw.web.groups.selectors import mace_groups

    return mace_groups(user)


@role_required(Role.MASH_ANALYST)
def mace_minutes(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting, lines = selectors.mace_minutes(
        user=request.user, meeting_id=meeting_id, purpose="minutes print view"
    )
    return render(
        request,
        "referrals/minutes.html",
        {"meeting": meeting, "lines": lines, "marking": selectors.MARKING},
    )


@role_required(Role.MASH_ANALYST)
def mace_minutes_pdf(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    from jigsaw.act.pdf import text_pdf

    meeting, lines = selectors.mace_minutes(
        user=request.user, meeting_id=meeting_id, purpose="minutes PDF"
    )
    response = HttpResponse(
        text_pdf(lines, marking=selectors.MARKING, title=f"MACE panel {meeting.held_on}"),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="mace-{meeting.held_on}.pdf"'
    return response
