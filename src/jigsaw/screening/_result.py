"""Grade and reason records: what was decided, why, and with which catalogue version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jigsaw.catalogue import GRADES


@dataclass(frozen=True)
class Reason:
    """One rule that fired, with the evidence behind it.

    ``rule`` is a stable name (``disclosure``, ``under_13_sexual_activity``,
    ``aged_13_or_under_high``, ``score``, ``corroboration``, ``corroboration_three_agencies``,
    ``vulnerabilities_only``, ``history``); ``level`` the grade this rule gives or lifts the child
    to (``none`` for rules that only explain); ``text`` says it in plain English.
    """

    rule: str
    level: str
    text: str
    indicators: tuple[str, ...]
    agencies: tuple[str, ...]
    dates: tuple[dt.date, ...]


@dataclass(frozen=True)
class Grade:
    """The computed CSE grade of a child (or of one concern).

    ``level`` is ``none``, ``low``, ``medium`` or ``high``; ``score`` the recency-weighted sum of
    points of distinct indicators (vulnerabilities included); ``reasons`` every rule that fired;
    ``next_step`` what the practitioner should do; ``catalogue_version`` the catalogue used;
    ``today`` the date the grade was computed for.
    """

    level: str
    score: float
    reasons: tuple[Reason, ...]
    catalogue_version: str
    next_step: str
    today: dt.date

    def as_dict(self) -> dict:
        """A JSON-ready record of the grade (dates as ISO text), for storing beside a concern.

        >>> import datetime as dt
        >>> Grade("none", 0.0, (), "v1", "Record it.", dt.date(2026, 1, 2)).as_dict()["today"]
        '2026-01-02'
        """
        return {
            "level": self.level,
            "score": self.score,
            "catalogue_version": self.catalogue_version,
            "next_step": self.next_step,
            "today": self.today.isoformat(),
            "reasons": [
                {
                    "rule": r.rule,
                    "level": r.level,
                    "text": r.text,
                    "indicators": list(r.indicators),
                    "agencies": list(r.agencies),
                    "dates": [d.isoformat() for d in r.dates],
                }
                for r in self.reasons
            ],
        }

    def with_override(
        self, level: str, reason: str, by: str, on: dt.date | None = None
    ) -> OverriddenGrade:
        """Record a practitioner's judgement beside this computed grade.

        Parameters
        ----------
        level : {'none', 'low', 'medium', 'high'}
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
        if level not in GRADES:
            raise ValueError(f"override level {level!r} is not one of {', '.join(GRADES)}")
        if not str(reason).strip():
            raise ValueError("an override needs a reason")
        if not str(by).strip():
            raise ValueError("an override needs the name of who made it")
        return OverriddenGrade(
            computed=self, level=level, reason=str(reason).strip(), by=str(by).strip(),
            on=on or self.today,
        )


@dataclass(frozen=True)
class OverriddenGrade:
    """A practitioner's override held beside the computed grade it overrides.

    ``level`` is the practitioner's grade, ``computed.level`` the engine's; both are kept so that
    the partnership can review how often, and why, practitioners disagree with the rules.
    """

    computed: Grade
    level: str
    reason: str
    by: str
    on: dt.date

    def as_dict(self) -> dict:
        """JSON-ready record holding the computed grade and the override beside it."""
        return {
            "computed": self.computed.as_dict(),
            "level": self.level,
            "reason": self.reason,
            "by": self.by,
            "on": self.on.isoformat(),
        }

    @property
    def computed_level(self) -> str:
        """The level the rules gave."""
        return self.computed.level

    @property
    def catalogue_version(self) -> str:
        """The catalogue version of the computed grade."""
        return self.computed.catalogue_version

    @property
    def direction(self) -> str:
        """``raised``, ``lowered`` or ``confirmed`` relative to the computed level."""
        a, b = GRADES.index(self.computed.level), GRADES.index(self.level)
        return "raised" if b > a else "lowered" if b < a else "confirmed"
