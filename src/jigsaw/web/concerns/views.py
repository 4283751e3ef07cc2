"""Record a concern; show its grade and, where allowed, the child's combined grade."""

from __future__ import annotations

import dataclasses

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jigsaw.web.access import view_purpose
from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.children.characteristics import child_characteristics_record
from jigsaw.web.children.selectors import child_access
from jigsaw.web.children.views import render_profile
from jigsaw.web.concerns.forms import OverrideForm, form_token_of, new_form_token
from jigsaw.web.concerns.intake_forms import IntakeForm
from jigsaw.web.concerns.selectors import (
    catalogue,
    indicator_labels,
    indicators_by_domain,
    own_records_matching,
    saved_concern_for,
)
from jigsaw.web.concerns.services import (
    Identity,
    concern_correct,
    concern_grade_override,
    concern_record,
    concern_to_correct,
    concern_to_override,
    concern_withdraw,
)
from jigsaw.web.groups.forms import MentionsForm
from jigsaw.web.referrals.selectors import after_saving

IDENTITY_FIELDS = (
    "first_name",
    "alias",
    "last_name",
    "age",
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
    from django.http import QueryDict

    from jigsaw.web.concerns.drafts import draft_take, draft_token

    draft = draft_take(request.user) if request.method == "GET" else None
    if draft is not None:
        # The form as it was sent when the session ended, shown as typed and not yet checked.
        kept = QueryDict(mutable=True)
        for key, values in draft.items():
            kept.setlist(key, values)
        form = IntakeForm(catalogue=catalogue(), initial={k: v[-1] for k, v in draft.items()})
        selected = set(kept.getlist("indicators"))
    else:
        form = IntakeForm(request.POST or None, catalogue=catalogue())
        selected = None
    mentions_form = MentionsForm(
        request.POST if request.method == "POST" else None,
        initial={k: v[-1] for k, v in (draft or {}).items() if k.startswith("m-")},
    )
    suggestions = None
    action = request.POST.get("action", "save")
    choice = request.POST.get("record_choice", "")
    if request.method == "POST":
        valid = form.is_valid()
        identity_ok = not any(name in form.errors for name in IDENTITY_FIELDS)
        if action == "find":
            # Only the child's details are needed to search; the concern can be filled in after.
            for name in list(form.errors):
                if name not in IDENTITY_FIELDS and name != "__all__":
                    del form.errors[name]
            if not form.errors:
                suggestions = _suggestions(request.user, form.cleaned_data)
        else:
            offered = request.POST.get("searched") == "1"
            if identity_ok and (choice or offered):
                # The records offered before stay offered, with the one chosen still chosen.
                suggestions = _suggestions(request.user, form.cleaned_data)
            if offered and not choice:
                # Nothing is chosen for the user: a new record must be asked for, not defaulted.
                form.add_error(
                    "record_choice",
                    "Select the record that is this child, or None of these: a new record",
                )
                valid = False
            # The people, vehicles and places around the child are checked with the concern.
            valid = mentions_form.is_valid() and valid
            if valid:
                data = form.cleaned_data
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
                        form_token=data["form_token"],
                        mentions=mentions_form.mentions(),
                    )
                except ValidationError as error:
                    for field, messages in error.message_dict.items():
                        target = {"seen_on": "seen_day"}.get(field, field)
                        for message in messages:
                            form.add_error(target if target in form.fields else None, message)
                else:
                    if outcome.new_record:
                        child_characteristics_record(
                            child=outcome.child,
                            ethnicity=data["ethnicity"],
                            disability=data["disability"],
                        )
                    return redirect("concerns:saved", concern_id=outcome.concern.pk)
    if selected is None:
        selected = set(form.data.getlist("indicators")) if form.is_bound else set()
    # One token for the form until it is saved: kept while it comes back with errors (or as a
    # draft), so the save that finally succeeds, and any resending of it, carries the token.
    sent = request.POST.get("form_token") if request.method == "POST" else None
    if draft is not None:
        sent = (draft.get("form_token") or [None])[-1]
    form_token = form_token_of(sent) or new_form_token()
    return render(
        request,
        "concerns/new.html",
        {
            "form": form,
            "mentions_form": mentions_form,
            "draft_restored": draft is not None,
            "draft_owner": draft_token(request.user),
            "form_token": form_token,
            "domains": [
                (domain_id, label, items, any(i.id in selected for i in items))
                for domain_id, label, items in indicators_by_domain()
            ],
            "selected": selected,
            "suggestions": suggestions,
            "choice": choice,
            "searched": suggestions is not None,
            "catalogue_version": catalogue().version,
        },
    )


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One of the agency's records offered at intake, with what tells it from a look-alike."""

    record: object
    match_probability: float
    last_seen: object
    concerns: int
    postcodes: tuple[str, ...]


