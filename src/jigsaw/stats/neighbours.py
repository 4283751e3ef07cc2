"""Statistical neighbours: DfE's lists for English local authorities, and k nearest for any areas.

:func:`statistical_neighbours` loads the Department for Education's children's services
statistical neighbour lists (CSSNBT, 2021 "LGR version" and 2025 model): ten neighbours per local
authority, nearest first, each with DfE's closeness band. The relation is not symmetric (about 60%
of pairs have their reverse). :func:`neighbour_lists` gives the same as a mapping keyed by GSS
code or by DfE's 3-digit LA number.

:func:`nearest_neighbours` builds neighbour lists for any other set of areas (police force areas,
another country's districts, a user's own file): the ``k`` nearest by Euclidean distance on
z-scored covariates. That is the principle of DfE's model (NFER 2007), not its variables or
weights, which are not published with the lists.

References
----------
1. Department for Education. Children's services statistical neighbour benchmarking tool (LAIT),
   April 2021 LGR version and May 2025 model; copies from
   github.com/dfe-analytical-services/CSC_outcomes_and_enablers (commit 2f5d11a), OGL v3.0.
2. Benton T, Chamberlain T, Wilson R, Teeman D (2007). The development of the Children's Services
   Statistical Neighbour Benchmarking Model. NFER, for DfES.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from jigsaw.datasets.neighbours import CLOSENESS, neighbour_table
from jigsaw.errors import InputError

__all__ = [
    "CLOSENESS",
    "VINTAGES",
    "Neighbour",
    "nearest_neighbours",
    "neighbour_lists",
    "statistical_neighbours",
]

VINTAGES = (2021, 2025)


class Neighbour(NamedTuple):
    """One statistical neighbour of an area: its code, name, rank (1 = nearest) and closeness."""

    code: str
    name: str
    rank: int
    closeness: str


def statistical_neighbours(
    vintage: int = 2025, *, data_dir: Path | None = None, pre_reorganisation: bool = False
) -> pd.DataFrame:
    """Load DfE's statistical neighbour list of one vintage as a long frame.

    Parameters
    ----------
    vintage : {2025, 2021}
        2025: the 153 current LAs; 2021: the April 2021 LGR version (152 LAs on 2021-2023
        geography, including Cumbria and North and West Northamptonshire).
    data_dir : Path, optional
        Folder holding ``statistical_neighbours.csv``; default the shipped copy (read by
        :func:`jigsaw.datasets.neighbours.neighbour_table`).
    pre_reorganisation : bool
        Also return the 2021 sheet's extra rows for Dorset, Poole and Bournemouth before 2019
        and for Northamptonshire (off by default: they overlap their successors).

    Returns
    -------
    pandas.DataFrame
        One row per (area, neighbour), sorted by area and rank, with columns ``vintage``,
        ``area_code`` (the GSS code in use in the vintage's years: the 2021 vintage has North
        Yorkshire as E10000023 and Somerset as E10000027, re-coded in 2024 on the same
        boundary; join on ``area_dfe_code`` across years), ``area_dfe_code`` (3-digit text,
        stable), ``area_name``, ``rank``
        (1 = nearest), ``neighbour_code``, ``neighbour_dfe_code``, ``neighbour_name``,
        ``closeness`` (one of :data:`CLOSENESS`) and ``pre_reorganisation``.

    Raises
    ------
    ValueError
        Unknown vintage, or a file without the expected columns or with an unknown closeness
        band (the message names the file, row and field).
    """
    if vintage not in VINTAGES:
        raise ValueError(f"vintage must be one of {VINTAGES}, got {vintage!r}")
    frame = neighbour_table(data_dir)
    frame = frame[frame["vintage"] == vintage]
    if not pre_reorganisation:
        frame = frame[~frame["pre_reorganisation"]]
    return frame.sort_values(["area_dfe_code", "rank"]).reset_index(drop=True)


def neighbour_lists(
    vintage: int = 2025, *, key: str = "gss", data_dir: Path | None = None
) -> dict[str, tuple[Neighbour, ...]]:
    """DfE statistical neighbours as a mapping: area code -> its ten neighbours, nearest first.

    Parameters
    ----------
    vintage : {2025, 2021}
        See :func:`statistical_neighbours` (pre-reorganisation rows excluded).
    key : {"gss", "dfe"}
        Key and neighbour codes by ONS GSS code (``"E08000016"``) or by DfE's 3-digit LA
        number as text (``"370"``).
    data_dir : Path, optional
        As in :func:`statistical_neighbours`.

    Returns
    -------
    dict of str to tuple of Neighbour
    """
    if key not in ("gss", "dfe"):
        raise ValueError(f"key must be 'gss' or 'dfe', got {key!r}")
    frame = statistical_neighbours(vintage, data_dir=data_dir)
    area, neighbour = (
        ("area_code", "neighbour_code") if key == "gss" else ("area_dfe_code", "neighbour_dfe_code")
    )
    lists: dict[str, list[Neighbour]] = {}
    ordered = frame.sort_values([area, "rank"])
    for code, *entry in zip(
        ordered[area],
        ordered[neighbour],
        ordered["neighbour_name"],
        ordered["rank"].astype(int),
        ordered["closeness"],
        strict=True,
    ):
        lists.setdefault(code, []).append(Neighbour(*entry))
    return {code: tuple(entries) for code, entries in sorted(lists.items())}


def nearest_neighbours(
    frame: pd.DataFrame, covariates: list[str], k: int = 10, *, area_column: str = "area_code"
) -> pd.DataFrame:
    """The ``k`` nearest areas to each area by Euclidean distance on z-scored covariates.

    Each covariate is centred on its mean and divided by its standard deviation, so that each
    counts equally; an area is never its own neighbour. Ties in distance are broken by the
    neighbour's code (text order), so the result does not depend on row order.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per area: ``area_column`` and the covariate columns.
    covariates : list of str
        Numeric columns to compare areas on (at least one).
    k : int
        Neighbours per area (default 10); at most the number of areas minus one.
    area_column : str
        Column holding unique area codes.

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``neighbour_code``, ``rank`` (1 = nearest) and ``distance`` (in
        standard-deviation units), ``k`` rows per area in the order of ``frame``.

    Raises
    ------
    ValueError
        Missing column, duplicate or missing area code, non-numeric or missing covariate value
        (naming the row, counted from 1 for the first data row, and the column), a covariate
        that does not vary, or ``k`` out of range.

    Examples
    --------
    >>> areas = pd.DataFrame({"area_code": ["A", "B", "C", "D"], "x_deprivation": [0, 1, 3, 10]})
    >>> nearest_neighbours(areas, ["x_deprivation"], k=2)[["area_code", "neighbour_code"]].values.tolist()
    [['A', 'B'], ['A', 'C'], ['B', 'A'], ['B', 'C'], ['C', 'B'], ['C', 'A'], ['D', 'C'], ['D', 'B']]
    """
    x, codes = _covariate_matrix(frame, covariates, area_column)
    n = len(codes)
    if not isinstance(k, int | np.integer) or not 1 <= k <= n - 1:
        raise ValueError(f"k must be a whole number from 1 to {n - 1} (areas - 1), got {k!r}")
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    distance = cdist(z, z)
    np.fill_diagonal(distance, np.inf)
    code_order = np.broadcast_to(np.argsort(np.argsort(codes, kind="stable")), distance.shape)
    order = np.lexsort((code_order, distance), axis=-1)[:, :k]
    return pd.DataFrame(
        {
            "area_code": np.repeat(codes, k),
            "neighbour_code": codes[order].reshape(-1),
            "rank": np.tile(np.arange(1, k + 1), n),
            "distance": np.take_along_axis(distance, order, axis=1).reshape(-1),
        }
    )


def _covariate_matrix(
    frame: pd.DataFrame, covariates: list[str], area_column: str
) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(covariates, str):
        covariates = [covariates]
    if not covariates:
        raise InputError("need at least one covariate column")
    missing = [c for c in [area_column, *covariates] if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}")
    given = frame[area_column]
    if given.isna().any():
        row = int(np.flatnonzero(given.isna())[0])
        raise InputError(f"row {row + 1}, column {area_column}: missing area code")
    codes = given.astype(str).to_numpy()
    seen: dict[str, int] = {}
    for row, code in enumerate(codes):
        if code in seen:
            raise InputError(
                f"row {row + 1}, column {area_column}: duplicate area code "
                f"{code!r} (first at row {seen[code] + 1})"
            )
        seen[code] = row
    columns = []
    for column in covariates:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            row = int(bad[0])
            raise InputError(
                f"row {row + 1}, column {column}: not a number ({frame[column].iloc[row]!r})"
            )
        if np.ptp(values) == 0:
            raise InputError(
                f"column {column}: every area has the same value, so it cannot tell areas apart"
            )
        columns.append(values)
    return np.column_stack(columns), codes
