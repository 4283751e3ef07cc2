"""Two concerns about a new child saved at the same moment give what they give one after the other.

A teacher and a school nurse (two agencies) record the same child, unknown to Jigsaw until then,
at the same moment. One after the other, the second concern joins the first's child. At once,
each used to be matched before the other had committed, so each made a child of its own and the
MASH was never told they were one (5 of 5 trials on PostgreSQL). The threads start together at a
barrier, each with its own database connection, as two server processes would.

On PostgreSQL the saves meet at the matcher's block locks (``matching.lock_candidate_blocks``);
on SQLite at the write lock every transaction begins with. The test commits for real (the
threads must see each other's rows), and a committed audit log cannot be emptied on SQLite after
the test, so it runs on PostgreSQL only, as the other tests of concurrent connections do.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, Link, LinkStatus
from tests.web.cast import HEALTH_SIGNS, SCHOOL_SIGNS, Cast, record_concern

TRIALS = 6

# One new child per trial, none alike in name, birth date or postcode (so no trial's child is a
# candidate for another's), plus one for the saves in turn.
CHILDREN = [
    {"first_name": first, "last_name": last, "dob": dob, "sex": sex, "postcode": postcode}
    for first, last, dob, sex, postcode in [
        ("Marisol", "Thistlewood", (2010, 1, 17), "F", "NB2 3AA"),
        ("Ptolemy", "Vanderhoek", (2011, 2, 21), "M", "NB3 4BB"),
        ("Henrietta", "Oyelaran", (2012, 3, 9), "F", "NB4 5CC"),
        ("Lysander", "Quarrington", (2009, 4, 28), "M", "NB5 6DD"),
        ("Ottilie", "Brannigan", (2010, 5, 2), "F", "NB6 7EE"),
        ("Caspian", "Wetherall", (2011, 6, 14), "M", "NB7 8FF"),
        ("Zinnia", "Mulgrew", (2012, 7, 25), "F", "NB8 9GG"),
    ]
]


def outcome(who: dict) -> tuple[int, int]:
    """(children holding the child's records, pending links among them for the MASH)."""
    links = Link.objects.filter(record__last_name=who["last_name"])
    children = links.filter(status__in=ACTIVE_LINK_STATUSES).values("child_id").distinct()
    return children.count(), links.filter(status=LinkStatus.PENDING).count()


def save_at_once(savers: list[tuple[object, list[str]]], who: dict) -> list[str]:
    """Each saver records a concern about ``who`` in a thread of its own, all released together."""
    start = threading.Barrier(len(savers))
    errors: list[str] = []

    def save(user, signs) -> None:
        try:
            start.wait(timeout=30)
            record_concern(user, who, signs, f"Seen with older men, {who['first_name']}.")
        except Exception as error:  # collected: an exception in a thread is otherwise lost
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=saver) for saver in savers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concerns_about_a_new_child_at_once_give_one_child_as_in_turn():
    cast = Cast()
    in_turn = CHILDREN[-1]
    record_concern(cast.teacher, in_turn, SCHOOL_SIGNS, "Absent most Mondays.")
    record_concern(cast.nurse, in_turn, HEALTH_SIGNS, "Attended with an older man.")
    # The known answer: the second concern joins the first's child.
    assert outcome(in_turn) == (1, 0)

    results = []
    for who in CHILDREN[:TRIALS]:
        errors = save_at_once([(cast.teacher, SCHOOL_SIGNS), (cast.nurse, HEALTH_SIGNS)], who)
        assert errors == []
        results.append(outcome(who))
    assert results == [(1, 0)] * TRIALS
