"""Retraining an area's linkage model on its own records, in the web application.

A synthetic partnership from the world generator (420 children, about 1,100 records: just over
the core's minimum) is stored as a second area beside the background one. Retraining it goes
through the real service and the core's training (a smaller random sample for u than production
uses, so each training takes seconds); the matcher, the link review and the page are then read
as the application reads them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from jigsaw.linkage import MIN_RECORDS, Model
from jigsaw.web.audit.models import AuditEvent, EventType
from jigsaw.web.children import matching
from jigsaw.web.children.models import AgencyRecord, Link, LinkStatus, RecordStoreVersion
from jigsaw.web.linkmodel.models import LinkageModel, LinkageSchedule
from jigsaw.web.linkmodel.services import (
    linkage_retrain,
    linkage_retrain_due,
    linkage_schedule_set,
)
from tests.web.cast import PASSWORD, area_from_world, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_training(settings):
    # 200,000 random pairs for u instead of 2,000,000: the same training, in a quarter the time.
    settings.JIGSAW_LINKAGE_U_PAIRS = 200_000


def user_of(agencies, role: str, name: str):
    from jigsaw.web.demo import demo_user_create

    kind = {"administrator": "social_care", "mash_analyst": "social_care"}.get(role, "education")
    user, device = demo_user_create(
        username=name, password=PASSWORD, role=role, agency=agencies[kind]
    )
    return user, device


def model_changes() -> int:
    return RecordStoreVersion.objects.get(pk=1).model_changes


def events(event_type: EventType):
    return AuditEvent.objects.filter(event_type=event_type.value)


def test_a_trained_model_becomes_the_areas_model_in_every_process():
    area, agencies = area_from_world()
    admin, _ = user_of(agencies, "administrator", "westfold_admin")
    records = AgencyRecord.objects.filter(agency__area=area).count()
    assert records >= MIN_RECORDS
    # Two server processes, each with its index built before the training.
    first, second = matching.RecordIndex(), matching.RecordIndex()
    first.current()
    second.current()
    assert first.model_of(area.pk).version == Model.default().version
    before = model_changes()

    done = linkage_retrain(actor=admin, area=area)

    assert done.accepted, done.message
    row = done.row
    assert row.active and row.accepted and row.trained_by == admin
    assert row.records == records
    assert row.records_from == timezone.localdate() - dt.timedelta(days=365)
    assert row.records_to == timezone.localdate()
    assert row.version == f"{Model.default().version}+fit.{timezone.now():%Y-%m-%d}"
    assert row.summary["records"] == records and all(s["converged"] for s in row.summary["em"])
    assert (
        done.message == f"Trained on {records:,} records and made the model in use ({row.version})."
    )
    # One bump of the counter, in the transaction that made it active.
    assert model_changes() == before + 1
    trained = Model.from_dict(row.model)
    for index in (first, second):
        index.current()
        used = index.model_of(area.pk)
        assert used.version == row.version
        assert used.levels == trained.levels
        # The other area keeps the shipped model.
        assert index.model_of(None).version == Model.default().version
    # A page that only weighs two records (the link review) reads the model, not the records.
    third = matching.RecordIndex()
    assert third.model_in_use(area.pk).version == row.version
    assert third.rebuilds == 0 and len(third) == 0
    # The models are read once per change, not once per match.
    reads = first.model_reads
    first.current()
    first.model_of(area.pk)
    assert first.model_reads == reads
    # A match for a record of the area is scored with the trained weights, field by field.
    record = AgencyRecord.objects.filter(agency__area=area).select_related("agency").first()
    from jigsaw.web.children.services import record_mapping_of

    probe = {**record_mapping_of(record), "record_id": "probe"}
    best = first.match(probe, area_id=area.pk)[0]
    steps = {name: weight for name, _, weight in best.explanation}
    assert steps["sex"] == round(trained.level_weight("sex", 1), 3)
    assert trained.level_weight("sex", 1) != Model.default().level_weight("sex", 1)
    audit = events(EventType.LINKAGE_MODEL_TRAINED).get()
    assert audit.actor == admin and audit.area_id == area.pk
    assert audit.extra["records"] == records and audit.extra["version"] == row.version


def test_the_trained_model_keeps_the_constraints_of_batch_clustering():
    """A different valid NHS number never links, however well the rest agrees, with the trained
    model as with the shipped one (the constraints are the model's, as clustering applies them)."""
    from jigsaw.identifiers import nhs_check_digit
    from jigsaw.web.children.services import record_mapping_of

    area, agencies = area_from_world()
    admin, _ = user_of(agencies, "administrator", "westfold_admin")
    assert linkage_retrain(actor=admin, area=area).accepted
    record = (
        AgencyRecord.objects.filter(agency__area=area)
        .exclude(nhs_number="")
        .select_related("agency")
        .first()
    )
    nine = f"{(int(record.nhs_number[:9]) + 1) % 10**9:09d}"
    while nhs_check_digit(nine) is None:
        nine = f"{(int(nine) + 1) % 10**9:09d}"
    other = nine + str(nhs_check_digit(nine))
    same = {**record_mapping_of(record), "record_id": "probe"}
    found = matching.match(same, area_id=area.pk)[0]
    assert found.decision == "link"
    different = {**same, "nhs_number": other}
    refused = [
        m for m in matching.match(different, area_id=area.pk) if m.child_id == found.child_id
    ][0]
    assert refused.decision == "no_link"
    assert refused.explanation[-1][0] == "constraint"
    assert refused.explanation[-1][1].startswith("different valid NHS numbers")


def test_a_refused_training_keeps_the_model_in_use_and_says_why_in_words():
    area, agencies = area_from_world()
    admin, _ = user_of(agencies, "administrator", "westfold_admin")
    kept = linkage_retrain(actor=admin, area=area).row
    before = model_changes()

    # One round of EM is never enough to settle: the core's guard refuses the model.
    done = linkage_retrain(actor=admin, area=area, max_iterations=1)

    assert not done.accepted
    row = done.row
    assert not row.active and not row.accepted and row.model == {}
    assert row.refusal == done.message
    assert done.message.startswith("Not made active: the estimation of the weights did not settle")
    assert "pairs of records sharing a date of birth after 1 rounds" in done.message
    assert done.message.endswith(f"The model in use ({kept.version}) is kept.")
    # Plain English: never a rule of Splink's SQL, never a traceback.
    for sql in ("l.", "r.", " = ", "Traceback", "SELECT"):
        assert sql not in done.message
    kept.refresh_from_db()
    assert kept.active
    assert model_changes() == before
    assert matching.model_of(area.pk).version == kept.version
    audit = events(EventType.LINKAGE_MODEL_REFUSED).get()
    assert audit.extra["reason"] == done.message and audit.area_id == area.pk


def test_too_few_records_are_refused_before_training(cast):
    done = linkage_retrain(actor=cast.admin, area=cast.area)
    held = AgencyRecord.objects.filter(agency__area=cast.area).count()
    assert not done.accepted
    assert done.message == (
        f"Not trained: the area holds {held:,} records and training needs at least 1,000. "
        f"The model in use ({Model.default().version}) is kept."
    )
    assert done.row.records == held and not done.row.active


def test_two_trainings_of_one_area_never_run_at_once(cast):
    started = timezone.now() - dt.timedelta(minutes=3)
    LinkageSchedule.objects.create(area=cast.area, running_since=started)
    done = linkage_retrain(actor=cast.admin, area=cast.area)
    assert done.row is None and not done.accepted
    assert done.message.startswith("A training of this area's model is already running (since")
    assert not LinkageModel.objects.filter(area=cast.area).exists()
    # The other's claim is left alone.
    assert LinkageSchedule.objects.get(area=cast.area).running_since == started
    # A claim older than a process could take is taken over (its process died).
    LinkageSchedule.objects.filter(area=cast.area).update(
        running_since=timezone.now() - dt.timedelta(hours=3)
    )
    done = linkage_retrain(actor=cast.admin, area=cast.area)
    assert done.row is not None
    assert LinkageSchedule.objects.get(area=cast.area).running_since is None


def test_the_schedule_runs_only_when_due(cast):
    now = timezone.now()
    assert linkage_retrain_due(now=now) == {}
    schedule = linkage_schedule_set(actor=cast.admin, every_days=7)
    # Never trained: due at the next run.
    assert schedule.next_run <= timezone.now()
    done = linkage_retrain_due(now=timezone.now())
    assert list(done) == [cast.area.code]
    assert done[cast.area.code].row.by_schedule and done[cast.area.code].row.trained_by is None
    schedule.refresh_from_db()
    assert dt.timedelta(days=6, hours=23) < schedule.next_run - now < dt.timedelta(days=7, hours=1)
    # Idempotent: again at once, nothing is due.
    assert linkage_retrain_due(now=timezone.now()) == {}
    assert linkage_retrain_due(now=now + dt.timedelta(days=6)) == {}
    assert list(linkage_retrain_due(now=now + dt.timedelta(days=8))) == [cast.area.code]
    assert LinkageModel.objects.filter(area=cast.area, by_schedule=True).count() == 2
    # Off: never again on the schedule.
    linkage_schedule_set(actor=cast.admin, every_days=None)
    assert linkage_retrain_due(now=now + dt.timedelta(days=400)) == {}
    changed = events(EventType.LINKAGE_SCHEDULE_CHANGED).order_by("seq")
    assert [e.extra["every_days"] for e in changed] == [7, None]


def test_the_command_runs_due_schedules_and_says_so(cast, capsys):
    call_command("linkage_retrain")
    assert "no area's retraining is due" in capsys.readouterr().out
    linkage_schedule_set(actor=cast.admin, every_days=30)
    call_command("linkage_retrain")
    out = capsys.readouterr().out
    assert f"{cast.area.code}: Not trained: the area holds" in out
    call_command("linkage_retrain")
    assert "no area's retraining is due" in capsys.readouterr().out
    # The same from the jigsaw command line, as the timer runs it.
    from jigsaw.cli import main

    assert main(["linkage-retrain", "--area", "E09999999"]) == 2
    assert "E09999999: no such area" in capsys.readouterr().err
    assert main(["linkage-retrain"]) == 0
    assert capsys.readouterr().out == "no area's retraining is due\n"
    assert main(["linkage-retrain", "--area", cast.area.code, "--now"]) == 0
    assert capsys.readouterr().out.startswith(f"{cast.area.code}: Not trained: the area holds")


def test_only_the_areas_administrator_manages_its_model(cast):
    for name in ("analyst", "lead", "auditor", "teacher"):
        with pytest.raises(PermissionDenied):
            linkage_retrain(actor=getattr(cast, name), area=cast.area)
        with pytest.raises(PermissionDenied):
            linkage_schedule_set(actor=getattr(cast, name), every_days=7)
    # Another area's administrator may not retrain this one.
    with pytest.raises(PermissionDenied):
        linkage_retrain(actor=cast.admin, area=cast.other_area)
    assert not LinkageModel.objects.exists()


def test_the_page_shows_the_model_in_use_its_date_and_its_records(client):
    area, agencies = area_from_world()
    admin, device = user_of(agencies, "administrator", "westfold_admin")
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    page = client.get("/linkage-model/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "The model shipped with Jigsaw" in text and "81,298 synthetic records" in text
    assert events(EventType.LINKAGE_MODEL_VIEWED).filter(actor=admin).count() == 1

    posted = client.post("/linkage-model/", {"retrain": "1"})
    assert posted.status_code == 302
    text = client.get("/linkage-model/").content.decode()
    row = LinkageModel.objects.get(area=area, active=True)
    assert "Trained on this partnership's records" in text
    assert f"{row.records:,} records of this partnership" in text and "," in f"{row.records:,}"
    assert timezone.localtime(row.trained_at).strftime("%-d %B %Y") in text
    assert f"stored from {row.records_from:%-d %B %Y} to {row.records_to:%-d %B %Y}" in text
    assert f"Trained on {row.records:,} records and made the model in use" in text
    assert "Learnt from" in text and "settled after" in text
    # Shown once: a reload does not say it again, nor train again.
    assert "made the model in use" not in client.get("/linkage-model/").content.decode()
    assert LinkageModel.objects.filter(area=area).count() == 1

    client.post("/linkage-model/", {"every_days": "30"})
    assert LinkageSchedule.objects.get(area=area).every_days == 30
    invalid = client.post("/linkage-model/", {"every_days": "12"})
    assert invalid.status_code == 200 and "Choose how often to retrain" in invalid.content.decode()


def test_retrain_now_on_an_area_too_large_to_wait_for_is_queued_for_the_timer(client, settings):
    """Over the limit, "Retrain now" trains nothing in the request: it asks the timer, the page
    says so, and the timer's next run trains the model in the administrator's name."""
    area, agencies = area_from_world()
    admin, device = user_of(agencies, "administrator", "westfold_admin")
    records = AgencyRecord.objects.filter(agency__area=area).count()
    settings.JIGSAW_LINKAGE_RETRAIN_NOW_RECORDS = records - 1
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    assert client.post("/linkage-model/", {"retrain": "1"}).status_code == 302
    text = client.get("/linkage-model/").content.decode()
    assert f"Queued: the area holds {records:,} records" in text
    assert "Retraining asked for on" in text and "by westfold_admin" in text
    assert not LinkageModel.objects.exists()
    schedule = LinkageSchedule.objects.get(area=area)
    assert schedule.requested_by == admin and schedule.every_days is None
    asked = events(EventType.LINKAGE_SCHEDULE_CHANGED).get(actor=admin)
    assert asked.extra == {"requested": True, "records": records}

    done = linkage_retrain_due()
    assert list(done) == [area.code] and done[area.code].accepted, done[area.code].message
    row = LinkageModel.objects.get(area=area)
    assert row.active and row.trained_by == admin and not row.by_schedule
    schedule.refresh_from_db()
    assert schedule.requested_at is None and schedule.requested_by is None
    assert "Retraining asked for on" not in client.get("/linkage-model/").content.decode()
    # Answered: the timer's next run has nothing to do.
    assert linkage_retrain_due() == {}

    # At the limit it trains while the administrator waits, as before.
    settings.JIGSAW_LINKAGE_RETRAIN_NOW_RECORDS = records
    client.post("/linkage-model/", {"retrain": "1"})
    assert LinkageModel.objects.filter(area=area).count() == 2
    assert LinkageSchedule.objects.get(area=area).requested_at is None


def test_the_page_is_the_administrators_alone(cast, client):
    for name in ("analyst", "lead", "auditor", "teacher"):
        client.logout()
        verified_client(client, cast, name)
        assert client.get("/linkage-model/").status_code == 403
        assert client.post("/linkage-model/", {"retrain": "1"}).status_code == 403
    assert not LinkageModel.objects.exists()


def test_a_link_review_explains_itself_with_the_trained_model():
    """The review of a possible link in a retrained area weighs each field with the trained
    model, and names the fields in plain words, with the trained thresholds."""
    from jigsaw.web.children.compare import prepared_record
    from jigsaw.web.children.selectors import link_review_for

    area, agencies = area_from_world()
    admin, _ = user_of(agencies, "administrator", "westfold_admin")
    analyst, _ = user_of(agencies, "mash_analyst", "westfold_analyst")
    assert linkage_retrain(actor=admin, area=area).accepted
    trained = matching.model_of(area.pk)
    # Two children of the area sharing a surname: a possible link for the MASH to decide.
    links = Link.objects.filter(child__area=area, status__in=("new", "auto")).select_related(
        "record", "child"
    )
    by_surname: dict[str, Link] = {}
    pair = None
    for link in links.order_by("id"):
        other = by_surname.get(link.record.last_name)
        if other is not None and other.child_id != link.child_id:
            pair = (link, other)
            break
        by_surname.setdefault(link.record.last_name, link)
    assert pair is not None
    mine, theirs = pair
    pending = Link.objects.create(
        record=mine.record,
        child=theirs.child,
        status=LinkStatus.PENDING,
        match_probability=0.5,
        match_weight=0.0,
        # Proposed before the area retrained, by the shipped model.
        explanation={"model": Model.default().version},
        created_at=timezone.now(),
    )

    review = link_review_for(user=analyst, link_id=pending.pk)

    assert review.proposed_with == Model.default().version
    assert review.weighed_with == trained.version

    assert review.link_threshold == trained.link_threshold
    assert review.review_threshold == trained.review_threshold
    labels = [row.label for row in review.rows]
    assert {"First name", "Last name", "Date of birth", "Sex", "Postcode"} <= set(labels)
    from jigsaw.linkage import COMPARISONS

    left = prepared_record(review.record)
    right = prepared_record(review.candidate)
    for row, comparison in zip(review.rows, COMPARISONS, strict=True):
        index = comparison.level_of(left, right)
        assert row.level == comparison.levels[index].label
        if row.weight is not None:
            assert row.weight == round(trained.level_weight(comparison.name, index), 2)
    surname = next(row for row in review.rows if row.label == "Last name")
    assert surname.agrees and surname.weight > 0
    # The explanation computed now starts from the trained model's prior.
    assert review.explanation[0] == ("prior", "two random records", round(trained.prior_weight, 2))

    # A concern recorded now about a child of the area is linked by the trained model, and its
    # link says so beside the explanation of each field's weight.
    from tests.web.cast import SCHOOL_SIGNS, record_concern

    teacher, _ = user_of(agencies, "practitioner", "westfold_teacher")
    known = mine.record
    who = {
        "first_name": known.first_name,
        "last_name": known.last_name,
        "dob": (known.dob.year, known.dob.month, known.dob.day),
        "sex": known.sex,
        "postcode": known.postcode,
    }
    outcome = record_concern(teacher, who, SCHOOL_SIGNS, "seen at the school gate")
    proposed = [
        link
        for link in Link.objects.filter(record=outcome.concern.record)
        if link.explanation.get("detail")
    ]
    assert proposed, "the new record matched a child of the area"
    for link in proposed:
        assert link.explanation["model"] == trained.version
        steps = {name: weight for name, _, weight in link.explanation["detail"]}
        assert set(steps) >= {"prior", "forename", "surname", "dob", "sex", "postcode"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_scores_with_the_model_another_process_trained():
    """Two workers (each a thread with its own connection and index, as gunicorn's): the model
    one trains and commits is the one the other's next match scores with, read by the counter,
    its records never read again."""
    from tests.web.children.test_matching_workers import Worker

    first, second = Worker(), Worker()
    try:
        first.run(lambda: RecordStoreVersion.objects.get_or_create(pk=1))
        area, agencies = first.run(area_from_world)
        admin, _ = first.run(lambda: user_of(agencies, "administrator", "westfold_admin"))
        for worker in (first, second):
            worker.run(worker.index.current)
        assert second.run(lambda: second.index.model_of(area.pk).version) == (
            Model.default().version
        )

        done = first.run(lambda: linkage_retrain(actor=admin, area=area))

        assert done.accepted
        seen = second.run(lambda: (second.index.current(), second.index.model_of(area.pk))[1])
        assert seen.version == done.row.version
        assert seen.levels == Model.from_dict(done.row.model).levels
        assert second.index.rebuilds == 1  # the records were not read again
    finally:
        first.close()
        second.close()
