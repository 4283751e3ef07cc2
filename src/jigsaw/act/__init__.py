"""Act on a concern: response clocks, the referral workflow's states and role-aware advice.

Pure Python (no Django): the web application's referrals app stores what these rules decide.
"""

from jigsaw.act.advice import next_step
from jigsaw.act.clock import (
    Clock,
    ClockError,
    Counting,
    Deadline,
    Rag,
    ResponsePolicy,
    SystemClock,
    TestClock,
    TimeLeft,
    WorkingCalendar,
    add_months,
    time_left,
)

__all__ = [
    "Clock",
    "ClockError",
    "Counting",
    "Deadline",
    "Rag",
    "ResponsePolicy",
    "SystemClock",
    "TestClock",
    "TimeLeft",
    "WorkingCalendar",
    "add_months",
    "next_step",
    "time_left",
]
