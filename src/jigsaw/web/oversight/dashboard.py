"""The partnership lead's dashboard and the annual return: from a daily snapshot of the return.

The figures are :func:`jigsaw.oversight.partnership.partnership_return` over the area's records
(:func:`jigsaw.web.oversight.frames.partnership_inputs`), computed once per area, day and period
(:class:`~jigsaw.web.oversight.models.ReturnSnapshot`) from the records made before the day
began: a reload cannot show one new record. The page, its charts and the downloads all read the
return's published rows (:meth:`PartnershipReturn.rows`, every value through
:func:`jigsaw.oversight.returns.published_value` and :mod:`jigsaw.disclosure`), so nothing exact
reaches the page, and what the page shows is what the return says.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from jigsaw.act.clock import add_months
from jigsaw.characteristics import DISABILITY_LABELS, ethnicity_short_label
from jigsaw.errors import InputError
from jigsaw.oversight.partnership import PublishedCIN, partnership_return, published_cin
from jigsaw.oversight.returns import Figure, PartnershipReturn, parse_breakdown, write_return
from jigsaw.web.access import Actor, may_see_aggregates
from jigsaw.web.accounts.models import AgencyKind, Area
from jigsaw.web.accounts.selectors import profile_of
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.oversight import charts
from jigsaw.web.oversight.frames import (
    area_population,
    partnership_inputs,
    similar_partnerships,
)
from jigsaw.web.oversight.models import ReturnSnapshot

__all__ = [
    "DOWNLOADS",
    "REFRESH",
    "Dashboard",
    "Preparing",
    "dashboard_for",
    "default_period",
    "parse_period",
    "return_download",
    "return_of",
    "return_snapshot",
    "snapshot_for",
    "snapshots_refresh",
]

#: How often the figures change.
REFRESH = "once a day, counting records made before the day began"

#: What computes the day's figures ahead of the first view (docs/returns.md, docs/benchmarks.md).
REFRESH_COMMAND = "jigsaw dashboard-refresh"


class Preparing(Exception):
    """The day's figures for the last twelve months are not computed yet, and none are kept from
    an earlier day: they are computed on a schedule (:func:`snapshots_refresh`), never while a
    page waits."""


#: The return's downloads: format -> (file written by write_return, content type).
DOWNLOADS = {
    "csv": ("return.csv", "text/csv; charset=utf-8"),
    "xlsx": ("return.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "html": ("return.html", "text/html; charset=utf-8"),
}

_OUTCOME_LABEL = {
    "victim": "Victims of CSE",
    "at_risk": "At risk of CSE",
    "any": "Victims or at risk",
}
_DIMENSION_LABEL = {
    "sex": "Sex",
    "age_band": "Age band",
    "ethnicity": "Ethnicity",
    "disability": "Disability",
}


def default_period(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve months that ended the day before ``as_of`` (four whole quarters, for the trend)."""
    end = as_of - dt.timedelta(days=1)
    return add_months(end + dt.timedelta(days=1), -12), end


