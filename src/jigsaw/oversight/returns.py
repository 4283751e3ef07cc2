"""The partnership's return: one versioned long format for the board's report and the national return.

A return is a table of ``area_code, period_start, period_end, measure, breakdown, value`` rows
(:data:`COLUMNS`), one figure a row, for one area and one period. Every measure and breakdown
is named in :data:`MEASURES` and described in ``docs/returns.md``; the format's version is
:data:`SCHEMA_VERSION`, written on the return's first row.

What may be published is decided here, once, by :mod:`jigsaw.disclosure`: a figure is handed in
exact (:class:`Figure`) and :func:`published_value` writes it as the rule says. A count below 5
reads ``<5``; a count of 5 or more withheld so that a ``<5`` beside it cannot be worked out from
a total reads ``c`` (DfE's "confidential"); a rate, interval, share or estimate whose count is
withheld is left empty.

:func:`write_return` writes ``return.csv``, ``return.xlsx`` (openpyxl) and ``return.html`` (a
print page marked OFFICIAL-SENSITIVE); :func:`read_return` reads a CSV back and checks every row,
naming file, row and field; :func:`read_returns` reads a folder of them and refuses two returns
for the same area and period.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from jigsaw import disclosure
from jigsaw.characteristics import DISABILITY_ANSWERS
from jigsaw.datasets.csvfile import atomic_path, read_text_csv, write_atomic
from jigsaw.errors import InputError

if TYPE_CHECKING:
    from jigsaw.oversight.analysis import AreaComparison

__all__ = [
    "COLUMNS",
    "DIMENSIONS",
    "MEASURES",
    "SCHEMA_VERSION",
    "WITHHELD",
    "Figure",
    "Measure",
    "MIN_DFE_NEIGHBOURS",
    "PartnershipReturn",
    "ReturnFile",
    "ReturnsComparison",
    "breakdown_text",
    "compare_returns",
    "parse_breakdown",
    "published_value",
    "read_return",
    "read_returns",
    "write_return",
]

#: Version of the format; a reader refuses a return of another version.
SCHEMA_VERSION = "1"

#: The columns of a return, in order.
COLUMNS = ("area_code", "period_start", "period_end", "measure", "breakdown", "value")

#: A count of 5 or more withheld so that a "<5" beside it cannot be worked out from a total.
WITHHELD = "c"

#: Kinds of figure. ``count`` is a number of children (or of concerns, referrals, actions):
#: suppressed when small. ``population`` is a denominator (never suppressed). The numeric kinds
#: are derived from a count and left empty when that count is withheld.
KINDS = ("text", "count", "population", "rate", "ratio", "estimate", "percent", "hours")
_DECIMALS = {"rate": 2, "ratio": 3, "estimate": 0, "percent": 1, "hours": 1}

#: Breakdown keys and, for closed ones, their allowed values (None: any non-empty text).
DIMENSIONS: dict[str, tuple[str, ...] | None] = {
    "outcome": ("victim", "at_risk", "any"),
    "quarter": None,  # ISO date of the quarter's first day
    "agency": None,
    "sex": ("female", "male", "other", "not recorded"),
    "age_band": ("0-9", "10-13", "14-15", "16-17", "not recorded"),
    "ethnicity": None,  # a recorded group, "refused" or "not asked"
    # "not recorded": returns written before disability was recorded as an answer.
    "disability": (*DISABILITY_ANSWERS, "not recorded"),
    "group": None,  # cells merged to protect a small one: "a+b"
    "lists": None,
    "method": None,
    "reason": ("no_activity_12_months", "below_similar_share"),
}

#: Order of keys inside a breakdown text.
_KEY_ORDER = tuple(DIMENSIONS)

_OUTCOME = ("outcome",)
_GROUPS = (
    ("outcome", "sex"),
    ("outcome", "age_band"),
    ("outcome", "ethnicity"),
    ("outcome", "disability"),
)
_POP_GROUPS = (("sex",), ("age_band",), ("ethnicity",), ("disability",))


@dataclass(frozen=True)
class Measure:
    """One measure of the return: its kind, the breakdowns it may have, what it means."""

    name: str
    kind: str
    breakdowns: tuple[tuple[str, ...], ...]
    description: str


def _m(name: str, kind: str, breakdowns: Sequence[tuple[str, ...]], description: str) -> Measure:
    return Measure(name, kind, tuple(breakdowns), description)


_RATE_BREAKDOWNS = (_OUTCOME, ("outcome", "quarter"), *_GROUPS)

#: Every measure of the format, by name (``docs/returns.md`` describes each).
MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        _m("schema_version", "text", [()], "version of this format"),
        _m("area_name", "text", [()], "the area's name"),
        _m(
            "children",
            "population",
            [()],
            "children aged 0-17 in the area (the rates' denominator)",
        ),
        # Identified children
        _m(
            "identified",
            "count",
            _RATE_BREAKDOWNS,
            "children with an outcome recorded in the period: victim of CSE, at risk, or either",
        ),
        _m(
            "identified_per_10k",
            "rate",
            _RATE_BREAKDOWNS,
            "identified per 10,000 children (of the group)",
        ),
        _m(
            "identified_per_10k_lower",
            "rate",
            _RATE_BREAKDOWNS,
            "95% lower limit (exact below 10, Byar)",
        ),
        _m(
            "identified_per_10k_upper",
            "rate",
            _RATE_BREAKDOWNS,
            "95% upper limit (exact below 10, Byar)",
        ),
        _m(
            "identified_trend_ratio",
            "ratio",
            [_OUTCOME],
            "rate ratio per year from the quarterly counts",
        ),
        _m("identified_trend_lower", "ratio", [_OUTCOME], "95% lower limit of the trend ratio"),
        _m("identified_trend_upper", "ratio", [_OUTCOME], "95% upper limit of the trend ratio"),
        _m("identified_trend", "text", [_OUTCOME], "rising, falling or no clear trend"),
        # Disproportionality
        _m("population", "population", _POP_GROUPS, "children aged 0-17 in the group"),
        _m("rate_ratio", "ratio", _GROUPS, "the group's identified rate over the whole area's"),
        _m("rate_ratio_lower", "ratio", _GROUPS, "95% lower limit of the rate ratio"),
        _m("rate_ratio_upper", "ratio", _GROUPS, "95% upper limit of the rate ratio"),
        # Who identifies
        _m("concerns", "count", [("agency",)], "concerns the agency recorded in the period"),
        _m("referrals", "count", [("agency",)], "referrals the agency made in the period"),
        _m("identifications", "count", [("agency",)], "children the agency identified (its list)"),
        _m("silent_agency", "text", [("agency", "reason")], "an agency flagged silent, and why"),
        # The dark figure
        _m("mse_status", "text", [()], "estimated, too_few_lists or too_sparse"),
        _m("mse_note", "text", [()], "what the estimate assumes, or why there is none"),
        _m("mse_lists", "text", [()], "the lists used, joined by '+'"),
        _m("mse_observed", "count", [()], "children on at least one agency's list"),
        _m("mse_method", "text", [()], "model choice"),
        _m("mse_model", "text", [()], "interactions of the chosen model"),
        _m("mse_interval", "text", [()], "kind and level of the interval"),
        _m("mse_dark_figure", "estimate", [()], "children on no list (estimated)"),
        _m("mse_total", "estimate", [()], "children identified and not (estimated)"),
        _m("mse_total_lower", "estimate", [()], "lower limit of the total"),
        _m("mse_total_upper", "estimate", [()], "upper limit of the total"),
        _m(
            "mse_sensitivity_total",
            "estimate",
            [("lists", "method")],
            "total under another method or merged lists",
        ),
        _m("mse_sensitivity_lower", "estimate", [("lists", "method")], "its lower limit"),
        _m("mse_sensitivity_upper", "estimate", [("lists", "method")], "its upper limit"),
        # Timeliness
        _m("referrals_decided", "count", [()], "referrals with a decision in the period"),
        _m("decided_within_rag", "count", [()], "decided within their RAG clock"),
        _m(
            "decided_within_rag_pct",
            "percent",
            [()],
            "share of decided referrals within their RAG clock",
        ),
        _m("decided_within_1_working_day", "count", [()], "decided within 1 working day"),
        _m(
            "decided_within_1_working_day_pct",
            "percent",
            [()],
            "share decided within 1 working day",
        ),
        _m(
            "median_hours_to_decision",
            "hours",
            [()],
            "median working hours from receipt to decision",
        ),
        _m("strategy_discussions", "count", [()], "referrals that led to a strategy discussion"),
        _m("overdue_actions", "count", [()], "actions overdue at the period's end"),
        _m(
            "re_referrals_12m",
            "count",
            [()],
            "referrals of a child referred in the 12 months before",
        ),
        _m("re_referrals_12m_pct", "percent", [()], "share of referrals that were re-referrals"),
        _m(
            "missing_episodes",
            "count",
            [()],
            "episodes of going missing that call for a return interview",
        ),
        _m("return_interviews_offered", "count", [()], "return home interviews offered"),
        _m("return_interviews_completed", "count", [()], "return home interviews completed"),
        _m("return_interviews_within_72h", "count", [()], "completed within 72 hours of return"),
        _m(
            "return_interviews_within_72h_pct",
            "percent",
            [()],
            "share of episodes with an interview within 72 hours",
        ),
    )
}


@dataclass(frozen=True)
class Figure:
    """One exact figure before publication.

    Attributes
    ----------
    measure : str
        A key of :data:`MEASURES`.
    breakdown : str
        As :func:`breakdown_text` writes it ("" for the whole area).
    value : float or str
        The exact figure (text for ``text`` measures).
    count : float, optional
        For derived figures: the count whose withholding withholds this figure too.
    withheld : bool
        A count of 5 or more withheld to protect a small one beside it (published ``c``), or a
        derived figure of such a count.
    """

    measure: str
    breakdown: str
    value: float | str
    count: float | None = None
    withheld: bool = False


def breakdown_text(**keys: str) -> str:
    """The breakdown as written: ``key=value`` pairs in a fixed order, joined by ``;``.

    >>> breakdown_text(quarter="2024-04-01", outcome="any")
    'outcome=any;quarter=2024-04-01'
    >>> breakdown_text()
    ''
    """
    unknown = set(keys) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"unknown breakdown key(s) {sorted(unknown)}")
    return ";".join(f"{k}={keys[k]}" for k in _KEY_ORDER if k in keys)


def parse_breakdown(text: str) -> dict[str, str]:
    """Read a breakdown back into its keys and values.

    >>> parse_breakdown("outcome=victim;sex=female")
    {'outcome': 'victim', 'sex': 'female'}

    Raises
    ------
    ValueError
        A part without ``=``, an empty key or value, a repeated key.
    """
    out: dict[str, str] = {}
    if not text:
        return out
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{part!r} is not key=value")
        if key in out:
            raise ValueError(f"key {key!r} repeated")
        out[key.strip()] = value.strip()
    return out


def _number(value: float, kind: str) -> str:
    places = _DECIMALS[kind]
    return f"{value:.{places}f}"


def published_value(figure: Figure) -> str:
    """The value as the return publishes it, by the one disclosure rule.

    >>> published_value(Figure("identified", "outcome=any", 3.0))
    '<5'
    >>> published_value(Figure("identified_per_10k", "outcome=any", 1.5, count=3.0))
    ''
    >>> published_value(Figure("identified", "outcome=any", 12.0, withheld=True))
    'c'
    >>> published_value(Figure("identified_per_10k", "outcome=any", 6.004, count=12.0))
    '6.00'
    """
    kind = MEASURES[figure.measure].kind
    value = figure.value
    if kind == "text":
        return str(value)
    if isinstance(value, str):
        raise TypeError(f"{figure.measure}: a {kind} needs a number, not {value!r}")
    if kind == "count":
        if disclosure.is_small(value):
            return disclosure.SUPPRESSED
        if figure.withheld:
            return WITHHELD
        return disclosure.count_text(value, grouped=False)
    if kind == "population":
        return f"{value:.0f}"
    if figure.withheld or (figure.count is not None and disclosure.is_small(figure.count)):
        return ""
    if not math.isfinite(value):
        return ""
    return _number(value, kind)


@dataclass(frozen=True)
class PartnershipReturn:
    """One area's return for one period, with its exact figures.

    ``figures`` are published through :func:`published_value` by :meth:`rows`; nothing exact
    leaves by another path.
    """

    area_code: str
    area_name: str
    period_start: dt.date
    period_end: dt.date
    children: float
    figures: tuple[Figure, ...] = field(default_factory=tuple)

    def rows(self) -> pd.DataFrame:
        """The return as published: :data:`COLUMNS`, every value text."""
        head = (
            Figure("schema_version", "", SCHEMA_VERSION),
            Figure("area_name", "", self.area_name),
            Figure("children", "", self.children),
        )
        values = [(f.measure, f.breakdown, published_value(f)) for f in (*head, *self.figures)]
        frame = pd.DataFrame(values, columns=["measure", "breakdown", "value"])
        frame.insert(0, "period_end", self.period_end.isoformat())
        frame.insert(0, "period_start", self.period_start.isoformat())
        frame.insert(0, "area_code", self.area_code)
        duplicated = frame.duplicated(["measure", "breakdown"])
        if duplicated.any():
            row = frame[duplicated].iloc[0]
            raise ValueError(f"figure {row['measure']} [{row['breakdown']}] given twice")
        return frame[list(COLUMNS)]


def _csv_text(rows: pd.DataFrame) -> str:
    buffer = io.StringIO()
    rows.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _xlsx(rows: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "return"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in rows.itertuples(index=False):
        values: list[str | float] = []
        for column, value in zip(COLUMNS, record, strict=True):
            text = str(value)
            # Numbers as numbers, so a spreadsheet can add them up; "<5", "c" and names as text.
            if column == "value" and re.fullmatch(r"-?\d+(\.\d+)?", text):
                values.append(float(text))
            elif text.startswith(("=", "+", "-", "@")):
                values.append("'" + text)  # never a formula
            else:
                values.append(text)
        sheet.append(values)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEF", (12, 12, 12, 34, 40, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    about = book.create_sheet("about")
    for line in (
        ("OFFICIAL-SENSITIVE",),
        ("schema_version", SCHEMA_VERSION),
        (
            "suppression",
            f"counts below {disclosure.THRESHOLD} read {disclosure.SUPPRESSED}; "
            f"'{WITHHELD}' is a count withheld so that a {disclosure.SUPPRESSED} cannot be worked "
            "out; an empty value is a figure withheld with its count",
        ),
        ("format", "docs/returns.md"),
    ):
        about.append(list(line))
    with atomic_path(path) as temporary:
        book.save(temporary)


_SECTIONS = (
    ("Identified children", ("identified", "identified_per_10k", "identified_trend")),
    ("Disproportionality", ("population", "rate_ratio")),
    ("Who identifies", ("concerns", "referrals", "identifications", "silent_agency")),
    ("The dark figure", ("mse_",)),
    (
        "Timeliness",
        (
            "referrals_decided",
            "decided_",
            "median_hours",
            "strategy",
            "overdue",
            "re_referrals",
            "missing_episodes",
            "return_interviews",
        ),
    ),
)


def _html(ret: PartnershipReturn, rows: pd.DataFrame) -> str:
    marking = '<p class="marking">OFFICIAL-SENSITIVE</p>'
    title = (
        f"Return of {html.escape(ret.area_name)} ({html.escape(ret.area_code)}), "
        f"{ret.period_start:%d %B %Y} to {ret.period_end:%d %B %Y}"
    )
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        "<style>body{font-family:Arial,sans-serif;margin:2em;color:#0b0c0c}"
        ".marking{font-weight:bold;text-align:center;border:2px solid #0b0c0c;padding:.3em}"
        "table{border-collapse:collapse;margin-bottom:1.5em}th,td{border:1px solid #b1b4b6;"
        "padding:.2em .5em;text-align:left}td.v{text-align:right}"
        "@media print{body{margin:1cm}h2{break-after:avoid}tr{break-inside:avoid}}"
        "</style></head><body>",
        marking,
        f"<h1>{title}</h1>",
        f"<p>Children aged 0-17: {ret.children:,.0f}. Format version {SCHEMA_VERSION} "
        f"(docs/returns.md). Counts below {disclosure.THRESHOLD} read {disclosure.SUPPRESSED}; "
        f"<code>{WITHHELD}</code> marks a count withheld so that a {disclosure.SUPPRESSED} "
        "beside it cannot be worked out; an empty cell is a figure withheld with its count.</p>",
    ]
    body = rows.iloc[3:]
    used: set[int] = set()
    for heading, prefixes in _SECTIONS:
        chosen = [
            i
            for i, m in enumerate(body["measure"])
            if i not in used and str(m).startswith(prefixes)
        ]
        if not chosen:
            continue
        used.update(chosen)
        parts.append(
            f'<h2>{heading}</h2><table><thead><tr><th scope="col">measure</th>'
            '<th scope="col">breakdown</th><th scope="col">value</th></tr></thead><tbody>'
        )
        for i in chosen:
            row = body.iloc[i]
            parts.append(
                f"<tr><td>{html.escape(str(row['measure']))}</td>"
                f"<td>{html.escape(str(row['breakdown']))}</td>"
                f'<td class="v">{html.escape(str(row["value"]))}</td></tr>'
            )
        parts.append("</tbody></table>")
    parts += [marking, "</body></html>", ""]
    return "\n".join(parts)


def write_return(ret: PartnershipReturn, folder: str | Path) -> list[Path]:
    """Write ``return.csv``, ``return.xlsx`` and ``return.html`` into ``folder``.

    Returns the three paths. Each file is written beside its name and renamed, so a failed run
    leaves no half file.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = ret.rows()
    paths = [folder / "return.csv", folder / "return.xlsx", folder / "return.html"]
    write_atomic(paths[0], _csv_text(rows))
    _xlsx(rows, paths[1])
    write_atomic(paths[2], _html(ret, rows))
    return paths


