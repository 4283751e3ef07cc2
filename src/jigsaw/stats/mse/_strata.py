"""Stratified estimation: one estimate per area, sex or age band, and the interval of their sum."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from jigsaw.errors import InputError
from jigsaw.stats._intervals import z_value
from jigsaw.stats.mse import _intervals
from jigsaw.stats.mse._estimate import MSEEstimate, estimate
from jigsaw.stats.mse._table import CaptureTable, table_from_records

COLUMNS = [
    "stratum",
    "observed",
    "lists",
    "terms",
    "total",
    "ci_low",
    "ci_high",
    "estimable",
    "note",
]


def sum_interval(results: list[MSEEstimate], level: float = 0.95) -> tuple[float, float, str]:
    """Interval for the sum of independent strata's totals, and how it was made.

    - **BCa** (every stratum estimated with ``ci="bca"`` and the same number of resamples): a joint
      bootstrap. Resample ``b`` of the sum is the sum of each stratum's resample ``b`` (strata are
      resampled independently, so this is a draw from the sum's bootstrap distribution); the
      acceleration comes from the jackknife of the sum, deleting one child at a time from any
      stratum (the other strata's totals unchanged). Resamples where some stratum has no
      admissible model are left out.
    - **Otherwise** the delta method on the fitted models, on the log scale of the summed dark
      figure D = sum D_s: Var(D) = sum D_s^2 Var(log D_s), from each model's inverse information,
      and the interval is n_obs + D exp(-/+ z sd(log D)). With one stratum this is that stratum's
      own Wald interval exactly.
    """
    observed = float(sum(r.observed for r in results))
    total = float(sum(r.total for r in results))
    inferences = [r.inference for r in results if r.inference is not None]
    if len(inferences) != len(results):
        raise ValueError("every stratum needs its fitted model to put an interval on the sum")
    boots = [i.bootstrap for i in inferences if i.bootstrap is not None]
    jacks = [i.jackknife for i in inferences if i.jackknife is not None]
    if (
        all(r.ci == "bca" for r in results)
        and len(boots) == len(jacks) == len(results)
        and len({b.size for b in boots}) == 1
    ):
        summed = np.sum(boots, axis=0)
        summed = summed[np.isfinite(summed)]
        # Jackknife of the sum: deleting a child in stratum s moves only stratum s's total.
        w = np.concatenate([i.counts for i in inferences])
        v = np.concatenate([total - r.total + jack for r, jack in zip(results, jacks, strict=True)])
        residual = (w * v).sum() / w.sum() - v
        denom = 6 * (w * residual**2).sum() ** 1.5
        acceleration = float((w * residual**3).sum() / denom) if denom > 0 else 0.0
        low, high = _intervals.bca_limits(summed, total, acceleration, level)
        return low, high, f"joint bootstrap of the sum over strata ({summed.size} resamples), BCa"
    dark = np.array([float(i.fit.dark[0]) for i in inferences])
    var_log = np.array([float(i.fit.var0[0]) for i in inferences])
    D = float(dark.sum())
    sd_log = float(np.sqrt(np.sum(dark**2 * var_log))) / D if D > 0 else 0.0
    z = z_value(level)
    return (
        observed + D * float(np.exp(-z * sd_log)),
        observed + D * float(np.exp(z * sd_log)),
        ("delta method on the strata's fitted models (Wald on the log of the summed dark figure)"),
    )


def stratified_tables(
    tables: Mapping[str, CaptureTable],
    *,
    method: str = "stepwise",
    level: float = 0.95,
    notes: Mapping[str, str] | None = None,
    observed: Mapping[str, int] | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Estimate each stratum's table and their sum; see :func:`stratified` for the frame returned.

    A stratum whose table could not be built is given in ``notes`` (with its ``observed`` count)
    and not in ``tables``. With ``ci="bca"`` each stratum gets its own seed, derived from ``seed``,
    so that strata are resampled independently.
    """
    notes = dict(notes or {})
    observed = dict(observed or {})
    names = sorted(set(tables) | set(notes))
    seed = int(kwargs.pop("seed", 1234))
    stratum_seeds = np.random.SeedSequence(seed).generate_state(len(names))
    rows, results = [], []
    for k, name in enumerate(names):
        row: dict[str, Any] = {
            "stratum": name,
            "observed": observed.get(name, 0),
            "lists": "",
            "terms": "",
            "total": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "estimable": False,
            "note": notes.get(name, ""),
        }
        if name in tables:
            table = tables[name]
            row["observed"] = table.observed
            try:
                result = estimate(table, method, level=level, seed=int(stratum_seeds[k]), **kwargs)
            except ValueError as error:
                row["note"] = str(error)
            else:
                results.append(result)
                row.update(
                    lists=" ".join(table.lists),
                    terms=" ".join(result.terms),
                    total=result.total,
                    ci_low=result.ci_low,
                    ci_high=result.ci_high,
                    estimable=True,
                )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    ok = frame["estimable"].astype(bool)
    total = float(frame.loc[ok, "total"].sum())
    low = high = np.nan
    note = "sum of strata"
    if results:
        low, high, how = sum_interval(results, level)
        note += f"; interval by {how}"
    unestimated = frame.loc[~ok, "stratum"].tolist()
    if unestimated:
        note += (
            f"; excludes strata that could not be estimated ({', '.join(map(str, unestimated))})"
        )
    frame.loc[len(frame)] = {
        "stratum": "TOTAL",
        "observed": int(frame["observed"].sum()),
        "lists": "",
        "terms": "",
        "total": total,
        "ci_low": low,
        "ci_high": high,
        "estimable": bool(ok.all()),
        "note": note,
    }
    return frame


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
        False and the reason. The total row adds the estimable strata's totals; its interval is
        from a joint bootstrap over strata when ``ci="bca"``, else from the delta method on the
        strata's fitted models (:func:`sum_interval`), and its note says which. When any stratum
        is not estimable the total row says the sum covers only the estimable ones.

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
            raise InputError(
                f"records: no '{column}' column (columns are {', '.join(map(str, records.columns))})"
            )
        values = records[column]
        blank = (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
        if blank.any():
            raise InputError(
                f"records: row {int(np.flatnonzero(blank)[0]) + 2}, column '{column}': blank value"
            )
    first = records.drop_duplicates(child_column)[[child_column, stratify]]
    stratum_of = dict(
        zip(first[child_column].astype(str), first[stratify].astype(str), strict=True)
    )
    records = records.assign(_stratum=records[child_column].astype(str).map(stratum_of))
    all_lists = sorted(records[list_column].astype(str).unique())
    tables: dict[str, CaptureTable] = {}
    notes: dict[str, str] = {}
    observed: dict[str, int] = {}
    for stratum, group in records.groupby("_stratum", sort=True):
        name = str(stratum)
        observed[name] = int(group[child_column].nunique())
        present = set(group[list_column].astype(str).unique())
        missing = [list_name for list_name in all_lists if list_name not in present]
        try:
            tables[name] = table_from_records(
                group, list_column=list_column, child_column=child_column, source=f"stratum {name}"
            )
        except ValueError as error:
            notes[name] = str(error)
            continue
        if missing:
            notes[name] = f"no records from {', '.join(missing)} here; estimated without them"
    return stratified_tables(
        tables, method=method, level=level, notes=notes, observed=observed, **kwargs
    )
