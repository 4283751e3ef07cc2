"""The return format: written, read back, checked; many partnerships' returns compared nationally."""

import datetime as dt
import subprocess
import sys

import pandas as pd
import pytest
from openpyxl import load_workbook

from jigsaw.errors import InputError
from jigsaw.oversight.partnership import inputs_from_world, partnership_return
from jigsaw.oversight.returns import (
    COLUMNS,
    MEASURES,
    SCHEMA_VERSION,
    compare_returns,
    read_return,
    read_returns,
    write_return,
)
from jigsaw.world import generate

# Derby, four of its DfE neighbours (2025), and Cornwall, none of whose neighbours returned.
CODES = ("E06000015", "E08000026", "E08000001", "E08000030", "E06000045", "E06000052")


@pytest.fixture(scope="module")
def returns_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("returns")
    made = {}
    for i, code in enumerate(CODES):
        world = generate(children=7_000, la=code, seed=20 + i)
        ret = partnership_return(
            inputs_from_world(world), world.config.start, world.config.end - dt.timedelta(days=1)
        )
        write_return(ret, folder / code)
        made[code] = (world, ret)
    return folder, made


def test_a_return_reads_back_as_written(returns_dir):
    folder, made = returns_dir
    world, ret = made["E06000015"]
    back = read_return(folder / "E06000015" / "return.csv")
    assert (back.area_code, back.area_name, back.period_start) == (
        "E06000015",
        "Derby",
        dt.date(2023, 4, 1),
    )
    assert list(back.rows.columns) == list(COLUMNS)
    assert back.value("schema_version") == SCHEMA_VERSION
    assert back.number("identified", "outcome=any") == world.areas["identified"].iloc[0]
    assert set(back.rows["measure"]) <= set(MEASURES)


def test_the_workbook_and_the_print_page_hold_the_same_figures(returns_dir):
    folder, _ = returns_dir
    csv = pd.read_csv(folder / "E06000015" / "return.csv", dtype=str, keep_default_na=False)
    sheet = load_workbook(folder / "E06000015" / "return.xlsx")["return"]
    cells = [
        [("" if c is None else c) for c in row]
        for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert len(cells) == len(csv)
    identified = csv.index[(csv["measure"] == "identified") & (csv["breakdown"] == "outcome=any")][
        0
    ]
    assert cells[identified][5] == float(csv["value"][identified])
    assert "<5" in [row[5] for row in cells]
    page = (folder / "E06000015" / "return.html").read_text()
    assert page.count("OFFICIAL-SENSITIVE") >= 2 and "<h2>The dark figure</h2>" in page


def _broken(folder, tmp_path, change):
    rows = pd.read_csv(folder / "E06000015" / "return.csv", dtype=str, keep_default_na=False)
    rows = change(rows)
    path = tmp_path / "bad.csv"
    rows.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r.assign(measure=r["measure"].where(r.index != 5, "victims_found")),
            r"row 7, column measure: unknown measure 'victims_found'",
        ),
        (
            lambda r: r.assign(value=r["value"].where(r.index != 3, "3")),
            r"row 5, column value \(identified\): count 3 should read <5",
        ),
        (
            lambda r: r.assign(breakdown=r["breakdown"].where(r.index != 3, "outcome=maybe")),
            r"row 5, column breakdown: outcome 'maybe' is not one of",
        ),
        (
            lambda r: r.assign(area_code=r["area_code"].where(r.index != 9, "E06000016")),
            r"row 11, column area_code: 'E06000016' differs from row 2",
        ),
        (
            lambda r: pd.concat([r, r.iloc[[4]]], ignore_index=True),
            r"given twice \(first on row 6\)",
        ),
        (lambda r: r.assign(value=r["value"].where(r.index != 0, "0")), r"schema version '0'"),
        (lambda r: r.drop(columns="breakdown"), r"missing column breakdown"),
    ],
)
def test_a_bad_return_is_refused_naming_file_row_and_field(returns_dir, tmp_path, change, message):
    folder, _ = returns_dir
    path = _broken(folder, tmp_path, change)
    with pytest.raises(InputError, match=rf"{path}: .*{message}|{path}: {message}"):
        read_return(path)


def test_a_second_return_for_the_same_area_and_period_is_refused(returns_dir, tmp_path):
    folder, _ = returns_dir
    for name in ("a", "b"):
        (tmp_path / f"{name}.csv").write_text((folder / "E06000015" / "return.csv").read_text())
    with pytest.raises(
        InputError,
        match=r"b.csv: a second return for E06000015, 2023-04-01 to 2025-03-31 "
        r"\(the first is .*a.csv\); refused",
    ):
        read_returns(tmp_path)


def test_returns_are_compared_with_the_dfe_neighbours_that_returned(returns_dir):
    folder, made = returns_dir
    result = compare_returns(read_returns(folder))
    table = result.comparison.table.set_index("area_code")
    assert set(table.index) == set(CODES)
    peers = result.partnerships.set_index("area_code")["peers"]
    # Derby's DfE neighbours Coventry, Bolton, Walsall and Southampton returned; Cornwall's did not.
    assert peers["E06000015"] == "DfE statistical neighbours"
    assert peers["E06000052"] == "nearest on covariates"
    derby = result.neighbours[result.neighbours["area_code"] == "E06000015"]
    assert set(derby["neighbour_code"]) == {"E08000026", "E08000001", "E08000030", "E06000045"}
    for code, (world, _) in made.items():
        identified = world.areas["identified"].iloc[0]
        if identified >= 5:
            assert table.loc[code, "identified"] == identified
            assert table.loc[code, "rate"] == pytest.approx(identified / 7_000 * 10_000)
        else:
            assert table.loc[code, "comparison"] == "not compared"


def test_jigsaw_oversight_returns_writes_the_comparison(returns_dir, tmp_path):
    folder, _ = returns_dir
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "jigsaw.cli",
            "oversight",
            "--returns",
            str(folder),
            "--out",
            str(tmp_path / "national"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "6 returns for 2023-04-01 to 2025-03-31" in out.stdout
    areas = pd.read_csv(tmp_path / "national" / "areas.csv", dtype=str)
    assert set(areas["area_code"]) == set(CODES)
    page = (tmp_path / "national" / "index.html").read_text()
    assert "<svg" in page and "OFFICIAL-SENSITIVE" in page


def test_returns_of_different_periods_are_not_compared(returns_dir, tmp_path):
    folder, _ = returns_dir
    for code in CODES[:4]:
        (tmp_path / f"{code}.csv").write_text((folder / code / "return.csv").read_text())
    other = (folder / CODES[4] / "return.csv").read_text().replace("2025-03-31", "2025-03-30")
    (tmp_path / "z.csv").write_text(other)
    with pytest.raises(InputError, match=r"z.csv: period 2023-04-01 to 2025-03-30 differs"):
        compare_returns(read_returns(tmp_path))


def test_docs_name_every_measure_and_breakdown_key():
    from pathlib import Path

    from jigsaw.oversight.returns import DIMENSIONS

    text = (Path(__file__).parents[2] / "docs" / "returns.md").read_text()
    assert all(f"`{name}`" in text for name in MEASURES)
    assert all(f"`{key}`" in text for key in DIMENSIONS)
