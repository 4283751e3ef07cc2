"""Response clocks against hand-worked cases (2026 calendar: England's bank holidays)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from jigsaw.act.clock import (
    LONDON,
    ClockError,
    Counting,
    Deadline,
    Rag,
    ResponsePolicy,
    TestClock,
    WorkingCalendar,
    add_months,
    time_left,
)
from jigsaw.catalogue import Grade

POLICY = ResponsePolicy()


def london(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=LONDON)


def test_friday_16_00_amber_is_due_monday_16_00():
    # Friday 27 November 2026: the rest of Friday (8 h) + Monday 00:00-16:00 (16 h) = 24 h.
    assert POLICY.response_due(Rag.AMBER, london(2026, 11, 27, 16)) == london(2026, 11, 30, 16)


def test_amber_over_a_bank_holiday_monday_is_due_tuesday():
    # Monday 31 August 2026 is the summer bank holiday: Friday 16:00 runs to Tuesday 16:00 (BST).
    due = POLICY.response_due(Rag.AMBER, london(2026, 8, 28, 16))
    assert due == london(2026, 9, 1, 16)
    assert due.utcoffset() == dt.timedelta(hours=1)


def test_amber_over_easter_skips_good_friday_and_easter_monday():
    assert POLICY.response_due(Rag.AMBER, london(2026, 4, 2, 16)) == london(2026, 4, 7, 16)


def test_amber_over_christmas_skips_boxing_day_observed():
    # 25 December is a Friday; Boxing Day (Saturday) is observed on Monday 28 December.
    assert POLICY.response_due(Rag.AMBER, london(2026, 12, 24, 16)) == london(2026, 12, 29, 16)


def test_red_at_22_00_runs_through_the_night():
    assert POLICY.response_due(Rag.RED, london(2026, 11, 28, 22)) == london(2026, 11, 29, 2)


def test_red_counts_real_hours_when_the_clocks_go_forward():
    # 29 March 2026, 01:00 GMT becomes 02:00 BST: 23:30 GMT + 4 real hours = 04:30 BST.
    due = POLICY.response_due(Rag.RED, london(2026, 3, 28, 23, 30))
    assert due == dt.datetime(2026, 3, 29, 3, 30, tzinfo=dt.UTC)
    assert (due.hour, due.minute, due.utcoffset()) == (4, 30, dt.timedelta(hours=1))


def test_red_counts_real_hours_when_the_clocks_go_back():
    # 25 October 2026, 02:00 BST becomes 01:00 GMT: 23:30 BST + 4 real hours = 02:30 GMT.
    due = POLICY.response_due(Rag.RED, london(2026, 10, 24, 23, 30))
    assert due == dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.UTC)
    assert (due.hour, due.utcoffset()) == (2, dt.timedelta(0))


def test_green_friday_16_00_is_due_wednesday_16_00():
    assert POLICY.response_due(Rag.GREEN, london(2026, 11, 27, 16)) == london(2026, 12, 2, 16)


def test_a_contact_received_out_of_hours_starts_its_clock_next_morning():
    # Tuesday 22:00: treated as received Wednesday 09:00; one working day later is Thursday 09:00.
    assert POLICY.decision_due(london(2026, 12, 1, 22)) == london(2026, 12, 3, 9)
    # Saturday: received Monday 09:00, decided by Tuesday 09:00.
    assert POLICY.decision_due(london(2026, 11, 28, 11)) == london(2026, 12, 1, 9)
    # Monday 07:30, before opening: received 09:00, decided by Tuesday 09:00.
    assert POLICY.decision_due(london(2026, 11, 30, 7, 30)) == london(2026, 12, 1, 9)


def test_office_hours_counting_friday_16_00_plus_24_working_hours():
    # 1 h on Friday, 8 h Monday, 8 h Tuesday, 7 h Wednesday: Wednesday 16:00.
    strict = ResponsePolicy(amber=Deadline(24, Counting.WORKING_HOURS))
    assert strict.response_due(Rag.AMBER, london(2026, 11, 27, 16)) == london(2026, 12, 2, 16)
    # Ending exactly at closing time stays on that day.
    calendar = WorkingCalendar()
    assert calendar.add_working_hours(london(2026, 11, 27, 16), 1) == london(2026, 11, 27, 17)


def test_a_partnership_sets_its_own_hours_days_and_closures():
    calendar = WorkingCalendar(
        opens=dt.time(8), closes=dt.time(18), extra_closed=frozenset({dt.date(2026, 11, 30)})
    )
    policy = ResponsePolicy(amber=Deadline(10, Counting.WORKING_HOURS), calendar=calendar)
    # Friday 17:00 + 1 h on Friday; Monday closed locally; 9 h on Tuesday from 08:00 = 17:00.
    assert policy.response_due(Rag.AMBER, london(2026, 11, 27, 17)) == london(2026, 12, 1, 17)


def test_the_clock_never_depends_on_the_machines_timezone():
    code = (
        "import datetime as dt\n"
        "from jigsaw.act.clock import ResponsePolicy, Rag\n"
        "p = ResponsePolicy()\n"
        "t = dt.datetime(2026, 11, 27, 16, tzinfo=dt.UTC)\n"
        "print(p.response_due(Rag.AMBER, t).isoformat(), p.response_due(Rag.RED, t).isoformat())\n"
    )
    outputs = set()
    for tz in ("UTC", "America/New_York", "Asia/Tokyo", "Pacific/Kiritimati"):
        env = {**os.environ, "TZ": tz}
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        outputs.add(result.stdout.strip())
    assert outputs == {"2026-11-30T16:00:00+00:00 2026-11-27T20:00:00+00:00"}


def test_a_time_given_in_another_zone_means_the_same_instant():
    tokyo = dt.datetime(2026, 11, 28, 1, tzinfo=ZoneInfo("Asia/Tokyo"))  # Friday 16:00 London
    assert POLICY.response_due(Rag.AMBER, tokyo) == london(2026, 11, 30, 16)


def test_naive_times_are_refused_with_the_time_named():
    with pytest.raises(ClockError, match="2026-11-27T16:00:00 has no timezone"):
        POLICY.response_due(Rag.AMBER, dt.datetime(2026, 11, 27, 16))  # noqa: DTZ001
    with pytest.raises(ClockError, match="no timezone"):
        TestClock(dt.datetime(2026, 11, 27))  # noqa: DTZ001


def test_reviews_come_every_three_months_at_the_months_end_when_short():
    assert POLICY.review_due(dt.date(2026, 12, 1)) == dt.date(2027, 3, 1)
    assert POLICY.review_due(dt.date(2026, 11, 30)) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 11, 15), -12) == dt.date(2025, 11, 15)


def test_referral_threshold_defaults_to_high():
    assert POLICY.reaches_threshold(Grade.HIGH)
    assert not POLICY.reaches_threshold("medium")
    assert ResponsePolicy(referral_threshold=Grade.MEDIUM).reaches_threshold("medium")


def test_time_left_and_breached():
    due = london(2026, 11, 30, 16)
    assert time_left(due, london(2026, 11, 30, 13, 20)).describe() == "2 h 40 min left"
    late = time_left(due, london(2026, 12, 2, 17))
    assert late.breached and late.describe() == "breached 2 d 1 h ago"
    assert time_left(due, due).breached


def test_test_clock_moves_only_when_told():
    clock = TestClock(london(2026, 11, 27, 16))
    assert clock.now() == clock.now() == london(2026, 11, 27, 16)
    assert clock.advance(dt.timedelta(days=3)) == london(2026, 11, 30, 16)


def test_bad_settings_are_refused_saying_what_is_wrong():
    with pytest.raises(ClockError, match="open before they close"):
        WorkingCalendar(opens=dt.time(17), closes=dt.time(9))
    with pytest.raises(ClockError, match="positive"):
        Deadline(0, Counting.ELAPSED)
    with pytest.raises(ClockError, match="at least a month"):
        ResponsePolicy(review_months=0)


def test_act_imports_no_django():
    code = "import sys, jigsaw.act, jigsaw.act.clock, jigsaw.act.advice, jigsaw.act.states\nprint('django' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
