"""Stratified estimation: one estimate per area, sex or age band, with totals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from jigsaw.errors import InputError
from jigsaw.stats.mse._estimate import estimate
from jigsaw.stats.mse._table import table_from_records


def stratified(
    records: pd.DataFrame,
    stratify: str,
    *,
    list_column: str = "agency",
    child_column: str = "child_id",
    method: str = "stepwise",
    level: float = 0.95,
    **kwargs: Any,
) -> pd.DataFrame:
    """Estimate the total in each stratum of linked records, and add them up.

    Parameters
    ----------
    records : pandas.DataFrame
        One row per record: child identifier, list (agency) and the stratum column. A child is
        counted in the stratum of their first record.
    stratify : str
        Column to stratify by (area, sex, age band...).
    method, level, **kwargs
        Passed to :func:`estimate` (Wald intervals unless ``ci`` is given).

    Returns
    -------
    pandas.DataFrame
        One row per stratum (``stratum``, ``observed``, ``lists``, ``terms``, ``total``,
        ``ci_low``, ``ci_high``, ``estimable``, ``note``), then a ``TOTAL`` row. Lists empty in
        a stratum are dropped there and said so; a stratum that cannot be estimated (fewer than
        two informative lists, no admissible model) keeps its observed count with ``estimable``
        False and the reason. The total row adds the estimable strata's totals; its interval is a
        normal approximation whose variance is the sum of the strata's (strata are independent),
        each taken as (interval width / 2z)^2, which is exact for symmetric intervals and a
        rough guide for the skewed Wald-on-log, profile and BCa ones. When any stratum is not
        estimable the total row says the sum covers only the estimable ones.

    Raises
    ------
    InputError
        A missing column or blank value (naming the row).
    """
    if stratify not in records.columns:
        raise InputError(f"records: no '{stratify}' column to stratify by")
    # Checked here, not per stratum: inside the loop a bad column would become every stratum's
    # note, and a blank stratum value a stratum of its own, instead of an error.
    for column in (child_column, list_column, stratify):
        if column not in records.columns:
            raise InputError(f"records: no '{column}' column (columns are {', '.join(map(str, records.columns))})")
        values = records[column]
        blank = (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
        if blank.any():
            raise InputError(f"records: row {int(np.flatnonzero(blank)[0]) + 2}, column '{column}': blank value")
    first = records.drop_duplicates(child_column)[[child_column, stratify]]
    stratum_of = dict(zip(first[child_column].astype(str), first[stratify].astype(str), strict=True))
    records = records.assign(_stratum=records[child_column].astype(str).map(stratum_of))
    rows = []
    for stratum, group in records.groupby("_stratum", sort=True):
        observed = int(group[child_column].nunique())
        row = {"stratum": stratum, "observed": observed, "lists": "", "terms": "", "total": np.nan,
               "ci_low": np.nan, "ci_high": np.nan, "estimable": False, "note": ""}
        present = sorted(group[list_column].astype(str).unique())
        all_lists = sorted(records[list_column].astype(str).unique())
        missing = [name for name in all_lists if name not in present]
        try:
            table = table_from_records(group, list_column=list_column, child_column=child_column,
                                       source=f"stratum {stratum}")
            result = estimate(table, method, level=level, **kwargs)
            row.update(lists=" ".join(table.lists), terms=" ".join(result.terms), total=result.total,
                       ci_low=result.ci_low, ci_high=result.ci_high, estimable=True)
            if missing:
                row["note"] = f"no records from {', '.join(missing)} here; estimated without them"
        except ValueError as error:
            row["note"] = str(error)
        rows.append(row)
    frame = pd.DataFrame(rows)
    ok = frame["estimable"]
    z = 1.959963984540054
    # Strata are independent, so variances add; each stratum's Wald half-width gives its SE.
    se = (frame.loc[ok, "ci_high"] - frame.loc[ok, "ci_low"]) / (2 * z)
    total = frame.loc[ok, "total"].sum()
    half = z * float(np.sqrt((se**2).sum()))
    unestimated = frame.loc[~ok, "stratum"].tolist()
    note = "sum of strata; interval from summed variances"
    if unestimated:
        note += f"; excludes strata that could not be estimated ({', '.join(map(str, unestimated))})"
    frame.loc[len(frame)] = {"stratum": "TOTAL", "observed": int(frame["observed"].sum()), "lists": "",
                             "terms": "", "total": total, "ci_low": total - half, "ci_high": total + half,
                             "estimable": bool(ok.all()), "note": note}
    return frame
