"""The grading rules: hard rules, recency-weighted scores, corroboration across agencies.

Every rule and its source is described in docs/methods/screening.md. The rule parameters (points,
recency windows, agency counts, score bands) come from the catalogue, so each grade is tied to the
catalogue version it records.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jigsaw.catalogue import Catalogue, Grade, load
from jigsaw.screening._result import Grading, Reason

# The rules work on ranks (integers) for speed; Grade turns a rank back into the grade.
GRADES = tuple(Grade)
NONE, LOW, MEDIUM, HIGH = (grade.rank for grade in GRADES)


def grade_child(
    dob: dt.date,
    concerns: Iterable[Mapping[str, Any]],
    today: dt.date,
    *,
    catalogue: Catalogue | None = None,
) -> Grading:
    """Grade a child's combined, multi-agency picture of CSE risk.

    Parameters
    ----------
    dob : datetime.date
        The child's date of birth; ages at each concern decide the under-13 hard rules.
    concerns : iterable of mappings
        Each with ``agency`` (a catalogue agency id, e.g. ``"police"``), ``date`` (a
        ``datetime.date``, not after ``today`` nor before ``dob``) and ``indicators`` (a list of
        catalogue indicator ids).
    today : datetime.date
        The date to grade for; recency is measured back from it.
    catalogue : Catalogue, optional
        Defaults to the shipped catalogue (:func:`jigsaw.catalogue.load`).

    Returns
    -------
    Grading
        ``level`` (a :class:`Grade`: ``none``/``low``/``medium``/``high``), ``score``, ``reasons`` (each rule that
        fired with its indicators, agencies and dates), ``next_step`` and ``catalogue_version``.

    Raises
    ------
    ValueError
        Naming the concern (by position, from 1) and field: an unknown indicator or agency id, a
        missing field, indicators given as a string, or a date that is not a ``datetime.date``,
        is in the future, or is before the child was born.

    Notes
    -----
    Rules, in order (docs/methods/screening.md gives the sources):

    1. Each distinct indicator scores low 1, medium 2, high 3 at its most recent sighting: full
       weight within 6 months, half from 6 to 12 months, nothing after (kept as history).
    2. The score's band gives the grade; vulnerabilities add to the score but cannot make a grade
       on their own.
    3. Indicators recorded by 2 or more agencies within 6 months raise the grade one level;
       3 or more agencies give at least medium.
    4. Hard rules give high: a disclosure; sexual activity by a child under 13; any high indicator
       for a child aged 13 or under.

    Examples
    --------
    >>> import datetime as dt
    >>> grade = grade_child(
    ...     dt.date(2011, 5, 1),
    ...     [{"agency": "education", "date": dt.date(2026, 9, 1), "indicators": ["unexplained_absence"]},
    ...      {"agency": "police", "date": dt.date(2026, 10, 3), "indicators": ["staying_out_late"]}],
    ...     today=dt.date(2026, 11, 28),
    ... )
    >>> grade.level, grade.score
    (<Grade.MEDIUM: 'medium'>, 3.0)
    >>> [r.rule for r in grade.reasons]
    ['score', 'corroboration']
    """
    cat = catalogue or load()
    level, score, reasons = _evaluate(dob, concerns, today, cat, explain=True)
    return Grading(
        level=GRADES[level],
        score=score,
        reasons=tuple(reasons),
        catalogue_version=cat.version,
        next_step=cat.next_steps[GRADES[level]],
        today=today,
    )


def grade_concern(
    dob: dt.date,
    concern: Mapping[str, Any],
    today: dt.date,
    *,
    catalogue: Catalogue | None = None,
) -> Grading:
    """Grade a single concern by the same rules as :func:`grade_child`.

    This is the immediate grade a practitioner sees on recording a concern: one agency, so
    corroboration cannot fire. Takes, returns and refuses what :func:`grade_child` does for a
    list of one concern.

    Examples
    --------
    >>> import datetime as dt
    >>> grade_concern(dt.date(2014, 2, 1),
    ...               {"agency": "health", "date": dt.date(2026, 11, 1),
    ...                "indicators": ["sexual_activity"]},
    ...               today=dt.date(2026, 11, 28)).level
    <Grade.HIGH: 'high'>
    """
    return grade_child(dob, [concern], today, catalogue=catalogue)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier, clamped to the month's end.

    >>> months_before(dt.date(2026, 8, 31), 6)
    datetime.date(2026, 2, 28)
    """
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(dob: dt.date, day: dt.date) -> int:
    """Age in completed years on ``day``.

    >>> age_on(dt.date(2013, 3, 1), dt.date(2026, 2, 28))
    12
    """
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


