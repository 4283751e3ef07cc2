"""Tidy frames from the shipped English public data (``jigsaw/datasets/data/england``).

The DfE files keep their suppression codes as text; here every count becomes a float (``NaN``
when not published) *and* keeps its code and a plain-English reason beside it, so a suppressed
cell is never mistaken for zero. Population for reporting year ``t`` is the ONS mid-year
estimate for ``t - 1`` (the alignment DfE's own dashboard uses). Boundary changes, suppressed
cells, incomplete recording and tiny areas are reported by :func:`problems`.

Source: Department for Education, "Characteristics of children in need" (2025 release); ONS
mid-year estimates; MHCLG English Indices of Deprivation 2019; ONS Census 2021; ONS/Defra
2011 rural-urban classification. Open Government Licence v3.0. See ``england/README.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, Protocol, cast

import numpy as np
import pandas as pd

from jigsaw.datasets.shipped import cached_frame, folder

__all__ = [
    "CENSUS_GROUPS",
    "DEFAULT_FACTORS",
    "FACTORS",
    "MIN_RECORDED_SHARE",
    "SUPPRESSION_CODES",
    "TINY_AREAS",
    "YEARS",
    "boundary_changes",
    "covariates",
    "ethnicity_counts",
    "factor_counts",
    "identification",
    "la_lookup",
    "police_child_sexual_offences",
    "population",
    "problems",
    "recording",
]

#: Short factor names and DfE's column names in the factors file.
FACTORS = {
    "cse": "Child_sexual_exploitation",
    "going_missing": "Going_missing",
    "gangs": "Gangs",
    "cce": "Child_criminal_exploitation",
    "trafficking": "Trafficking",
    # Sexual abuse is recorded in three parts from 2022 (by whom, when known); not among the
    # five of factor_counts' default, which the earlier years' reports were built from.
    "sexual_abuse_adult_on_child": "Sexual_Abuse_adult_on_child",
    "sexual_abuse_child_on_child": "Sexual_Abuse_child_on_child",
    "sexual_abuse_unknown": "Sexual_Abuse_unknown",
}

#: The five factors :func:`factor_counts` returns by default.
DEFAULT_FACTORS = ("cse", "going_missing", "gangs", "cce", "trafficking")

#: DfE's codes for a missing figure, and what each means (england/README.md, Conventions).
SUPPRESSION_CODES = {
    "c": "suppressed by DfE to protect confidentiality (not zero)",
    "x": "not available (not collected, or no return from the LA)",
    "u": "low reliability according to DfE",
    "z": "not applicable",
}

#: Reporting years of the factors file.
YEARS = tuple(range(2018, 2026))

#: City of London and Isles of Scilly: under 1,000 children each, left out of comparisons.
TINY_AREAS = {"E09000001": "City of London", "E06000053": "Isles of Scilly"}

#: An LA-year whose episodes with any factor recorded fall below this share of its started
#: episodes is treated as incompletely recorded. Nationally the median share is about 1.27
#: (an episode can be counted in several years' starts and factors); the README's two named
#: cases are West Sussex 2023 (0.10) and Wolverhampton 2025 (0.38); the next lowest is 0.46.
MIN_RECORDED_SHARE = 0.4

_FACTORS_FILE = "cin_factors_end_of_assessment_la.csv"
_POPULATION_FILE = "population_0_17_la.csv"
_CIN_FILE = "cin_cpp_referrals_la.csv"

# Problems the README names whose cause the codes alone do not say.
_KNOWN_CAUSES = {
    ("Hackney", 2021): "no return after a cyber attack",
    ("Hackney", 2022): "no return after a cyber attack",
}


@lru_cache(maxsize=32)
def _read(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    path = folder("england", data_dir) / name
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _split_codes(values: pd.Series, source: str) -> tuple[pd.Series, pd.Series]:
    """Return (numbers as float with NaN for codes, code or ``None``); ``source`` names the file."""
    numbers = pd.to_numeric(values, errors="coerce")
    codes = values.where(numbers.isna()).str.strip().str.lower()
    unknown = codes.dropna()[~codes.dropna().isin(list(SUPPRESSION_CODES) + [""])]
    if not unknown.empty:
        row = unknown.index[0]
        raise ValueError(
            f"{source}: row {row + 2}, column {values.name}: unexpected value "
            f"{values[row]!r} (not a number or DfE code)"
        )
    codes = codes.replace("", "x")
    # pandas-stubs leave None out of where()'s `other`, though an object Series takes it.
    return numbers.astype(float), codes.astype(object).where(codes.notna(), None)  # type: ignore[call-overload]


def la_lookup(data_dir: Path | None = None) -> pd.DataFrame:
    """Every LA code in the CIN data 2013-2025 (161 rows; ``la_lookup.csv``).

    Returns
    -------
    DataFrame
        ``old_la_code`` (int), ``new_la_code``, ``la_name``, ``region_code``, ``region_name``,
        ``first_cin_year``, ``last_cin_year`` (int), ``la_type``, ``successor_codes`` (list),
        ``successor_relationship``, ``iod2019_code``, ``iod2019_match``.
    """
    frame = _read("la_lookup.csv", data_dir).copy()
    for column in ("old_la_code", "first_cin_year", "last_cin_year"):
        frame[column] = frame[column].astype(int)
    frame["successor_codes"] = frame["successor_codes"].map(lambda s: s.split(";") if s else [])
    return frame


class _LookupRow(NamedTuple):
    """One row of :func:`la_lookup`, with the types that function gives its columns."""

    old_la_code: int
    new_la_code: str
    la_name: str
    region_code: str
    region_name: str
    first_cin_year: int
    last_cin_year: int
    la_type: str
    successor_codes: list[str]
    successor_relationship: str
    iod2019_code: str
    iod2019_match: str


def _lookup_rows(lookup: pd.DataFrame) -> Iterator[_LookupRow]:
    """The rows of a frame from :func:`la_lookup` (or a subset of its rows), typed."""
    # pandas-stubs type every itertuples() field as any scalar; la_lookup() fixes these columns.
    return cast(Iterator[_LookupRow], lookup.itertuples(index=False))


def factor_counts(factors: list[str] | None = None, data_dir: Path | None = None) -> pd.DataFrame:
    """Counts of assessment episodes with each factor, per LA and reporting year, long form.

    Parameters
    ----------
    factors : list of str, optional
        Keys of :data:`FACTORS` (default :data:`DEFAULT_FACTORS`: cse, going_missing, gangs,
        cce, trafficking).
    data_dir : path, optional
        Folder holding the england files (default: the shipped copy).

    Returns
    -------
    DataFrame
        One row per (year, LA, factor): ``year``, ``old_la_code``, ``new_la_code``, ``la_name``,
        ``region_code``, ``region_name``, ``factor``, ``count`` (float, NaN when not published),
        ``code`` (``"c"``, ``"x"``, ``"u"``, ``"z"`` or None) and ``reason`` (plain English or "").

    Raises
    ------
    ValueError
        For an unknown factor or a cell that is neither a number nor a DfE code.
    """
    factors = list(DEFAULT_FACTORS) if factors is None else list(factors)
    unknown = [f for f in factors if f not in FACTORS]
    if unknown:
        raise ValueError(f"unknown factor {unknown[0]!r}; choose from {', '.join(FACTORS)}")
    raw = _read(_FACTORS_FILE, data_dir)
    keys = _keys(raw)
    parts = []
    for factor in factors:
        count, code = _split_codes(raw[FACTORS[factor]], _FACTORS_FILE)
        part = keys.copy()
        part["factor"] = factor
        part["count"] = count
        part["code"] = code
        part["reason"] = code.map(lambda c: SUPPRESSION_CODES.get(c, "") if c else "")
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _keys(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": raw["time_period"].astype(int),
            "old_la_code": raw["old_la_code"].astype(int),
            "new_la_code": raw["new_la_code"],
            "la_name": raw["la_name"],
            "region_code": raw["region_code"],
            "region_name": raw["region_name"],
        }
    )


def population(data_dir: Path | None = None) -> pd.DataFrame:
    """ONS mid-year estimates of children aged 0-17 per LA, aligned to CIN reporting years.

    Returns
    -------
    DataFrame
        ``mid_year``, ``year`` (the CIN reporting year it is the denominator for: mid_year + 1),
        ``old_la_code``, ``new_la_code``, ``la_name``, ``children`` (float, NaN when ``x``) and
        ``code``.
    """
    raw = _read(_POPULATION_FILE, data_dir)
    children, code = _split_codes(raw["population_0_17"], _POPULATION_FILE)
    frame = pd.DataFrame(
        {
            "mid_year": raw["mid_year"].astype(int),
            "year": raw["mid_year"].astype(int) + 1,
            "old_la_code": raw["old_la_code"].astype(int),
            "new_la_code": raw["new_la_code"],
            "la_name": raw["la_name"],
            "children": children,
            "code": code,
        }
    )
    # The file's own derived column must agree with the alignment we promise.
    if not (raw["cin_reporting_year"].astype(int) == frame["year"]).all():
        raise ValueError("population_0_17_la.csv: cin_reporting_year is not mid_year + 1")
    return frame


def recording(data_dir: Path | None = None) -> pd.DataFrame:
    """How completely each LA-year recorded factors: episodes with a factor / started episodes.

    Returns
    -------
    DataFrame
        ``year``, ``old_la_code``, ``new_la_code``, ``episodes_with_factor``,
        ``started_episodes`` (floats, NaN when not published) and ``recorded_share``.
    """
    factors = _read(_FACTORS_FILE, data_dir)
    cin = _read(_CIN_FILE, data_dir)
    left = _keys(factors)[["year", "old_la_code", "new_la_code"]]
    left["episodes_with_factor"] = _split_codes(
        factors["Episodes_with_assessment_factor"], _FACTORS_FILE
    )[0]
    right = _keys(cin)[["year", "old_la_code", "new_la_code"]]
    right["started_episodes"] = _split_codes(cin["Started_episodes"], _CIN_FILE)[0]
    frame = left.merge(right, on=["year", "old_la_code", "new_la_code"], how="left")
    frame["recorded_share"] = frame["episodes_with_factor"] / frame["started_episodes"]
    return frame


def identification(
    factor: str = "cse", years: list[int] | None = None, data_dir: Path | None = None
) -> pd.DataFrame:
    """One row per LA and reporting year: identified episodes, children, crude rate, problems.

    Parameters
    ----------
    factor : str
        A key of :data:`FACTORS` (default ``"cse"``).
    years : list of int, optional
        Reporting years to keep (default all, 2018-2025).

    Returns
    -------
    DataFrame
        ``year``, ``old_la_code``, ``new_la_code``, ``la_name``, ``region_code``,
        ``region_name``, ``identified`` (float, NaN when not published), ``code``, ``reason``,
        ``children`` (0-17 population of mid-year ``year - 1``), ``rate_per_10k`` (crude,
        NaN when either part is missing), ``recorded_share``, ``problem`` (short label or "")
        and ``comparable`` (False for missing counts or population, tiny areas and
        incompletely recorded years: such LA-years are shown but not compared).

    Examples
    --------
    >>> frame = identification(years=[2025])
    >>> len(frame), int(frame["identified"].sum())
    (153, 12401)
    >>> round(float(frame["rate_per_10k"].median()), 1)
    10.0
    """
    frame = _identification(factor, data_dir)
    if years is not None:
        frame = frame[frame["year"].isin(list(years))]
    return frame.sort_values(["year", "old_la_code"]).reset_index(drop=True)


@cached_frame
def _identification(factor: str, data_dir: Path | None) -> pd.DataFrame:
    frame = factor_counts([factor], data_dir).drop(columns="factor")
    frame = frame.rename(columns={"count": "identified"})
    pop = population(data_dir)[["year", "old_la_code", "new_la_code", "children"]]
    frame = frame.merge(pop, on=["year", "old_la_code", "new_la_code"], how="left")
    rec = recording(data_dir)[["year", "old_la_code", "new_la_code", "recorded_share"]]
    frame = frame.merge(rec, on=["year", "old_la_code", "new_la_code"], how="left")
    frame["rate_per_10k"] = frame["identified"] / frame["children"] * 10_000
    frame["problem"] = _problem_labels(frame)
    frame["comparable"] = frame["problem"] == ""
    return frame


def _problem_labels(frame: pd.DataFrame) -> pd.Series:
    labels = pd.Series("", index=frame.index, dtype=object)
    code_label = {
        "c": "suppressed",
        "x": "not available",
        "u": "low reliability",
        "z": "not applicable",
    }
    labels = labels.mask(frame["children"].isna(), "no population estimate")
    labels = labels.mask(frame["recorded_share"] < MIN_RECORDED_SHARE, "recording incomplete")
    labels = labels.mask(frame["new_la_code"].isin(list(TINY_AREAS)), "tiny population")
    labels = labels.mask(frame["code"].notna(), frame["code"].map(code_label))
    return labels


@cached_frame
def problems(factor: str = "cse", data_dir: Path | None = None) -> pd.DataFrame:
    """Every LA-year the comparisons must treat with care, and why, in plain English.

    Covers suppressed or unavailable counts (codes kept), missing population, incomplete
    recording (share below :data:`MIN_RECORDED_SHARE`), the two tiny areas, and boundary
    changes that break an LA's trend.

    Returns
    -------
    DataFrame
        ``year``, ``old_la_code``, ``new_la_code``, ``la_name``, ``problem`` (short label) and
        ``detail`` (a sentence), ordered by year and LA.
    """
    frame = identification(factor, data_dir=data_dir)
    typical_share = float(frame["recorded_share"].median())
    rows = []
    # pandas-stubs type every itertuples() field as any scalar; identification() fixes these.
    flagged = cast(Iterator[_ProblemRow], frame[frame["problem"] != ""].itertuples(index=False))
    for row in flagged:
        rows.append(
            {
                "year": row.year,
                "old_la_code": row.old_la_code,
                "new_la_code": row.new_la_code,
                "la_name": row.la_name,
                "problem": row.problem,
                "detail": _detail(row, factor, typical_share),
            }
        )
    for change in boundary_changes(data_dir).itertuples(index=False):
        rows.append(
            {
                "year": change.first_year_after,
                "old_la_code": change.old_la_code,
                "new_la_code": change.new_la_code,
                "la_name": change.la_name,
                "problem": "boundary change",
                "detail": change.detail,
            }
        )
    out = pd.DataFrame(
        rows, columns=["year", "old_la_code", "new_la_code", "la_name", "problem", "detail"]
    )
    return out.sort_values(["year", "old_la_code", "problem"]).reset_index(drop=True)


class _ProblemRow(Protocol):
    """What :func:`problems` reads from one row of :func:`identification`."""

    year: int
    old_la_code: int
    new_la_code: str
    la_name: str
    code: str | None  # the DfE suppression code, None where the count is published
    problem: str
    children: float
    recorded_share: float


def _detail(row: _ProblemRow, factor: str, typical_share: float) -> str:
    what = "CSE count" if factor == "cse" else f"{factor.replace('_', ' ')} count"
    if row.code:
        cause = _KNOWN_CAUSES.get((row.la_name, row.year))
        text = f"{what} {SUPPRESSION_CODES[row.code]}"
        return f"{text}: {cause}" if cause else text
    if row.problem == "no population estimate":
        return "no mid-year population estimate for this boundary, so no rate"
    if row.problem == "tiny population":
        return (
            f"fewer than 1,000 children ({row.children:,.0f}); the rate is too unstable to "
            "compare, so it is shown but left out of comparisons"
        )
    share = row.recorded_share
    return (
        f"only {share:.0%} as many episodes with any factor recorded as episodes started "
        f"(the median over all LA-years is {typical_share:.0%}), so the {what} is likely an undercount"
    )


def boundary_changes(data_dir: Path | None = None) -> pd.DataFrame:
    """The LA reorganisations and re-codings of 2019-2024 (from ``la_lookup.csv``).

    Returns
    -------
    DataFrame
        ``old_la_code``, ``new_la_code``, ``la_name`` (the retired code), ``last_year``,
        ``first_year_after``, ``successor_codes`` (list), ``relationship`` and ``detail``.
    """
    lookup = la_lookup(data_dir)
    names = dict(zip(lookup["new_la_code"], lookup["la_name"], strict=True))
    retired = lookup[lookup["successor_codes"].map(len) > 0]
    rows = []
    for row in _lookup_rows(retired):
        successors = " and ".join(f"{names.get(c, c)} ({c})" for c in row.successor_codes)
        if row.successor_relationship == "same boundary":
            detail = (
                f"re-coded {row.new_la_code} -> {row.successor_codes[0]} from "
                f"{row.last_cin_year + 1}; same boundary, so its trend continues"
            )
        else:
            detail = (
                f"{row.la_name} ({row.new_la_code}) last reported in {row.last_cin_year}; "
                f"{row.successor_relationship} into {successors}, so the trend breaks there"
            )
        rows.append(
            {
                "old_la_code": row.old_la_code,
                "new_la_code": row.new_la_code,
                "la_name": row.la_name,
                "last_year": row.last_cin_year,
                "first_year_after": row.last_cin_year + 1,
                "successor_codes": row.successor_codes,
                "relationship": row.successor_relationship,
                "detail": detail,
            }
        )
    return pd.DataFrame(rows)


@cached_frame
def covariates(data_dir: Path | None = None) -> pd.DataFrame:
    """Area characteristics for every LA code (161 rows), joined as the README prescribes.

    IoD 2019 via ``la_lookup.iod2019_code`` (successors of split counties get the parent's
    values: approximate); Census 2021 ethnicity on the 2023 codes (retired codes get the sum of
    their successors, or the same-boundary successor); 2011 rural-urban on ``new_la_code``.

    Returns
    -------
    DataFrame
        ``new_la_code``, ``old_la_code``, ``la_name``, ``imd_score``, ``idaci_score``,
        ``iod2019_match``, ``pct_asian``, ``pct_black``, ``pct_mixed``,
        ``pct_white_british``, ``pct_white_non_british``, ``pct_other``, ``ethnicity_match``,
        ``pct_rural`` and ``rural_urban``.
    """
    lookup = la_lookup(data_dir)
    iod = _read("iod2019_utla.csv", data_dir)
    iod = pd.DataFrame(
        {
            "iod2019_code": iod["utla19_code"],
            "imd_score": iod["IMD - Average score"].astype(float),
            "idaci_score": iod["IDACI - Average score"].astype(float),
        }
    )
    frame = lookup[["new_la_code", "old_la_code", "la_name", "iod2019_code", "iod2019_match"]]
    frame = frame.merge(iod, on="iod2019_code", how="left").drop(columns="iod2019_code")
    frame = frame.merge(_ethnicity(lookup, data_dir), on="new_la_code", how="left")
    rural = _read("rural_urban_2011_la.csv", data_dir)
    rural = pd.DataFrame(
        {
            "new_la_code": rural["new_la_code"],
            "pct_rural": rural["pct_rural_incl_hub_towns"].astype(float),
            "rural_urban": rural["broad_ruc_derived"],
        }
    )
    frame = frame.merge(rural, on="new_la_code", how="left")
    missing = frame[frame[["imd_score", "pct_asian", "pct_rural"]].isna().any(axis=1)]
    if not missing.empty:
        raise ValueError(f"covariates: no match for {', '.join(missing['la_name'])}")
    return frame.reset_index(drop=True)


_ETHNIC_GROUPS = {
    "pct_asian": [
        "asian_bangladeshi",
        "asian_chinese",
        "asian_indian",
        "asian_pakistani",
        "asian_other",
    ],
    "pct_black": ["black_african", "black_caribbean", "black_other"],
    "pct_mixed": [
        "mixed_white_asian",
        "mixed_white_black_african",
        "mixed_white_black_caribbean",
        "mixed_other",
    ],
    "pct_white_british": ["white_british"],
    "pct_white_non_british": [
        "white_irish",
        "white_gypsy_irish_traveller",
        "white_roma",
        "white_other",
    ],
    "pct_other": ["other_arab", "other_any"],
}


#: Census 2021 ethnic group columns of ``ethnicity_census2021_utla.csv`` (README file 9).
CENSUS_GROUPS = tuple(column for columns in _ETHNIC_GROUPS.values() for column in columns)


def ethnicity_counts(data_dir: Path | None = None) -> pd.DataFrame:
    """Census 2021 usual residents (all ages) in each ethnic group, per upper-tier LA (153 rows).

    Returns
    -------
    DataFrame
        ``new_la_code`` (the 2023 code, used from 2024), ``la_name``, one count column per
        :data:`CENSUS_GROUPS` (float) and ``total_usual_residents``.
    """
    raw = _read("ethnicity_census2021_utla.csv", data_dir)
    frame = pd.DataFrame({"new_la_code": raw["utla23_code"], "la_name": raw["utla23_name"]})
    for column in (*CENSUS_GROUPS, "total_usual_residents"):
        frame[column] = raw[column].astype(float)
    return frame


def _ethnicity(lookup: pd.DataFrame, data_dir: Path | None) -> pd.DataFrame:
    raw = ethnicity_counts(data_dir)
    position = {code: i for i, code in enumerate(raw["new_la_code"])}
    groups = np.column_stack(
        [raw[columns].astype(float).sum(axis=1).to_numpy() for columns in _ETHNIC_GROUPS.values()]
    )
    totals = raw["total_usual_residents"].astype(float).to_numpy()
    rows = []
    for row in _lookup_rows(lookup):
        if row.new_la_code in position:
            members, match = [row.new_la_code], "exact"
        else:
            members = [c for c in row.successor_codes if c in position]
            match = {"split": "sum of successors", "same boundary": "exact (same boundary)"}.get(
                row.successor_relationship, "approximate (successor)"
            )
        index = [position[c] for c in members]
        total = totals[index].sum()
        shares = (
            groups[index].sum(axis=0) / total * 100
            if total
            else np.full(len(_ETHNIC_GROUPS), np.nan)
        )
        out: dict[str, str | float] = {"new_la_code": row.new_la_code, "ethnicity_match": match}
        out.update(
            {name: float(np.round(v, 2)) for name, v in zip(_ETHNIC_GROUPS, shares, strict=True)}
        )
        rows.append(out)
    return pd.DataFrame(rows)


def police_child_sexual_offences(data_dir: Path | None = None) -> pd.DataFrame:
    """Police recorded sexual offences defined by a child victim, per LA, financial year 2017/18.

    Force-level counts (README file 11, offences flagged ``child_victim_offence``) joined to
    every LA code through ``la_to_police_force_area.csv`` (file 12): each LA carries its whole
    force's count, as every upper-tier LA lies within one force.

    Returns
    -------
    DataFrame
        ``new_la_code``, ``old_la_code`` (int), ``la_name``, ``force_name`` and
        ``force_offences`` (float).

    Raises
    ------
    ValueError
        A count that is not a whole number, or an LA whose force has no offences row.
    """
    raw = _read("police_recorded_sexual_offences_pfa_2017_18.csv", data_dir)
    child = raw[raw["child_victim_offence"].str.strip().str.lower() == "true"]
    counts = pd.to_numeric(child["number_of_offences"], errors="coerce")
    if counts.isna().any():
        row = int(counts.index[counts.isna()][0])
        raise ValueError(
            f"police_recorded_sexual_offences_pfa_2017_18.csv: row {row + 2}, column "
            f"number_of_offences: not a number: {raw['number_of_offences'][row]!r}"
        )
    by_force = counts.groupby(child["force_name"]).sum()
    lookup = _read("la_to_police_force_area.csv", data_dir)
    missing = lookup[~lookup["force_name"].isin(by_force.index)]
    if not missing.empty:
        row = int(missing.index[0])
        raise ValueError(
            f"la_to_police_force_area.csv: row {row + 2}, column force_name: "
            f"no offences for force {missing['force_name'][row]!r}"
        )
    return pd.DataFrame(
        {
            "new_la_code": lookup["new_la_code"],
            "old_la_code": lookup["old_la_code"].astype(int),
            "la_name": lookup["la_name"],
            "force_name": lookup["force_name"],
            "force_offences": lookup["force_name"].map(by_force).astype(float),
        }
    )
