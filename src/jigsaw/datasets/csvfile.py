"""Read a user's CSV file as text, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jigsaw.errors import InputError

__all__ = ["read_text_csv"]


def read_text_csv(path: str | Path) -> pd.DataFrame:
    """Return every cell of the CSV at ``path`` as text (blank cells as ``""``).

    Columns are parsed by the caller, so that a bad value can be reported with its row and column
    rather than turned into NaN here.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file, naming it.
    InputError
        If the file is empty, not UTF-8 or not CSV, naming it.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a readable CSV ({error})") from None
