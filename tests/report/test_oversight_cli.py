"""``jigsaw oversight --areas``: the result file and every kind of bad input."""

import csv

import numpy as np
import pandas as pd
import pytest

from jigsaw.cli import main
from jigsaw.oversight import RESULT_COLUMNS

GOOD = [
    # area_code, area_name, children, identified, x_deprivation, x_rural
    ("A01", "Ashby", 20000, 40, 10.0, 5.0),
    ("A02", "Brent Green", 25000, 52, 11.0, 6.0),
    ("A03", "Carfax", 30000, 58, 12.0, 5.5),
    ("A04", "Dunmore", 22000, 47, 10.5, 7.0),
    ("A05", "Eastwick", 28000, 6, 11.5, 6.5),
    ("A06", "Fenby", 26000, 55, 30.0, 40.0),
    ("A07", "Gorton", 24000, 3, 31.0, 42.0),
    ("A08", "Hale", 21000, 44, 29.0, 39.0),
    ("A09", "Ivybridge", 27000, 60, 32.0, 41.0),
    ("A10", "Jarrow", 23000, 51, 28.5, 38.0),
]
HEADER = ["area_code", "area_name", "children", "identified", "x_deprivation", "x_rural"]


def write(path, header, rows):
    with open(path, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_cli(*args):
    return main(["oversight", *map(str, args)])


def test_result_has_one_row_per_area_and_flags_the_low_identifier(tmp_path, capsys):
    areas = write(tmp_path / "areas.csv", HEADER, GOOD)
    out = tmp_path / "result.csv"
    assert run_cli("--areas", areas, "--out", out, "--k", 4) == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(result.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert list(result["area_code"]) == [row[0] for row in GOOD]
    by_code = result.set_index("area_code")
    # Eastwick identifies 6 where its four nearest (A01-A04) identify about 21 per 10,000.
    assert by_code.loc["A05", "comparison"] == "lower"
    peers = [GOOD[i] for i in range(4)]
    peer_rate = sum(r[3] for r in peers) / sum(r[2] for r in peers) * 10_000
    assert float(by_code.loc["A05", "peer_rate"]) == pytest.approx(peer_rate, abs=0.005)
    assert float(by_code.loc["A05", "expected"]) == pytest.approx(
        28000 * peer_rate / 10_000, abs=0.05
    )
    # Gorton's 3 is a small count: shown as <5, its rate and shortfall blank.
    assert by_code.loc["A07", "identified"] == "<5"
    assert by_code.loc["A07", "rate"] == "" and by_code.loc["A07", "shortfall"] == ""
    assert by_code.loc["A07", "expected"] != ""
    # Nor may the group spread quote Gorton's rate (1.25 x 24,000 / 10,000 = 3): its group's
    # lowest is then Hale's 44 / 21,000.
    assert "Gorton" not in set(result["group_lowest_area"]) | set(result["group_highest_area"])
    assert float(by_code.loc["A07", "group_lowest_rate"]) == pytest.approx(
        44 / 21000 * 1e4, abs=0.005
    )
    assert "areas identified fewer than their peers" in capsys.readouterr().out


def test_neighbour_file_replaces_covariates(tmp_path):
    rows = [r[:4] for r in GOOD]
    areas = write(tmp_path / "areas.csv", HEADER[:4], rows)
    pairs = [
        (a, b)
        for a in ("A01", "A02", "A03", "A04", "A05")
        for b in ("A01", "A02", "A03", "A04", "A05")
        if a != b
    ]
    pairs += [
        (a, b)
        for a in ("A06", "A07", "A08", "A09", "A10")
        for b in ("A06", "A07", "A08", "A09", "A10")
        if a != b
    ]
    neighbours = write(tmp_path / "nb.csv", ["area_code", "neighbour_code"], pairs)
    out = tmp_path / "result.csv"
    assert run_cli("--areas", areas, "--neighbours", neighbours, "--out", out) == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("area_code")
    expected_peer = (52 + 58 + 47 + 6) / (25000 + 30000 + 22000 + 28000) * 10_000
    assert float(result.loc["A01", "peer_rate"]) == pytest.approx(expected_peer, abs=0.005)


def test_identified_above_children_is_allowed_for_rates(tmp_path):
    rows = [list(r) for r in GOOD]
    rows[0][3] = 25_000  # more assessments than children: possible, since episodes recur
    areas = write(tmp_path / "areas.csv", HEADER, rows)
    assert run_cli("--areas", areas, "--out", tmp_path / "r.csv", "--k", 4) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h, r: (h[:3] + h[4:], [x[:3] + x[4:] for x in r]), "missing column identified"),
        (lambda h, r: (h, _set(r, 2, 3, -4)), "row 4, column identified: negative count -4"),
        (lambda h, r: (h, _set(r, 5, 2, "many")), "row 7, column children: not a number: 'many'"),
        (lambda h, r: (h, _set(r, 1, 3, "")), "row 3, column identified: missing value"),
        (lambda h, r: (h, _set(r, 4, 3, 2.5)), "row 6, column identified: not a whole number"),
        (
            lambda h, r: (h, _set(r, 6, 0, "A02")),
            "row 8, column area_code: duplicate code 'A02' (first on row 3)",
        ),
        (lambda h, r: (h, _set(r, 0, 2, 0)), "row 2, column children: zero children"),
        (
            lambda h, r: (h, _set(r, 3, 4, "high")),
            "row 5, column x_deprivation: not a number: 'high'",
        ),
        (lambda h, r: (h[:4], [x[:4] for x in r]), "no x_* covariate columns"),
    ],
)
def test_bad_areas_name_row_and_column_and_exit_2(tmp_path, capsys, change, message):
    header, rows = change(list(HEADER), [list(r) for r in GOOD])
    areas = write(tmp_path / "areas.csv", header, rows)
    out = tmp_path / "result.csv"
    assert run_cli("--areas", areas, "--out", out) == 2
    err = capsys.readouterr().err
    assert err.startswith("jigsaw oversight: error: ")
    assert message in err
    assert str(areas) in err or "no x_*" in message
    assert not out.exists()  # nothing half-written


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("A01", "A99")], "row 2, column neighbour_code: 'A99' is not an area_code"),
        (
            [("A01", "A02"), ("A02", "A02")],
            "row 3, column neighbour_code: an area cannot be its own neighbour",
        ),
        ([("A01", "A02"), ("A01", "A02")], "row 3, column neighbour_code: pair repeated"),
        ([("A01", "A02")], "no neighbours listed for 'A02'"),
    ],
)
def test_bad_neighbour_files(tmp_path, capsys, pairs, message):
    areas = write(tmp_path / "areas.csv", HEADER, GOOD)
    neighbours = write(tmp_path / "nb.csv", ["area_code", "neighbour_code"], pairs)
    assert run_cli("--areas", areas, "--neighbours", neighbours, "--out", tmp_path / "r.csv") == 2
    err = capsys.readouterr().err
    assert message in err and str(neighbours) in err