# Per-catalogue lookup table: id -> (points, is_vulnerability, is_disclosure, is_high, is_sexual).
_TABLES: dict[int, tuple[Catalogue, dict[str, tuple[int, bool, bool, bool, bool]]]] = {}


def _table(cat: Catalogue) -> dict[str, tuple[int, bool, bool, bool, bool]]:
    cached = _TABLES.get(id(cat))
    if cached is not None and cached[0] is cat:
        return cached[1]
    points = cat.rules.points
    table = {
        i.id: (
            points[i.level],
            i.kind == "vulnerability",
            i.kind == "disclosure",
            i.level == "high" and i.kind != "vulnerability",
            i.id in cat.sexual_activity_indicators,
        )
        for i in cat.indicators
    }
    _TABLES[id(cat)] = (cat, table)
    return table


_Table = dict[str, tuple[int, bool, bool, bool, bool]]
# (lookup table, agency ids, full-weight cut-off, reduced-weight cut-off, corroboration cut-off)
_Context = tuple[_Table, frozenset[str], dt.date, dt.date, dt.date]
_CONTEXTS: dict[tuple[int, dt.date], tuple[Catalogue, _Context]] = {}
# (indicator, agency, date, weight) and (rule, indicator, agency, date)
_Evidence = tuple[str, str, dt.date, float]
_Hard = tuple[str, str, str, dt.date]


def _context(cat: Catalogue, today: dt.date) -> _Context:
    """Lookup table, agency ids and window cut-offs, computed once per catalogue and day."""
    key = (id(cat), today)
    cached = _CONTEXTS.get(key)
    if cached is not None and cached[0] is cat:
        return cached[1]
    rules = cat.rules
    value: _Context = (
        _table(cat),
        frozenset(a.id for a in cat.agencies),
        months_before(today, rules.full_months),
        months_before(today, rules.reduced_months),
        months_before(today, rules.window_months),
    )
    if len(_CONTEXTS) > 64:  # grading as at many dates (a backtest) must not grow memory
        _CONTEXTS.clear()
    _CONTEXTS[key] = (cat, value)
    return value


