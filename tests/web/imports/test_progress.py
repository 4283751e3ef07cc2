"""The import runs in the background and its page shows how far it has got, reloading itself
without any script, until it shows the outcome; an import whose process died is reported."""

from __future__ import annotations

import os
import time

import pytest

from jigsaw.web.children.models import AgencyRecord
from jigsaw.web.imports.jobs import STALE_AFTER, JobStatus, _write
from tests.web.cast import verified_client
from tests.web.imports.test_imports import GOOD, MAPPING, _upload, csv_bytes

pytestmark = pytest.mark.django_db


def _job(page, status: JobStatus) -> None:
    _write(status)
    session = page.session
    session["import_job"] = status.job
    session.save()


def test_a_running_import_shows_a_bar_and_reloads_itself(cast, client):
    page = verified_client(client, cast, "school_dsl")
    job = "a" * 32
    _job(
        page,
        JobStatus(job, cast.school_dsl.pk, "Northbury Academy", "list.csv", "running", 50, 200),
    )
    answer = page.get("/imports/progress/")
    assert answer.status_code == 200
    body = answer.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in body and answer["Refresh"] == "2"
    assert 'max="200" value="50"' in body and "25% done" in body
    assert "<script>" not in body  # nothing inline: the policy forbids it


def test_another_users_import_is_not_shown(cast, client):
    page = verified_client(client, cast, "school_dsl")
    _job(page, JobStatus("b" * 32, cast.admin.pk, "Northbury Academy", "list.csv", "running", 1, 2))
    assert page.get("/imports/progress/")["Location"] == "/imports/"


def test_an_import_whose_process_died_is_reported_as_interrupted(cast, client):
    from jigsaw.web.imports.jobs import _path

    page = verified_client(client, cast, "school_dsl")
    job = "c" * 32
    _job(
        page, JobStatus(job, cast.school_dsl.pk, "Northbury Academy", "list.csv", "running", 9, 20)
    )
    old = time.time() - STALE_AFTER.total_seconds() - 60
    os.utime(_path(job), (old, old))
    body = page.get("/imports/progress/").content.decode()
    assert "did not finish" in body and "nothing was stored" in body
    assert 'http-equiv="refresh"' not in body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_import_runs_in_the_background_until_the_page_shows_its_outcome(cast, client, settings):
    settings.JIGSAW_IMPORT_IN_BACKGROUND = True
    page = verified_client(client, cast, "school_dsl")
    page.post("/imports/", {"agency": cast.school.pk, "file": _upload("list.csv", csv_bytes(GOOD))})
    assert page.post("/imports/columns/", MAPPING)["Location"] == "/imports/progress/"
    deadline = time.monotonic() + 120
    while True:
        answer = page.get("/imports/progress/")
        body = answer.content.decode()
        if "concerns imported" in body:
            break
        assert 'http-equiv="refresh"' in body and "% done" in body
        assert time.monotonic() < deadline, "the import did not finish in two minutes"
        time.sleep(0.2)
    assert "2 concerns imported" in body
    assert AgencyRecord.objects.filter(agency=cast.school).count() == 2