def _suggestions(user, data) -> list[Candidate]:
    """The agency's records that may be this child, each with its reference, when it was last
    seen, how many concerns it holds and the postcodes its child is known at (the addresses
    this agency has), so that two records alike in name and birth date can be told apart."""
    from django.db.models import Count, Max

    from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord

    found = own_records_matching(user=user, identity=_identity(data).for_matching())
    out = []
    for s in found:
        facts = s.record.concerns.aggregate(last=Max("seen_on"), n=Count("id"))
        child = s.record.links.filter(status__in=ACTIVE_LINK_STATUSES).values("child_id").first()
        postcodes = (
            AgencyRecord.objects.filter(
                agency_id=s.record.agency_id,
                links__child_id=child["child_id"],
                links__status__in=ACTIVE_LINK_STATUSES,
            )
            .exclude(postcode="")
            .order_by("created_at")
            .values_list("postcode", flat=True)
            if child
            else AgencyRecord.objects.none().values_list("postcode", flat=True)
        )
        out.append(
            Candidate(
                record=s.record,
                match_probability=s.match_probability,
                last_seen=facts["last"],
                concerns=facts["n"],
                postcodes=tuple(dict.fromkeys(postcodes)),
            )
        )
    return out


def _identity(data) -> Identity:
    return Identity(
        first_name=data["first_name"],
        last_name=data["last_name"],
        dob=data["dob"],
        sex=data["sex"],
        postcode=data["postcode"],
        nhs_number=data["nhs_number"],
        alias=data.get("alias", ""),
        dob_estimated=bool(data.get("dob_estimated")),
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
            "child_signs": [
                i for c in saved.view.concerns if not c.withdrawn for i in c.indicators
            ],
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
        return redirect(reverse("children:profile", args=[child_id]) + "?from=override")
    # Nothing saved: show why on the profile, rather than return to it as if it had been.
    view = child_access(
        user=request.user, child_id=child_id, purpose=view_purpose(None, "override")
    )
    return render_profile(request, view, form, status=400)


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@role_required(Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
def concern_list(request):
    """My concerns (a practitioner's, a MASH analyst's) or the agency's (a safeguarding lead's)."""
    from jigsaw.screening import Grade
    from jigsaw.web.children.paging import paginate
    from jigsaw.web.children.selectors import child_names, children_listed
    from jigsaw.web.concerns.lists import CONCERN_SORTS, STATUSES, concerns_listed_for

    grade, status = request.GET.get("grade", ""), request.GET.get("status", "")
    sort = request.GET.get("sort", "seen")
    since, until = _date(request.GET.get("since", "")), _date(request.GET.get("until", ""))
    kind, concerns = concerns_listed_for(
        user=request.user, grade=grade, status=status, since=since, until=until, sort=sort
    )
    paged = paginate(request, concerns)
    rows = list(paged.items)
    names = child_names(user=request.user, child_ids={c.child_id for c in rows if c.child_id})
    from jigsaw.web.children.models import Child

    children_listed(
        user=request.user,
        children=list(Child.objects.filter(pk__in={c.child_id for c in rows if c.child_id})),
        purpose="agency's concerns" if kind == "agency" else "my concerns",
    )
    return render(
        request,
        "concerns/list.html",
        {
            "kind": kind,
            "rows": [(c, names.get(c.child_id)) for c in rows],
            "paged": paged,
            "grade": grade,
            "status": status,
            "sort": sort if sort in CONCERN_SORTS else "seen",
            "since": since.isoformat() if since else "",
            "until": until.isoformat() if until else "",
            "grade_choices": Grade.choices(),
            "statuses": list(STATUSES.items()),
            "sorts": [(k, label) for k, (label, _) in CONCERN_SORTS.items()],
        },
    )


@role_required(Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)
@require_http_methods(["GET", "POST"])
def concern_amend(request, concern_id: int):
    """Correct a concern (an addendum with a reason) or withdraw it (wrong child)."""
    from jigsaw.web.concerns.addendum_forms import CorrectionForm, WithdrawalForm

    concern, child_id = concern_to_correct(actor=request.user, concern_id=concern_id)
    action = request.POST.get("action", "")
    correction = CorrectionForm(request.POST if action == "correct" else None)
    withdrawal = WithdrawalForm(request.POST if action == "withdraw" else None)
    if request.method == "POST":
        form = correction if action == "correct" else withdrawal
        if form.is_valid():
            try:
                if action == "correct":
                    concern_correct(
                        actor=request.user,
                        concern=concern,
                        reason=form.cleaned_data["reason"],
                        text=form.cleaned_data["text"],
                    )
                else:
                    concern_withdraw(
                        actor=request.user,
                        concern=concern,
                        reason=form.cleaned_data["withdraw_reason"],
                    )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    target = (
                        {"reason": "withdraw_reason"}.get(field, field)
                        if action == "withdraw"
                        else field
                    )
                    for message in messages:
                        form.add_error(target if target in form.fields else None, message)
            else:
                done = "corrected" if action == "correct" else "withdrawn"
                return redirect(
                    reverse("children:profile", args=[child_id]) + f"?from=amended&done={done}"
                )
    addenda = list(concern.addenda.select_related("written_by"))
    return render(
        request,
        "concerns/amend.html",
        {
            "concern": concern,
            "child_id": child_id,
            "labels": indicator_labels(),
            "addenda": addenda,
            "withdrawn": any(a.kind == "withdrawal" for a in addenda),
            "correction": correction,
            "withdrawal": withdrawal,
            "errors_form": withdrawal if action == "withdraw" else correction,
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.MASH_ANALYST)
def other_areas(request):
    """The MASH's children that another partnership may know too, and whom to contact there."""
    from jigsaw.web.concerns.elsewhere import other_area_notices_for

    return render(
        request, "concerns/other_areas.html", {"notices": other_area_notices_for(request.user)}
    )