def _evaluate(
    dob: dt.date,
    concerns: Iterable[Mapping[str, Any]],
    today: dt.date,
    cat: Catalogue,
    explain: bool,
) -> tuple[int, float, list[Reason]]:
    """Return (level index, score, reasons); reasons only when ``explain``."""
    if not isinstance(dob, dt.date) or isinstance(dob, dt.datetime):
        raise ValueError(f"dob: expected a datetime.date, got {dob!r}")
    if not isinstance(today, dt.date) or isinstance(today, dt.datetime):
        raise ValueError(f"today: expected a datetime.date, got {today!r}")
    if dob > today:
        raise ValueError(f"dob: {dob} is after today ({today})")
    rules = cat.rules
    table, agency_ids, full_cut, reduced_cut, window_cut = _context(cat, today)
    reduced_weight = rules.reduced_weight

    best: dict[str, float] = {}  # indicator id -> highest recency weight seen
    window_agencies: set[str] = set()
    hard: list[tuple[str, str, str, dt.date]] = []  # (rule, indicator, agency, date)
    evidence: list[tuple[str, str, dt.date, float]] = []  # (indicator, agency, date, weight)

    # Ages compared as dates: the child is under 13 before their 13th birthday.
    turns_13 = _birthday(dob, 13)
    turns_14 = _birthday(dob, 14)
    for n, concern in enumerate(concerns, start=1):
        agency, date, indicators = _fields(n, concern, dob, today, agency_ids)
        if date >= full_cut:
            weight = 1.0
        elif date >= reduced_cut:
            weight = reduced_weight
        else:
            weight = 0.0
        in_window = date >= window_cut
        for iid in indicators:
            entry = table.get(iid)
            if entry is None:
                raise ValueError(
                    f"concern {n}: field 'indicators': unknown indicator id {iid!r} "
                    f"(catalogue {cat.version})"
                )
            if explain:
                evidence.append((iid, agency, date, weight))
            if weight == 0.0:
                continue
            if weight > best.get(iid, 0.0):
                best[iid] = weight
            _, vulnerability, disclosure, high, sexual = entry
            if vulnerability:
                continue
            if in_window:
                window_agencies.add(agency)
            if disclosure:
                hard.append(("disclosure", iid, agency, date))
            if sexual and date < turns_13:
                hard.append(("under_13_sexual_activity", iid, agency, date))
            if high and date < turns_14:
                hard.append(("aged_13_or_under_high", iid, agency, date))

    score = 0.0
    sign_score = 0.0
    for iid, weight in best.items():
        points, vulnerability = table[iid][0], table[iid][1]
        score += points * weight
        if not vulnerability:
            sign_score += points * weight

    bands = rules.bands
    if sign_score == 0.0:
        band = NONE
    elif score >= bands["high"]:
        band = HIGH
    elif score >= bands["medium"]:
        band = MEDIUM
    elif score >= bands["low"]:
        band = LOW
    else:
        band = NONE

    level = band
    n_agencies = len(window_agencies)
    raised = corroborated = False
    if n_agencies >= rules.raise_agencies and level < HIGH:
        level += 1
        raised = True
    if n_agencies >= rules.medium_agencies and level < MEDIUM:
        level = MEDIUM
        corroborated = True
    if hard:
        level = HIGH

    reasons: list[Reason] = []
    if explain:
        reasons = _explain(
            cat,
            dob,
            band,
            score,
            sign_score,
            best,
            evidence,
            hard,
            window_agencies,
            window_cut,
            raised,
            corroborated,
        )
    return level, score, reasons


def _birthday(dob: dt.date, years: int) -> dt.date:
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:  # born 29 February: the birthday falls on 1 March in common years
        return dt.date(dob.year + years, 3, 1)


def _fields(
    n: int, concern: Any, dob: dt.date, today: dt.date, agency_ids: frozenset[str]
) -> tuple[str, dt.date, Iterable[str]]:
    # Exact-type checks first: the abstract-class checks are slow and grading must be fast.
    if type(concern) is not dict and not isinstance(concern, Mapping):
        raise ValueError(f"concern {n}: expected a mapping with agency, date and indicators")
    try:
        agency = concern["agency"]
        date = concern["date"]
        indicators = concern["indicators"]
    except KeyError as exc:
        raise ValueError(f"concern {n}: missing field {exc.args[0]!r}") from None
    if agency not in agency_ids:
        raise ValueError(f"concern {n}: field 'agency': unknown agency {agency!r}")
    if type(date) is not dt.date and (
        not isinstance(date, dt.date) or isinstance(date, dt.datetime)
    ):
        raise ValueError(f"concern {n}: field 'date': expected a datetime.date, got {date!r}")
    if date > today:
        raise ValueError(f"concern {n}: field 'date': {date} is after today ({today})")
    if date < dob:
        raise ValueError(f"concern {n}: field 'date': {date} is before the child's birth ({dob})")
    if type(indicators) is not list and (
        isinstance(indicators, str) or not isinstance(indicators, Iterable)
    ):
        raise ValueError(f"concern {n}: field 'indicators': expected a list of indicator ids")
    return agency, date, indicators


