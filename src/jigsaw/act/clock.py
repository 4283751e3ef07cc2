"""Response clocks: working-day calendars, RAG deadlines and review dates, in Europe/London.

Every time here is an aware datetime; a naive one is refused, so no result ever depends on the
timezone of the machine that computes it. Calendars are local to England and Wales (their bank
holidays come from the ``holidays`` package, never typed by hand), and wall-clock arithmetic is
done in Europe/London so that a working day stays 09:00 to 17:00 across the change to and from
British Summer Time. Elapsed clocks (Red) count real hours, in UTC.

The defaults and their sources are in docs/methods/act.md; every number is a field of
:class:`ResponsePolicy`, which a partnership may set differently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

from jigsaw.catalogue import Grade

LONDON = ZoneInfo("Europe/London")
MONDAY_TO_FRIDAY = frozenset({0, 1, 2, 3, 4})


class ClockError(ValueError):
    """A time or a setting the clocks cannot use, with what was wrong."""


def _aware(when: dt.datetime, name: str = "time") -> dt.datetime:
    if when.tzinfo is None or when.tzinfo.utcoffset(when) is None:
        raise ClockError(f"{name} {when.isoformat()} has no timezone: give an aware datetime")
    return when


class Clock(Protocol):
    """Where the application gets the time: one injectable source, so tests never sleep."""

    def now(self) -> dt.datetime:
        """The current time, aware."""
        ...


class SystemClock:
    """The machine's clock, in UTC (the machine's own timezone is never consulted)."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class TestClock:
    """A clock that stands still until it is told to move: what tests and the demo use."""

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, start: dt.datetime) -> None:
        self._now = _aware(start, "start")

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = _aware(when)

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        self._now = self._now + delta
        return self._now


@lru_cache(maxsize=8)
def _bank_holidays(region: str, year: int) -> frozenset[dt.date]:
    # "ENG" and "WLS" share their bank holidays; Scotland and Northern Ireland differ.
    return frozenset(holidays.country_holidays("GB", subdiv=region, years=year))


@dataclasses.dataclass(frozen=True)
class WorkingCalendar:
    """Working days and hours: by default Monday to Friday, 09:00 to 17:00, England's holidays.

    ``extra_closed``: further dates the partnership does not work (a local closure day).
    """

    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(17, 0)
    weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    region: str = "ENG"
    extra_closed: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ClockError(
                f"working hours must open before they close: {self.opens}-{self.closes}"
            )
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            raise ClockError(f"working weekdays must be a non-empty subset of 0-6: {self.weekdays}")

    @property
    def day_length(self) -> dt.timedelta:
        return dt.datetime.combine(dt.date.min, self.closes) - dt.datetime.combine(
            dt.date.min, self.opens
        )

    def is_working_day(self, day: dt.date) -> bool:
        return (
            day.weekday() in self.weekdays
            and day not in _bank_holidays(self.region, day.year)
            and day not in self.extra_closed
        )

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        day += dt.timedelta(days=1)
        # Bounded: at least one weekday a week works, and holidays never fill a year.
        for _ in range(400):
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        raise ClockError(f"no working day within 400 days of {day}")  # pragma: no cover

    def in_working_hours(self, when: dt.datetime) -> bool:
        local = _aware(when).astimezone(LONDON)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, when: dt.datetime) -> dt.datetime:
        """``when`` itself if it is in working hours, else the next time the office opens."""
        local = _aware(when).astimezone(LONDON)
        day = local.date()
        if self.is_working_day(day) and local.time() < self.closes:
            if local.time() >= self.opens:
                return local
            return _london(day, self.opens)
        return _london(self.next_working_day(day), self.opens)

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """``hours`` of office time (``opens`` to ``closes`` on working days) after ``start``."""
        if hours < 0:
            raise ClockError(f"hours must not be negative: {hours}")
        remaining = dt.timedelta(hours=hours)
        cursor = self.next_opening(start)
        while True:
            closing = _london(cursor.date(), self.closes)
            left_today = _wall(closing) - _wall(cursor)
            if remaining <= left_today:
                return _london_wall(_wall(cursor) + remaining)
            remaining -= left_today
            cursor = _london(self.next_working_day(cursor.date()), self.opens)

    def add_working_days(self, start: dt.datetime, days: float) -> dt.datetime:
        """``days`` whole days of working-day time after ``start`` (24 hours of each working day).

        A clock received out of hours starts when the office next opens, as English MASH
        protocols treat such a referral as received the next working morning; then every hour of
        a working day counts, and closed days do not: Friday 16:00 plus one working day is
        Monday 16:00.
        """
        if days < 0:
            raise ClockError(f"days must not be negative: {days}")
        remaining = dt.timedelta(days=days)
        cursor = _wall(self.next_opening(start))
        while True:
            midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time())
            left_today = midnight - cursor
            if remaining < left_today:
                return _london_wall(cursor + remaining)
            remaining -= left_today
            following = self.next_working_day(cursor.date())
            if remaining == dt.timedelta(0):
                # Exactly at midnight: the deadline is the end of the last working day counted.
                return _london_wall(midnight)
            cursor = dt.datetime.combine(following, dt.time())

    def working_days_between(self, first: dt.date, last: dt.date) -> int:
        """Working days after ``first`` up to and including ``last`` (0 if ``last <= first``)."""
        count, day = 0, first
        while day < last:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


