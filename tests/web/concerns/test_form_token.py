"""A concern form sent again is stored once: the answer to the first save was lost (a dropped
connection, a restarted server) and the browser or the user sends the same form again.

The form carries a random token issued with it; the save records it, unique per user; a second
save of the same token stores nothing and shows the first save's confirmation, whether it comes
after the first (the retry) or at the same moment (a double submission).
"""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connections
from django.test import Client

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.children.models import AgencyRecord, Child
from jigsaw.web.concerns.models import Concern
from tests.web.cast import JESSICA, Cast, record_concern, verified_client
from tests.web.concerns.test_intake_page import _form

FORGED = "forged"
TOKEN = re.compile(r'<input type="hidden" name="form_token" value="([A-Za-z0-9_-]{43})">')


def issued_token(client) -> str:
    found = TOKEN.search(client.get("/concerns/new/").content.decode())
    assert found, "the concern form carries no token"
    return found.group(1)


def stored(note: str) -> dict[str, int]:
    concerns = Concern.objects.filter(note=note)
    records = AgencyRecord.objects.filter(concerns__note=note).distinct()
    return {
        "concerns": concerns.count(),
        "records": records.count(),
        "children": Child.objects.filter(links__record__in=records).distinct().count(),
        "audited": AuditEvent.objects.filter(
            event_type="concern_recorded", subject_id__in=[str(c.pk) for c in concerns]
        ).count(),
    }


@pytest.mark.django_db
def test_each_form_is_issued_its_own_token_and_keeps_it_through_errors(client, cast):
    teacher = verified_client(client, cast, "teacher")
    first, second = issued_token(teacher), issued_token(teacher)
    assert first != second
    page = teacher.post("/concerns/new/", _form(note="", form_token=first)).content.decode()
    assert "Describe what you saw" in page
    assert TOKEN.search(page).group(1) == first
    # A token we never issue is not kept: the form is given a fresh one.
    page = teacher.post("/concerns/new/", _form(note="", form_token=FORGED)).content.decode()
    assert TOKEN.search(page).group(1) not in (FORGED, first)


@pytest.mark.django_db
def test_a_form_sent_again_is_stored_once_and_shows_the_first_confirmation(client, cast):
    teacher = verified_client(client, cast, "teacher")
    token = issued_token(teacher)
    form = _form(note="Seen getting into a car after school.", form_token=token)
    first = teacher.post("/concerns/new/", form)
    assert first.status_code == 302
    # The answer was lost; the same form arrives again.
    again = teacher.post("/concerns/new/", form)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert stored(form["note"]) == {"concerns": 1, "records": 1, "children": 1, "audited": 1}
    confirmation = teacher.get(again["Location"])
    assert confirmation.status_code == 200
    assert "<title>Concern saved" in confirmation.content.decode()
    # A new form (a new token) with the same words is a new concern, on the same child.
    teacher.post("/concerns/new/", {**form, "form_token": issued_token(teacher)})
    assert stored(form["note"]) == {"concerns": 2, "records": 2, "children": 1, "audited": 2}


@pytest.mark.django_db
def test_the_token_is_per_user(client, cast):
    """Another user's form with the same token (copied, or guessed) is theirs, saved as theirs."""
    token = issued_token(verified_client(client, cast, "teacher"))
    teacher = verified_client(Client(), cast, "teacher")
    colleague = verified_client(Client(), cast, "teacher2")
    form = _form(note="Older boyfriend collects her.", form_token=token)
    assert teacher.post("/concerns/new/", form).status_code == 302
    assert colleague.post("/concerns/new/", form).status_code == 302
    authors = set(Concern.objects.filter(note=form["note"]).values_list("recorded_by", flat=True))
    assert authors == {cast.teacher.pk, cast.teacher2.pk}


@pytest.mark.django_db
def test_the_service_gives_the_first_outcome_for_a_repeated_token(cast):
    from jigsaw.web.concerns.services import concern_record

    first = record_concern(cast.teacher, JESSICA, ["unexplained_absence"], "One note.")
    kept = concern_record(
        actor=cast.teacher,
        record=first.concern.record,
        seen_on=first.concern.seen_on,
        indicators=["unexplained_absence"],
        note="Second note.",
        lawful_basis="public_task_safeguarding",
        form_token="t" * 43,
    )
    repeat = concern_record(
        actor=cast.teacher,
        record=first.concern.record,
        seen_on=first.concern.seen_on,
        indicators=["unexplained_absence"],
        note="Second note.",
        lawful_basis="public_task_safeguarding",
        form_token="t" * 43,
    )
    assert not kept.repeated and repeat.repeated
    assert repeat.concern.pk == kept.concern.pk and repeat.child.pk == first.child.pk
    assert Concern.objects.filter(note="Second note.").count() == 1


def _post_at_once(clients, form) -> list[object]:
    start = threading.Barrier(len(clients))
    answers: list[object] = []

    def post(client) -> None:
        try:
            start.wait(timeout=30)
            response = client.post("/concerns/new/", form)
            answers.append((response.status_code, response.get("Location")))
        except Exception as error:  # collected: an exception in a thread is otherwise lost
            answers.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("which", ["new child", "own record"])
def test_the_same_form_sent_twice_at_once_is_stored_once(which):
    """Two requests with one token at the same moment (a double click, a retry while the first
    is still saving): one concern, and both answers show it. A new child's saves meet at the
    block lock and the second finds the first's concern; an existing record's meet at the
    token's unique index, where the second waits for the first and is refused."""
    cast = Cast()
    note = f"Double submission, {which}."
    extra = {}
    if which == "own record":
        first = record_concern(cast.teacher, JESSICA, ["unexplained_absence"], "Earlier.")
        extra = {"record_choice": first.concern.record.record_id, "searched": "1"}
    clients = [verified_client(Client(), cast, "teacher") for _ in range(2)]
    form = _form(note=note, form_token=issued_token(clients[0]), **extra)
    answers = _post_at_once(clients, form)
    assert len(answers) == 2 and all(isinstance(a, tuple) for a in answers), answers
    assert {status for status, _ in answers} == {302}
    assert len({location for _, location in answers}) == 1
    assert stored(note) == {"concerns": 1, "records": 1, "children": 1, "audited": 1}
