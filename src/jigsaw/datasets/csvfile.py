"""Users' files: read a CSV as text with errors that name the file, row and field; write outputs
atomically, with spreadsheet formulas made inert.

Every command that reads a user's CSV reads it with :func:`read_text_csv`, and every output file
is written through :func:`write_atomic` (or :func:`write_csv` for tables), so a failed or
interrupted run never leaves half a file behind and a message always says where the input is wrong.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from jigsaw.errors import InputError

__all__ = ["atomic_path", "neutralise_formulas", "read_text_csv", "write_atomic", "write_csv"]


def read_text_csv(
    path: str | Path, *, skipinitialspace: bool = False, blanks_as_missing: bool = False
) -> pd.DataFrame:
    """Return every cell of the CSV at ``path`` as text.

    Columns are parsed by the caller, so that a bad value can be reported with its row and column
    rather than turned into NaN here. Column names are trimmed of spaces; a UTF-8 byte order mark
    (Excel's "CSV UTF-8") is dropped.

    Parameters
    ----------
    path : str or Path
        The file.
    skipinitialspace : bool, default False
        Drop spaces after each comma (hand-written files: ``code, name, children``).
    blanks_as_missing : bool, default False
        Give empty cells as missing values (NaN) rather than ``""``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist, naming it.
    InputError
        If ``path`` is a folder, the file is empty, not UTF-8 (naming the row), not CSV (naming
        the row whose number of fields is wrong) or repeats a column name; the message starts
        with the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "people.csv"
    >>> _ = bad.write_text("id,name\\n1,Amy\\n2,Zoe,extra\\n")
    >>> try:
    ...     read_text_csv(bad)
    ... except InputError as error:
    ...     print(str(error).replace(str(bad), "people.csv"))
    people.csv: not a readable CSV file: row 3 has 3 fields, the header has 2
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a CSV file")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = data.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"{path}: {_UNREADABLE}: row {row} is not UTF-8 text ({error.reason} at byte "
            f"{error.start}); save it as 'CSV UTF-8'"
        ) from None
    if not text.strip():
        raise InputError(f"{path}: {_UNREADABLE}: it is empty (expected a header row of column names)")
    # The header as pandas reads it: the first row that is not blank.
    header = next(row for row in csv.reader(io.StringIO(text), skipinitialspace=skipinitialspace) if row)
    names = [name.strip() for name in header]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"{path}: row 1: column {', '.join(repeated)} appears more than once")
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_values=[""] if blanks_as_missing else None,
            skipinitialspace=skipinitialspace,
        )
    except pd.errors.ParserError as error:
        raise InputError(f"{path}: {_parser_message(str(error), len(names))}") from None
    frame.columns = names
    return frame


# Every message about a file that cannot be read as CSV starts the same way, then says where.
_UNREADABLE = "not a readable CSV file"


def _parser_message(message: str, fields: int) -> str:
    # pandas counts lines from 1 at the header, as a spreadsheet numbers rows.
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found:
        return f"{_UNREADABLE}: row {found[2]} has {found[3]} fields, the header has {fields}"
    return f"{_UNREADABLE} ({message.strip()})"


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Give a temporary path beside ``path``; when the block ends without error, make it ``path``.

    Write the file at the yielded path (with any writer, such as ``to_parquet``). The file is
    flushed to disk and renamed over ``path`` (``os.replace``, atomic on one file system), so a
    reader sees the old file or the new one, never a part. On error the temporary file is removed.
    The folder must exist.
    """
    path = Path(path)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        # mkstemp makes the file private to its owner; outputs are for sharing, so give them the
        # mode any new file gets here.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write text (UTF-8, line endings as given) or bytes to ``path`` atomically (:func:`atomic_path`)."""
    with atomic_path(path) as temporary:
        if isinstance(content, bytes):
            temporary.write_bytes(content)
        else:
            with open(temporary, "w", encoding="utf-8", newline="") as stream:
                stream.write(content)


# OWASP "CSV injection": a spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number written as text ("-1.5", "+44") is read as a number, never as a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _inert(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with text cells that a spreadsheet would run as a formula made inert.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe, which spreadsheets show as text. Numeric columns, and text that is a
    plain number such as ``-1.5``, are left as they are.

    >>> neutralise_formulas(pd.DataFrame({"name": ["=HYPERLINK(\\"x\\")", "Amy", "-1.5"], "w": [-1.5, 2.0, 3.0]}))
                   name    w
    0  '=HYPERLINK("x") -1.5
    1               Amy  2.0
    2              -1.5  3.0
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(_inert)
    if any(isinstance(c, str) and _inert(c) != c for c in out.columns):
        out.columns = [_inert(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, *, lineterminator: str = "\n") -> None:
    """Write ``frame`` as a CSV file for a user: atomically and with formulas made inert.

    Without the index; missing values are empty fields.
    """
    write_atomic(path, neutralise_formulas(frame).to_csv(index=False, lineterminator=lineterminator))
