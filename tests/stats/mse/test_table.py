"""Capture-history tables: the complete set of cells, and bad input refused with file, row and column."""

import pandas as pd
import pytest

from jigsaw.datasets.shipped import folder
from jigsaw.stats.mse import read_table, table_from_frame, table_from_records

MSE = folder("mse")


def test_complete_table_fills_unobserved_cells_with_zero():
    table = read_table(MSE / "UKdat_5.csv")
    assert table.patterns.shape == (31, 5)
    assert table.observed == 2744
    assert (table.counts == 0).sum() == 31 - 18
    # pattern LA+NG (bits 0 and 1) is cell 3 - 1
    assert table.counts[2] == 15


def test_explicit_zero_rows_are_legal():
    table = read_table(MSE / "HIV.csv")
    assert table.observed == 1896
    assert table.counts[15 - 1] == 0  # c1+c2+c3+c4 is an explicit zero row


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("A,B,count\n1,0,3\n0,2,4\n1,1,1\n", r"row 3, column 'B': '2' is not 0 or 1"),
        ("A,B,count\n1,0,3\n0,1,-4\n1,1,1\n", r"row 3, column 'count': negative count"),
        ("A,B,count\n1,0,3\n0,1,2.5\n1,1,1\n", r"row 3, column 'count': fractional count"),
        ("A,count\n1,3\n", r"at least 2 lists"),
        ("A,B,C,count\n1,0,0,3\n0,1,0,4\n1,1,0,1\n", r"column 'C': the list is empty"),
        ("A,B,count\n1,0,3\n1,1,4\n", r"column 'A': the list contains every observed child"),
        ("A,B,n\n1,0,3\n", r"no 'count' column"),
        ("A,B,count\n0,0,3\n1,1,4\n", r"row 2: a pattern on no list"),
    ],
)
def test_bad_tables_are_refused_naming_row_and_column(tmp_path, csv, message):
    path = tmp_path / "lists.csv"
    path.write_text(csv)
    with pytest.raises(ValueError, match=message) as error:
        read_table(path)
    assert str(path) in str(error.value)


def test_table_from_records_counts_each_child_once_per_list():
    records = pd.DataFrame(
        {
            "child_id": ["c1", "c1", "c1", "c2", "c3", "c3", "c4"],
            "agency": ["police", "police", "health", "police", "school", "health", "school"],
        }
    )
    table = table_from_records(records)
    assert table.lists == ("health", "police", "school")
    frame = table.to_frame().set_index(["health", "police", "school"])["count"]
    assert frame.loc[(1, 1, 0)] == 1  # c1
    assert frame.loc[(0, 1, 0)] == 1  # c2
    assert frame.loc[(1, 0, 1)] == 1  # c3
    assert frame.loc[(0, 0, 1)] == 1  # c4
    assert table.observed == 4


def test_records_with_blank_child_are_refused():
    records = pd.DataFrame({"child_id": ["c1", ""], "agency": ["police", "health"]})
    with pytest.raises(ValueError, match=r"row 3, column 'child_id': blank"):
        table_from_records(records)


def test_merging_two_lists_keeps_every_child():
    table = read_table(MSE / "UKdat.csv")
    merged = table.merge_lists("PF", "NCA")
    assert merged.observed == table.observed
    five = read_table(MSE / "UKdat_5.csv")
    # UKdat_5 is UKdat with PF and NCA merged (README)
    by_pattern = merged.to_frame().rename(columns={"PF+NCA": "PFNCA"})[list(five.lists) + ["count"]]
    assert sorted(map(tuple, by_pattern.to_numpy())) == sorted(
        map(tuple, five.to_frame().to_numpy())
    )


def test_ten_lists_is_the_limit():
    columns = {f"L{i}": [1 if j == i else 0 for j in range(11)] for i in range(11)}
    frame = pd.DataFrame({**columns, "count": [3] * 11})
    with pytest.raises(ValueError, match="at most 10"):
        table_from_frame(frame)
