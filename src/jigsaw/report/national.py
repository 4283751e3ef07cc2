"""The national oversight report: render one year's analysis as a page and a CSV file.

:func:`build_national_report` loads the shipped CIN data (:func:`jigsaw.oversight.load_national`),
analyses it (:func:`jigsaw.oversight.analyse_national`), renders it (:func:`render_page`, pure:
a string from the analysis) and writes ``index.html`` (one self-contained page) and
``areas.csv`` into a folder. The web app and ``jigsaw demo`` call it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import replace
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, cast

import jinja2
import numpy as np
import pandas as pd

import jigsaw
from jigsaw import disclosure
from jigsaw.datasets.csvfile import write_atomic
from jigsaw.oversight.analysis import NOT_COMPARED
from jigsaw.oversight.national import (
    FunnelLimits,
    NationalAnalysis,
    NationalSummary,
    analyse_national,
    load_national,
)
from jigsaw.report import REPORT_FILES, charts
from jigsaw.report.published import NATIONAL_COLUMNS, result_csv

__all__ = ["build_national_report", "funnel_svg", "render_page", "served_in_app", "sort_script"]


def build_national_report(
    year: int = 2025,
    out_dir: str | Path = "out",
    *,
    dark_figure_html: str | None = None,
    log: Callable[[str], None] | None = None,
) -> NationalSummary:
    """Build the national report for one reporting year into ``out_dir``.

    Writes ``index.html`` (self-contained: inline CSS and SVG, nothing fetched) and
    ``areas.csv`` (the form of ``jigsaw oversight --areas`` output, small counts as "<5").
    Each file is written to a temporary name and renamed, so a failed run leaves no
    half-written file.

    Parameters
    ----------
    year : int
        CIN reporting year, 2018-2025 (trends run from 2018 to it).
    out_dir : str or Path
        Folder to write into (created if needed).
    dark_figure_html : str, optional
        An HTML fragment to include as the dark-figure section.
    log : callable, optional
        Called with progress messages.

    Returns
    -------
    NationalSummary
    """
    analysis = analyse_national(load_national(year))
    html = render_page(analysis, dark_figure_html)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page, table = REPORT_FILES
    write_atomic(out / table, result_csv(analysis.alarm.table, NATIONAL_COLUMNS))
    write_atomic(out / page, html)
    if log:
        log(f"wrote {out / page} and {out / table}")
    return replace(analysis.summary, out_dir=str(out_dir))


class _AreaRow(Protocol):
    """What the page reads from one row of ``analysis.alarm.table`` (see :data:`RESULT_COLUMNS`)."""

    area_code: str
    area_name: str
    region: str
    old_la_code: int
    identified: float  # NaN where not published
    children: float
    rate: float
    rate_lower: float
    rate_upper: float
    peer_rate: float
    expected: float
    shortfall: float
    shortfall_lower: float
    shortfall_upper: float
    comparison: str
    note: str
    persistent: str
    comparison_model: str


def _area_rows(table: pd.DataFrame) -> Iterator[_AreaRow]:
    # pandas-stubs type every itertuples() field as any scalar; the analysis fixes these columns.
    return cast(Iterator[_AreaRow], table.itertuples(index=False))


def _number(value: float, digits: int = 0) -> str:
    return "" if pd.isna(value) else f"{value:,.{digits}f}"


#: The table-sorting script: inline in the standalone page (one file that works offline), its own
#: file when the web application serves the page, whose content security policy runs no inline
#: script (:func:`served_in_app`).
SORT_SCRIPT = "sort.js"
_SORT_INLINE = re.compile(r'<script id="jigsaw-sort">.*?</script>', re.S)
_HEADER_BRAND = '<header><div class="width"><span class="brand">Jigsaw</span>'


def sort_script() -> str:
    """The sorting script's text, from the package (the one copy of it)."""
    return resources.files("jigsaw.report").joinpath("templates", SORT_SCRIPT).read_text("utf-8")


