"""The catalogue's value types: frozen, so a loaded catalogue cannot drift while grades use it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Grade(StrEnum):
    """The CSE grade of a concern or a child: ``none`` < ``low`` < ``medium`` < ``high``.

    The one definition of the grade scale, exported as ``jigsaw.screening.Grade``. It is defined
    beside the catalogue's rules because the catalogue keys its score bands and next steps by it
    (and the catalogue sits below screening). Members are strings, so they store and serialise as
    their value; they compare by rank, not alphabetically, so ``max`` and sorting give the most
    serious grade.

    >>> Grade("medium") > Grade.LOW, max(Grade.HIGH, Grade.MEDIUM), Grade.NONE.label
    (True, <Grade.HIGH: 'high'>, 'No concern')
    >>> sorted(["high", "none", "medium"], key=Grade.rank_of)
    ['none', 'medium', 'high']
    """

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for ``none`` up to 3 for ``high``."""
        return _GRADE_RANK[self]

    @property
    def label(self) -> str:
        """How the grade is shown to people."""
        return _GRADE_LABEL[self]

    @classmethod
    def rank_of(cls, value: str) -> int:
        """The rank of a grade given as text; ``ValueError`` for a word that is not a grade."""
        return cls(value).rank

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """``(value, label)`` pairs in rank order, for forms and stored choices."""
        return [(grade.value, grade.label) for grade in cls]

    def _other_rank(self, other: Any) -> int | None:
        if isinstance(other, Grade):
            return other.rank
        if isinstance(other, str) and other in _GRADE_RANK:
            return _GRADE_RANK[other]
        return None

    def __lt__(self, other: Any) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank < rank

    def __le__(self, other: Any) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank <= rank

    def __gt__(self, other: Any) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank > rank

    def __ge__(self, other: Any) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank >= rank


_GRADE_RANK: dict[str, int] = {grade.value: rank for rank, grade in enumerate(Grade)}
_GRADE_LABEL: dict[str, str] = {
    Grade.NONE: "No concern",
    Grade.LOW: "Low",
    Grade.MEDIUM: "Medium",
    Grade.HIGH: "High",
}

# An indicator's level is the grade it points to on its own; the score bands use the same words.
LEVELS: tuple[str, ...] = tuple(grade.value for grade in Grade if grade is not Grade.NONE)
KINDS = ("vulnerability", "indicator", "disclosure")


@dataclass(frozen=True)
class Domain:
    """A group of indicators as the screening tools arrange them (e.g. ``missing_absence``)."""

    id: str
    label: str


@dataclass(frozen=True)
class Agency:
    """A partner agency that records concerns (e.g. ``police``, ``education``)."""

    id: str
    label: str


@dataclass(frozen=True)
class Source:
    """A published tool or text that indicators are drawn from."""

    id: str
    title: str
    publisher: str
    year: int
    note: str = ""


@dataclass(frozen=True)
class Rules:
    """Parameters of the grading rules, versioned with the catalogue.

    ``points`` per level; indicators seen within ``full_months`` count in full, up to
    ``reduced_months`` at ``reduced_weight``, older not at all. Indicators from
    ``raise_agencies`` or more agencies within ``window_months`` raise the grade one level;
    ``medium_agencies`` or more give at least medium. ``bands`` is the minimum score per grade.
    """

    points: Mapping[str, int]
    full_months: int
    reduced_months: int
    reduced_weight: float
    window_months: int
    raise_agencies: int
    medium_agencies: int
    bands: Mapping[str, float]


@dataclass(frozen=True)
class Indicator:
    """One sign of CSE risk a practitioner can record.

    ``level`` is ``low``, ``medium`` or ``high``; ``kind`` is ``vulnerability`` (a background
    factor that raises risk but is not itself a sign), ``indicator`` or ``disclosure`` (the child's
    own account). ``agencies`` are those most likely to see it; ``sources`` the tools it comes from
    and ``confirmed_in`` those whose published text was checked for it.
    """

    id: str
    label: str
    description: str
    domain: str
    level: str
    kind: str
    agencies: tuple[str, ...]
    sources: tuple[str, ...]
    confirmed_in: tuple[str, ...] = ()
    note: str = ""

    @property
    def confirmed(self) -> bool:
        """True when every named source was checked for this indicator."""
        return set(self.sources) <= set(self.confirmed_in)


@dataclass(frozen=True)
class Catalogue:
    """A validated, versioned indicator catalogue.

    Look indicators up with ``catalogue[id]`` or ``catalogue.get(id)``; group them for a form with
    ``catalogue.by_domain()``.
    """

    version: str
    domains: tuple[Domain, ...]
    agencies: tuple[Agency, ...]
    sources: tuple[Source, ...]
    indicators: tuple[Indicator, ...]
    sexual_activity_indicators: frozenset[str]
    next_steps: Mapping[str, str]
    rules: Rules
    _index: Mapping[str, Indicator] = field(repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        if not self._index:
            object.__setattr__(self, "_index", {i.id: i for i in self.indicators})

    def __getitem__(self, indicator_id: str) -> Indicator:
        try:
            return self._index[indicator_id]
        except KeyError:
            raise KeyError(
                f"unknown indicator id {indicator_id!r} (catalogue {self.version})"
            ) from None

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._index

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def get(self, indicator_id: str, default: Indicator | None = None) -> Indicator | None:
        """Return the indicator with this id, or ``default`` when there is none."""
        return self._index.get(indicator_id, default)

    def by_domain(self) -> dict[Domain, tuple[Indicator, ...]]:
        """Indicators grouped by domain, domains and indicators in catalogue order."""
        return {d: tuple(i for i in self.indicators if i.domain == d.id) for d in self.domains}

    def domain(self, domain_id: str) -> Domain:
        """The domain with this id; ``KeyError`` when unknown."""
        for d in self.domains:
            if d.id == domain_id:
                return d
        raise KeyError(f"unknown domain {domain_id!r}")

    def agency(self, agency_id: str) -> Agency:
        """The agency with this id; ``KeyError`` when unknown."""
        for a in self.agencies:
            if a.id == agency_id:
                return a
        raise KeyError(f"unknown agency {agency_id!r}")

    def source(self, source_id: str) -> Source:
        """The source with this id; ``KeyError`` when unknown."""
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(f"unknown source {source_id!r}")

    def select(
        self,
        *,
        domain: str | None = None,
        level: str | None = None,
        kind: str | None = None,
        agency: str | None = None,
    ) -> tuple[Indicator, ...]:
        """Indicators matching every given filter (``agency``: the agency is among those likely
        to see it). Used by the synthetic world to pick what each agency records."""
        return tuple(
            i
            for i in self.indicators
            if (domain is None or i.domain == domain)
            and (level is None or i.level == level)
            and (kind is None or i.kind == kind)
            and (agency is None or agency in i.agencies)
        )
