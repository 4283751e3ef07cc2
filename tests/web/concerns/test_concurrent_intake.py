"""Two concerns about a new child saved at the same moment give what they give one after the other.

A teacher and a school nurse (two agencies) record the same child, unknown to Jigsaw until then,
at the same moment. One after the other, the second concern joins the first's child. At once,
each used to be matched before the other had committed, so each made a child of its own and the
MASH was never told they were one (5 of 5 trials on PostgreSQL). The threads start together at a
barrier, each with its own database connection, as two server processes would.

On PostgreSQL the saves meet at the matcher's block locks (``matching.lock_candidate_blocks``);
on SQLite at the write lock every transaction begins with. The saves must commit for real (the
threads must see each other's rows): on PostgreSQL in the session's test database, emptied after
the test; on SQLite, whose committed audit log cannot be emptied, in a fresh database file in a
process of its own, as ``tests/web/test_sqlite_team.py`` does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
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


def outcome(who: dict) -> list[int]:
    """[children holding the child's records, pending links among them for the MASH]."""
    from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, Link, LinkStatus

    links = Link.objects.filter(record__last_name=who["last_name"])
    children = links.filter(status__in=ACTIVE_LINK_STATUSES).values("child_id").distinct()
    return [children.count(), links.filter(status=LinkStatus.PENDING).count()]


def save_at_once(savers: list[tuple[object, list[str]]], who: dict) -> list[str]:
    """Each saver records a concern about ``who`` in a thread of its own, all released together."""
    from django.db import connections

    from tests.web.cast import record_concern

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


def trials(cast) -> dict:
    """The saves in turn, then TRIALS pairs of saves at once; what each gave."""
    from tests.web.cast import HEALTH_SIGNS, SCHOOL_SIGNS, record_concern

    in_turn = CHILDREN[-1]
    record_concern(cast.teacher, in_turn, SCHOOL_SIGNS, "Absent most Mondays.")
    record_concern(cast.nurse, in_turn, HEALTH_SIGNS, "Attended with an older man.")
    errors, at_once = [], []
    for who in CHILDREN[:TRIALS]:
        errors += save_at_once([(cast.teacher, SCHOOL_SIGNS), (cast.nurse, HEALTH_SIGNS)], who)
        at_once.append(outcome(who))
    return {"in_turn": outcome(in_turn), "at_once": at_once, "errors": errors}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concerns_about_a_new_child_at_once_give_one_child_as_in_turn():
    from tests.web.cast import Cast

    result = trials(Cast())
    # The known answer: the second concern joins the first's child.
    assert result["in_turn"] == [1, 0]
    assert result["errors"] == []
    assert result["at_once"] == [[1, 0]] * TRIALS


def test_on_sqlite_too(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jigsaw.web.settings",
        "JIGSAW_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'jigsaw.sqlite3'}",
        "JIGSAW_WEB_DIR": str(tmp_path / "data"),
        "JIGSAW_SECRET_KEY": "tests-only-key-" + "x" * 40,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    done = subprocess.run(
        [sys.executable, __file__],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"in_turn": [1, 0], "at_once": [[1, 0]] * TRIALS, "errors": []}


if __name__ == "__main__":
    from tests.web.test_sqlite_team import _setup

    print(json.dumps(trials(_setup())))
