"""The world's files are the bytes pandas wrote, now formatted through pyarrow.

``write_csv`` formats tables of text, whole numbers, decimals and booleans in pyarrow; the
reference is pandas' own writer with formulas made inert, the path every other table still
takes. Parquet is written by pandas (pyarrow underneath), now two files at a time.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from jigsaw.datasets.csvfile import _arrow_rows, neutralise_formulas, write_csv
from jigsaw.world import TABLES, generate, write


def _pandas_bytes(frame: pd.DataFrame, lineterminator: str = "\n") -> bytes:
    return (
        neutralise_formulas(frame)
        .to_csv(index=False, lineterminator=lineterminator)
        .encode("utf-8")
    )


@pytest.fixture(scope="module")
def small_world():
    return generate(children=3000, areas=3, seed=29)


def test_every_table_of_a_world_is_byte_identical_to_pandas(small_world, tmp_path):
    kinds = set()
    for name, frame in small_world.tables().items():
        assert _arrow_rows(frame, "\n") is not None, f"{name} left the fast path"
        kinds |= {frame[c].dtype.kind for c in frame.columns}
        write_csv(frame, tmp_path / f"{name}.csv")
        assert (tmp_path / f"{name}.csv").read_bytes() == _pandas_bytes(frame), name
    # Text (with blanks, and notes that need quoting), whole numbers, decimals and booleans.
    assert kinds == {"O", "i", "f", "b"}
    assert (small_world.children["twin_of"] == "").any()
    assert small_world.concerns["note"].str.contains(",").any()


def test_write_gives_pandas_bytes_and_the_same_parquet(small_world, tmp_path):
    written = write(small_world, tmp_path)
    assert [p.name for p in written] == [f"{t}.{s}" for t in TABLES for s in ("parquet", "csv")]
    for name, frame in small_world.tables().items():
        assert (tmp_path / f"{name}.csv").read_bytes() == _pandas_bytes(frame)
        reference = io.BytesIO()
        frame.to_parquet(reference, index=False, compression="zstd")
        assert (tmp_path / f"{name}.parquet").read_bytes() == reference.getvalue()
    assert not list(tmp_path.glob(".*partial"))


AWKWARD = pd.DataFrame(
    {
        "text": [
            "x,y",
            'say "hi"',
            "two\nlines",
            "carriage\rreturn",
            "",
            None,
            " lead",
            "=SUM(A1)",
            "-1.5",
            "+44 113",
            "@home",
            "\ttab",
            np.nan,
            "é, ü",
            '"',
        ],
        "decimal": [
            1.0,
            np.nan,
            1e-5,
            2.0,
            0.1,
            1e16,
            123456789.123,
            -0.0,
            3.14159e-300,
            np.inf,
            -np.inf,
            5.5,
            6.25,
            1 / 3,
            7.0,
        ],
        "flag": [True, False] * 7 + [True],
        "count": np.arange(15, dtype=np.int64) - 7,
        "=formula heading": [None] * 15,
    }
)


@pytest.mark.parametrize("lineterminator", ["\n", "\r\n"])
def test_quotes_formulas_numbers_and_blanks_as_pandas_does(tmp_path, lineterminator):
    assert _arrow_rows(AWKWARD, lineterminator) is not None
    write_csv(AWKWARD, tmp_path / "a.csv", lineterminator=lineterminator)
    written = (tmp_path / "a.csv").read_bytes()
    assert written == _pandas_bytes(AWKWARD, lineterminator)
    assert b"'=SUM(A1)" in written and b"\n-1.5," in written and b'"two\nlines"' in written


@pytest.mark.parametrize("lineterminator", ["\n", "\r\n"])
def test_the_wide_offsets_and_the_converted_table_give_the_same_bytes(small_world, lineterminator):
    """Text past 2 GiB is formatted with 64-bit offsets, and write() hands the Arrow table it
    made for Parquet to the CSV writer: both give the bytes of the ordinary path."""
    import pyarrow as pa

    from jigsaw.datasets.csvfile import _formatted, _quoted_characters

    special = _quoted_characters(lineterminator)
    for frame in [AWKWARD, *small_world.tables().values()]:
        names = list(frame.columns)
        expected = _pandas_bytes(frame, lineterminator).split(b"\n", 1)[1]
        if lineterminator == "\r\n":
            expected = _pandas_bytes(frame, lineterminator).split(b"\r\n", 1)[1]
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        for text in (pa.string(), pa.large_string()):
            assert bytes(_formatted(frame, names, lineterminator, special, None, text)) == expected
            assert bytes(_formatted(frame, names, lineterminator, special, arrow, text)) == expected


@pytest.mark.parametrize(
    "frame",
    [
        AWKWARD[["text"]],  # one column: pandas quotes its blank rows
        AWKWARD.iloc[:0],  # no rows
        pd.DataFrame({"mixed": ["a", 1, None], "n": [1, 2, 3]}),  # numbers in a text column
        pd.DataFrame({"when": pd.to_datetime(["2025-01-02", None, "2025-03-04"]), "n": [1, 2, 3]}),
        pd.DataFrame(
            {"nullable": pd.array([1, None, 3], dtype="Int64"), "b": pd.array([True, None, False])}
        ),
    ],
    ids=["one column", "no rows", "mixed text", "dates", "nullable"],
)
def test_other_tables_are_written_by_pandas(tmp_path, frame):
    assert _arrow_rows(frame, "\n") is None
    write_csv(frame, tmp_path / "o.csv")
    assert (tmp_path / "o.csv").read_bytes() == _pandas_bytes(frame)


def test_decimals_of_every_size_are_written_as_pandas_writes_them(tmp_path):
    # pyarrow formats the plain ones, numpy's repr the whole, tiny and huge: the seams are where
    # the layouts differ (1e-05 against 0.00001, 2.0 against 2, 1e+16).
    rng = np.random.default_rng(5)
    values = rng.choice([-1, 1], 60_000) * 10.0 ** rng.uniform(-320, 300, 60_000)
    decades = np.concatenate([rng.uniform(10.0**k, 10.0 ** (k + 1), 2_000) for k in range(-6, 17)])
    edges = [
        1e-4,
        9.999999999999999e-05,
        1e9,
        999999999.9999999,
        9999999999.99,
        1e15,
        1e16,
        0.1,
        1 / 3,
        2.0,
        -0.0,
        0.0,
        np.nan,
        np.inf,
        -np.inf,
        5e-324,
        1.7976931348623157e308,
        123456.5,
        0.00012345678901234567,
    ]
    frame = pd.DataFrame(
        {
            "x": np.concatenate(
                [values, decades, rng.random(20_000), np.round(rng.random(20_000) * 1e4, 2), edges]
            ),
            "n": 1,
        }
    )
    write_csv(frame, tmp_path / "d.csv")
    assert (tmp_path / "d.csv").read_bytes() == _pandas_bytes(frame)


@pytest.mark.parametrize("large", [False, True])
def test_the_byte_scan_finds_the_cells_the_regular_expressions_find(large):
    """Which cells need quoting or start like a formula, read from the UTF-8 bytes, is what a
    regular expression over each cell finds: with blanks, missing cells, accents and a slice."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from jigsaw.datasets.csvfile import _FORMULA_START, _cells_with, _quoted_characters

    special = _quoted_characters("\n")
    cells = [*AWKWARD["text"].tolist(), "é=", "ü,", "-", ",", None, ""]
    column = pa.array(cells, type=pa.large_string() if large else pa.string(), from_pandas=True)
    for part in (column, column.slice(3, 12), column.slice(0, 0), pa.array([None, None])):
        part = part.cast(column.type)
        for characters, first in ((special, False), ("".join(_FORMULA_START), True)):
            pattern = (
                ("^" if first else "") + "[" + "".join(f"\\x{ord(c):02x}" for c in characters) + "]"
            )
            expected = (
                pc.match_substring_regex(part, pattern)
                .fill_null(False)
                .to_numpy(zero_copy_only=False)
            )
            found = _cells_with(part, characters, first=first)
            if found is None:
                assert not expected.any()
            else:
                assert found.tolist() == expected.tolist()
