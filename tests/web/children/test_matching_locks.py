"""The locks ``matching.lock_candidate_blocks`` takes on PostgreSQL, read back from ``pg_locks``.

That two saves of records about one child wait for each other is shown end to end by
``tests/web/concerns/test_concurrent_intake.py``; this shows which locks are taken: one per
blocking key of the record (the keys its matching compares by) with the store's lock shared, and
the store's lock alone for a file of many records.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from jigsaw.linkage import OnlineMatcher
from jigsaw.web.children import matching

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def mapping(first: str, last: str, dob: dt.date, postcode: str = "NB1 4QT") -> dict[str, object]:
    return matching.record_mapping(
        record_id="incoming",
        agency_kind="education",
        first_name=first,
        last_name=last,
        dob=dob,
        sex="F",
        postcode=postcode,
        nhs_number="",
    )


def advisory_locks() -> list[tuple[str, int]]:
    """(mode, key) of the advisory locks this connection holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mode, (classid::bigint << 32) | objid::bigint FROM pg_locks "
            "WHERE locktype = 'advisory' AND pid = pg_backend_pid() ORDER BY 2"
        )
        return [(mode, int(key) & 0xFFFFFFFFFFFFFFFF) for mode, key in cursor.fetchall()]


def test_one_lock_per_blocking_key_and_the_store_shared():
    record = mapping("Jessica", "Okafor", dt.date(2011, 3, 4))
    keys = OnlineMatcher.blocking_keys(record)
    # Every rule but the NHS number's (the record has none): nine filed-under blocks, and the
    # two swapped-name rules both ways (filed under forename-then-surname, probing the reverse).
    assert len(keys) == 13
    with transaction.atomic():
        assert matching.lock_candidate_blocks(record) == 1 + len(keys)
        held = advisory_locks()
    assert ("ShareLock", matching.STORE_LOCK_KEY) in held
    assert sum(mode == "ExclusiveLock" for mode, _ in held) == len(keys)


def test_the_same_child_written_differently_shares_a_block():
    """Records the matcher compares share a lock: the school's "Jessica" and the hospital's
    "Jess" with day and month swapped meet at (surname, birth year, postcode sector)."""
    school = OnlineMatcher.blocking_keys(mapping("Jessica", "Okafor", dt.date(2011, 3, 4)))
    hospital = OnlineMatcher.blocking_keys(mapping("Jess", "Okafor", dt.date(2011, 4, 3)))
    stranger = OnlineMatcher.blocking_keys(
        mapping("Ptolemy", "Vanderhoek", dt.date(2009, 2, 21), "LS6 1AN")
    )
    assert set(school) & set(hospital)
    assert not set(school) & set(stranger)


def test_forename_and_surname_swapped_share_a_block():
    """A record with the names the wrong way round is compared with the right one (the crossed
    rules), so the two must queue on a common lock."""
    right = OnlineMatcher.blocking_keys(mapping("Jessica", "Okafor", dt.date(2011, 3, 4)))
    swapped = OnlineMatcher.blocking_keys(mapping("Okafor", "Jessica", dt.date(2011, 3, 4)))
    assert set(right) & set(swapped)


def test_a_large_file_locks_the_whole_store():
    records = [
        mapping(f"Child{i}", f"Family{i}", dt.date(2010, 1, 1) + dt.timedelta(days=i))
        for i in range(matching.MAX_BLOCK_LOCKS)
    ]
    with transaction.atomic():
        assert matching.lock_candidate_blocks(*records) == 1
        assert advisory_locks() == [("ExclusiveLock", matching.STORE_LOCK_KEY)]


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        matching.lock_candidate_blocks(mapping("Amy", "Smith", dt.date(2012, 6, 14)))