@dataclass(frozen=True)
class ReturnFile:
    """A return read back and checked: its area, period and published rows (text)."""

    path: Path
    area_code: str
    area_name: str
    period_start: dt.date
    period_end: dt.date
    rows: pd.DataFrame

    def value(self, measure: str, breakdown: str = "") -> str | None:
        """The published value of one figure, or None when the return does not give it."""
        match = self.rows[(self.rows["measure"] == measure) & (self.rows["breakdown"] == breakdown)]
        return None if match.empty else str(match["value"].iloc[0])

    def number(self, measure: str, breakdown: str = "") -> float:
        """A figure as a number: NaN when absent, suppressed (``<5``), withheld or empty."""
        text = self.value(measure, breakdown)
        if text is None or text in (disclosure.SUPPRESSED, WITHHELD, ""):
            return math.nan
        return float(text)


def _date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a date YYYY-MM-DD") from None


def _check_value(kind: str, text: str, where: str) -> None:
    if kind == "text":
        if text == "":
            raise InputError(f"{where}: empty text")
        return
    if kind == "count":
        if text in (disclosure.SUPPRESSED, WITHHELD):
            return
        if not re.fullmatch(r"\d+", text):
            raise InputError(
                f"{where}: {text!r} is not a whole number, {disclosure.SUPPRESSED} or {WITHHELD}"
            )
        if int(text) < disclosure.THRESHOLD:
            raise InputError(
                f"{where}: count {text} should read {disclosure.SUPPRESSED} "
                "(counts below 5 are never published)"
            )
        return
    if kind == "population":
        if not re.fullmatch(r"\d+", text):
            raise InputError(f"{where}: {text!r} is not a whole number")
        return
    if text == "":
        return  # withheld with its count
    try:
        number = float(text)
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(number) or (number < 0 and kind != "text"):
        raise InputError(f"{where}: {text!r} is not a number at least 0")