def parse_period(start: str | None, end: str | None, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """A period chosen on the page (``YYYY-MM-DD`` each), else the default; never past yesterday.

    Raises
    ------
    InputError
        A date that is not ``YYYY-MM-DD``, an end before the start, or an end from ``as_of`` on
        (today's records are counted from tomorrow).
    """
    if not start and not end:
        return default_period(as_of)
    try:
        first = dt.date.fromisoformat(str(start))
        last = dt.date.fromisoformat(str(end))
    except ValueError as error:
        raise InputError(f"period: give the start and the end as YYYY-MM-DD ({error})") from error
    if last < first:
        raise InputError(f"period: the end {last} is before the start {first}")
    if last >= as_of:
        raise InputError(
            f"period: the end {last} must be before today ({as_of}): "
            "records made today are counted from tomorrow"
        )
    return first, last


def _figures_json(ret: PartnershipReturn) -> list[list[Any]]:
    return [
        [
            f.measure,
            f.breakdown,
            f.value if not (isinstance(f.value, float) and math.isnan(f.value)) else None,
            f.count,
            f.withheld,
        ]
        for f in ret.figures
    ]


def return_snapshot(area: Area, as_of: dt.date, start: dt.date, end: dt.date) -> ReturnSnapshot:
    """The area's return for the period as of ``as_of``: the one stored, else computed and stored."""
    found = ReturnSnapshot.objects.filter(
        area=area, as_of=as_of, period_start=start, period_end=end
    ).first()
    if found is not None:
        return found
    inputs = partnership_inputs(area, before=as_of)
    if not inputs.children_total > 0:
        raise InputError(
            f"no child population is known for {area.name} ({area.code}): rates need "
            "the area's children aged 0-17 (set the area's population)"
        )
    ret = partnership_return(inputs, start, end)
    _, _, source = area_population(area)
    try:
        with transaction.atomic():
            return ReturnSnapshot.objects.create(
                area=area,
                as_of=as_of,
                period_start=start,
                period_end=end,
                computed_at=timezone.now(),
                children=ret.children,
                population_source=source,
                figures=_figures_json(ret),
            )
    except IntegrityError:
        # Another request stored it first: serve that one, so everyone sees the same figures.
        return ReturnSnapshot.objects.get(
            area=area, as_of=as_of, period_start=start, period_end=end
        )


def _population_known(area: Area) -> None:
    """Refuse, as :func:`return_snapshot` would, an area whose child population is not known."""
    from jigsaw.web.oversight.models import AreaPopulation

    if AreaPopulation.objects.filter(area=area, children__gt=0).exists():
        return
    if _published_cin(area.code) is None and not area.children.exists():
        raise InputError(
            f"no child population is known for {area.name} ({area.code}): rates need "
            "the area's children aged 0-17 (set the area's population)"
        )


def snapshot_for(
    area: Area,
    today: dt.date,
    start: dt.date,
    end: dt.date,
    *,
    as_of: dt.date | None = None,
    wait: bool = False,
) -> ReturnSnapshot:
    """The figures a page or a download shows for the period, never computed for the default one.

    The last twelve months (:func:`default_period`) are computed ahead by the scheduled refresh
    (:func:`snapshots_refresh`): if today's are not there yet, the latest kept from an earlier
    day is shown (its ``as_of`` says which), and if there is none, :class:`Preparing` is raised.
    A period the lead chose is computed once on the day it is first asked for and kept, so
    reloads show the same figures. ``as_of`` (an earlier day) asks for figures kept that day,
    which are never computed afresh. ``wait`` (a download, asked for as a file) computes and
    keeps today's figures for the default period too, rather than fall back or raise.

    Raises
    ------
    Preparing
        The default period, with no figures kept yet.
    InputError
        ``as_of`` a day with no figures kept for the period, or an area with no known population.
    """
    if as_of is not None and as_of != today:
        kept = ReturnSnapshot.objects.filter(
            area=area, as_of=as_of, period_start=start, period_end=end
        ).first()
        if kept is None or as_of > today:
            raise InputError(f"as_of: no figures for {start}:{end} were kept on {as_of}")
        return kept
    found = ReturnSnapshot.objects.filter(
        area=area, as_of=today, period_start=start, period_end=end
    ).first()
    if found is not None:
        return found
    if wait or (start, end) != default_period(today):
        return return_snapshot(area, today, start, end)
    for earlier in ReturnSnapshot.objects.filter(area=area, as_of__lt=today).order_by("-as_of"):
        if (earlier.period_start, earlier.period_end) == default_period(earlier.as_of):
            return earlier
    _population_known(area)
    raise Preparing(f"the figures for {area.name} are being prepared")


def snapshots_refresh(
    today: dt.date, *, areas: Sequence[Area] | None = None, log: Any = None
) -> dict[str, str]:
    """Compute and keep today's figures for the last twelve months of every area (or ``areas``).

    Run on a schedule (``jigsaw dashboard-refresh``, nightly, after midnight) and by the demo,
    so that no page waits for them. An area whose figures cannot be computed (no known
    population) is reported, not fatal to the others. Returns area code -> what happened.
    """
    done: dict[str, str] = {}
    for area in areas if areas is not None else Area.objects.order_by("code"):
        start, end = default_period(today)
        try:
            kept = ReturnSnapshot.objects.filter(
                area=area, as_of=today, period_start=start, period_end=end
            ).exists()
            if not kept:
                return_snapshot(area, today, start, end)
            done[area.code] = "kept already" if kept else "computed"
        except InputError as problem:
            done[area.code] = f"not computed: {problem}"
        if log is not None:
            log(f"{area.code}: {done[area.code]}")
    return done


def return_of(snapshot: ReturnSnapshot) -> PartnershipReturn:
    """The snapshot as the :class:`PartnershipReturn` it was computed as."""
    figures = tuple(
        Figure(
            measure,
            breakdown,
            math.nan if value is None else value,
            None if count is None else float(count),
            bool(withheld),
        )
        for measure, breakdown, value, count, withheld in snapshot.figures
    )
    area = snapshot.area
    return PartnershipReturn(
        area.code, area.name, snapshot.period_start, snapshot.period_end, snapshot.children, figures
    )


# --- the page ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Table:
    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    testid: str = ""


@dataclasses.dataclass(frozen=True)
class Panel:
    """A chart with the table of the same figures beside it."""

    heading: str
    svg: str
    table: Table
    notes: tuple[str, ...] = ()
    extra: Table | None = None  # a longer table, folded away under the panel


@dataclasses.dataclass(frozen=True)
class Dashboard:
    area: str
    area_code: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    children: str
    population_source: str
    identified: Panel
    trend: str
    published: Panel | None
    agencies: Panel
    silent: tuple[tuple[str, str], ...]
    dark: Panel | None
    dark_summary: tuple[tuple[str, str], ...]
    dark_note: str
    disproportionality: tuple[Panel, ...]
    timeliness: Table
    downloads: tuple[tuple[str, str], ...]
    #: Figures kept from an earlier day while today's are prepared (None: today's).
    earlier: dt.date | None = None
    #: What the agencies' shares of concerns are compared with (frames.similar_partnerships).
    similar: str = ""


class _Published:
    """The return's published rows, looked up by measure and breakdown."""

    def __init__(self, ret: PartnershipReturn) -> None:
        rows = ret.rows()
        self.values: dict[tuple[str, str], str] = {
            (str(m), str(b) if isinstance(b, str) else ""): str(v) if isinstance(v, str) else ""
            for m, b, v in zip(
                rows["measure"], rows["breakdown"].fillna(""), rows["value"].fillna(""), strict=True
            )
        }

    def text(self, measure: str, breakdown: str = "") -> str:
        return self.values.get((measure, breakdown), "")

    def number(self, measure: str, breakdown: str = "") -> float | None:
        try:
            return float(self.text(measure, breakdown).replace(",", ""))
        except ValueError:
            return None

    def breakdowns(self, measure: str) -> list[dict[str, str]]:
        return [parse_breakdown(b) for m, b in self.values if m == measure]

    def interval(self, measure: str, breakdown: str = "") -> str:
        """The 95% interval published beside ``measure`` (its ``_lower`` and ``_upper`` rows)."""
        return _interval_text(
            self.text(f"{measure}_lower", breakdown), self.text(f"{measure}_upper", breakdown)
        )

    def point(self, label: str, measure: str, breakdown: str, count: str) -> charts.Interval:
        """``measure`` and its interval as a chart point; ``count`` is said when it cannot be drawn."""
        return charts.Interval(
            label,
            self.number(measure, breakdown),
            self.number(f"{measure}_lower", breakdown),
            self.number(f"{measure}_upper", breakdown),
            text=_children_text(count),
        )


def _children_text(count: str) -> str:
    """What a chart writes for a row it cannot draw: the count as published, said plainly."""
    return {"c": "withheld (c)", "": "withheld"}.get(count, f"{count} children")


def _shown(text: str, empty: str = "withheld") -> str:
    return text if text else empty


def _interval_text(lower: str, upper: str) -> str:
    return f"{lower} to {upper}" if lower and upper else "—"


def _quarter_label(first: str, next_first: str | None, period_end: dt.date) -> str:
    start = dt.date.fromisoformat(first)
    last = dt.date.fromisoformat(next_first) - dt.timedelta(days=1) if next_first else period_end
    return (
        f"{start:%b %Y} to {last:%b %Y}"
        if (start.year, start.month) != (last.year, last.month)
        else f"{start:%b %Y}"
    )


def _identified_panel(p: _Published, period_end: dt.date) -> tuple[Panel, str]:
    quarters = sorted({b["quarter"] for b in p.breakdowns("identified") if "quarter" in b})
    rows: list[tuple[str, ...]] = []
    points: list[charts.Interval] = []
    for outcome in ("victim", "at_risk", "any"):
        key = f"outcome={outcome}"
        rows.append(
            (
                f"{_OUTCOME_LABEL[outcome]}, whole period",
                p.text("identified", key) or "—",
                _shown(p.text("identified_per_10k", key)),
                p.interval("identified_per_10k", key),
            )
        )
    for i, q in enumerate(quarters):
        key = f"outcome=any;quarter={q}"
        label = _quarter_label(q, quarters[i + 1] if i + 1 < len(quarters) else None, period_end)
        count = p.text("identified", key)
        rows.append(
            (
                label,
                count or "—",
                _shown(p.text("identified_per_10k", key)),
                p.interval("identified_per_10k", key),
            )
        )
        points.append(p.point(label, "identified_per_10k", key, count))
    svg = charts.interval_chart(
        points,
        title="Children identified (victims or at risk) per 10,000 children, by quarter",
        axis="per 10,000 children in the quarter, with 95% intervals",
    )
    trend_word = p.text("identified_trend", "outcome=any")
    ratio = p.text("identified_trend_ratio", "outcome=any")
    if trend_word and ratio:
        trend = (
            f"Trend over the quarters: {trend_word} (rate ratio per year {ratio}, 95% interval "
            f"{p.interval('identified_trend', 'outcome=any')})."
        )
    else:
        trend = "Trend: not given (it needs four quarters and a published count for the period)."
    table = Table(
        "Children identified as victims of CSE or at risk (quarters: victims or at risk)",
        ("Period", "Children", "Per 10,000", "95% interval"),
        tuple(rows),
        "identified",
    )
    return Panel("Children identified", svg, table), trend


def _published_panel(p: _Published, cin: PublishedCIN | None) -> Panel | None:
    if cin is None:
        return None
    own = p.number("identified_per_10k", "outcome=any")
    area_rate = cin.rate if math.isfinite(cin.rate) else None
    rows = [
        charts.Interval(
            f"{cin.area_name} (DfE)",
            area_rate,
            cin.rate_lower,
            cin.rate_upper,
            text="fewer than 5 or not published",
        ),
        charts.Interval(
            "DfE statistical neighbours",
            cin.neighbours_rate if math.isfinite(cin.neighbours_rate) else None,
        ),
        charts.Interval("England", cin.england_rate),
    ]
    svg = charts.interval_chart(
        rows,
        title=f"Published CIN census figure {cin.year}: assessments with CSE as a factor",
        axis="assessments per 10,000 children (a different measure)",
        reference=own,
        reference_label="this partnership (Jigsaw)",
    )

    def fmt(v: float) -> str:
        return f"{v:.1f}" if math.isfinite(v) else "not published"

    table = Table(
        f"DfE children in need census {cin.year}: assessments with CSE recorded as a factor, per 10,000 children",
        ("Area", "Per 10,000", "95% interval"),
        (
            (
                f"{cin.area_name} (DfE)",
                fmt(cin.rate),
                f"{cin.rate_lower:.1f} to {cin.rate_upper:.1f}" if math.isfinite(cin.rate) else "—",
            ),
            (f"DfE statistical neighbours ({len(cin.neighbours)})", fmt(cin.neighbours_rate), "—"),
            ("England", fmt(cin.england_rate), "—"),
            (
                "This partnership: children identified (Jigsaw)",
                _shown(p.text("identified_per_10k", "outcome=any")),
                p.interval("identified_per_10k", "outcome=any"),
            ),
        ),
        "published",
    )
    return Panel("Beside the published figure (a different measure)", svg, table, (cin.measure,))


def _label(agency: str) -> str:
    labels = dict(AgencyKind.choices)
    return str(labels.get(agency, agency.replace("_", " ").capitalize()))


def _agencies_panel(p: _Published) -> tuple[Panel, tuple[tuple[str, str], ...]]:
    agencies = sorted({b["agency"] for b in p.breakdowns("concerns")})
    rows = tuple(
        (
            _label(a),
            p.text("concerns", f"agency={a}"),
            p.text("referrals", f"agency={a}"),
            p.text("identifications", f"agency={a}"),
        )
        for a in agencies
    )
    bars = [
        charts.Bar(
            _label(a),
            p.number("identifications", f"agency={a}"),
            p.text("identifications", f"agency={a}"),
        )
        for a in agencies
    ]
    svg = charts.bar_chart(
        bars,
        title="Children identified by each agency",
        axis="children identified (victims or at risk) in the period",
    )
    silent = tuple(
        (
            _label(b["agency"]),
            {
                "no_activity_12_months": "no concern and no identification in the last 12 months",
                "below_similar_share": "far below its share of concerns in similar partnerships",
            }.get(b["reason"], b["reason"]),
        )
        for b in p.breakdowns("silent_agency")
    )
    table = Table(
        "Concerns, referrals and children identified, by agency",
        ("Agency", "Concerns", "Referrals", "Children identified"),
        rows,
        "agencies",
    )
    return Panel("Who identifies", svg, table), silent


def _dark_panel(p: _Published) -> tuple[Panel | None, tuple[tuple[str, str], ...], str]:
    status = p.text("mse_status")
    note = p.text("mse_note")
    summary: list[tuple[str, str]] = [
        (
            "Agencies' lists used",
            ", ".join(_label(a) for a in p.text("mse_lists").split("+") if a) or "none",
        ),
        ("Children on at least one list", p.text("mse_observed")),
    ]
    if status != "estimated":
        reason = {
            "too_few_lists": "Too few lists to estimate: fewer than 3 agencies identified children.",
            "too_sparse": "Too sparse to estimate: too few children on the lists, or no model could be fitted.",
        }
        return None, tuple(summary), f"{reason.get(status, status)} {note}".strip()
    summary += [
        ("Children on no list (estimated)", _shown(p.text("mse_dark_figure"))),
        ("All children, identified and not (estimated)", _shown(p.text("mse_total"))),
        (
            "95% interval of the total",
            p.interval("mse_total"),
        ),
        ("Model choice", p.text("mse_method")),
        ("Model (interactions between lists)", p.text("mse_model") or "none: lists independent"),
        ("Interval", p.text("mse_interval")),
    ]
    rows: list[tuple[str, ...]] = []
    merged: list[tuple[str, ...]] = []
    points: list[charts.Interval] = []
    for b in p.breakdowns("mse_sensitivity_total"):
        key = f"lists={b['lists']};method={b['method']}"
        lists = (
            "all lists"
            if b["lists"] == "all"
            else " and ".join(_label(a) for a in b["lists"].removesuffix(" merged").split("+"))
            + " merged"
        )
        total = p.text("mse_sensitivity_total", key)
        row = (
            f"{lists}, {b['method']}",
            _shown(total, "no estimate"),
            p.interval("mse_sensitivity", key),
        )
        if b["lists"] != "all":
            merged.append(row)
            continue
        rows.append(row)
        points.append(
            charts.Interval(
                f"{b['method']}",
                p.number("mse_sensitivity_total", key),
                p.number("mse_sensitivity_lower", key),
                p.number("mse_sensitivity_upper", key),
                text="no estimate",
            )
        )
    svg = charts.interval_chart(
        points,
        title="Estimated children in all, under each method of choosing the model",
        axis="children, identified and not",
        reference=p.number("mse_total"),
        reference_label="chosen estimate",
    )
    table = Table(
        "Sensitivity: the estimate under each method (all lists)",
        ("Method", "Children in all", "95% interval"),
        tuple(rows),
        "sensitivity",
    )
    merged_table = Table(
        "Sensitivity: two agencies' lists merged into one",
        ("Lists and method", "Children in all", "95% interval"),
        tuple(merged),
        "sensitivity-merged",
    )
    return (
        Panel("Sensitivity of the dark figure", svg, table, extra=merged_table if merged else None),
        tuple(summary),
        note,
    )


def _group_label(dimension: str, group: str) -> str:
    if dimension == "ethnicity":
        return ethnicity_short_label(group)
    if dimension == "disability" and group in DISABILITY_LABELS:
        return DISABILITY_LABELS[group]
    return group.capitalize() if dimension in ("sex", "disability") else group


def _disproportionality(p: _Published) -> tuple[Panel, ...]:
    panels = []
    for dimension, heading in _DIMENSION_LABEL.items():
        groups = [
            b[dimension]
            for b in p.breakdowns("identified")
            if dimension in b and b.get("outcome") == "any"
        ]
        pop_groups = [b[dimension] for b in p.breakdowns("population") if dimension in b]
        ordered = list(dict.fromkeys([*pop_groups, *groups]))
        if not ordered:
            continue
        rows, points = [], []
        for group in ordered:
            key = f"outcome=any;{dimension}={group}"
            label = _group_label(dimension, group)
            rows.append(
                (
                    label,
                    p.text("population", f"{dimension}={group}") or "not known",
                    p.text("identified", key) or "—",
                    _shown(p.text("identified_per_10k", key), "—"),
                    _shown(p.text("rate_ratio", key), "—"),
                    p.interval("rate_ratio", key),
                )
            )
            points.append(p.point(label, "rate_ratio", key, p.text("identified", key)))
        svg = charts.interval_chart(
            points,
            title=f"Children identified by {heading.lower()}: rate against the area's",
            axis="times the whole area's rate (log scale)",
            reference=1.0,
            reference_label="the area's rate",
            log=True,
        )
        table = Table(
            f"Children identified by {heading.lower()} against the area's children",
            (
                heading,
                "Children in the area",
                "Identified",
                "Per 10,000",
                "Rate ratio",
                "95% interval",
            ),
            tuple(rows),
            f"by-{dimension}",
        )
        panels.append(Panel(heading, svg, table))
    return tuple(panels)


_TIMELINESS = (
    ("Referrals decided in the period", "referrals_decided", ""),
    ("Decided within their RAG clock", "decided_within_rag", "decided_within_rag_pct"),
    (
        "Decided within 1 working day",
        "decided_within_1_working_day",
        "decided_within_1_working_day_pct",
    ),
    ("Median working hours from receipt to decision", "median_hours_to_decision", ""),
    ("Referrals that led to a strategy discussion", "strategy_discussions", ""),
    ("Actions overdue", "overdue_actions", ""),
    ("Re-referrals within 12 months", "re_referrals_12m", "re_referrals_12m_pct"),
    ("Missing episodes calling for a return home interview", "missing_episodes", ""),
    ("Return home interviews offered", "return_interviews_offered", ""),
    ("Return home interviews completed", "return_interviews_completed", ""),
    (
        "Completed within 72 hours of return",
        "return_interviews_within_72h",
        "return_interviews_within_72h_pct",
    ),
)


def _timeliness(p: _Published) -> Table:
    rows = tuple(
        (
            label,
            _shown(p.text(measure)),
            (_shown(p.text(pct)) + "%") if pct and p.text(pct) else "—",
        )
        for label, measure, pct in _TIMELINESS
    )
    return Table("Timeliness", ("Measure", "Number", "Share"), rows, "timeliness")


@functools.lru_cache(maxsize=64)
def _published_cin(code: str) -> PublishedCIN | None:
    try:
        return published_cin(code)
    except InputError:
        return None


def dashboard_of(
    snapshot: ReturnSnapshot,
    *,
    cin: PublishedCIN | None = None,
    today: dt.date | None = None,
    similar: str = "",
) -> Dashboard:
    """The page's panels from the snapshot's published rows."""
    ret = return_of(snapshot)
    p = _Published(ret)
    identified, trend = _identified_panel(p, ret.period_end)
    agencies, silent = _agencies_panel(p)
    dark, dark_summary, dark_note = _dark_panel(p)
    period = f"{ret.period_start.isoformat()}:{ret.period_end.isoformat()}"
    return Dashboard(
        area=ret.area_name,
        area_code=ret.area_code,
        period_start=ret.period_start,
        period_end=ret.period_end,
        as_of=snapshot.as_of,
        children=f"{ret.children:,.0f}",
        population_source=snapshot.population_source,
        identified=identified,
        trend=trend,
        published=_published_panel(p, cin),
        agencies=agencies,
        silent=silent,
        dark=dark,
        dark_summary=dark_summary,
        dark_note=dark_note,
        disproportionality=_disproportionality(p),
        timeliness=_timeliness(p),
        downloads=tuple((fmt, period) for fmt in DOWNLOADS),
        earlier=snapshot.as_of if today is not None and snapshot.as_of < today else None,
        similar=similar,
    )


def _lead_area(user: Any) -> Area:
    profile = profile_of(user)
    if profile is None or not may_see_aggregates(Actor.of(user), area_id=profile.area_id):
        raise PermissionDenied("only partnership leads see the partnership's figures")
    return profile.area


def dashboard_for(
    *, user: Any, today: dt.date, start: dt.date, end: dt.date, as_of: dt.date | None = None
) -> Dashboard:
    """The partnership lead's dashboard for the period (:func:`snapshot_for`); aggregates only,
    audited.

    Raises
    ------
    PermissionDenied
        Unless the user is a partnership lead.
    Preparing
        The last twelve months' figures are not computed yet.
    """
    area = _lead_area(user)
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.AGGREGATES_VIEWED,
            subject=area,
            extra={"view": "dashboard", "period": f"{start}:{end}"},
        )
        snapshot = snapshot_for(area, today, start, end, as_of=as_of)
    return dashboard_of(
        snapshot,
        cin=_published_cin(area.code),
        today=today,
        similar=similar_partnerships(area)[1],
    )