def served_in_app(html: str, *, home: str, script_url: str) -> str:
    """The standalone page as the web application serves it: the inline sorting script replaced
    by ``script_url`` (the same script, as a file the policy allows), and the header's "Jigsaw" a
    link back to the application at ``home``, with a "Back to Jigsaw" link beside it.

    Raises
    ------
    ValueError
        If ``html`` is not a page :func:`render_page` wrote (no header or script to change).
    """
    if _HEADER_BRAND not in html or not _SORT_INLINE.search(html):
        raise ValueError("not a national report page written by jigsaw.report.national")
    link = escape(home, quote=True)
    html = html.replace(
        _HEADER_BRAND,
        f'<header><div class="width"><a class="back" href="{link}">Back to Jigsaw</a>'
        f'<a class="brand" href="{link}">Jigsaw</a>',
        1,
    )
    script = f'<script id="jigsaw-sort" src="{escape(script_url, quote=True)}"></script>'
    return _SORT_INLINE.sub(lambda _: script, html, count=1)


def render_page(analysis: NationalAnalysis, dark_figure_html: str | None = None) -> str:
    """The report page of one year's analysis, as a string (reads and writes nothing)."""
    inputs, summary = analysis.inputs, analysis.summary
    year, result = inputs.year, analysis.alarm.table
    funnel_svg = _funnel_svg(analysis)
    series, years = analysis.trends, analysis.trend_years
    ordered = result.assign(
        _order=result["comparison"].map({"lower": 0, "higher": 2, "similar": 1, NOT_COMPARED: 3}),
        _short=-result["shortfall"].fillna(-np.inf),
    ).sort_values(["_order", "_short", "area_name"])
    rows = [_table_row(r, series, years) for r in _area_rows(ordered)]
    by_code = result.set_index("area_code")
    groups = inputs.neighbours.groupby("area_code")["neighbour_code"].apply(list).to_dict()
    flagged = [_flagged(r, groups, by_code) for r in _area_rows(ordered) if r.comparison == "lower"]
    spreads = analysis.spreads
    ratios = spreads["ratio"].replace(np.inf, np.nan)
    fit = analysis.alarm.overdispersion
    identified = disclosure.ShownTotal(summary.identified, summary.identified_withheld)
    s = {
        "warning": summary.warning,
        "warning_shortfall_text": _number(summary.warning["shortfall"]),
        "warning_interval_text": f"{summary.warning['shortfall_lower']:,.0f} to {summary.warning['shortfall_upper']:,.0f}",
        "n_lower": summary.lower,
        "n_compared": summary.compared,
        "n_higher": summary.higher,
        "shortfall_text": _number(summary.shortfall),
        "shortfall_interval_text": f"{summary.shortfall_lower:,.0f} to {summary.shortfall_upper:,.0f}",
        "shortfall_left_out": analysis.alarm.total.left_out,
        "warning_left_out": analysis.warning.total.left_out,
        "identified_text": identified.text(),
        "identified_note": identified.note(what="local authorities"),
        "national_rate_text": f"{summary.national_rate:.1f}",
        "median_rate_text": f"{summary.median_rate:.1f}",
        "n_groups": len(spreads),
        "median_group_ratio_text": f"{ratios.median():.1f}",
        "widest": _spread_row(spreads.iloc[0]) if len(spreads) else {},
        # Overlapping groups often share their extremes (Blackpool tops several): show each
        # lowest-highest pair once, so the ten rows are ten different contrasts.
        "widest_groups": [
            _spread_row(g)
            for _, g in spreads.drop_duplicates(["group_lowest_area", "group_highest_area"])
            .head(10)
            .iterrows()
        ],
        "n_plotted": int(sum(_shown(v) for v in result["identified"])),
        "tau2_text": f"{analysis.funnel.tau2:.3f}",
    }
    lasting, related = _lasting(analysis), _related(analysis)
    for item, r in zip(
        flagged, [r for r in _area_rows(ordered) if r.comparison == "lower"], strict=True
    ):
        item["years_svg"] = _years_svg(analysis, str(int(r.old_la_code)), r.area_name)
    exclusions = [
        {"name": result.loc[result["area_code"] == code, "area_name"].iloc[0], "detail": reason}
        for code, reason in inputs.held_out.items()
        if (result["area_code"] == code).any()
    ]
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("jigsaw.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    template = env.get_template("oversight.html")
    return template.render(
        title=f"Identified child sexual exploitation by local authority, year to 31 March {year}",
        year=year,
        first_year=years[0],
        year_label=_year_label(year),
        s=s,
        rows=rows,
        flagged=flagged,
        funnel_svg=funnel_svg,
        exclusions=exclusions,
        lasting=lasting,
        related=related,
        problems=inputs.problems.to_dict("records"),
        sn_vintage=inputs.vintage,
        sortable=True,
        sort_script=sort_script(),
        dark_figure=dark_figure_html,
        version=jigsaw.__version__ if hasattr(jigsaw, "__version__") else "",
        method={
            "rate": "exact Poisson below 10 events, Byar's method from 10 (PHEindicatormethods conventions)",
            "comparison": (
                f"each area's count against its expected count at peers' rate, outside "
                f"{fit.level:.1%} limits that allow for the variation between areas: {fit.method} "
                f"(tau² = {fit.tau2:.3f}). 'lower' is the possible under-identification flag."
            ),
            "funnel": (
                f"Poisson limits as PHEindicatormethods calculate_funnel_limits; overdispersed "
                f"limits around the rate of the areas compared ({analysis.funnel.centre:.1f} per 10,000)."
            ),
        },
    )


def _ratio_text(value: float, lower: float | None = None, upper: float | None = None) -> str:
    if pd.isna(value):
        return ""
    if lower is None or upper is None or pd.isna(lower) or pd.isna(upper):
        return f"{value:.2f}"
    return f"{value:.2f} ({lower:.2f}–{upper:.2f})"


def _years_svg(analysis: NationalAnalysis, code: str, name: str) -> str:
    """An LA's ratio to its peers in each year of the persistence model ("" without one)."""
    fit = analysis.persistence_alarm
    if fit is None:
        return ""
    row = fit.table.set_index("area_code")
    if code not in row.index or row.loc[code, "persistent"] == "not compared":
        return ""
    years = sorted(int(y) for y in fit.years["year"].unique())
    own = fit.years[fit.years["area_code"] == code].set_index("year")["ratio"]
    figures = row[["persistent_ratio", "persistent_limit"]].loc[[code]].to_numpy(dtype=float)[0]
    return charts.year_ratio_plot(
        years,
        [float(own.get(y, np.nan)) for y in years],
        persistent=float(figures[0]),
        limit=float(figures[1]),
        label=name,
    )


def _lasting(analysis: NationalAnalysis) -> dict[str, Any]:
    """The persistent flag: the model's variances and every LA flagged at 95%, with its years."""
    alarm, warning = analysis.persistence_alarm, analysis.persistence_warning
    if alarm is None or warning is None:
        return {}
    result = analysis.alarm.table
    names = dict(
        zip(result["old_la_code"].astype(int).astype(str), result["area_name"], strict=True)
    )
    at_alarm = alarm.table.set_index("area_code")["persistent"]
    flagged = warning.table[warning.table["persistent"] == "lower"].sort_values("persistent_z")
    years = sorted(int(y) for y in alarm.years["year"].unique())
    by_area = alarm.years.pivot_table(
        index="area_code", columns="year", values="ratio", aggfunc="first"
    ).reindex(columns=years)
    rows = []
    figures = (
        "persistent_years",
        "persistent_ratio",
        "persistent_ratio_lower",
        "persistent_ratio_upper",
        "persistent_limit",
    )
    for code_value, values in zip(
        flagged["area_code"], flagged[list(figures)].to_numpy(dtype=float), strict=True
    ):
        code = str(code_value)
        n_years, ratio, lower, upper, limit = (float(v) for v in values)
        ratios = list(by_area.loc[code]) if code in by_area.index else [np.nan] * len(years)
        name = names.get(code, code)
        rows.append(
            {
                "name": name,
                "years": int(n_years),
                "ratio": _ratio_text(ratio, lower, upper),
                "limit": _ratio_text(limit),
                "alarm": at_alarm.get(code, NOT_COMPARED),
                "svg": charts.year_ratio_plot(
                    years, ratios, persistent=ratio, limit=limit, label=name
                ),
            }
        )
    return {
        "first_year": years[0],
        "area_sd": f"{np.sqrt(alarm.area_variance):.2f}",
        "area_factor": f"{np.exp(np.sqrt(alarm.area_variance)):.1f}",
        "year_sd": f"{np.sqrt(alarm.year_variance):.2f}",
        "year_share": f"{alarm.year_share:.0%}",
        "n_alarm": int((alarm.table["persistent"] == "lower").sum()),
        "n_warning": len(rows),
        "n_compared": int((alarm.table["persistent"] != "not compared").sum()),
        "rows": rows,
    }


def _related(analysis: NationalAnalysis) -> dict[str, Any]:
    """Peers-only and model-based flags side by side, and the mismatch view."""
    result, warning = analysis.alarm.table, analysis.warning.table
    model, model_warning = analysis.related, analysis.related_warning
    at_warning = model_warning.table["comparison_model"].to_numpy()
    either = (
        (result["comparison"] == "lower")
        | (warning["comparison"] == "lower")
        | (result["comparison_model"] == "lower")
        | (at_warning == "lower")
    ).to_numpy()
    rows = []
    for i in np.flatnonzero(either):
        r = result.iloc[i]
        rows.append(
            {
                "name": r["area_name"],
                "peers": r["comparison"],
                "peers_warning": warning["comparison"].iloc[i],
                "model": r["comparison_model"],
                "model_warning": at_warning[i],
                "missing": _ratio_text(disclosure.hidden(r["missing_ratio"], r["going_missing"])),
                "cce": _ratio_text(disclosure.hidden(r["cce_ratio"], r["cce"])),
            }
        )
    rows.sort(
        key=lambda row: (
            row["peers"] != "lower",
            row["model"] != "lower",
            row["peers_warning"] != "lower",
            row["name"],
        )
    )
    mismatched = []
    for _, r in result[result["mismatch"].astype(bool)].iterrows():
        with np.errstate(divide="ignore", invalid="ignore"):
            cse_ratio = r["identified"] / r["expected"]
        mismatched.append(
            {
                "name": r["area_name"],
                "cse": _ratio_text(disclosure.hidden(cse_ratio, r["identified"])),
                "missing": _ratio_text(disclosure.hidden(r["missing_ratio"], r["going_missing"])),
                "cce": _ratio_text(disclosure.hidden(r["cce_ratio"], r["cce"])),
            }
        )
    labels = {
        "going_missing": "going missing",
        "cce": "criminal exploitation",
        "gangs": "gangs",
        "trafficking": "trafficking",
        "sexual_abuse": "sexual abuse",
        "police_child_sexual_offences": "police recorded sexual offences against children",
    }
    return {
        "indicators": ", ".join(labels.get(i, i) for i in model.indicators),
        "removed": f"{model.variance_removed:.0%}",
        "tau2_peers": f"{model.tau2_peers:.3f}",
        "tau2_model": f"{model.tau2_model:.3f}",
        "folds": model.folds,
        "n_alarm": int((result["comparison_model"] == "lower").sum()),
        "n_warning": int((at_warning == "lower").sum()),
        "rows": rows,
        "mismatch": mismatched,
    }


def _shown(count: float) -> bool:
    """A count that is published (known and not small), so its rate may be drawn."""
    return pd.notna(count) and not disclosure.is_small(count)


def _funnel_svg(analysis: NationalAnalysis) -> str:
    return funnel_svg(analysis.funnel, analysis.alarm.table)


def funnel_svg(limits: FunnelLimits, result: pd.DataFrame) -> str:
    """The funnel plot of a comparison: each area's rate against its children, with the Poisson
    95% and 99.8% limits and the overdispersed 99.8% limits; areas with a small count not drawn."""
    poisson = limits.poisson
    curves = [
        charts.LimitCurve(
            "Poisson 95% limits",
            (
                (poisson["lower_2s_population_1_year"], poisson["lower_2s_limit"]),
                (poisson["upper_2s_population_1_year"], poisson["upper_2s_limit"]),
            ),
            dash="6 3",
            colour="#6f777b",
        ),
        charts.LimitCurve(
            "Poisson 99.8% limits",
            (
                (poisson["lower_3s_population_1_year"], poisson["lower_3s_limit"]),
                (poisson["upper_3s_population_1_year"], poisson["upper_3s_limit"]),
            ),
            dash="2 3",
            colour="#6f777b",
        ),
        charts.LimitCurve(
            "Overdispersed 99.8% limits",
            ((limits.grid, limits.od_lower), (limits.grid, limits.od_upper)),
            colour="#505a5f",
            width=2.0,
        ),
    ]
    # A point, or an axis stretched to reach it, would reveal a small count: not drawn.
    shown = np.array([_shown(v) for v in result["identified"]], dtype=bool)
    return charts.funnel_plot(
        result["children"].where(shown),
        result["rate"].where(shown),
        list(result["area_name"]),
        list(result["comparison"]),
        curves,
        limits.centre,
    )


def _year_label(year: int) -> str:
    return f"the year to 31 March {year}"


def _spread_row(g: pd.Series) -> dict[str, str]:
    ratio = g["ratio"]
    return {
        "name": g["area_name"],
        "low_text": f"{g['group_lowest_rate']:.1f}",
        "low_name": g["group_lowest_area"],
        "high_text": f"{g['group_highest_rate']:.1f}",
        "high_name": g["group_highest_area"],
        "ratio_text": "no lower bound (0)" if not np.isfinite(ratio) else f"{ratio:.1f}",
    }


def _table_row(r: _AreaRow, series: dict[int, list[float]], years: list[int]) -> dict[str, str]:
    small = disclosure.is_small(r.identified)
    rate_text = (
        "" if small or pd.isna(r.rate) else f"{r.rate:.1f} ({r.rate_lower:.1f}–{r.rate_upper:.1f})"
    )
    shortfall_text = (
        ""
        if small or pd.isna(r.shortfall)
        else (f"{r.shortfall:,.0f} ({r.shortfall_lower:,.0f} to {r.shortfall_upper:,.0f})")
    )
    identified = disclosure.count_text(r.identified, missing="not published")
    return {
        "name": r.area_name,
        "code": r.area_code,
        "region": r.region,
        "identified": identified,
        "identified_sort": "" if small or pd.isna(r.identified) else f"{r.identified:.0f}",
        "children": _number(r.children) or "not published",
        "children_sort": "" if pd.isna(r.children) else f"{r.children:.0f}",
        "rate": rate_text,
        "rate_sort": "" if small or pd.isna(r.rate) else f"{r.rate:.3f}",
        "peer_rate": _number(r.peer_rate, 1),
        "peer_sort": "" if pd.isna(r.peer_rate) else f"{r.peer_rate:.3f}",
        "expected": _number(r.expected),
        "expected_sort": "" if pd.isna(r.expected) else f"{r.expected:.1f}",
        "shortfall": shortfall_text,
        "shortfall_sort": "" if small or pd.isna(r.shortfall) else f"{r.shortfall:.1f}",
        "comparison": r.comparison,
        "comparison_class": r.comparison.replace(" ", "-"),
        "comparison_sort": r.comparison,
        "note": r.note,
        "persistent": r.persistent,
        "persistent_class": str(r.persistent).replace(" ", "-"),
        "model": r.comparison_model,
        "model_class": str(r.comparison_model).replace(" ", "-"),
        "trend": charts.sparkline(
            years, series.get(int(r.old_la_code), [np.nan] * len(years)), label=r.area_name
        ),
    }


def _flagged(
    r: _AreaRow, groups: Mapping[Hashable, list[str]], by_code: pd.DataFrame
) -> dict[str, str]:
    # A flagged area with a small count keeps it hidden here too: its rate (a dot), count and
    # shortfall (expected minus count) would each reveal it, and so would its interval, which
    # would stretch the chart's axis to the hidden rate's upper limit.
    small = disclosure.is_small(r.identified)
    rows: list[charts.DotRow] = [
        {
            "name": r.area_name,
            "subject": True,
            "rate": disclosure.hidden(r.rate, r.identified),
            "lower": disclosure.hidden(r.rate_lower, r.identified),
            "upper": disclosure.hidden(r.rate_upper, r.identified),
        }
    ]
    for code in groups.get(r.area_code, []):
        peer = by_code.loc[code]
        if (
            peer["comparison"] == NOT_COMPARED
            or pd.isna(peer["rate"])
            or not _shown(peer["identified"])
        ):
            continue
        rows.append(
            {
                "name": peer["area_name"],
                "rate": peer["rate"],
                "lower": peer["rate_lower"],
                "upper": peer["rate_upper"],
                "subject": False,
            }
        )
    svg = charts.dot_plot(
        rows, r.peer_rate, title=f"{r.area_name} against its statistical neighbours"
    )
    return {
        "code": r.area_code,
        "name": r.area_name,
        "svg": svg,
        "identified_text": disclosure.count_text(r.identified),
        "expected_text": _number(r.expected),
        "shortfall_text": "not shown (small count)"
        if small
        else f"{r.shortfall:,.0f} ({r.shortfall_lower:,.0f} to {r.shortfall_upper:,.0f})",
    }