def read_return(path: str | Path) -> ReturnFile:
    """Read one ``return.csv`` and check every row.

    Raises
    ------
    InputError
        Naming the file, row (the header is row 1) and field: a missing column; an area code or
        period that is blank, not a date or differs from the first row's; an unknown measure; a
        breakdown with a key the measure does not take or a value its key does not allow; a
        value of the wrong kind (a count below 5 not written "<5" included); a figure given
        twice; no schema version, or another one; no area name or number of children.
    """
    path = Path(path)
    frame = read_text_csv(path)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: missing column {', '.join(missing)} (a return has {', '.join(COLUMNS)})"
        )
    if frame.empty:
        raise InputError(f"{path}: no rows (the file has a header but no figures)")
    frame = frame[list(COLUMNS)].astype(str).apply(lambda c: c.str.strip())
    first = frame.iloc[0]
    for column in ("area_code", "period_start", "period_end"):
        if first[column] == "":
            raise InputError(f"{path}: row 2, column {column}: empty")
    start = _date(str(first["period_start"]), f"{path}: row 2, column period_start")
    end = _date(str(first["period_end"]), f"{path}: row 2, column period_end")
    if end < start:
        raise InputError(f"{path}: row 2, column period_end: {end} is before period_start {start}")
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for column in ("area_code", "period_start", "period_end"):
            if getattr(row, column) != first[column]:
                raise InputError(
                    f"{path}: row {i}, column {column}: {getattr(row, column)!r} differs "
                    f"from row 2 ({first[column]!r}); a return is for one area and period"
                )
        measure = MEASURES.get(str(row.measure))
        if measure is None:
            raise InputError(
                f"{path}: row {i}, column measure: unknown measure {row.measure!r} "
                "(docs/returns.md lists them)"
            )
        where = f"{path}: row {i}, column breakdown"
        try:
            keys = parse_breakdown(str(row.breakdown))
        except ValueError as error:
            raise InputError(f"{where}: {error}") from None
        if tuple(k for k in _KEY_ORDER if k in keys) not in measure.breakdowns or set(keys) - set(
            _KEY_ORDER
        ):
            allowed = " or ".join("+".join(b) or "none" for b in measure.breakdowns)
            raise InputError(
                f"{where}: {measure.name} takes the breakdown {allowed}, "
                f"not {'+'.join(keys) or 'none'}"
            )
        for key, value in keys.items():
            values = DIMENSIONS[key]
            if values is not None and value not in values:
                raise InputError(f"{where}: {key} {value!r} is not one of {', '.join(values)}")
            if key == "quarter":
                _date(value, f"{where} (quarter)")
        _check_value(
            measure.kind, str(row.value), f"{path}: row {i}, column value ({measure.name})"
        )
        figure = (str(row.measure), str(row.breakdown))
        if figure in seen:
            raise InputError(
                f"{path}: row {i}, column measure: {row.measure} [{row.breakdown}] "
                f"given twice (first on row {seen[figure]})"
            )
        seen[figure] = i
    result = ReturnFile(path, str(first["area_code"]), "", start, end, frame)
    version = result.value("schema_version")
    if version is None:
        raise InputError(f"{path}: no schema_version row (the first row of a return)")
    if version != SCHEMA_VERSION:
        raise InputError(
            f"{path}: schema version {version!r}; this Jigsaw reads version {SCHEMA_VERSION}"
        )
    name = result.value("area_name")
    for needed in ("area_name", "children"):
        if result.value(needed) is None:
            raise InputError(f"{path}: no {needed} row")
    return ReturnFile(path, result.area_code, str(name), start, end, frame)


