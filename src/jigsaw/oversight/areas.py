"""Read and check a user's areas file and neighbour file for ``jigsaw oversight --areas``.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first area row 2.
Every error names the file, the row and the column, and nothing is written when one occurs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jigsaw.datasets.csvfile import read_text_csv
from jigsaw.errors import InputError

__all__ = [
    "REQUIRED_COLUMNS",
    "covariate_columns",
    "read_areas",
    "read_neighbours",
    "validate_areas",
    "validate_neighbours",
]

#: Columns every areas file must have; covariates are any further columns named ``x_*``.
REQUIRED_COLUMNS = ("area_code", "area_name", "children", "identified")


def covariate_columns(frame: pd.DataFrame) -> list[str]:
    """The covariate columns of an areas frame: those whose name starts with ``x_``."""
    return [c for c in frame.columns if str(c).startswith("x_")]


def _read_csv(path: Path) -> pd.DataFrame:
    return read_text_csv(path, skipinitialspace=True)


def read_areas(path: str | Path) -> pd.DataFrame:
    """Read an areas CSV and check it with :func:`validate_areas`.

    Parameters
    ----------
    path : str or Path
        CSV with ``area_code, area_name, children, identified`` and optional ``x_*`` columns.

    Returns
    -------
    DataFrame
        As :func:`validate_areas` returns.

    Raises
    ------
    FileNotFoundError, InputError
        As :func:`validate_areas`, with the file named.
    """
    path = Path(path)
    return validate_areas(_read_csv(path), source=str(path))


def validate_areas(frame: pd.DataFrame, *, source: str = "areas") -> pd.DataFrame:
    """Check an areas table and return it typed: codes and names as text, counts as floats.

    ``identified`` may exceed ``children``: the result is a rate, and events can recur
    (PHEindicatormethods allows this for rates too).

    Parameters
    ----------
    frame : DataFrame
        Columns as text (as read from CSV) or numbers.
    source : str
        The file name to put in error messages.

    Returns
    -------
    DataFrame
        ``area_code``, ``area_name``, ``children`` (> 0), ``identified`` (>= 0, whole numbers)
        and every ``x_*`` covariate as float, in the file's order.

    Raises
    ------
    InputError
        A missing column; an empty, duplicate or blank area code; a count that is missing,
        not a number, negative or fractional; a population of zero; a covariate that is not a
        number. The message names the row and column.

    Examples
    --------
    >>> bad = pd.DataFrame({"area_code": ["A", "B"], "area_name": ["a", "b"],
    ...                     "children": ["100", "200"], "identified": ["3", "-1"]})
    >>> validate_areas(bad, source="areas.csv")
    Traceback (most recent call last):
    ...
    jigsaw.errors.InputError: areas.csv: row 3, column identified: negative count -1
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source}: missing column {', '.join(missing)} "
            f"(need {', '.join(REQUIRED_COLUMNS)}, and x_* covariates or --neighbours)"
        )
    if frame.empty:
        raise InputError(f"{source}: no areas (the file has a header but no rows)")
    out = pd.DataFrame(index=range(len(frame)))
    codes = frame["area_code"].astype(str).str.strip().reset_index(drop=True)
    for i, code in enumerate(codes):
        if code in ("", "nan"):
            raise InputError(f"{source}: row {i + 2}, column area_code: empty area code")
    duplicated = codes.duplicated()
    if duplicated.any():
        i = int(np.flatnonzero(duplicated)[0])
        first = int(np.flatnonzero(codes == codes[i])[0])
        raise InputError(
            f"{source}: row {i + 2}, column area_code: duplicate code {codes[i]!r} "
            f"(first on row {first + 2})"
        )
    out["area_code"] = codes
    out["area_name"] = frame["area_name"].astype(str).str.strip().reset_index(drop=True)
    for column in ("children", "identified"):
        out[column] = _counts(frame[column].reset_index(drop=True), column, source)
    zero = out["children"] == 0
    if zero.any():
        i = int(np.flatnonzero(zero)[0])
        raise InputError(f"{source}: row {i + 2}, column children: zero children, so no rate")
    for column in covariate_columns(frame):
        out[column] = _numbers(frame[column].reset_index(drop=True), column, source)
    return out


def _numbers(values: pd.Series, column: str, source: str) -> pd.Series:
    text = values.astype(str).str.strip().str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() | ~np.isfinite(numbers.astype(float))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        shown = values.iloc[i]
        what = "missing value" if str(shown).strip() == "" else f"not a number: {shown!r}"
        raise InputError(f"{source}: row {i + 2}, column {column}: {what}")
    return numbers.astype(float)


def _counts(values: pd.Series, column: str, source: str) -> pd.Series:
    numbers = _numbers(values, column, source)
    negative = numbers < 0
    if negative.any():
        i = int(np.flatnonzero(negative)[0])
        raise InputError(f"{source}: row {i + 2}, column {column}: negative count {values.iloc[i]}")
    fractional = numbers != np.floor(numbers)
    if fractional.any():
        i = int(np.flatnonzero(fractional)[0])
        raise InputError(
            f"{source}: row {i + 2}, column {column}: not a whole number: {values.iloc[i]}"
        )
    return numbers


def read_neighbours(path: str | Path, area_codes: list[str]) -> pd.DataFrame:
    """Read a neighbour file (``area_code, neighbour_code``) and check it with :func:`validate_neighbours`."""
    path = Path(path)
    return validate_neighbours(_read_csv(path), area_codes, source=str(path))


def validate_neighbours(
    frame: pd.DataFrame, area_codes: list[str], *, source: str = "neighbours"
) -> pd.DataFrame:
    """Check a neighbour table against the areas it refers to.

    Parameters
    ----------
    frame : DataFrame
        ``area_code`` and ``neighbour_code`` columns (an optional ``rank`` is kept).
    area_codes : list of str
        The codes of the areas file.

    Returns
    -------
    DataFrame
        ``area_code`` and ``neighbour_code`` as text.

    Raises
    ------
    InputError
        A missing column; a code not in the areas file; an area listed as its own neighbour;
        a repeated pair; an area of the areas file with no neighbours.
    """
    missing = [c for c in ("area_code", "neighbour_code") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source}: missing column {', '.join(missing)} (need area_code, neighbour_code)"
        )
    out = pd.DataFrame(
        {
            c: frame[c].astype(str).str.strip().reset_index(drop=True)
            for c in ("area_code", "neighbour_code")
        }
    )
    known = set(area_codes)
    for column in ("area_code", "neighbour_code"):
        unknown = ~out[column].isin(known)
        if unknown.any():
            i = int(np.flatnonzero(unknown)[0])
            raise InputError(
                f"{source}: row {i + 2}, column {column}: "
                f"{out[column].iloc[i]!r} is not an area_code of the areas file"
            )
    itself = out["area_code"] == out["neighbour_code"]
    if itself.any():
        i = int(np.flatnonzero(itself)[0])
        raise InputError(
            f"{source}: row {i + 2}, column neighbour_code: an area cannot be its own neighbour"
        )
    repeated = out.duplicated()
    if repeated.any():
        i = int(np.flatnonzero(repeated)[0])
        raise InputError(f"{source}: row {i + 2}, column neighbour_code: pair repeated")
    lonely = sorted(known - set(out["area_code"]))
    if lonely:
        raise InputError(
            f"{source}: column area_code: no neighbours listed for {lonely[0]!r}"
            + (f" and {len(lonely) - 1} more" if len(lonely) > 1 else "")
        )
    return out
