"""The rate limit holds under concurrent calls: each thread its own database connection, the
counter shared in the database, committed for real (so the test's rows are not rolled back)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connections
from django.test import Client

from jigsaw.web.api.models import ApiCallWindow
from jigsaw.web.api.services import token_create
from jigsaw.web.audit.models import AuditEvent
from tests.web.cast import Cast


# PostgreSQL only: concurrent writers and row locks are what it tests, and a committing test's
# rows are emptied afterwards with TRUNCATE, which SQLite's append-only audit trigger refuses.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_never_pass_the_limit(settings):
    settings.JIGSAW_API_CALLS_PER_MINUTE = 10
    cast = Cast()
    token = token_create(
        actor=cast.admin, agency=cast.school, name="School MIS", scopes=["concerns:read"]
    ).token
    threads_count, calls_each = 6, 5
    start = threading.Barrier(threads_count)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def call_many() -> None:
        try:
            client = Client()
            start.wait()
            for _ in range(calls_each):
                answer = client.get("/api/v1/concerns", HTTP_AUTHORIZATION=f"Bearer {token}")
                statuses.append(answer.status_code)
        except BaseException as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call_many) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = threads_count * calls_each
    # A minute boundary may fall inside the run: then each minute admits up to 10.
    windows = list(ApiCallWindow.objects.values_list("calls", flat=True))
    assert sum(windows) == total
    admitted = sum(min(calls, 10) for calls in windows)
    assert Counter(statuses) == {200: admitted, 429: total - admitted}
    assert AuditEvent.objects.filter(event_type="api_called").count() == admitted
    assert AuditEvent.objects.filter(event_type="api_call_refused").count() == total - admitted