def return_download(
    *,
    user: Any,
    today: dt.date,
    start: dt.date,
    end: dt.date,
    fmt: str,
    as_of: dt.date | None = None,
) -> tuple[bytes, str, str]:
    """The return as ``fmt`` (``csv``, ``xlsx`` or ``html``): its bytes, content type and file name.

    Written by :func:`jigsaw.oversight.returns.write_return` from the snapshot the dashboard shows
    (:func:`snapshot_for`), so the file holds what the page shows; every download is audited with
    its format and period.
    """
    if fmt not in DOWNLOADS:
        raise InputError(f"format: {fmt!r} is not one of {', '.join(DOWNLOADS)}")
    area = _lead_area(user)
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.AGGREGATES_VIEWED,
            subject=area,
            extra={"view": "return_download", "format": fmt, "period": f"{start}:{end}"},
        )
        snapshot = snapshot_for(area, today, start, end, as_of=as_of, wait=True)
    name, content_type = DOWNLOADS[fmt]
    with tempfile.TemporaryDirectory() as folder:
        write_return(return_of(snapshot), folder)
        data = (Path(folder) / name).read_bytes()
    stem = f"return-{area.code}-{start.isoformat()}-{end.isoformat()}"
    return data, content_type, f"{stem}.{name.rsplit('.', 1)[1]}"


def figures_of(snapshot: ReturnSnapshot) -> Sequence[Figure]:
    return return_of(snapshot).figures
