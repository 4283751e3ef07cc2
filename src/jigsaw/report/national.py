"""The national oversight report: every English LA against its DfE statistical neighbours.

:func:`build_national_report` loads the shipped CIN data, compares each LA's identified CSE
with its neighbours, draws the charts and writes ``index.html`` (one self-contained page) and
``areas.csv`` into a folder. The web app and ``jigsaw demo`` call it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

import jigsaw
from jigsaw.datasets import england
from jigsaw.errors import InputError
from jigsaw.report import charts
from jigsaw.report.analysis import (
    NOT_COMPARED,
    RESULT_COLUMNS,
    SMALL_COUNT,
    analyse_areas,
    suppressed_csv_frame,
)
from jigsaw.stats import funnel, overdispersion
from jigsaw.stats.neighbours import statistical_neighbours

__all__ = ["NationalSummary", "build_national_report", "national_areas", "render_page", "write_atomic"]

PER = 10_000


@dataclass(frozen=True)
class NationalSummary:
    """The headline figures of a national report (also printed by the CLI and the README).

    Attributes
    ----------
    year : int
        CIN reporting year (ending 31 March).
    areas, compared : int
        LAs in the data, and LAs compared with their neighbours.
    lower, similar, higher : int
        LAs flagged lower than / similar to / higher than their peers.
    identified : float
        CSE assessment episodes across all LAs with a published count.
    national_rate : float
        Pooled rate per 10,000 across the LAs compared.
    median_rate : float
        Median of LA rates per 10,000 (all LAs with a rate).
    shortfall, shortfall_lower, shortfall_upper : float
        Children not identified across the flagged LAs against their peers' rates, with the
        95% interval.
    widest_group : dict
        The neighbour group with the widest spread: ``area``, ``lowest_area``,
        ``lowest_rate``, ``highest_area``, ``highest_rate``.
    flagged_areas : list of str
        Names of the LAs flagged lower, largest shortfall first.
    warning : dict
        The same at the 95% ("warning") limits: ``lower``, ``shortfall``, ``shortfall_lower``,
        ``shortfall_upper`` and ``areas``.
    out_dir : str
        Where the files were written.
    """

    year: int
    areas: int
    compared: int
    lower: int
    similar: int
    higher: int
    identified: float
    national_rate: float
    median_rate: float
    shortfall: float
    shortfall_lower: float
    shortfall_upper: float
    widest_group: dict = field(default_factory=dict)
    flagged_areas: list = field(default_factory=list)
    warning: dict = field(default_factory=dict)
    out_dir: str = ""

    def lines(self) -> list[str]:
        """The headline as short plain-English lines."""
        w = self.widest_group
        return [
            f"{self.year}: {self.lower} of {self.compared} local authorities compared identified "
            f"fewer children with CSE than their statistical neighbours.",
            f"Estimated children not yet identified across them, counted as CSE assessments "
            f"their peers' rates would give: {self.shortfall:,.0f} "
            f"(95% interval {self.shortfall_lower:,.0f} to {self.shortfall_upper:,.0f}).",
            f"At the 95% warning limits: {self.warning.get('lower', 0)} LAs, "
            f"{self.warning.get('shortfall', 0):,.0f} children "
            f"({self.warning.get('shortfall_lower', 0):,.0f} to {self.warning.get('shortfall_upper', 0):,.0f}).",
            f"National rate {self.national_rate:.1f} per 10,000; median LA rate "
            f"{self.median_rate:.1f}; {self.higher} LAs identified more than their peers.",
            f"Widest neighbour group ({w.get('area', '')}): {w.get('lowest_rate', 0):.1f} "
            f"({w.get('lowest_area', '')}) to {w.get('highest_rate', 0):.1f} per 10,000 "
            f"({w.get('highest_area', '')}).",
        ]


def national_areas(year: int = 2025) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], int]:
    """The LAs of one reporting year as an areas frame, their neighbours and the held-out ones.

    Returns
    -------
    (areas, neighbours, held_out, vintage)
        ``areas`` has ``area_code`` (GSS), ``area_name``, ``identified``, ``children``,
        ``region``, ``old_la_code`` and ``x_*`` covariates (IoD 2019 scores, Census 2021
        ethnicity, 2011 rural share); ``neighbours`` the DfE pairs of the vintage in force
        (2025 from reporting year 2024, else 2021); ``held_out`` maps the codes shown but not
        compared to the reason.

    Raises
    ------
    InputError
        A year outside 2018-2025.
    """
    if year not in england.YEARS:
        raise InputError(f"--year must be one of {england.YEARS[0]}-{england.YEARS[-1]}, got {year}")
    cse = england.identification("cse", years=[year])
    cov = england.covariates().set_index("new_la_code")
    areas = pd.DataFrame({
        "area_code": cse["new_la_code"],
        "area_name": cse["la_name"],
        "identified": cse["identified"],
        "children": cse["children"],
        "region": cse["region_name"],
        "old_la_code": cse["old_la_code"],
    }).reset_index(drop=True)
    for source, column in (("imd_score", "x_imd_score"), ("idaci_score", "x_idaci_score"),
                           ("pct_white_british", "x_pct_white_british"),
                           ("pct_asian", "x_pct_asian"), ("pct_black", "x_pct_black"),
                           ("pct_rural", "x_pct_rural")):
        areas[column] = areas["area_code"].map(cov[source]).to_numpy()
    held_out = {}
    problems = england.problems("cse")
    problems = problems[problems["year"] == year].set_index("new_la_code")
    for row in cse[~cse["comparable"]].itertuples(index=False):
        detail = problems["detail"].get(row.new_la_code, row.problem)
        held_out[row.new_la_code] = f"{row.problem}: {detail}"
    vintage = 2025 if year >= 2024 else 2021
    sn = statistical_neighbours(vintage)
    known = set(areas["area_code"])
    sn = sn[sn["area_code"].isin(known) & sn["neighbour_code"].isin(known)]
    return areas, sn[["area_code", "neighbour_code"]].reset_index(drop=True), held_out, vintage


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
    areas, neighbours, held_out, vintage = national_areas(year)
    result, total = analyse_areas(areas, neighbours, held_out=held_out, per=PER)
    result.insert(2, "region", areas["region"].to_numpy())
    result.insert(3, "old_la_code", areas["old_la_code"].to_numpy())
    warning, warning_total = analyse_areas(areas, neighbours, held_out=held_out, per=PER, level=0.95)
    summary = _summary(year, result, total, out_dir)
    summary = replace(summary, warning={
        "lower": warning_total.flagged, "shortfall": warning_total.shortfall,
        "shortfall_lower": warning_total.lower, "shortfall_upper": warning_total.upper,
        "areas": list(warning.loc[warning["comparison"] == "lower"]
                      .sort_values("shortfall", ascending=False)["area_name"]),
    })
    html = render_page(year, result, neighbours, held_out, vintage, summary, dark_figure_html)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_frame = suppressed_csv_frame(result)
    ordered = RESULT_COLUMNS[:2] + ["region"] + RESULT_COLUMNS[2:]
    csv_frame = csv_frame[ordered + [c for c in csv_frame.columns if c.startswith("x_")]]
    write_atomic(out / "areas.csv", csv_frame.to_csv(index=False))
    write_atomic(out / "index.html", html)
    if log:
        log(f"wrote {out / 'index.html'} and {out / 'areas.csv'}")
    return summary


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        # mkstemp makes the file private; the report is for publishing, so use the usual mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _summary(year, result, total, out_dir) -> NationalSummary:
    compared = result[result["comparison"] != NOT_COMPARED]
    counts = compared["comparison"].value_counts()
    spread = _group_spreads(result)
    widest = spread.iloc[0] if len(spread) else None
    flagged = compared[compared["comparison"] == "lower"].sort_values("shortfall", ascending=False)
    return NationalSummary(
        year=year,
        areas=len(result),
        compared=len(compared),
        lower=int(counts.get("lower", 0)),
        similar=int(counts.get("similar", 0)),
        higher=int(counts.get("higher", 0)),
        identified=float(result["identified"].sum()),
        national_rate=float(compared["identified"].sum() / compared["children"].sum() * PER),
        median_rate=float(result["rate"].median()),
        shortfall=total.shortfall,
        shortfall_lower=total.lower,
        shortfall_upper=total.upper,
        widest_group={} if widest is None else {
            "area": widest["area_name"], "lowest_area": widest["group_lowest_area"],
            "lowest_rate": float(widest["group_lowest_rate"]),
            "highest_area": widest["group_highest_area"],
            "highest_rate": float(widest["group_highest_rate"]),
        },
        flagged_areas=list(flagged["area_name"]),
        out_dir=str(out_dir),
    )


def _group_spreads(result: pd.DataFrame) -> pd.DataFrame:
    spread = result.dropna(subset=["group_lowest_rate", "group_highest_rate"]).copy()
    spread = spread[spread["comparison"] != NOT_COMPARED]
    spread["range"] = spread["group_highest_rate"] - spread["group_lowest_rate"]
    with np.errstate(divide="ignore"):
        spread["ratio"] = spread["group_highest_rate"] / spread["group_lowest_rate"]
    return spread.sort_values(["range", "area_name"], ascending=[False, True])


def _trends(result: pd.DataFrame, year: int) -> tuple[dict[int, list[float]], list[int]]:
    """Each LA's rate by year, joined on DfE's 3-digit code (stable across re-codes)."""
    years = [y for y in england.YEARS if y <= year]
    history = england.identification("cse", years=years)
    # Years with a count below 5 are gaps, so a trend never reveals a suppressed count.
    history = history.assign(rate_shown=history["rate_per_10k"].where(history["identified"] >= SMALL_COUNT))
    table = history.pivot_table(index="old_la_code", columns="year", values="rate_shown",
                                aggfunc="first").reindex(columns=years)
    series = {int(code): list(table.loc[code]) if code in table.index else [np.nan] * len(years)
              for code in result["old_la_code"]}
    return series, years


def _funnel_svg(result: pd.DataFrame) -> tuple[str, float, float]:
    compared = result[result["comparison"] != NOT_COMPARED]
    o = compared["identified"].to_numpy(dtype=float)
    n = compared["children"].to_numpy(dtype=float)
    centre = o.sum() / n.sum() * PER
    poisson = funnel.rate_funnel_limits(o, o / n * PER, per=PER, population=n).table
    fit = overdispersion.estimate(o, n * centre / PER)
    grid = np.geomspace(max(100.0, result["children"].min() * 0.8), result["children"].max() * 1.2, 120)
    od_low, od_high = fit.rate_limits(grid, centre, level=0.998, per=PER)
    curves = [
        charts.LimitCurve("Poisson 95% limits",
                          ((poisson["lower_2s_population_1_year"], poisson["lower_2s_limit"]),
                           (poisson["upper_2s_population_1_year"], poisson["upper_2s_limit"])),
                          dash="6 3", colour="#6f777b"),
        charts.LimitCurve("Poisson 99.8% limits",
                          ((poisson["lower_3s_population_1_year"], poisson["lower_3s_limit"]),
                           (poisson["upper_3s_population_1_year"], poisson["upper_3s_limit"])),
                          dash="2 3", colour="#6f777b"),
        charts.LimitCurve("Overdispersed 99.8% limits", ((grid, od_low), (grid, od_high)),
                          colour="#505a5f", width=2.0),
    ]
    shown = result["identified"] >= SMALL_COUNT  # a point would reveal a small count
    svg = charts.funnel_plot(
        result["children"].where(shown), result["rate"].where(shown), list(result["area_name"]),
        list(result["comparison"]), curves, centre,
    )
    return svg, centre, fit.tau2


def _number(value: float, digits: int = 0) -> str:
    return "" if pd.isna(value) else f"{value:,.{digits}f}"


def render_page(year, result, neighbours, held_out, vintage, summary, dark_figure_html=None) -> str:
    """Render the report page from an analysed result (used by :func:`build_national_report`)."""
    funnel_svg, centre, tau2 = _funnel_svg(result)
    series, years = _trends(result, year)
    ordered = result.assign(
        _order=result["comparison"].map({"lower": 0, "higher": 2, "similar": 1, NOT_COMPARED: 3}),
        _short=-result["shortfall"].fillna(-np.inf),
    ).sort_values(["_order", "_short", "area_name"])
    rows = [_table_row(r, series, years) for r in ordered.itertuples(index=False)]
    by_code = result.set_index("area_code")
    groups = neighbours.groupby("area_code")["neighbour_code"].apply(list).to_dict()
    flagged = [_flagged(r, groups, by_code) for r in ordered.itertuples(index=False)
               if r.comparison == "lower"]
    spreads = _group_spreads(result)
    ratios = spreads["ratio"].replace(np.inf, np.nan)
    fit = result.attrs["overdispersion"]
    s = {
        "warning": summary.warning,
        "warning_shortfall_text": _number(summary.warning["shortfall"]),
        "warning_interval_text": f"{summary.warning['shortfall_lower']:,.0f} to {summary.warning['shortfall_upper']:,.0f}",
        "n_lower": summary.lower, "n_compared": summary.compared, "n_higher": summary.higher,
        "shortfall_text": _number(summary.shortfall),
        "shortfall_interval_text": f"{summary.shortfall_lower:,.0f} to {summary.shortfall_upper:,.0f}",
        "identified_text": _number(summary.identified),
        "national_rate_text": f"{summary.national_rate:.1f}",
        "median_rate_text": f"{summary.median_rate:.1f}",
        "n_groups": len(spreads),
        "median_group_ratio_text": f"{ratios.median():.1f}",
        "widest": _spread_row(spreads.iloc[0]) if len(spreads) else {},
        # Overlapping groups often share their extremes (Blackpool tops several): show each
        # lowest-highest pair once, so the ten rows are ten different contrasts.
        "widest_groups": [_spread_row(g) for _, g in spreads.drop_duplicates(
            ["group_lowest_area", "group_highest_area"]).head(10).iterrows()],
        "n_plotted": int((result["identified"] >= SMALL_COUNT).sum()),
        "tau2_text": f"{tau2:.3f}",
    }
    exclusions = [{"name": result.loc[result["area_code"] == code, "area_name"].iloc[0],
                   "detail": reason} for code, reason in held_out.items()
                  if (result["area_code"] == code).any()]
    problems = england.problems("cse")
    problems = problems[problems["year"] <= year].sort_values(["year", "la_name"], ascending=[False, True])
    env = jinja2.Environment(loader=jinja2.PackageLoader("jigsaw.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]),
                             undefined=jinja2.StrictUndefined)
    template = env.get_template("oversight.html")
    return template.render(
        title=f"Identified child sexual exploitation by local authority, year to 31 March {year}",
        year=year, first_year=years[0], year_label=_year_label(year), s=s, rows=rows,
        flagged=flagged, funnel_svg=funnel_svg, exclusions=exclusions,
        problems=problems.to_dict("records"), sn_vintage=vintage, sortable=True,
        dark_figure=dark_figure_html, version=jigsaw.__version__ if hasattr(jigsaw, "__version__") else "",
        method={
            "rate": "exact Poisson below 10 events, Byar's method from 10 (PHEindicatormethods conventions)",
            "comparison": (f"each area's count against its expected count at peers' rate, outside "
                           f"{fit.level:.1%} limits that allow for the variation between areas: {fit.method} "
                           f"(tau² = {fit.tau2:.3f}). 'lower' is the possible under-identification flag."),
            "funnel": (f"Poisson limits as PHEindicatormethods calculate_funnel_limits; overdispersed "
                       f"limits around the rate of the areas compared ({centre:.1f} per 10,000)."),
        },
    )


def _year_label(year: int) -> str:
    return f"the year to 31 March {year}"


def _spread_row(g) -> dict:
    ratio = g["ratio"]
    return {
        "name": g["area_name"], "low_text": f"{g['group_lowest_rate']:.1f}",
        "low_name": g["group_lowest_area"], "high_text": f"{g['group_highest_rate']:.1f}",
        "high_name": g["group_highest_area"],
        "ratio_text": "no lower bound (0)" if not np.isfinite(ratio) else f"{ratio:.1f}",
    }


def _table_row(r, series, years) -> dict:
    small = pd.notna(r.identified) and r.identified < SMALL_COUNT
    rate_text = "" if small or pd.isna(r.rate) else f"{r.rate:.1f} ({r.rate_lower:.1f}–{r.rate_upper:.1f})"
    shortfall_text = "" if small or pd.isna(r.shortfall) else (
        f"{r.shortfall:,.0f} ({r.shortfall_lower:,.0f} to {r.shortfall_upper:,.0f})")
    identified = "not published" if pd.isna(r.identified) else ("<5" if small else f"{r.identified:,.0f}")
    return {
        "name": r.area_name, "code": r.area_code, "region": r.region,
        "identified": identified, "identified_sort": "" if small or pd.isna(r.identified) else f"{r.identified:.0f}",
        "children": _number(r.children) or "not published",
        "children_sort": "" if pd.isna(r.children) else f"{r.children:.0f}",
        "rate": rate_text, "rate_sort": "" if small or pd.isna(r.rate) else f"{r.rate:.3f}",
        "peer_rate": _number(r.peer_rate, 1), "peer_sort": "" if pd.isna(r.peer_rate) else f"{r.peer_rate:.3f}",
        "expected": _number(r.expected), "expected_sort": "" if pd.isna(r.expected) else f"{r.expected:.1f}",
        "shortfall": shortfall_text, "shortfall_sort": "" if small or pd.isna(r.shortfall) else f"{r.shortfall:.1f}",
        "comparison": r.comparison, "comparison_class": r.comparison.replace(" ", "-"),
        "comparison_sort": r.comparison, "note": r.note,
        "trend": charts.sparkline(years, series.get(int(r.old_la_code), [np.nan] * len(years)),
                                  label=r.area_name),
    }


def _flagged(r, groups, by_code) -> dict:
    # A flagged area with a small count keeps it hidden here too: its rate (a dot), count and
    # shortfall (expected minus count) would each reveal it.
    small = pd.notna(r.identified) and r.identified < SMALL_COUNT
    rows = [{"name": r.area_name, "rate": np.nan if small else r.rate, "lower": r.rate_lower,
             "upper": r.rate_upper, "subject": True}]
    for code in groups.get(r.area_code, []):
        peer = by_code.loc[code]
        if peer["comparison"] == NOT_COMPARED or pd.isna(peer["rate"]) or peer["identified"] < SMALL_COUNT:
            continue
        rows.append({"name": peer["area_name"], "rate": peer["rate"], "lower": peer["rate_lower"],
                     "upper": peer["rate_upper"], "subject": False})
    svg = charts.dot_plot(rows, r.peer_rate, title=f"{r.area_name} against its statistical neighbours")
    return {
        "code": r.area_code, "name": r.area_name, "svg": svg,
        "identified_text": "<5" if small else _number(r.identified), "expected_text": _number(r.expected),
        "shortfall_text": "not shown (small count)" if small else
        f"{r.shortfall:,.0f} ({r.shortfall_lower:,.0f} to {r.shortfall_upper:,.0f})",
    }
