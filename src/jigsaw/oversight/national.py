"""The national oversight analysis: every English LA against its DfE statistical neighbours.

Two steps, each with a frozen result: :func:`load_national` reads everything one reporting year
needs from the shipped data once (:class:`NationalInputs`); :func:`analyse_national` compares
the LAs at both levels of the limits and works out what every output shows (spreads, funnel
limits, trends, the headline) (:class:`NationalAnalysis`). :mod:`jigsaw.report.national`
renders it; ``jigsaw oversight`` prints its headline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from jigsaw import disclosure
from jigsaw.datasets import england
from jigsaw.errors import InputError
from jigsaw.oversight.analysis import NOT_COMPARED, AreaComparison, analyse_areas
from jigsaw.oversight.persistence import MIN_YEARS, PERSISTENT_COLUMNS, Persistence, persistence
from jigsaw.oversight.related import (
    RELATED_COLUMNS,
    RelatedModel,
    england_indicators,
    peer_log_ratios,
    related_model,
    usable_indicators,
)
from jigsaw.stats import funnel, overdispersion
from jigsaw.stats.neighbours import statistical_neighbours

__all__ = [
    "ALARM",
    "PER",
    "WARNING",
    "FunnelLimits",
    "NationalAnalysis",
    "NationalInputs",
    "NationalSummary",
    "analyse_national",
    "funnel_limits",
    "load_national",
]

#: Rates are per this many children.
PER = 10_000
#: Two-sided levels of the overdispersed limits: "alarm" (the flag) and "warning".
ALARM, WARNING = 0.998, 0.95

_COVARIATES = (
    ("imd_score", "x_imd_score"),
    ("idaci_score", "x_idaci_score"),
    ("pct_white_british", "x_pct_white_british"),
    ("pct_asian", "x_pct_asian"),
    ("pct_black", "x_pct_black"),
    ("pct_rural", "x_pct_rural"),
)


@dataclass(frozen=True)
class NationalInputs:
    """Everything one year's national report is made from, read once.

    Attributes
    ----------
    year : int
        CIN reporting year (ending 31 March).
    areas : DataFrame
        ``area_code`` (GSS), ``area_name``, ``identified``, ``children``, ``region``,
        ``old_la_code`` and ``x_*`` covariates (IoD 2019 scores, Census 2021 ethnicity, 2011
        rural share).
    neighbours : DataFrame
        DfE statistical-neighbour pairs of the vintage in force, within ``areas``.
    held_out : dict
        Code -> reason, for the LAs shown but not compared.
    vintage : int
        Neighbour vintage (2025 from reporting year 2024, else 2021).
    history : DataFrame
        :func:`jigsaw.datasets.england.identification` for 2018 to ``year`` (the trends).
    problems : DataFrame
        LA-years to treat with care up to ``year``, latest first.
    """

    year: int
    areas: pd.DataFrame
    neighbours: pd.DataFrame
    held_out: dict[str, str]
    vintage: int
    history: pd.DataFrame
    problems: pd.DataFrame


def load_national(year: int = 2025) -> NationalInputs:
    """Read the shipped data one reporting year's national report needs.

    Raises
    ------
    ValueError
        A year outside 2018-2025.
    """
    if year not in england.YEARS:
        raise InputError(
            f"--year must be one of {england.YEARS[0]}-{england.YEARS[-1]}, got {year}"
        )
    cse = england.identification("cse", years=[year])
    cov = england.covariates().set_index("new_la_code")
    areas = pd.DataFrame(
        {
            "area_code": cse["new_la_code"],
            "area_name": cse["la_name"],
            "identified": cse["identified"],
            "children": cse["children"],
            "region": cse["region_name"],
            "old_la_code": cse["old_la_code"],
        }
    ).reset_index(drop=True)
    for source, column in _COVARIATES:
        areas[column] = areas["area_code"].map(cov[source]).to_numpy()
    all_problems = england.problems("cse")
    of_year = all_problems[all_problems["year"] == year].set_index("new_la_code")
    held_out: dict[str, str] = {}
    for row in cse[~cse["comparable"]].itertuples(index=False):
        detail = of_year["detail"].get(row.new_la_code, row.problem)
        held_out[str(row.new_la_code)] = f"{row.problem}: {detail}"
    vintage = 2025 if year >= 2024 else 2021
    sn = statistical_neighbours(vintage)
    known = set(areas["area_code"])
    sn = sn[sn["area_code"].isin(known) & sn["neighbour_code"].isin(known)]
    history = england.identification("cse", years=[y for y in england.YEARS if y <= year])
    problems = all_problems[all_problems["year"] <= year].sort_values(
        ["year", "la_name"], ascending=[False, True]
    )
    return NationalInputs(
        year=year,
        areas=areas,
        neighbours=sn[["area_code", "neighbour_code"]].reset_index(drop=True),
        held_out=held_out,
        vintage=vintage,
        history=history,
        problems=problems,
    )


@dataclass(frozen=True)
class FunnelLimits:
    """What the funnel plot draws, around the rate of the LAs compared.

    ``poisson`` is :func:`jigsaw.stats.funnel.rate_funnel_limits`' table (95% and 99.8%);
    ``grid``, ``od_lower`` and ``od_upper`` the overdispersed 99.8% limits along populations.
    """

    centre: float
    tau2: float
    poisson: pd.DataFrame
    grid: np.ndarray
    od_lower: np.ndarray
    od_upper: np.ndarray


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
        CSE assessment episodes across the LAs whose counts are published (a small count is
        left out, so the total cannot give it back: ``identified_withheld`` says how many).
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
    identified_withheld : int
        LAs with a small count, left out of ``identified``.
    methods : dict
        The LAs each further method flags lower: ``persistent`` and ``related`` (each with
        ``alarm`` and ``warning`` lists of names and the model's variances) and ``mismatch``
        (names).
    out_dir : str
        Where the files were written (set by the report).
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
    widest_group: dict[str, Any] = field(default_factory=dict)
    flagged_areas: list[str] = field(default_factory=list)
    warning: dict[str, Any] = field(default_factory=dict)
    identified_withheld: int = 0
    methods: dict[str, Any] = field(default_factory=dict)
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
            *self._method_lines(),
        ]

    def _method_lines(self) -> list[str]:
        if not self.methods:
            return []
        lasting, related = self.methods["persistent"], self.methods["related"]
        return [
            f"Persistently lower over the years to {self.year}: {len(lasting['alarm'])} LAs at "
            f"99.8%, {len(lasting['warning'])} at 95%. With related indicators "
            f"({related['variance_removed']:.0%} of the between-area variance explained): "
            f"{len(related['alarm'])} at 99.8%, {len(related['warning'])} at 95%.",
            f"Much going missing or criminal exploitation but little CSE: "
            f"{', '.join(self.methods['mismatch']) or 'none'}.",
        ]


@dataclass(frozen=True)
class NationalAnalysis:
    """One year's national analysis: both levels, spreads, funnel limits, trends, headline.

    Attributes
    ----------
    inputs : NationalInputs
    alarm, warning : AreaComparison
        The LAs compared at 99.8% (the flag) and at 95%; ``alarm.table`` also has ``region``
        and ``old_la_code`` after the name.
    spreads : DataFrame
        The compared LAs with their group's lowest and highest rate, ``range`` and ``ratio``,
        widest first.
    funnel : FunnelLimits
    trend_years : list of int
    trends : dict
        DfE 3-digit LA code -> rate per year of ``trend_years`` (NaN where not shown: no count,
        a small count, or before the LA existed).
    summary : NationalSummary
    persistence_alarm, persistence_warning : Persistence or None
        (None before the third year of data) Each LA's ratio to its neighbours over the years to ``year`` (keyed by DfE's 3-digit
        code as text), with the persistent flag at 99.8% and at 95%; ``alarm.table`` carries
        the 99.8% columns (:data:`~jigsaw.oversight.persistence.PERSISTENT_COLUMNS`).
    related, related_warning : RelatedModel
        The model-based comparison with the related indicators at 99.8% and 95%, and the
        mismatch view; ``alarm.table`` carries the 99.8% columns
        (:data:`~jigsaw.oversight.related.RELATED_COLUMNS`).
    """

    inputs: NationalInputs
    alarm: AreaComparison
    warning: AreaComparison
    spreads: pd.DataFrame
    funnel: FunnelLimits
    trend_years: list[int]
    trends: dict[int, list[float]]
    summary: NationalSummary
    persistence_alarm: Persistence | None
    persistence_warning: Persistence | None
    related: RelatedModel
    related_warning: RelatedModel


def analyse_national(inputs: NationalInputs) -> NationalAnalysis:
    """Compare the LAs at both levels and work out everything the report shows."""
    areas = inputs.areas
    alarm = analyse_areas(areas, inputs.neighbours, held_out=inputs.held_out, per=PER, level=ALARM)
    alarm.table.insert(2, "region", areas["region"].to_numpy())
    alarm.table.insert(3, "old_la_code", areas["old_la_code"].to_numpy())
    warning = analyse_areas(
        areas, inputs.neighbours, held_out=inputs.held_out, per=PER, level=WARNING
    )
    spreads = _group_spreads(alarm.table)
    years, trends = _trends(alarm.table, inputs)
    lasting = lasting_warning = None
    keys = areas["old_la_code"].astype(int).astype(str)
    if inputs.year - england.YEARS[0] + 1 >= MIN_YEARS:
        ratios = _year_ratios(inputs, alarm)
        lasting = persistence(ratios, level=ALARM)
        lasting_warning = persistence(ratios, level=WARNING)
    by_code = (
        lasting.table.set_index("area_code")
        if lasting is not None
        else pd.DataFrame(columns=PERSISTENT_COLUMNS)
    )
    for column in PERSISTENT_COLUMNS:
        values = by_code[column].reindex(keys).to_numpy()
        if column == "persistent":
            values = np.where(pd.isna(values), NOT_COMPARED, values)
        alarm.table[column] = values
    indicators = england_indicators(inputs.year, areas)
    indicator_ratios = peer_log_ratios(
        areas, indicators, inputs.neighbours, not_peers=list(inputs.held_out)
    )
    indicator_ratios = indicator_ratios[usable_indicators(indicator_ratios)]
    model_areas = alarm.table[["area_code", "identified", "expected"]].assign(
        expected=alarm.table["expected"].where(alarm.table["comparison"] != NOT_COMPARED)
    )
    related = related_model(model_areas, indicator_ratios, level=ALARM)
    related_warning = related_model(model_areas, indicator_ratios, level=WARNING)
    for column in RELATED_COLUMNS:
        alarm.table[column] = related.table[column].to_numpy()
    # The counts behind the published ratios, so that a small one can be blanked.
    for column in ("going_missing", "cce"):
        alarm.table[column] = indicators[column].to_numpy()
    return NationalAnalysis(
        inputs=inputs,
        alarm=alarm,
        warning=warning,
        spreads=spreads,
        funnel=_funnel_limits(alarm.table),
        trend_years=years,
        trends=trends,
        summary=_summary(
            inputs.year, alarm, warning, spreads, lasting, lasting_warning, related, related_warning
        ),
        persistence_alarm=lasting,
        persistence_warning=lasting_warning,
        related=related,
        related_warning=related_warning,
    )


def _year_ratios(inputs: NationalInputs, latest: AreaComparison) -> pd.DataFrame:
    """Each LA-year's count and expected count at its neighbours' rate, 2018 to ``year``.

    Keyed by DfE's 3-digit code, which a same-boundary re-code keeps and a merger or split does
    not (so a boundary change starts a new area). Each year is compared with the neighbour
    vintage in force then; held-out years have no expected count (gaps).
    """
    frames = []
    for year in [y for y in england.YEARS if y < inputs.year]:
        earlier = load_national(year)
        result = analyse_areas(
            earlier.areas, earlier.neighbours, held_out=earlier.held_out, per=PER, level=ALARM
        )
        frames.append(
            pd.DataFrame(
                {
                    "area_code": earlier.areas["old_la_code"].astype(int).astype(str),
                    "year": year,
                    "identified": result.table["identified"],
                    "expected": result.table["expected"],
                }
            )
        )
    frames.append(
        pd.DataFrame(
            {
                "area_code": inputs.areas["old_la_code"].astype(int).astype(str),
                "year": inputs.year,
                "identified": latest.table["identified"],
                "expected": latest.table["expected"],
            }
        )
    )
    return pd.concat(frames, ignore_index=True)


def _summary(
    year: int,
    alarm: AreaComparison,
    warning: AreaComparison,
    spreads: pd.DataFrame,
    lasting: Persistence | None,
    lasting_warning: Persistence | None,
    related: RelatedModel,
    related_warning: RelatedModel,
) -> NationalSummary:
    result, total = alarm.table, alarm.total
    compared = result[result["comparison"] != NOT_COMPARED]
    counts = compared["comparison"].value_counts()
    widest = spreads.iloc[0] if len(spreads) else None
    identified = disclosure.shown_total(result["identified"])
    return NationalSummary(
        year=year,
        areas=len(result),
        compared=len(compared),
        lower=int(counts.get("lower", 0)),
        similar=int(counts.get("similar", 0)),
        higher=int(counts.get("higher", 0)),
        identified=identified.value,
        identified_withheld=identified.withheld,
        national_rate=float(compared["identified"].sum() / compared["children"].sum() * PER),
        median_rate=float(result["rate"].median()),
        shortfall=total.shortfall,
        shortfall_lower=total.lower,
        shortfall_upper=total.upper,
        widest_group={}
        if widest is None
        else {
            "area": widest["area_name"],
            "lowest_area": widest["group_lowest_area"],
            "lowest_rate": float(widest["group_lowest_rate"]),
            "highest_area": widest["group_highest_area"],
            "highest_rate": float(widest["group_highest_rate"]),
        },
        flagged_areas=list(alarm.flagged()["area_name"]),
        warning={
            "lower": warning.total.flagged + warning.total.left_out,
            "shortfall": warning.total.shortfall,
            "shortfall_lower": warning.total.lower,
            "shortfall_upper": warning.total.upper,
            "areas": list(warning.flagged()["area_name"]),
        },
        methods=_methods(alarm, lasting, lasting_warning, related, related_warning),
    )


def _methods(
    alarm: AreaComparison,
    lasting: Persistence | None,
    lasting_warning: Persistence | None,
    related: RelatedModel,
    related_warning: RelatedModel,
) -> dict[str, Any]:
    """LAs each method flags lower, at 99.8% and 95%, by name."""
    table = alarm.table
    names = table["area_name"].to_numpy()
    compared = (table["comparison"] != NOT_COMPARED).to_numpy()
    keys = table["old_la_code"].astype(int).astype(str)

    def persistent(fit: Persistence | None) -> list[str]:
        if fit is None:
            return []
        flag = fit.table.set_index("area_code")["persistent"].reindex(keys).eq("lower").to_numpy()
        return list(names[flag])

    def model(fit: RelatedModel) -> list[str]:
        return list(names[fit.table["comparison_model"].eq("lower").to_numpy() & compared])

    return {
        "persistent": {
            "alarm": persistent(lasting),
            "warning": persistent(lasting_warning),
            "area_variance": np.nan if lasting is None else lasting.area_variance,
            "year_variance": np.nan if lasting is None else lasting.year_variance,
        },
        "related": {
            "alarm": model(related),
            "warning": model(related_warning),
            "indicators": list(related.indicators),
            "variance_removed": related.variance_removed,
            "tau2_peers": related.tau2_peers,
            "tau2_model": related.tau2_model,
        },
        "mismatch": list(names[table["mismatch"].to_numpy(dtype=bool) & compared]),
    }


def _group_spreads(result: pd.DataFrame) -> pd.DataFrame:
    spread = result.dropna(subset=["group_lowest_rate", "group_highest_rate"]).copy()
    spread = spread[spread["comparison"] != NOT_COMPARED]
    spread["range"] = spread["group_highest_rate"] - spread["group_lowest_rate"]
    with np.errstate(divide="ignore"):
        spread["ratio"] = spread["group_highest_rate"] / spread["group_lowest_rate"]
    return spread.sort_values(["range", "area_name"], ascending=[False, True])


def _trends(
    result: pd.DataFrame, inputs: NationalInputs
) -> tuple[list[int], dict[int, list[float]]]:
    """Each LA's rate by year, joined on DfE's 3-digit code (stable across re-codes)."""
    years = [y for y in england.YEARS if y <= inputs.year]
    history = inputs.history
    # Years with a small count are gaps, so a trend never reveals a suppressed count.
    shown = np.array(
        [not disclosure.is_small(v) and pd.notna(v) for v in history["identified"]], dtype=bool
    )
    history = history.assign(rate_shown=history["rate_per_10k"].where(shown))
    table = history.pivot_table(
        index="old_la_code", columns="year", values="rate_shown", aggfunc="first"
    ).reindex(columns=years)
    series = {
        int(code): list(table.loc[code]) if code in table.index else [np.nan] * len(years)
        for code in result["old_la_code"]
    }
    return years, series


def funnel_limits(result: pd.DataFrame) -> FunnelLimits:
    """The funnel plot's limits around the compared areas of an :class:`AreaComparison` table
    (the national report's, and ``jigsaw oversight --returns``')."""
    return _funnel_limits(result)


def _funnel_limits(result: pd.DataFrame) -> FunnelLimits:
    compared = result[result["comparison"] != NOT_COMPARED]
    o = compared["identified"].to_numpy(dtype=float)
    n = compared["children"].to_numpy(dtype=float)
    centre = o.sum() / n.sum() * PER
    poisson = funnel.rate_funnel_limits(o, o / n * PER, per=PER, population=n).table
    fit = overdispersion.estimate(o, n * centre / PER)
    grid = np.geomspace(
        max(100.0, result["children"].min() * 0.8), result["children"].max() * 1.2, 120
    )
    od_low, od_high = fit.rate_limits(grid, centre, level=ALARM, per=PER)
    return FunnelLimits(
        centre=float(centre),
        tau2=float(fit.tau2),
        poisson=poisson,
        grid=grid,
        od_lower=od_low,
        od_upper=od_high,
    )
