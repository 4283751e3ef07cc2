"""``jigsaw world`` writes every table as Parquet and CSV, byte for byte the same for one seed."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from jigsaw.cli import main
from jigsaw.world import TABLES


def _hashes(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path, capsys):
    args = ["world", "--children", "1500", "--areas", "2", "--seed", "5", "--out"]
    assert main([*args, str(tmp_path / "a")]) == 0
    assert main([*args, str(tmp_path / "b")]) == 0
    first, second = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert set(first) == {f"{t}.{s}" for t in TABLES for s in ("parquet", "csv")}
    assert first == second
    other = ["world", "--children", "1500", "--areas", "2", "--seed", "6", "--out"]
    assert main([*other, str(tmp_path / "c")]) == 0
    assert _hashes(tmp_path / "c")["records.csv"] != first["records.csv"]
    assert "1,500 children in 2 areas" in capsys.readouterr().out


def test_parquet_and_csv_hold_the_same_table(tmp_path):
    assert (
        main(["world", "--children", "800", "--areas", "1", "--seed", "2", "--out", str(tmp_path)])
        == 0
    )
    parquet = pd.read_parquet(tmp_path / "records.parquet")
    csv = pd.read_csv(tmp_path / "records.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(parquet, csv)
    assert not list(tmp_path.glob(".*partial"))


def test_bad_options_are_one_line_errors(tmp_path, capsys):
    assert main(["world", "--children", "0", "--out", str(tmp_path)]) == 2
    assert "children must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["world", "--children", "10"])  # --out is required