def _explain(
    cat: Catalogue,
    dob: dt.date,
    band: int,
    score: float,
    sign_score: float,
    best: dict[str, float],
    evidence: list[_Evidence],
    hard: list[_Hard],
    window_agencies: set[str],
    window_cut: dt.date,
    raised: bool,
    corroborated: bool,
) -> list[Reason]:
    rules = cat.rules
    table = _table(cat)
    reasons: list[Reason] = []

    def labels(ids: Iterable[str]) -> str:
        return "; ".join(cat[i].label for i in ids)

    def rows(
        pred: Callable[[_Evidence], bool],
    ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[dt.date, ...]]:
        ids: dict[str, None] = {}
        agencies: dict[str, None] = {}
        dates: set[dt.date] = set()
        for e in evidence:
            if pred(e):
                ids[e[0]] = None
                agencies[e[1]] = None
                dates.add(e[2])
        return tuple(ids), tuple(agencies), tuple(sorted(dates))

    texts = {
        "disclosure": (
            "Disclosure: {labels}. A child's own account of sexual exploitation or abuse is "
            "graded high whatever else is known."
        ),
        "under_13_sexual_activity": (
            "Sexual activity by a child under 13 ({labels}; aged {age}). In law a child under 13 "
            "cannot consent to any sexual activity."
        ),
        "aged_13_or_under_high": (
            "High indicator for a child aged 13 or under ({labels}; aged {age}). At this age any "
            "one high indicator is treated as a potential sign of exploitation."
        ),
    }
    for rule in ("disclosure", "under_13_sexual_activity", "aged_13_or_under_high"):
        fired = [h for h in hard if h[0] == rule]
        if not fired:
            continue
        ids = tuple(dict.fromkeys(h[1] for h in fired))
        reasons.append(
            Reason(
                rule=rule,
                level=Grade.HIGH,
                text=texts[rule].format(
                    labels=labels(ids), age=age_on(dob, min(h[3] for h in fired))
                ),
                indicators=ids,
                agencies=tuple(dict.fromkeys(h[2] for h in fired)),
                dates=tuple(sorted(set(h[3] for h in fired))),
            )
        )

    counted = rows(lambda e: e[3] > 0)
    if best and sign_score == 0.0:
        reasons.append(
            Reason(
                rule="vulnerabilities_only",
                level=Grade.NONE,
                text=(
                    f"Only vulnerabilities recorded ({labels(counted[0])}). They make a child "
                    "more at risk but cannot make a grade on their own; watch for signs."
                ),
                indicators=counted[0],
                agencies=counted[1],
                dates=counted[2],
            )
        )
    elif best:
        b, p = rules.bands, rules.points
        reasons.append(
            Reason(
                rule="score",
                level=GRADES[band],
                text=(
                    f"Score {score:g} from {len(best)} signs seen in the last "
                    f"{rules.reduced_months} months ({labels(counted[0])}): points low "
                    f"{p['low']}, medium {p['medium']}, high {p['high']}, at "
                    f"{rules.reduced_weight:g} weight when {rules.full_months}-"
                    f"{rules.reduced_months} months old. Bands: low from {b['low']:g}, medium "
                    f"from {b['medium']:g}, high from {b['high']:g}; this is {GRADES[band]}."
                ),
                indicators=counted[0],
                agencies=counted[1],
                dates=counted[2],
            )
        )

    if raised or corroborated:
        ids, agencies, dates = rows(
            lambda e: e[2] >= window_cut and e[3] > 0 and not table[e[0]][1]
        )
    if raised:
        n = len(window_agencies)
        reasons.append(
            Reason(
                rule="corroboration",
                level=GRADES[min(band + 1, HIGH)],
                text=(
                    f"Signs recorded by {n} agencies ({', '.join(sorted(window_agencies))}) within "
                    f"{rules.window_months} months: the grade is raised one level, from "
                    f"{GRADES[band]} to {GRADES[min(band + 1, HIGH)]}."
                ),
                indicators=ids,
                agencies=agencies,
                dates=dates,
            )
        )
    if corroborated:
        reasons.append(
            Reason(
                rule="corroboration_three_agencies",
                level=Grade.MEDIUM,
                text=(
                    f"Signs recorded by {len(window_agencies)} agencies within "
                    f"{rules.window_months} months: at least medium."
                ),
                indicators=ids,
                agencies=agencies,
                dates=dates,
            )
        )

    old = rows(lambda e: e[3] == 0)
    if old[0]:
        reasons.append(
            Reason(
                rule="history",
                level=Grade.NONE,
                text=(
                    f"Recorded more than {rules.reduced_months} months ago and no longer counted, "
                    f"kept in the history: {labels(old[0])}."
                ),
                indicators=old[0],
                agencies=old[1],
                dates=old[2],
            )
        )
    return reasons