def _wall(when: dt.datetime) -> dt.datetime:
    """The London wall-clock time, naive, for arithmetic in local hours."""
    return when.astimezone(LONDON).replace(tzinfo=None)


def _london_wall(wall: dt.datetime) -> dt.datetime:
    return wall.replace(tzinfo=LONDON)


def _london(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=LONDON)


class Counting(enum.Enum):
    """How a clock counts time."""

    ELAPSED = "elapsed"  # every real hour, day and night, weekends and holidays
    WORKING_DAYS = "working_days"  # every hour of a working day, from the next opening
    WORKING_HOURS = "working_hours"  # office hours only


@dataclasses.dataclass(frozen=True)
class Deadline:
    """A response time: ``hours`` counted as ``counting`` says."""

    hours: float
    counting: Counting

    def __post_init__(self) -> None:
        if self.hours <= 0:
            raise ClockError(f"a deadline must be positive: {self.hours} hours")

    def due(self, start: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
        start = _aware(start, "start")
        if self.counting is Counting.ELAPSED:
            # Real hours: in UTC, so a night across the clocks changing is still 4 hours long.
            return (start.astimezone(dt.UTC) + dt.timedelta(hours=self.hours)).astimezone(LONDON)
        if self.counting is Counting.WORKING_DAYS:
            return calendar.add_working_days(start, self.hours / 24)
        return calendar.add_working_hours(start, self.hours)

    def describe(self) -> str:
        if self.counting is Counting.ELAPSED:
            return f"{self.hours:g} hours, day and night"
        if self.counting is Counting.WORKING_DAYS:
            days = self.hours / 24
            return f"{days:g} working day{'s' if days != 1 else ''}"
        return f"{self.hours:g} working hours"


class Rag(enum.Enum):
    """The MASH's rating of how fast a referral needs a response."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


@dataclasses.dataclass(frozen=True)
class ResponsePolicy:
    """A partnership's response times, review interval and referral threshold.

    Defaults from English practice (docs/methods/act.md): Red within 4 hours, running day and
    night; Amber within 24 hours of working days (one working day); Green within 72 hours of
    working days (three working days); a decision on every contact and referral within one
    working day (Working Together to Safeguard Children 2023); children found to be victims or at
    risk reviewed every 3 months; a child whose combined grade reaches ``referral_threshold``
    referred to the MASH automatically.
    """

    red: Deadline = Deadline(4, Counting.ELAPSED)
    amber: Deadline = Deadline(24, Counting.WORKING_DAYS)
    green: Deadline = Deadline(72, Counting.WORKING_DAYS)
    decision: Deadline = Deadline(24, Counting.WORKING_DAYS)
    # A return home interview within 72 hours of a missing child's return (DfE statutory
    # guidance on children who run away or go missing from home or care, 2014).
    return_interview: Deadline = Deadline(72, Counting.ELAPSED)
    review_months: int = 3
    referral_threshold: Grade = Grade.HIGH
    calendar: WorkingCalendar = WorkingCalendar()

    def __post_init__(self) -> None:
        if self.review_months < 1:
            raise ClockError(f"reviews must be at least a month apart: {self.review_months}")

    def deadline_for(self, rag: Rag) -> Deadline:
        return {Rag.RED: self.red, Rag.AMBER: self.amber, Rag.GREEN: self.green}[rag]

    def response_due(self, rag: Rag, start: dt.datetime) -> dt.datetime:
        """When a referral rated ``rag`` at ``start`` must have had its response."""
        return self.deadline_for(rag).due(start, self.calendar)

    def decision_due(self, start: dt.datetime) -> dt.datetime:
        """When a contact or referral received at ``start`` must have had its decision."""
        return self.decision.due(start, self.calendar)

    def return_interview_due(self, returned: dt.datetime) -> dt.datetime:
        """When the return home interview of a child back at ``returned`` is due."""
        return self.return_interview.due(returned, self.calendar)

    def review_due(self, start: dt.date) -> dt.date:
        """The next review of a child found a victim or at risk, ``review_months`` on."""
        return add_months(start, self.review_months)

    def reaches_threshold(self, grade: Grade | str) -> bool:
        return Grade(grade) >= self.referral_threshold


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or that month's last day (31 January + 1 = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ClockError(f"cannot add {months} months to {day}")  # pragma: no cover


@dataclasses.dataclass(frozen=True)
class TimeLeft:
    """How long until a deadline (negative once breached), for queues and pages."""

    due: dt.datetime
    now: dt.datetime

    @property
    def breached(self) -> bool:
        return self.now >= self.due

    @property
    def seconds(self) -> float:
        return (self.due - self.now).total_seconds()

    def describe(self) -> str:
        minutes = int(abs(self.seconds) // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [f"{days} d"] if days else []
        if hours or days:
            parts.append(f"{hours} h")
        if not days:
            parts.append(f"{minutes} min")
        text = " ".join(parts)
        return f"breached {text} ago" if self.breached else f"{text} left"


def time_left(due: dt.datetime, now: dt.datetime) -> TimeLeft:
    return TimeLeft(due=_aware(due, "due"), now=_aware(now, "now"))


def most_urgent_first(
    items: Iterable[object], due_of: Callable[[object], dt.datetime | None]
) -> list[object]:
    """Items ordered by their deadline, earliest (most breached) first; those without last."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(items, key=lambda item: due_of(item) or far)
