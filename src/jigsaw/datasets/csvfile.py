"""Users' files: read a CSV as text with errors that name the file, row and field; write outputs
atomically, with spreadsheet formulas made inert.

Every command that reads a user's CSV reads it with :func:`read_text_csv`, and every output file
is written through :func:`write_atomic` (or :func:`write_csv` for tables), so a failed or
interrupted run never leaves half a file behind and a message always says where the input is wrong.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

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
        raise InputError(
            f"{path}: {_UNREADABLE}: it is empty (expected a header row of column names)"
        )
    # The header as pandas reads it: the first row that is not blank.
    header = next(
        row for row in csv.reader(io.StringIO(text), skipinitialspace=skipinitialspace) if row
    )
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
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
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


def write_csv(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    lineterminator: str = "\n",
    arrow: pa.Table | None = None,
) -> None:
    """Write ``frame`` as a CSV file for a user: atomically and with formulas made inert.

    Without the index; missing values are empty fields. The bytes are those of pandas'
    ``to_csv`` (numbers as it writes them, ``True``/``False``, fields quoted only when they
    must be); tables of text, whole numbers, decimals and booleans are formatted column by
    column in pyarrow, which is several times faster for the large ones. ``arrow`` is the
    frame already converted (``pyarrow.Table.from_pandas(frame, preserve_index=False)``, as
    for writing its Parquet file): its text columns are used instead of converting them again.
    """
    body = _arrow_rows(frame, lineterminator, arrow)
    if body is None:
        write_atomic(
            path, neutralise_formulas(frame).to_csv(index=False, lineterminator=lineterminator)
        )
        return
    header = neutralise_formulas(frame.iloc[:0]).to_csv(index=False, lineterminator=lineterminator)
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        stream.write(header.encode("utf-8"))
        stream.write(body)


@functools.cache
def _quoted_characters(lineterminator: str) -> str | None:
    """The characters that make Python's CSV writer (which pandas uses) quote a field, found by
    asking it; ``None`` if it quotes by anything but the characters a field contains."""

    def quotes(text: str) -> bool:
        line = io.StringIO()
        csv.writer(line, lineterminator=lineterminator).writerow([text, "x"])
        return line.getvalue().startswith('"')

    special = "".join(chr(c) for c in range(128) if quotes(f"a{chr(c)}b"))
    plain = [chr(c) for c in range(128) if chr(c) not in special]
    if quotes("") or any(quotes(c) or quotes(f"{c}a") or quotes(f"a{c}") for c in plain):
        return None
    return special


def _arrow_rows(
    frame: pd.DataFrame, lineterminator: str, arrow: pa.Table | None = None
) -> memoryview | None:
    """The rows of ``frame`` as :func:`write_csv` writes them (UTF-8), formatted by pyarrow; or
    ``None`` for a table that only pandas formats exactly (a column of other values, one column
    whose blank rows pandas quotes, no rows, names that are not unique text)."""
    import pyarrow as pa

    special = _quoted_characters(lineterminator)
    names = list(frame.columns)
    if (
        special is None
        or len(names) < 2
        or not len(frame)
        or len(set(names)) != len(names)
        or not all(isinstance(n, str) for n in names)
    ):
        return None
    # Formatted with 32-bit offsets, the faster, unless the rows outgrow them (2 GiB of text).
    try:
        return _formatted(frame, names, lineterminator, special, arrow, pa.string())
    except (pa.ArrowCapacityError, pa.ArrowInvalid):  # "offset overflow"
        return _formatted(frame, names, lineterminator, special, arrow, pa.large_string())


def _formatted(
    frame: pd.DataFrame,
    names: list[str],
    lineterminator: str,
    special: str,
    arrow: pa.Table | None,
    text: pa.DataType,
) -> memoryview | None:
    import pyarrow as pa
    import pyarrow.compute as pc

    def scalar(value: str) -> pa.Scalar:
        return pa.scalar(value, text)

    columns = []
    for name in names:
        series = frame[name]
        dtype = series.dtype
        numpy = isinstance(dtype, np.dtype)  # not pandas' nullable Int64, boolean, ...
        if numpy and dtype.kind == "b":
            column = pc.if_else(pa.array(series.to_numpy()), scalar("True"), scalar("False"))
        elif numpy and dtype.kind in "iu":
            column = pa.array(series.to_numpy()).cast(text)
        elif numpy and dtype.kind == "f":
            column = _decimals(series.to_numpy(), text)
        elif dtype.kind == "O" or pd.api.types.is_string_dtype(dtype):
            if arrow is not None and arrow.column_names == names:
                # The same inference as converting the column here (from_pandas does this).
                column = arrow.column(names.index(name)).combine_chunks()
            else:
                try:
                    column = pa.array(series.to_numpy(dtype=object), from_pandas=True)
                except (pa.ArrowInvalid, pa.ArrowTypeError):
                    return None
            if column.type == pa.null():
                column = column.cast(text)
            elif column.type not in (pa.string(), pa.large_string()):
                return None  # numbers, booleans or mixed values in a text column
            column = _quote(_inert_arrow(column.cast(text)), special)
        else:
            return None
        columns.append(column)
    # Missing values are empty fields, and the last field of a row ends the line: both done in
    # the joins themselves, rather than in a pass over every column and one more over the rows.
    blank = {"null_handling": "replace", "null_replacement": ""}
    columns[-1] = pc.binary_join_element_wise(
        columns[-1], scalar(lineterminator), scalar(""), **blank
    )
    rows = pc.binary_join_element_wise(*columns, scalar(","), **blank)
    if isinstance(rows, pa.ChunkedArray):
        rows = pa.concat_arrays(rows.chunks)
    # Every row is the text of one long string array: its data buffer between the first and
    # last offsets.
    width = np.int64 if pa.types.is_large_string(rows.type) else np.int32
    offsets = np.frombuffer(rows.buffers()[1], dtype=width)[
        rows.offset : rows.offset + len(rows) + 1
    ]
    return memoryview(rows.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


def _decimals(values: np.ndarray, text: pa.DataType) -> pa.Array:
    """Decimals as pandas writes them: numpy's shortest repr ('0.1', '1e-05', '2.0', 'inf'),
    blank for NaN.

    pyarrow writes the same shortest digits, but in its own layout for whole numbers ('2') and
    for the small and the huge ('0.00001'); only the values between, not whole, which are most
    measured quantities, are left to it (several times faster than numpy's repr).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    with np.errstate(invalid="ignore"):
        size = np.abs(values)
        plain = (size >= 1e-4) & (size < 1e9) & (values != np.trunc(values))
    column = pa.array(values).cast(text)
    others = np.flatnonzero(~plain & ~np.isnan(values))
    if len(others):
        column = pc.replace_with_mask(
            column,
            pa.array(~plain & ~np.isnan(values)),
            pa.array(values[others].astype(str), type=text),
        )
    return pc.if_else(pa.array(np.isnan(values)), pa.scalar(None, text), column)


def _cells_with(column: pa.Array, characters: str, *, first: bool = False) -> np.ndarray | None:
    """Which cells of a text column hold one of the ASCII ``characters`` (as their first
    character, with ``first``): a bool array, or ``None`` when no cell does.

    Read from the column's UTF-8 bytes with numpy, in one pass over them: an ASCII byte is never
    part of another character's encoding, so this is the character test itself, many times
    faster than a regular expression run on each cell.
    """
    import pyarrow as pa

    if not len(column) or column.null_count == len(column):
        return None
    width = np.int64 if pa.types.is_large_string(column.type) else np.int32
    offsets = np.frombuffer(column.buffers()[1], dtype=width)[
        column.offset : column.offset + len(column) + 1
    ].astype(np.int64)
    data = column.buffers()[2]
    if data is None:
        return None
    text = np.frombuffer(data, dtype=np.uint8)
    wanted = np.zeros(256, dtype=bool)
    wanted[[ord(c) for c in characters]] = True
    if first:
        if not len(text):
            return None
        starts = offsets[:-1]
        # An empty cell's offset may be the end of the text: read any byte there, then drop it.
        hit = wanted[text[np.minimum(starts, len(text) - 1)]] & (offsets[1:] > starts)
    else:
        lo, hi = int(offsets[0]), int(offsets[-1])
        # Most columns hold none of them: bytes.find (memchr) says so at memory speed.
        whole = memoryview(data)[lo:hi].tobytes()
        if not any(c.encode("ascii") in whole for c in characters):
            return None
        found = wanted[text[lo:hi]]
        count = np.concatenate([[0], np.cumsum(found, dtype=np.int64)])
        hit = count[offsets[1:] - offsets[0]] > count[offsets[:-1] - offsets[0]]
    if column.null_count:
        hit &= column.is_valid().to_numpy(zero_copy_only=False)
    return hit if hit.any() else None


def _inert_arrow(column: pa.Array) -> pa.Array:
    """:func:`neutralise_formulas` on a text column: only the cells starting with a formula
    character go through :func:`_inert` (which also spares plain numbers)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    starts = _cells_with(column, "".join(_FORMULA_START), first=True)
    if starts is None:
        return column
    where = np.flatnonzero(starts)
    changed = [_inert(value) for value in column.take(pa.array(where)).to_pylist()]
    return pc.replace_with_mask(column, pa.array(starts), pa.array(changed, type=column.type))


def _quote(column: pa.Array, special: str) -> pa.Array:
    """Quote the cells holding a character the CSV writer quotes for, doubling their quotes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    needs = _cells_with(column, special)
    if needs is None:
        return column
    cells = column.take(pa.array(np.flatnonzero(needs)))
    mark = pa.scalar('"', column.type)
    doubled = pc.replace_substring(cells, '"', '""')
    quoted = pc.binary_join_element_wise(mark, doubled, mark, pa.scalar("", column.type))
    return pc.replace_with_mask(column, pa.array(needs), quoted)
