"""Several server processes, each with its own linkage index, see each other's records.

Each worker here is a thread with its own database connection and its own index, as a gunicorn
worker has; what one commits, the other's next match finds, read in by primary key (not rebuilt).
Committed rows need a transactional test, which empties the tables afterwards: PostgreSQL does
that with TRUNCATE, SQLite with DELETE, which the audit log's triggers refuse; so these run on
PostgreSQL, the database a partnership runs several workers on.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from jigsaw.web.children import matching
from jigsaw.web.children.models import RecordStoreVersion
from tests.web.cast import JESSICA, POLICE_SIGNS, SCHOOL_SIGNS, Cast, record_concern

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AMIRA = {
    "first_name": "Amira",
    "last_name": "Castellane",
    "dob": (2010, 9, 17),
    "sex": "F",
    "postcode": "NB6 2PL",
}


def mapping_of(who: dict, kind: str) -> dict[str, object]:
    return matching.record_mapping(
        record_id="probe",
        agency_kind=kind,
        **{**who, "dob": dt.date(*who["dob"]), "nhs_number": ""},
    )


def count_active_links() -> int:
    from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, Link

    return Link.objects.filter(status__in=ACTIVE_LINK_STATUSES).count()


class Worker:
    """One thread, one connection, one index: a server process in miniature."""

    def __init__(self) -> None:
        self.index = matching.RecordIndex()
        self._thread = ThreadPoolExecutor(max_workers=1)

    def run(self, task):
        return self._thread.submit(task).result(timeout=120)

    def children_found(self, who: dict, kind: str) -> set[str]:
        return self.run(lambda: {m.child_id for m in self.index.match(mapping_of(who, kind))})

    def close(self) -> None:
        self.run(lambda: connection.close())
        self._thread.shutdown()


@pytest.fixture
def workers():
    made = [Worker(), Worker()]
    yield made
    for worker in made:
        worker.close()


def test_two_workers_each_see_the_records_the_other_stores(workers):
    first, second = workers
    # The row the migration creates: an earlier transactional test may have emptied every table.
    first.run(lambda: RecordStoreVersion.objects.get_or_create(pk=1))
    cast = first.run(Cast)
    for worker in workers:
        worker.run(worker.index.current)  # both indexes built before anything is stored
    assert first.children_found(JESSICA, "education") == set()

    # The first worker stores Jessica (committed in its own transaction) ...
    school = first.run(lambda: record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school note"))
    # ... the second worker's next match finds her.
    assert str(school.child.pk) in second.children_found(JESSICA, "police")

    # And the other way: the second stores Amira; the first finds her.
    police = second.run(lambda: record_concern(cast.officer, AMIRA, POLICE_SIGNS, "police note"))
    assert str(police.child.pk) in first.children_found(AMIRA, "education")

    # Each read the other's record by its link, never the whole store again.
    for worker in workers:
        worker.run(worker.index.current)
    assert (first.index.rebuilds, second.index.rebuilds) == (1, 1)
    assert len(first.index) == len(second.index) == first.run(count_active_links)


def test_store_changed_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        matching.store_changed()
