"""Grading and reason records: what was decided, why, and with which catalogue version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from jigsaw.catalogue import Grade


@dataclass(frozen=True)
class Reason:
    """One rule that fired, with the evidence behind it.

    ``rule`` is a stable name (``disclosure``, ``under_13_sexual_activity``,
    ``aged_13_or_under_high``, ``score``, ``corroboration``, ``corroboration_three_agencies``,
    ``vulnerabilities_only``, ``history``); ``level`` the grade this rule gives or lifts the child
    to (``Grade.NONE`` for rules that only explain); ``text`` says it in plain English.
    """

    rule: str
    level: Grade
    text: str
    indicators: tuple[str, ...]
    agencies: tuple[str, ...]
    dates: tuple[dt.date, ...]


@dataclass(frozen=True)
class Grading:
    """The computed CSE grade of a child (or of one concern), with everything behind it.

    ``level`` is the :class:`~jigsaw.screening.Grade`; ``score`` the recency-weighted sum of
    points of distinct indicators (vulnerabilities included); ``reasons`` every rule that fired;
    ``next_step`` what the practitioner should do; ``catalogue_version`` the catalogue used;
    ``today`` the date the grade was computed for.
    """

    level: Grade
    score: float
    reasons: tuple[Reason, ...]
    catalogue_version: str
    next_step: str
    today: dt.date

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record of the grade (dates as ISO text), for storing beside a concern.

        >>> import datetime as dt
        >>> grading = Grading(Grade.NONE, 0.0, (), "v1", "Record it.", dt.date(2026, 1, 2))
        >>> grading.as_dict()["today"], grading.as_dict()["level"]
        ('2026-01-02', 'none')
        """
        return {
            "level": self.level.value,
            "score": self.score,
            "catalogue_version": self.catalogue_version,
            "next_step": self.next_step,
            "today": self.today.isoformat(),
            "reasons": [
                {
                    "rule": r.rule,
                    "level": r.level.value,
                    "text": r.text,
                    "indicators": list(r.indicators),
                    "agencies": list(r.agencies),
                    "dates": [d.isoformat() for d in r.dates],
                }
                for r in self.reasons
            ],
        }

    def with_override(
        self, level: Grade | str, reason: str, by: str, on: dt.date | None = None
    ) -> OverriddenGrade:
        """Record a practitioner's judgement beside this computed grade.

        Parameters
        ----------
        level : Grade or its value ({'none', 'low', 'medium', 'high'})
            The grade the practitioner decides on.
        reason : str
            Why; required, because an override without a reason cannot be reviewed.
        by : str
            Who decided (user name or role).
        on : datetime.date, optional
            When; defaults to the grade's ``today``.

        Returns
        -------
        OverriddenGrade
            Holds both the computed grade and the override; the computed grade is never replaced.

        Raises
        ------
        ValueError
            For an unknown level or an empty reason or name.
        """
        try:
            grade = Grade(level)
        except ValueError:
            raise ValueError(f"override level {level!r} is not one of {', '.join(Grade)}") from None
        if not str(reason).strip():
            raise ValueError("an override needs a reason")
        if not str(by).strip():
            raise ValueError("an override needs the name of who made it")
        return OverriddenGrade(
            computed=self,
            level=grade,
            reason=str(reason).strip(),
            by=str(by).strip(),
            on=on or self.today,
        )


@dataclass(frozen=True)
class OverriddenGrade:
    """A practitioner's override held beside the computed grade it overrides.

    ``level`` is the practitioner's grade, ``computed.level`` the engine's; both are kept so that
    the partnership can review how often, and why, practitioners disagree with the rules.
    """

    computed: Grading
    level: Grade
    reason: str
    by: str
    on: dt.date

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready record holding the computed grade and the override beside it."""
        return {
            "computed": self.computed.as_dict(),
            "level": self.level.value,
            "reason": self.reason,
            "by": self.by,
            "on": self.on.isoformat(),
        }

    @property
    def computed_level(self) -> Grade:
        """The level the rules gave."""
        return self.computed.level

    @property
    def catalogue_version(self) -> str:
        """The catalogue version of the computed grade."""
        return self.computed.catalogue_version

    @property
    def direction(self) -> str:
        """``raised``, ``lowered`` or ``confirmed`` relative to the computed level."""
        a, b = self.computed.level, self.level
        return "raised" if b > a else "lowered" if b < a else "confirmed"
