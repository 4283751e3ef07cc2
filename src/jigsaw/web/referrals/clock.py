"""The one clock the workflow reads: the system's, or a test clock put in its place.

Services and selectors take the time from :func:`now`, never from ``datetime.now``, so that a test
(or the demo) can move time forward and see clocks breach without sleeping.
"""

from __future__ import annotations

import datetime as dt

from jigsaw.act.clock import Clock, SystemClock

_clock: Clock = SystemClock()


def now() -> dt.datetime:
    return _clock.now()


def clock_use(clock: Clock) -> Clock:
    """Make ``clock`` the workflow's clock; return the one it replaces (to put back after)."""
    global _clock
    previous, _clock = _clock, clock
    return previous
