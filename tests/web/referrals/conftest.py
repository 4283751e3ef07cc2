"""A test clock for the workflow: time moves only when a test moves it (no sleeping)."""

from __future__ import annotations

import datetime as dt

import pytest

from jigsaw.act.clock import LONDON, TestClock

# Friday 27 November 2026, 16:00 in London: the hand-worked Amber case (due Monday 16:00).
FRIDAY_4PM = dt.datetime(2026, 11, 27, 16, tzinfo=LONDON)


@pytest.fixture
def clock():
    from jigsaw.web.referrals.clock import clock_use

    test_clock = TestClock(FRIDAY_4PM)
    previous = clock_use(test_clock)
    yield test_clock
    clock_use(previous)