def test_neighbour_file_without_its_columns(tmp_path, capsys):
    areas = write(tmp_path / "areas.csv", HEADER, GOOD)
    neighbours = write(tmp_path / "nb.csv", ["area", "peer"], [("A01", "A02")])
    assert run_cli("--areas", areas, "--neighbours", neighbours, "--out", tmp_path / "r.csv") == 2
    assert "missing column area_code, neighbour_code" in capsys.readouterr().err


def test_missing_file_and_conflicting_options(tmp_path, capsys):
    assert run_cli("--areas", tmp_path / "nope.csv", "--out", tmp_path / "r.csv") == 2
    assert "nope.csv: no such file" in capsys.readouterr().err
    areas = write(tmp_path / "areas.csv", HEADER, GOOD)
    assert run_cli("--areas", areas, "--year", 2025, "--out", tmp_path / "r.csv") == 2
    assert "not both" in capsys.readouterr().err


def _set(rows, i, j, value):
    rows[i][j] = value
    return rows


def test_knn_neighbours_come_from_the_covariates(tmp_path):
    # Two well separated clusters: every area's neighbours are from its own cluster.
    areas = write(tmp_path / "areas.csv", HEADER, GOOD)
    out = tmp_path / "result.csv"
    assert run_cli("--areas", areas, "--out", out, "--k", 4) == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("area_code")
    first = [r for r in GOOD[:5] if r[0] != "A06"]
    others = [r for r in first if r[0] != "A01"]
    rate = sum(r[3] for r in others) / sum(r[2] for r in others) * 10_000
    assert np.isclose(float(result.loc["A01", "peer_rate"]), rate, atol=0.005)