def _return_paths(folder: Path) -> list[Path]:
    found = sorted({*folder.glob("*.csv"), *folder.glob("*/return.csv")})
    return found


def read_returns(folder: str | Path, *, paths: Iterable[Path] | None = None) -> list[ReturnFile]:
    """Read every return in ``folder`` (``*.csv`` and ``*/return.csv``), each checked.

    Raises
    ------
    InputError
        A folder with no returns; any error of :func:`read_return`; two returns for the same
        area and period (both files named).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of returns")
    files = list(paths) if paths is not None else _return_paths(folder)
    if not files:
        raise InputError(f"{folder}: no returns (*.csv or */return.csv)")
    out: list[ReturnFile] = []
    by_key: dict[tuple[str, dt.date, dt.date], Path] = {}
    for path in files:
        ret = read_return(path)
        key = (ret.area_code, ret.period_start, ret.period_end)
        if key in by_key:
            raise InputError(
                f"{path}: a second return for {ret.area_code}, {ret.period_start} to "
                f"{ret.period_end} (the first is {by_key[key]}); refused"
            )
        by_key[key] = path
        out.append(ret)
    return out


# --- the national side: many partnerships' returns compared ------------------------------------

#: Fewest DfE statistical neighbours that returned for an area to be compared with them; an
#: area with fewer is compared with its nearest returned areas on the report's covariates.
MIN_DFE_NEIGHBOURS = 3


@dataclass(frozen=True)
class ReturnsComparison:
    """The national comparison made from partnerships' returns.

    Attributes
    ----------
    comparison : AreaComparison
        As the published-data report's: rates, peers, funnel flags, shortfalls.
    neighbours : DataFrame
        The pairs used, with ``source`` ``dfe`` (DfE statistical neighbours, 2025, among the
        areas that returned) or ``covariates`` (nearest returned areas on the covariates).
    partnerships : DataFrame
        One row per return: its dark figure and silent agencies, as published.
    period_start, period_end : date
    """

    comparison: AreaComparison
    neighbours: pd.DataFrame
    partnerships: pd.DataFrame
    period_start: dt.date
    period_end: dt.date


def compare_returns(returns: Sequence[ReturnFile], *, k: int = 10) -> ReturnsComparison:
    """Compare the areas that returned with each other, as the national report compares LAs.

    Each area's children identified (``identified``, ``outcome=any``) over its children are
    compared with its peers by :func:`jigsaw.oversight.analyse_areas`. Peers are its DfE
    statistical neighbours (2025) among the areas that returned, when at least
    :data:`MIN_DFE_NEIGHBOURS` of them did; otherwise its ``k`` nearest returned areas on the
    national report's covariates (deprivation, ethnicity, rurality). An area whose count reads
    ``<5`` or ``c`` is shown but not compared (and is no one's peer).

    Raises
    ------
    InputError
        Returns of different periods (naming the file), fewer than 4 areas, or an area code
        that is not an English LA (no neighbours or covariates to compare it with).
    """
    from jigsaw.datasets import england
    from jigsaw.oversight.analysis import analyse_areas, neighbours_from_covariates
    from jigsaw.oversight.national import _COVARIATES
    from jigsaw.stats.neighbours import statistical_neighbours

    if not returns:
        raise InputError("no returns to compare")
    first = returns[0]
    for ret in returns[1:]:
        if (ret.period_start, ret.period_end) != (first.period_start, first.period_end):
            raise InputError(
                f"{ret.path}: period {ret.period_start} to {ret.period_end} differs from "
                f"{first.path} ({first.period_start} to {first.period_end}); compare one "
                "period at a time (one folder per period)"
            )
    if len(returns) < 4:
        raise InputError(f"need returns from at least 4 areas to compare, got {len(returns)}")
    covariates = england.covariates().set_index("new_la_code")
    held_out: dict[str, str] = {}
    rows = []
    for ret in returns:
        if ret.area_code not in covariates.index:
            raise InputError(
                f"{ret.path}: row 2, column area_code: {ret.area_code!r} is not an English "
                "LA code, so it has no DfE neighbours or covariates to be compared by"
            )
        identified = ret.number("identified", "outcome=any")
        if math.isnan(identified):
            held_out[ret.area_code] = (
                f"identified reads {ret.value('identified', 'outcome=any')!r} in the return"
            )
        row: dict[str, object] = {
            "area_code": ret.area_code,
            "area_name": ret.area_name,
            "children": ret.number("children"),
            "identified": identified,
        }
        for source, column in _COVARIATES:
            row[column] = float(str(covariates.loc[ret.area_code, source]))
        rows.append(row)
    areas = pd.DataFrame(rows)
    codes = set(areas["area_code"])
    dfe = statistical_neighbours(2025)
    dfe = dfe[dfe["area_code"].isin(codes) & dfe["neighbour_code"].isin(codes)][
        ["area_code", "neighbour_code"]
    ]
    sizes = dfe.groupby("area_code").size()
    enough = set(sizes[sizes >= MIN_DFE_NEIGHBOURS].index)
    nearest = neighbours_from_covariates(areas, k=k)
    pairs = pd.concat(
        [
            dfe[dfe["area_code"].isin(enough)].assign(source="dfe"),
            nearest[~nearest["area_code"].isin(enough)].assign(source="covariates"),
        ],
        ignore_index=True,
    )
    comparison = analyse_areas(areas, pairs[["area_code", "neighbour_code"]], held_out=held_out)
    partnerships = pd.DataFrame(
        [
            {
                "area_code": ret.area_code,
                "area_name": ret.area_name,
                "identified": ret.value("identified", "outcome=any"),
                "victims": ret.value("identified", "outcome=victim"),
                "mse_status": ret.value("mse_status"),
                "mse_total": ret.value("mse_total"),
                "mse_total_lower": ret.value("mse_total_lower"),
                "mse_total_upper": ret.value("mse_total_upper"),
                "silent_agencies": "; ".join(
                    sorted(
                        parse_breakdown(b)["agency"]
                        for b in ret.rows.loc[ret.rows["measure"] == "silent_agency", "breakdown"]
                    )
                ),
                "peers": "DfE statistical neighbours"
                if ret.area_code in enough
                else "nearest on covariates",
            }
            for ret in returns
        ]
    )
    return ReturnsComparison(
        comparison, pairs, partnerships.fillna(""), first.period_start, first.period_end
    )
