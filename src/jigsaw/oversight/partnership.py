"""A partnership's own figures from what its agencies record: pure functions over plain frames.

The web application (or any other system) hands in plain pandas frames, one per kind of record,
with the columns of :data:`INPUT_COLUMNS` (described in ``docs/returns.md``); every function
here filters them to a period and returns exact :class:`~jigsaw.oversight.returns.Figure` s,
which :mod:`jigsaw.oversight.returns` publishes through the one disclosure rule. Nothing here
reads a database, a file or a clock: clock results (decided within the RAG clock, within one
working day) arrive as columns.

- :func:`identified_figures`: children identified as victims of CSE or at risk, per 10,000
  children, by quarter, with exact/Byar intervals and the trend;
- :func:`agency_figures` and :func:`silent_agencies`: who identifies;
- :func:`dark_figure` (over :func:`mse_records`): multiple systems estimation over the agencies'
  lists, the same estimate as ``jigsaw mse --records`` on the same export;
- :func:`disproportionality`: identified children by sex, age band, ethnicity and disability
  against the area's child population;
- :func:`timeliness`: decisions, strategy discussions, overdue actions, re-referrals, return
  home interviews;
- :func:`published_cin`: the area's published CIN figure beside its DfE neighbours' and
  England's, labelled as the different measure it is (for the dashboard, beside its own rate);
- :func:`partnership_return`: all of them as one :class:`~jigsaw.oversight.returns.PartnershipReturn`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from jigsaw import disclosure
from jigsaw.characteristics import NOT_ASKED, REFUSED, disability_answer, ethnicity_answer
from jigsaw.errors import InputError
from jigsaw.oversight.returns import Figure, PartnershipReturn, breakdown_text
from jigsaw.stats import rates

if TYPE_CHECKING:
    from jigsaw.world import World

__all__ = [
    "AGE_BANDS",
    "INPUT_COLUMNS",
    "MIN_LISTS",
    "MIN_OBSERVED",
    "OUTCOMES",
    "PUBLISHED_MEASURE",
    "DarkFigure",
    "PartnershipInputs",
    "PublishedCIN",
    "Silent",
    "age_band",
    "agency_figures",
    "census_ethnicity",
    "concern_shares",
    "dark_figure",
    "disproportionality",
    "identified_children",
    "identified_figures",
    "inputs_from_world",
    "mse_records",
    "partnership_return",
    "protect",
    "published_cin",
    "quarters",
    "silent_agencies",
    "silent_window",
    "timeliness",
]

#: Recorded outcomes that count a child as identified.
OUTCOMES = ("victim", "at_risk")

#: Age bands of the disproportionality figures (age at the child's first outcome in the period).
AGE_BANDS = ("0-9", "10-13", "14-15", "16-17")

#: Fewest agency lists the dark figure is estimated from: with two lists no dependence between
#: agencies can be allowed for, and referral between agencies is the rule, not the exception.
MIN_LISTS = 3

#: Fewest children on the lists for an estimate: below it every model is guesswork.
MIN_OBSERVED = 20

#: Columns each input frame must have (more are ignored).
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "concerns": ("concern_id", "child_id", "agency", "date"),
    "referrals": (
        "referral_id",
        "child_id",
        "agency",
        "received",
        "decided",
        "within_rag",
        "within_1_working_day",
        "hours_to_decision",
        "strategy_discussion",
        "re_referral_12m",
    ),
    "outcomes": ("child_id", "agency", "date", "outcome"),
    "children": ("child_id", "sex", "dob", "ethnicity", "disability"),
    "actions": ("action_id", "due", "overdue"),
    "missing_episodes": (
        "episode_id",
        "child_id",
        "returned",
        "interview_offered",
        "interview_completed",
        "within_72h",
    ),
    "population": ("dimension", "group", "children"),
}

_SEX = {
    "f": "female",
    "female": "female",
    "girl": "female",
    "m": "male",
    "male": "male",
    "boy": "male",
    "other": "other",
    "": "not recorded",
    "not recorded": "not recorded",
}
_YES = {"true", "yes", "1", "y"}
_NO = {"false", "no", "0", "n"}


# --- inputs ---------------------------------------------------------------------------------


def _check(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = [c for c in INPUT_COLUMNS[name] if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name}: missing column {', '.join(missing)} (need {', '.join(INPUT_COLUMNS[name])})"
        )
    return frame.reset_index(drop=True)


def _text(values: pd.Series) -> pd.Series:
    """Cells as stripped text, missing ones as ""."""
    return pd.Series(
        [
            "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
            for v in values.tolist()
        ],
        index=values.index,
        dtype=object,
    )


def _dates(frame: pd.DataFrame, column: str, name: str, *, blank: bool = False) -> pd.Series:
    text = _text(frame[column])
    out: pd.Series = pd.to_datetime(
        pd.Series([t or None for t in text], index=text.index, dtype=object),
        format="ISO8601",
        errors="coerce",
    )
    bad = out.isna() & (text != "")
    if not blank:
        bad |= text == ""
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{name}: row {i + 2}, column {column}: {text.iloc[i]!r} is not a date YYYY-MM-DD"
        )
    normalised: pd.Series = out.dt.normalize()
    return normalised


def _flags(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    """A yes/no column as True, False or None (blank: not applicable, e.g. not yet decided)."""
    values: list[bool | None] = []
    for i, raw in enumerate(frame[column].tolist()):
        if isinstance(raw, bool | np.bool_):
            values.append(bool(raw))
            continue
        text = (
            ""
            if raw is None or (isinstance(raw, float) and math.isnan(raw))
            else str(raw).strip().lower()
        )
        if text in _YES:
            values.append(True)
        elif text in _NO:
            values.append(False)
        elif text == "":
            values.append(None)
        else:
            raise InputError(f"{name}: row {i + 2}, column {column}: {raw!r} is not true or false")
    return pd.Series(values, index=frame.index, dtype=object)


def _in(dates: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    """Dates within the period, both ends included."""
    return (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))


@dataclass(frozen=True)
class PartnershipInputs:
    """A partnership's records for its figures (frames with :data:`INPUT_COLUMNS`).

    ``agencies`` names every agency of the partnership, including any that recorded nothing
    (those are the silent ones). ``children_total`` is the area's population aged 0-17.
    ``reference_shares`` (or ``reference_concerns``) are what "similar partnerships" record, for
    :func:`silent_agencies`; with neither, agencies are only compared with their own silence.
    """

    area_code: str
    area_name: str
    children_total: float
    agencies: tuple[str, ...]
    concerns: pd.DataFrame
    referrals: pd.DataFrame
    outcomes: pd.DataFrame
    children: pd.DataFrame
    actions: pd.DataFrame
    missing_episodes: pd.DataFrame
    population: pd.DataFrame
    reference_shares: Mapping[str, float] = field(default_factory=dict)
    #: The concerns of similar partnerships (``concerns`` columns; ``child_id`` may be blank):
    #: when given, each agency's reference share is taken from them over the same 12 months as
    #: its own (:func:`silent_window`), in place of ``reference_shares``.
    reference_concerns: pd.DataFrame | None = None


# --- disclosure within a partition ------------------------------------------------------------


def protect(counts: Mapping[str, float]) -> set[str]:
    """Cells to withhold (``c``) beside the small ones, when the cells add up to a published total.

    The total less the shown cells is the sum of the hidden ones, so that sum must neither be a
    single hidden cell nor below 5: the smallest shown cells are withheld too until it is neither.

    >>> sorted(protect({"victim": 3, "at_risk": 40}))
    ['at_risk']
    >>> sorted(protect({"a": 2, "b": 3, "c": 50}))
    []
    >>> sorted(protect({"a": 1, "b": 2, "c": 9, "d": 50}))
    ['c']
    >>> protect({"a": 10, "b": 20})
    set()
    """
    hidden = {k for k, v in counts.items() if disclosure.is_small(v)}
    if not hidden:
        return set()
    withheld: set[str] = set()
    shown = sorted((k for k in counts if k not in hidden), key=lambda k: (counts[k], k))
    while shown and (
        len(hidden | withheld) < 2
        or sum(counts[k] for k in hidden | withheld) < disclosure.THRESHOLD
    ):
        withheld.add(shown.pop(0))
    return withheld


def _rate_figures(
    prefix: str, breakdown: str, count: float, population: float, *, withheld: bool = False
) -> list[Figure]:
    estimate = rates.rate(count, population, per=10_000)
    return [
        Figure(prefix, breakdown, float(count), withheld=withheld),
        Figure(
            f"{prefix}_per_10k", breakdown, float(estimate.value), count=count, withheld=withheld
        ),
        Figure(
            f"{prefix}_per_10k_lower",
            breakdown,
            float(estimate.lower),
            count=count,
            withheld=withheld,
        ),
        Figure(
            f"{prefix}_per_10k_upper",
            breakdown,
            float(estimate.upper),
            count=count,
            withheld=withheld,
        ),
    ]


# --- identified children ---------------------------------------------------------------------


def identified_children(outcomes: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """One row per child with an outcome in the period: ``child_id``, ``outcome``, ``first``.

    A child recorded as a victim by any agency in the period counts as a victim; otherwise as at
    risk; so victims and children at risk add up to the children identified.
    """
    frame = _check(outcomes, "outcomes")
    dates = _dates(frame, "date", "outcomes")
    kind = frame["outcome"].astype(str).str.strip()
    bad = ~kind.isin(OUTCOMES)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"outcomes: row {i + 2}, column outcome: {kind.iloc[i]!r} is not one of "
            f"{', '.join(OUTCOMES)}"
        )
    inside = _in(dates, start, end)
    rows = pd.DataFrame(
        {"child_id": frame["child_id"].astype(str), "victim": kind == "victim", "date": dates}
    )[inside]
    grouped = rows.groupby("child_id", sort=True)
    out = pd.DataFrame(
        {"victim": grouped["victim"].any(), "first": grouped["date"].min()}
    ).reset_index()
    out["outcome"] = np.where(out["victim"], "victim", "at_risk")
    return out[["child_id", "outcome", "first"]]


def quarters(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The period's quarters from its first day (the last may be short), first and last days.

    >>> quarters(dt.date(2024, 4, 1), dt.date(2024, 9, 30))
    [(datetime.date(2024, 4, 1), datetime.date(2024, 6, 30)), (datetime.date(2024, 7, 1), datetime.date(2024, 9, 30))]
    """
    out = []
    first = start
    while first <= end:
        month = first.month - 1 + 3
        following = (
            dt.date(first.year + month // 12, month % 12 + 1, 1)
            if first.day == 1
            else (pd.Timestamp(first) + pd.DateOffset(months=3)).date()
        )
        last = min(following - dt.timedelta(days=1), end)
        out.append((first, last))
        first = following
    return out


def _trend(counts: Sequence[float], times: Sequence[float]) -> tuple[float, float, float]:
    """Rate ratio per year and its 95% Wald limits: Poisson regression of counts on time."""
    y = np.asarray(counts, dtype=float)
    x = np.column_stack([np.ones(len(y)), np.asarray(times, dtype=float)])
    beta = np.array([math.log(max(y.mean(), 0.5)), 0.0])
    for _ in range(50):
        mu = np.exp(x @ beta)
        information = x.T @ (mu[:, None] * x)
        step = np.linalg.solve(information, x.T @ (y - mu))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    mu = np.exp(x @ beta)
    se = math.sqrt(float(np.linalg.inv(x.T @ (mu[:, None] * x))[1, 1]))
    return math.exp(beta[1]), math.exp(beta[1] - 1.959964 * se), math.exp(beta[1] + 1.959964 * se)


def identified_figures(
    outcomes: pd.DataFrame, children_total: float, start: dt.date, end: dt.date
) -> list[Figure]:
    """Children identified in the period (victims, at risk, either) per 10,000, by quarter, and the trend.

    Quarterly counts are of children with an outcome recorded in the quarter (rates per quarter,
    not per year); the trend is the rate ratio per year of a Poisson regression of the quarterly
    counts on time (the population is the same in every quarter), given from four quarters.
    """
    children = identified_children(outcomes, start, end)
    out: list[Figure] = []
    by_outcome = {o: float((children["outcome"] == o).sum()) for o in OUTCOMES}
    total = float(len(children))
    withheld = protect(by_outcome)
    out += _rate_figures("identified", breakdown_text(outcome="any"), total, children_total)
    for outcome in OUTCOMES:
        out += _rate_figures(
            "identified",
            breakdown_text(outcome=outcome),
            by_outcome[outcome],
            children_total,
            withheld=outcome in withheld,
        )
    frame = _check(outcomes, "outcomes")
    dates = _dates(frame, "date", "outcomes")
    ids = frame["child_id"].astype(str)
    spans = quarters(start, end)
    counts = {q.isoformat(): float(ids[_in(dates, q, last)].nunique()) for q, last in spans}
    quarter_withheld = protect(counts)
    for (q, _), (label, count) in zip(spans, counts.items(), strict=True):
        out += _rate_figures(
            "identified",
            breakdown_text(outcome="any", quarter=q.isoformat()),
            count,
            children_total,
            withheld=label in quarter_withheld,
        )
    if len(spans) >= 4 and not disclosure.is_small(total):
        times = [((q - start).days + (last - q).days / 2) / 365.25 for q, last in spans]
        days = [(last - q).days + 1 for q, last in spans]
        # A short last quarter would look like a fall: scale its count to a full quarter's days.
        full = max(days)
        scaled = [c * full / d for c, d in zip(counts.values(), days, strict=True)]
        ratio, low, high = _trend(scaled, times)
        any_ = breakdown_text(outcome="any")
        word = "rising" if low > 1 else "falling" if high < 1 else "no clear trend"
        out += [
            Figure("identified_trend_ratio", any_, ratio, count=total),
            Figure("identified_trend_lower", any_, low, count=total),
            Figure("identified_trend_upper", any_, high, count=total),
            Figure("identified_trend", any_, word),
        ]
    return out


# --- who identifies ---------------------------------------------------------------------------


def _agency_counts(
    frame: pd.DataFrame,
    dates: pd.Series,
    start: dt.date,
    end: dt.date,
    agencies: Iterable[str],
    *,
    distinct: str | None = None,
) -> dict[str, float]:
    inside = frame[_in(dates, start, end).to_numpy()]
    if distinct:
        inside = inside.drop_duplicates([distinct, "agency"])
    counts = inside["agency"].astype(str).value_counts()
    return {a: float(counts.get(a, 0)) for a in agencies}


def agency_figures(
    concerns: pd.DataFrame,
    referrals: pd.DataFrame,
    outcomes: pd.DataFrame,
    agencies: Sequence[str],
    start: dt.date,
    end: dt.date,
) -> list[Figure]:
    """Concerns, referrals and identifications (distinct children) by agency in the period."""
    concerns = _check(concerns, "concerns")
    referrals = _check(referrals, "referrals")
    outcomes = _check(outcomes, "outcomes")
    known = list(agencies)
    for name, frame in (("concerns", concerns), ("referrals", referrals), ("outcomes", outcomes)):
        unknown = ~frame["agency"].astype(str).isin(known)
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise InputError(
                f"{name}: row {i + 2}, column agency: {frame['agency'].iloc[i]!r} is not one "
                f"of the partnership's agencies ({', '.join(known)})"
            )
    out: list[Figure] = []
    tables = (
        (
            "concerns",
            _agency_counts(concerns, _dates(concerns, "date", "concerns"), start, end, known),
        ),
        (
            "referrals",
            _agency_counts(
                referrals, _dates(referrals, "received", "referrals"), start, end, known
            ),
        ),
        (
            "identifications",
            _agency_counts(
                outcomes,
                _dates(outcomes, "date", "outcomes"),
                start,
                end,
                known,
                distinct="child_id",
            ),
        ),
    )
    for measure, counts in tables:
        out += [Figure(measure, breakdown_text(agency=a), counts[a]) for a in known]
    return out


def concern_shares(concerns: pd.DataFrame, start: dt.date, end: dt.date) -> dict[str, float]:
    """Each agency's share of the concerns of similar partnerships in the period (the reference
    :func:`silent_agencies` compares an agency with)."""
    frame = _check(concerns, "concerns")
    inside = frame[_in(_dates(frame, "date", "concerns"), start, end).to_numpy()]
    counts = inside["agency"].astype(str).value_counts()
    total = float(counts.sum())
    return {str(a): float(c) / total for a, c in counts.items()} if total else {}


@dataclass(frozen=True)
class Silent:
    """An agency flagged silent, and why (``no_activity_12_months`` or ``below_similar_share``)."""

    agency: str
    reason: str
    concerns: float
    share: float
    reference_share: float


def silent_window(end: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 months to ``end`` (both included) over which an agency's silence is judged.

    >>> silent_window(dt.date(2026, 3, 31))
    (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    """
    return (pd.Timestamp(end) - pd.DateOffset(months=12) + pd.Timedelta(days=1)).date(), end


def silent_agencies(
    concerns: pd.DataFrame,
    outcomes: pd.DataFrame,
    agencies: Sequence[str],
    end: dt.date,
    reference_shares: Mapping[str, float] | None = None,
    *,
    level: float = 0.998,
) -> list[Silent]:
    """Agencies with no concern and no identification in the 12 months to ``end``, or whose share
    of the partnership's concerns is far below their share in similar partnerships.

    "Far below" is the funnel test of a proportion at ``level`` (99.8%, the funnel plot's outer
    line): the agency's share of the partnership's concerns in the 12 months lies below the
    lower limit of the Wilson funnel around the agency's share in ``reference_shares`` (e.g.
    :func:`concern_shares` of similar partnerships) for that many concerns. That is the same as
    the upper ``level`` Wilson limit of the agency's share lying below the reference share
    (:func:`jigsaw.stats.funnel.proportion_significance` draws the same line); with fewer
    concerns the funnel widens, so a small partnership is not flagged by chance.
    """
    start, _ = silent_window(end)
    concerns = _check(concerns, "concerns")
    outcomes = _check(outcomes, "outcomes")
    raised = _agency_counts(concerns, _dates(concerns, "date", "concerns"), start, end, agencies)
    found = _agency_counts(
        outcomes, _dates(outcomes, "date", "outcomes"), start, end, agencies, distinct="child_id"
    )
    total = sum(raised.values())
    out: list[Silent] = []
    for agency in agencies:
        reference = float((reference_shares or {}).get(agency, math.nan))
        share = raised[agency] / total if total else math.nan
        if raised[agency] == 0 and found[agency] == 0:
            out.append(Silent(agency, "no_activity_12_months", 0.0, share, reference))
        elif total and math.isfinite(reference):
            upper = float(rates.proportion(raised[agency], total, level=level).upper)
            if upper < reference:
                out.append(Silent(agency, "below_similar_share", raised[agency], share, reference))
    return out


# --- the dark figure ------------------------------------------------------------------------


def mse_records(outcomes: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The agencies' lists in the period as linked records: ``child_id, agency``, one row each.

    This is the export ``jigsaw mse --records`` reads: each agency is a list and the child
    identifier is the one Jigsaw linked the agencies' records to.
    """
    frame = _check(outcomes, "outcomes")
    inside = frame[_in(_dates(frame, "date", "outcomes"), start, end).to_numpy()]
    pairs = inside[["child_id", "agency"]].astype(str).drop_duplicates()
    return pairs.sort_values(["agency", "child_id"]).reset_index(drop=True)


@dataclass(frozen=True)
class DarkFigure:
    """The dark figure, or why there is none (``status`` ``too_few_lists`` or ``too_sparse``)."""

    status: str
    note: str
    lists: tuple[str, ...]
    observed: int
    method: str = "stepwise"
    terms: tuple[str, ...] = ()
    total: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    interval: str = ""
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def dark(self) -> float:
        """Children on no list (estimated)."""
        return self.total - self.observed

    def figures(self) -> list[Figure]:
        """The dark figure as the return's figures."""
        observed = float(self.observed)
        out = [
            Figure("mse_status", "", self.status),
            Figure("mse_note", "", self.note),
            Figure("mse_observed", "", observed),
        ]
        if self.lists:
            out.append(Figure("mse_lists", "", "+".join(self.lists)))
        if self.status != "estimated":
            return out
        out += [
            Figure("mse_method", "", self.method),
            Figure("mse_model", "", " ".join(self.terms) or "main effects only"),
            Figure("mse_interval", "", self.interval),
            Figure("mse_dark_figure", "", self.dark, count=observed),
            Figure("mse_total", "", self.total, count=observed),
            Figure("mse_total_lower", "", self.lower, count=observed),
            Figure("mse_total_upper", "", self.upper, count=observed),
        ]
        for row in self.sensitivity.to_dict("records"):
            if not str(row["method"]):
                continue
            key = breakdown_text(lists=str(row["lists"]), method=str(row["method"]))
            out += [
                Figure("mse_sensitivity_total", key, float(row["total"]), count=observed),
                Figure("mse_sensitivity_lower", key, float(row["ci_low"]), count=observed),
                Figure("mse_sensitivity_upper", key, float(row["ci_high"]), count=observed),
            ]
        return out


_ASSUMES = (
    "Assumes every child identified in the period could have been on any agency's list "
    "(a closed population), that the agencies' lists depend on each other only as the "
    "chosen interactions allow, and that the linkage is right. Children no agency can see "
    "at all are not counted: read it as a lower bound."
)


def dark_figure(
    outcomes: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    *,
    method: str = "stepwise",
    ci: str = "wald",
    level: float = 0.95,
    with_sensitivity: bool = True,
) -> DarkFigure:
    """Multiple systems estimation over the agencies' lists of children identified in the period.

    The estimate is :func:`jigsaw.stats.mse.estimate` on
    :func:`~jigsaw.stats.mse.table_from_records` of :func:`mse_records`, with the same defaults
    as ``jigsaw mse --records`` (stepwise, Wald 95%), so the two agree on the same export.
    ``with_sensitivity=False`` skips the sensitivity table (the slow part; for simulations).
    """
    from jigsaw.stats.mse import estimate, sensitivity, table_from_records

    records = mse_records(outcomes, start, end)
    lists = tuple(sorted(records["agency"].unique()))
    observed = int(records["child_id"].nunique())
    if len(lists) < MIN_LISTS:
        return DarkFigure(
            "too_few_lists",
            f"{len(lists)} agencies identified children in the period; "
            f"an estimate needs at least {MIN_LISTS} lists",
            lists,
            observed,
        )
    if observed < MIN_OBSERVED:
        return DarkFigure(
            "too_sparse",
            f"fewer than {MIN_OBSERVED} children are on the agencies' "
            "lists: too few to estimate how many are on none",
            lists,
            observed,
        )
    try:
        table = table_from_records(records, source="the agencies' lists")
        result = estimate(table, method, ci=ci, level=level)
    except InputError as error:
        return DarkFigure(
            "too_sparse", f"the lists overlap too little to estimate: {error}", lists, observed
        )
    return DarkFigure(
        "estimated",
        _ASSUMES,
        lists,
        observed,
        method,
        result.terms,
        result.total,
        result.ci_low,
        result.ci_high,
        f"{result.ci} {result.level:.0%}",
        sensitivity(table, level=level) if with_sensitivity else pd.DataFrame(),
    )


# --- disproportionality ------------------------------------------------------------------------


def age_band(age: float) -> str:
    """The band of an age in whole years (0-17; 18 and over are in the top band).

    >>> [age_band(a) for a in (3, 10, 15, 17)]
    ['0-9', '10-13', '14-15', '16-17']
    """
    if age < 10:
        return "0-9"
    if age < 14:
        return "10-13"
    if age < 16:
        return "14-15"
    return "16-17"


def _child_groups(children: pd.DataFrame, identified: pd.DataFrame) -> pd.DataFrame:
    """Sex, age band, ethnicity and disability of each identified child, as the return names them."""
    frame = _check(children, "children")
    frame = frame.assign(child_id=frame["child_id"].astype(str))
    ethnicity = pd.Series([ethnicity_answer(v) for v in frame["ethnicity"]], index=frame.index)
    disability = pd.Series([disability_answer(v) for v in frame["disability"]], index=frame.index)
    for column, answers, values in (
        ("ethnicity", "a Census 2021 group", ethnicity),
        ("disability", "yes or no", disability),
    ):
        bad = values.isna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raw = frame[column].iloc[i]
            said = "blank" if raw is None or str(raw).strip() in ("", "nan") else repr(raw)
            raise InputError(
                f"children: row {i + 2}, column {column}: {said}; record {answers}, "
                f'"{REFUSED}" or "{NOT_ASKED}" so that gaps are visible'
            )
    sex_text = (
        frame["sex"]
        .astype(object)
        .where(frame["sex"].notna(), "")
        .astype(str)
        .str.strip()
        .str.lower()
    )
    unknown = ~sex_text.isin(list(_SEX))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(
            f"children: row {i + 2}, column sex: {frame['sex'].iloc[i]!r} is not female, male or other"
        )
    dob = _dates(frame, "dob", "children", blank=True)
    table = (
        pd.DataFrame(
            {
                "child_id": frame["child_id"],
                "sex": sex_text.map(_SEX),
                "ethnicity": ethnicity,
                "disability": disability,
                "dob": dob,
            }
        )
        .drop_duplicates("child_id")
        .set_index("child_id")
    )
    missing = ~identified["child_id"].isin(table.index)
    if missing.any():
        raise InputError(
            f"children: no row for identified child {identified['child_id'][missing].iloc[0]!r}"
        )
    joined = table.loc[identified["child_id"]].reset_index()
    age = (identified["first"].to_numpy() - joined["dob"].to_numpy()).astype(
        "timedelta64[D]"
    ).astype(float) / 365.25
    joined["age_band"] = [age_band(a) if math.isfinite(a) else "not recorded" for a in age]
    return joined


def disproportionality(
    outcomes: pd.DataFrame,
    children: pd.DataFrame,
    population: pd.DataFrame,
    start: dt.date,
    end: dt.date,
) -> list[Figure]:
    """Identified children by sex, age band, ethnicity and disability against the child population.

    Each group's rate per 10,000 of its children (exact/Byar interval), and its rate ratio to the
    whole area's rate with the group's limits divided by the area's rate (the area's rate is
    taken as fixed: it rests on far more children). Groups of identified children with no
    population (``refused``, ``not asked``, ``not recorded``) get their count only. Cells that add
    up to the area's count are protected by :func:`protect`.
    """
    identified = identified_children(outcomes, start, end)
    groups = _child_groups(children, identified)
    pop = _check(population, "population")
    pop_of: dict[tuple[str, str], float] = {}
    for i, row in enumerate(pop.to_dict("records"), start=2):
        try:
            pop_of[(str(row["dimension"]), str(row["group"]))] = float(str(row["children"]))
        except ValueError:
            raise InputError(
                f"population: row {i}, column children: {row['children']!r} is not a number"
            ) from None
    total_children = sum(v for (d, _), v in pop_of.items() if d == "sex") or math.nan
    # No child identified: no area rate to compare a group's with (and no ratio to divide by).
    area_rate = (
        len(identified) / total_children * 10_000
        if total_children and len(identified)
        else math.nan
    )
    out: list[Figure] = []
    for dimension in ("sex", "age_band", "ethnicity", "disability"):
        counts = groups[dimension].value_counts()
        labels = sorted({*map(str, counts.index), *(g for d, g in pop_of if d == dimension)})
        cells = {g: float(counts.get(g, 0)) for g in labels}
        withheld = protect(cells)
        for group in labels:
            keys = {"outcome": "any", dimension: group}
            key = breakdown_text(**keys)
            population_size = pop_of.get((dimension, group))
            count = cells[group]
            if population_size is None or population_size <= 0:
                out.append(Figure("identified", key, count, withheld=group in withheld))
                continue
            out.append(Figure("population", breakdown_text(**{dimension: group}), population_size))
            out += _rate_figures(
                "identified", key, count, population_size, withheld=group in withheld
            )
            estimate = rates.rate(count, population_size, per=10_000)
            out += [
                Figure(
                    "rate_ratio",
                    key,
                    float(estimate.value) / area_rate,
                    count=count,
                    withheld=group in withheld,
                ),
                Figure(
                    "rate_ratio_lower",
                    key,
                    float(estimate.lower) / area_rate,
                    count=count,
                    withheld=group in withheld,
                ),
                Figure(
                    "rate_ratio_upper",
                    key,
                    float(estimate.upper) / area_rate,
                    count=count,
                    withheld=group in withheld,
                ),
            ]
    return out


def census_ethnicity(area_code: str, children_total: float) -> pd.DataFrame:
    """The area's children by ethnic group, from Census 2021 shares, as ``population`` rows.

    The shares are of all usual residents (the shipped table is not by age), shared out over
    ``children_total`` by largest remainder. Children are more often of minority groups than
    adults, so minority groups' child populations are understated and their rate ratios
    overstated: read them with that in mind, or hand in a child-specific population.

    Raises
    ------
    InputError
        A code not in the Census 2021 table of upper-tier LAs.
    """
    from jigsaw.datasets import england

    counts = england.ethnicity_counts()
    match = counts[counts["new_la_code"] == area_code]
    if match.empty:
        raise InputError(f"{area_code!r} is not an upper-tier LA of the Census 2021 table")
    row = match[list(england.CENSUS_GROUPS)].to_numpy(dtype=float)[0]
    share = row / row.sum() * float(children_total)
    whole = np.floor(share)
    left = int(round(float(children_total) - whole.sum()))
    order = np.argsort(-(share - whole), kind="stable")[:left]
    whole[order] += 1
    return pd.DataFrame(
        {
            "dimension": "ethnicity",
            "group": list(england.CENSUS_GROUPS),
            "children": whole.astype(np.int64),
        }
    )


# --- timeliness ---------------------------------------------------------------------------------


def _share(measure: str, count: float, total: float) -> Figure:
    return Figure(measure, "", 100 * count / total if total else math.nan, count=count)


def timeliness(
    referrals: pd.DataFrame,
    actions: pd.DataFrame,
    missing_episodes: pd.DataFrame,
    start: dt.date,
    end: dt.date,
) -> list[Figure]:
    """Decisions on referrals, strategy discussions, overdue actions, re-referrals, return interviews.

    Referrals count when decided in the period (``decided``); re-referrals and strategy
    discussions when received in it; actions when due in it and still ``overdue`` at its end;
    missing episodes when the child ``returned`` in it. Shares are of decided referrals, of
    referrals received, and of episodes.
    """
    referrals = _check(referrals, "referrals")
    received = _in(_dates(referrals, "received", "referrals"), start, end).to_numpy()
    decided_on = _dates(referrals, "decided", "referrals", blank=True)
    decided = _in(decided_on, start, end).to_numpy()
    rag = _flags(referrals, "within_rag", "referrals")
    day = _flags(referrals, "within_1_working_day", "referrals")
    strategy = _flags(referrals, "strategy_discussion", "referrals")
    again = _flags(referrals, "re_referral_12m", "referrals")
    hours = pd.to_numeric(referrals["hours_to_decision"], errors="coerce")
    n_decided = float(decided.sum())
    within_rag = float((rag[decided] == True).sum())  # noqa: E712 (None is neither)
    within_day = float((day[decided] == True).sum())  # noqa: E712
    n_received = float(received.sum())
    re_referred = float((again[received] == True).sum())  # noqa: E712
    decided_hours = hours[decided].dropna()
    out = [
        Figure("referrals_decided", "", n_decided),
        Figure("decided_within_rag", "", within_rag),
        _share("decided_within_rag_pct", within_rag, n_decided),
        Figure("decided_within_1_working_day", "", within_day),
        _share("decided_within_1_working_day_pct", within_day, n_decided),
        Figure(
            "median_hours_to_decision",
            "",
            float(decided_hours.median()) if len(decided_hours) else math.nan,
            count=n_decided,
        ),
        Figure("strategy_discussions", "", float((strategy[received] == True).sum())),  # noqa: E712
        Figure("re_referrals_12m", "", re_referred),
        _share("re_referrals_12m_pct", re_referred, n_received),
    ]
    actions = _check(actions, "actions")
    due = _in(_dates(actions, "due", "actions"), start, end).to_numpy()
    overdue = _flags(actions, "overdue", "actions")
    out.append(Figure("overdue_actions", "", float(overdue[due].eq(True).sum())))
    episodes = _check(missing_episodes, "missing_episodes")
    returned = _in(_dates(episodes, "returned", "missing_episodes"), start, end).to_numpy()
    offered = float(
        _flags(episodes, "interview_offered", "missing_episodes")[returned].eq(True).sum()
    )
    completed = float(
        _flags(episodes, "interview_completed", "missing_episodes")[returned].eq(True).sum()
    )
    in_time = float(_flags(episodes, "within_72h", "missing_episodes")[returned].eq(True).sum())
    n_episodes = float(returned.sum())
    out += [
        Figure("missing_episodes", "", n_episodes),
        Figure("return_interviews_offered", "", offered),
        Figure("return_interviews_completed", "", completed),
        Figure("return_interviews_within_72h", "", in_time),
        _share("return_interviews_within_72h_pct", in_time, n_episodes),
    ]
    return out


# --- the whole return ----------------------------------------------------------------------------


def partnership_return(
    inputs: PartnershipInputs, start: dt.date, end: dt.date
) -> PartnershipReturn:
    """Every figure of the partnership for the period, as one return (published by the one rule)."""
    if end < start:
        raise InputError(f"period: the end {end} is before the start {start}")
    figures = identified_figures(inputs.outcomes, inputs.children_total, start, end)
    figures += disproportionality(inputs.outcomes, inputs.children, inputs.population, start, end)
    figures += agency_figures(
        inputs.concerns, inputs.referrals, inputs.outcomes, inputs.agencies, start, end
    )
    reference = inputs.reference_shares
    if inputs.reference_concerns is not None:
        reference = concern_shares(inputs.reference_concerns, *silent_window(end))
    for silent in silent_agencies(
        inputs.concerns, inputs.outcomes, inputs.agencies, end, reference
    ):
        figures.append(
            Figure(
                "silent_agency",
                breakdown_text(agency=silent.agency, reason=silent.reason),
                silent.reason,
            )
        )
    figures += dark_figure(inputs.outcomes, start, end).figures()
    figures += timeliness(inputs.referrals, inputs.actions, inputs.missing_episodes, start, end)
    return PartnershipReturn(
        inputs.area_code, inputs.area_name, start, end, inputs.children_total, tuple(figures)
    )


# --- the published figure beside the partnership's own ----------------------------------------------


#: What the published figure counts: not the partnership's measure, and labelled so wherever shown.
PUBLISHED_MEASURE = (
    "DfE children in need census: assessments with child sexual exploitation "
    "recorded as a factor, per 10,000 children (a different measure: assessments "
    "by children's social care, not children identified by any agency)"
)


@dataclass(frozen=True)
class PublishedCIN:
    """The area's published CIN rate beside its DfE neighbours' and England's, for one year.

    Rates are per 10,000 children aged 0-17; ``identified`` is NaN where DfE did not publish a
    count; the neighbours' and England's rates pool the LAs with published, comparable counts
    (DfE publishes these counts itself; Jigsaw's suppression applies to the area's own line).
    """

    year: int
    area_code: str
    area_name: str
    identified: float
    children: float
    rate: float
    rate_lower: float
    rate_upper: float
    neighbours: tuple[str, ...]
    neighbours_rate: float
    england_rate: float
    measure: str = PUBLISHED_MEASURE


def published_cin(area_code: str, year: int = 2025) -> PublishedCIN:
    """The shipped DfE figure for ``area_code``, its statistical neighbours' and England's.

    Raises
    ------
    InputError
        A code that is not an English LA, or a year outside the shipped data.
    """
    from jigsaw.oversight.national import load_national

    inputs = load_national(year)
    areas = inputs.areas.set_index("area_code")
    if area_code not in areas.index:
        raise InputError(f"{area_code!r} is not an English LA code in the {year} data")
    comparable = areas[
        ~areas.index.isin(list(inputs.held_out))
        & areas["identified"].notna()
        & areas["children"].notna()
    ]
    peers = tuple(
        inputs.neighbours.loc[inputs.neighbours["area_code"] == area_code, "neighbour_code"]
    )
    pooled = comparable[comparable.index.isin(list(peers))]
    row = areas.loc[area_code]
    identified, children = float(row["identified"]), float(row["children"])
    own = rates.rate(identified if math.isfinite(identified) else 0.0, children)
    known = math.isfinite(identified) and not disclosure.is_small(identified)
    return PublishedCIN(
        year=year,
        area_code=area_code,
        area_name=str(row["area_name"]),
        identified=identified,
        children=children,
        rate=float(own.value) if known else math.nan,
        rate_lower=float(own.lower) if known else math.nan,
        rate_upper=float(own.upper) if known else math.nan,
        neighbours=peers,
        neighbours_rate=float(pooled["identified"].sum() / pooled["children"].sum() * 10_000)
        if len(pooled)
        else math.nan,
        england_rate=float(comparable["identified"].sum() / comparable["children"].sum() * 10_000),
    )


# --- the synthetic world as a partnership's records ------------------------------------------------


def inputs_from_world(
    world: World, area_code: str | None = None, *, seed: int = 0
) -> PartnershipInputs:
    """One area of a synthetic world as the records its agencies would hold in Jigsaw.

    Concerns, identifications and children are the world's (each child's identifying agencies
    all recorded the outcome on the child's first identification date; the outcome is
    ``victim`` for a child the world exploited, ``at_risk`` otherwise). The world has no
    referral workflow, so its clock results are drawn here, seeded: every concern is a
    referral to the front door, decided within a day or so; a re-referral is a referral of a
    child referred in the 12 months before (worked out from the referrals themselves); each
    child who goes missing has one to three episodes with return interviews. The population
    by group is the area's children in the world (at the world's end, by their true ethnicity
    and disability); the children's ethnicity and disability are what the agencies recorded
    (``ethnicity_recorded``, ``disability_recorded``: refused and not asked among them). ``reference_shares``
    are the agencies' shares of concerns in the world's other areas, when it has any.
    """
    from jigsaw.world import AGENCIES

    areas = world.areas
    code = str(areas["area_code"].iloc[0]) if area_code is None else area_code
    if code not in set(areas["area_code"]):
        raise InputError(
            f"area {code!r} is not in the world (areas: {', '.join(areas['area_code'])})"
        )
    rng = np.random.default_rng(seed)
    kids = world.children[world.children["area_code"] == code].reset_index(drop=True)
    in_area = set(kids["child_id"])
    child_of = world.truth.set_index("record_id")["child_id"]
    all_concerns = world.concerns.assign(
        child_id=child_of.reindex(world.concerns["record_id"]).to_numpy()
    )
    concerns = all_concerns[all_concerns["area_code"] == code].reset_index(drop=True)
    others = all_concerns[all_concerns["area_code"] != code]
    start, end = world.config.start, world.config.end - dt.timedelta(days=1)

    found = world.outcomes[world.outcomes["identified"] & world.outcomes["child_id"].isin(in_area)]
    exploited = set(kids.loc[kids["exploited"], "child_id"])
    rows = [
        (child, agency, date, "victim" if child in exploited else "at_risk")
        for child, agencies, date in zip(
            found["child_id"], found["agencies"], found["date"], strict=True
        )
        for agency in str(agencies).split(";")
        if agency
    ]
    outcomes = pd.DataFrame(rows, columns=["child_id", "agency", "date", "outcome"])

    n = len(concerns)
    received = pd.to_datetime(concerns["date"])
    hours = rng.gamma(2.0, 6.0, n)
    decided_at = received + pd.to_timedelta(np.ceil(hours / 8.0), unit="D")
    order = np.argsort(received.to_numpy(), kind="stable")
    last_seen: dict[str, pd.Timestamp] = {}
    again = np.zeros(n, dtype=bool)
    for i in order:
        child, when = str(concerns["child_id"].iloc[i]), received.iloc[i]
        previous = last_seen.get(child)
        again[i] = previous is not None and (when - previous).days <= 365
        last_seen[child] = when
    identified = set(found["child_id"])
    referrals = pd.DataFrame(
        {
            "referral_id": [f"R{i + 1:07d}" for i in range(n)],
            "child_id": concerns["child_id"].to_numpy(),
            "agency": concerns["agency"].to_numpy(),
            "received": received.dt.strftime("%Y-%m-%d").to_numpy(),
            "decided": decided_at.dt.strftime("%Y-%m-%d").to_numpy(),
            "within_rag": hours <= 24,
            "within_1_working_day": hours <= 8,
            "hours_to_decision": np.round(hours, 2),
            "strategy_discussion": concerns["child_id"].isin(identified).to_numpy()
            & (rng.random(n) < 0.8),
            "re_referral_12m": again,
        }
    )
    strategy = referrals[referrals["strategy_discussion"]]
    due = pd.to_datetime(strategy["decided"]) + pd.to_timedelta(
        rng.integers(5, 30, len(strategy)), unit="D"
    )
    actions = pd.DataFrame(
        {
            "action_id": [f"A{i + 1:07d}" for i in range(len(strategy))],
            "due": due.dt.strftime("%Y-%m-%d").to_numpy(),
            "overdue": rng.random(len(strategy)) < 0.12,
        }
    )
    goers = kids.loc[kids["missing"], "child_id"].to_numpy()
    episodes_each = rng.integers(1, 4, len(goers))
    episode_child = np.repeat(goers, episodes_each)
    days = (world.config.end - world.config.start).days
    returned = pd.Timestamp(world.config.start) + pd.to_timedelta(
        rng.integers(0, days, len(episode_child)), unit="D"
    )
    offered = rng.random(len(episode_child)) < 0.9
    completed = offered & (rng.random(len(episode_child)) < 0.75)
    episodes = pd.DataFrame(
        {
            "episode_id": [f"M{i + 1:07d}" for i in range(len(episode_child))],
            "child_id": episode_child,
            "returned": returned.strftime("%Y-%m-%d"),
            "interview_offered": offered,
            "interview_completed": completed,
            "within_72h": completed & (rng.random(len(episode_child)) < 0.6),
        }
    )

    at_end = pd.Timestamp(end)
    age = (at_end - pd.to_datetime(kids["dob"])).dt.days / 365.25
    people = pd.DataFrame(
        {
            "sex": kids["sex"].map({"F": "female", "M": "male"}).fillna("not recorded"),
            "age_band": [age_band(a) for a in age],
            "ethnicity": kids["ethnicity"].astype(str),
            "disability": np.where(kids["disability"], "yes", "no"),
        }
    )
    population = pd.concat(
        [
            people[d]
            .value_counts()
            .rename_axis("group")
            .reset_index(name="children")
            .assign(dimension=d)
            for d in people.columns
        ],
        ignore_index=True,
    )
    # What the agencies recorded (with its gaps: refused, not asked), where the world says; a
    # world written before it recorded them gives the truth.
    children = pd.DataFrame(
        {
            "child_id": kids["child_id"],
            "sex": people["sex"],
            "dob": kids["dob"],
            "ethnicity": kids.get("ethnicity_recorded", kids["ethnicity"]),
            "disability": kids.get("disability_recorded", kids["disability"]),
        }
    )
    name = str(areas.set_index("area_code").loc[code, "area_name"])
    return PartnershipInputs(
        area_code=code,
        area_name=name,
        children_total=float(len(kids)),
        agencies=tuple(AGENCIES),
        concerns=concerns[["concern_id", "child_id", "agency", "date"]],
        referrals=referrals,
        outcomes=outcomes,
        children=children,
        actions=actions,
        missing_episodes=episodes,
        population=population[["dimension", "group", "children"]],
        reference_shares=concern_shares(others, start, end) if len(others) else {},
    )
