"""DfE's statistical neighbour lists as shipped (``england/statistical_neighbours.csv``).

The file is read and checked here; :mod:`jigsaw.stats.neighbours` chooses a vintage and turns it
into neighbour lists. Source: Department for Education, children's services statistical neighbour
benchmarking tool, 2021 "LGR version" and 2025 model; Open Government Licence v3.0 (see
``england/README.md``, file 8).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jigsaw.datasets.shipped import cached_frame, folder
from jigsaw.errors import InputError

__all__ = ["CLOSENESS", "FILE", "neighbour_table"]

#: DfE's closeness bands, closest first.
CLOSENESS = ("Extremely close", "Very close", "Close", "Somewhat close", "Not close")

#: The shipped file, in the england folder.
FILE = "statistical_neighbours.csv"

_COLUMNS = {
    "sn_vintage": "vintage",
    "la_new_code": "area_code",
    "la_old_code": "area_dfe_code",
    "la_name": "area_name",
    "sn_rank": "rank",
    "sn_new_code": "neighbour_code",
    "sn_old_code": "neighbour_dfe_code",
    "sn_name": "neighbour_name",
    "closeness": "closeness",
    "pre_reorganisation_row": "pre_reorganisation",
}


@cached_frame
def neighbour_table(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Every vintage's neighbour entries, one row per (vintage, area, neighbour), in file order.

    Parameters
    ----------
    data_dir : path, optional
        Folder holding ``statistical_neighbours.csv`` (default: the shipped england folder).

    Returns
    -------
    pandas.DataFrame
        ``vintage`` and ``rank`` (int), ``area_code``, ``area_dfe_code``, ``area_name``,
        ``neighbour_code``, ``neighbour_dfe_code``, ``neighbour_name``, ``closeness`` (one of
        :data:`CLOSENESS`) and ``pre_reorganisation`` (bool).

    Raises
    ------
    InputError
        A file without the expected columns, with an unknown closeness band or a rank or
        vintage that is not a whole number (the message names the file, line and field).

    Examples
    --------
    >>> table = neighbour_table()
    >>> table.groupby("vintage").size().to_dict()
    {2021: 1560, 2025: 1530}
    """
    path = folder("england", data_dir) / FILE
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = sorted(set(_COLUMNS) - set(raw.columns))
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    frame = raw[list(_COLUMNS)].rename(columns=_COLUMNS)
    frame["pre_reorganisation"] = frame["pre_reorganisation"].str.lower().eq("true")
    bad = ~frame["closeness"].isin(CLOSENESS)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{path}: line {row + 2}, field closeness: unknown band "
            f"{frame['closeness'].iloc[row]!r}"
        )
    for column in ("vintage", "rank"):
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if numbers.isna().any():
            row = int(np.flatnonzero(numbers.isna())[0])
            raise InputError(f"{path}: line {row + 2}, field {column}: not a whole number")
        frame[column] = numbers.astype(int)
    return frame
