"""The administrator's page of the area's linkage model: the one in use, its history, the
schedule and "Retrain now"."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.accounts.selectors import profile_of
from jigsaw.web.linkmodel.forms import OFF, ScheduleForm
from jigsaw.web.linkmodel.selectors import linkage_page
from jigsaw.web.linkmodel.services import (
    linkage_model_viewed,
    linkage_retrain_now,
    linkage_schedule_set,
)


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def linkage_model(request):
    """Show the model in use and its history; set the schedule; retrain now."""
    profile = profile_of(request.user)
    area = profile.area
    posted = request.POST if request.method == "POST" else None
    retrain = posted is not None and "retrain" in posted
    form = ScheduleForm(None if retrain or posted is None else posted)
    if retrain:
        done = linkage_retrain_now(actor=request.user, area=area)
        # Shown once, after the redirect, so a reload never trains again.
        request.session["linkage_message"] = [done.message, done.accepted]
        return redirect("linkmodel:model")
    if posted is not None and form.is_valid():
        linkage_schedule_set(actor=request.user, every_days=form.every())
        return redirect("linkmodel:model")
    page = linkage_page(area_id=area.pk)
    linkage_model_viewed(actor=request.user, area=area)
    if posted is None:
        every = page.schedule.every_days if page.schedule else None
        form = ScheduleForm(initial={"every_days": str(every) if every else OFF})
    message, accepted = request.session.pop("linkage_message", None) or ("", False)
    return render(
        request,
        "linkmodel/model.html",
        {"area": area, "page": page, "form": form, "message": message, "accepted": accepted},
    )
