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


def test_a_yaml_config_sets_parameters_and_options_win(tmp_path, capsys):
    config = tmp_path / "world.yaml"
    config.write_text(
        "children: 900\nareas: 3\nseed: 4\nstart: 2022-04-01\nnhs_invalid_rate: 0.5\n",
        encoding="utf-8",
    )
    assert (
        main(["world", "--config", str(config), "--children", "700", "--out", str(tmp_path / "w")])
        == 0
    )
    children = pd.read_csv(tmp_path / "w" / "children.csv")
    areas = pd.read_csv(tmp_path / "w" / "areas.csv")
    assert len(children) == 700 and len(areas) == 3
    concerns = pd.read_csv(tmp_path / "w" / "concerns.csv")
    assert concerns["date"].min() >= "2022-04-01" and concerns["date"].max() < "2024-04-01"
    truth = pd.read_csv(tmp_path / "w" / "truth.csv")
    recorded = truth[truth["nhs_noise"] != "absent"]
    assert 0.4 < (recorded["nhs_noise"] == "invalid").mean() < 0.6
    config.write_text("childs: 10\n", encoding="utf-8")
    assert main(["world", "--config", str(config), "--out", str(tmp_path / "x")]) == 2
    assert "unknown world parameter 'childs'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("children: many", "children must be a whole number, not 'many'"),
        ("children: 500.5", "children must be a whole number, not 500.5"),
        ("prevalence: high", "prevalence must be a number, not 'high'"),
        ("england: 1", "england must be true or false, not 1"),
        ("agency_coverage: 0.1", "agency_coverage must be a mapping, not 0.1"),
    ],
)
def test_a_yaml_value_of_the_wrong_kind_is_named(tmp_path, capsys, line, message):
    config = tmp_path / "world.yaml"
    config.write_text(line + "\n", encoding="utf-8")
    assert main(["world", "--config", str(config), "--out", str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err
    assert err == f"jigsaw world: error: {config}: {message}\n"
    assert not (tmp_path / "w").exists()


def test_unreadable_config_and_an_out_that_is_a_file_are_one_line_errors(tmp_path, capsys):
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("children: 5\xe9\n".encode("latin-1"))
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    taken = tmp_path / "taken"
    taken.write_text("not a folder", encoding="utf-8")
    cases = [
        (["--config", str(latin1), "--out", str(tmp_path / "w")], f"{latin1}: not UTF-8 text"),
        (["--config", str(folder), "--out", str(tmp_path / "w")], f"{folder}: is a folder"),
        (["--children", "50", "--areas", "1", "--out", str(taken)], f"--out {taken}: is a file"),
    ]
    for options, message in cases:
        assert main(["world", *options]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"jigsaw world: error: {message}") and err.count("\n") == 1
    assert not (tmp_path / "w").exists()
    assert taken.read_text(encoding="utf-8") == "not a folder"


def test_files_do_not_depend_on_the_process(tmp_path):
    """Two separate processes with different hash seeds write the same bytes."""
    import os
    import subprocess
    import sys

    for name, hash_seed in (("p1", "1"), ("p2", "2")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        command = [sys.executable, "-m", "jigsaw.cli", "world", "--children", "600", "--areas", "2"]
        subprocess.run(
            [*command, "--out", str(tmp_path / name)], check=True, env=env, capture_output=True
        )
    assert _hashes(tmp_path / "p1") == _hashes(tmp_path / "p2")


def test_mentions_and_their_truth_are_written_and_follow_the_seed(tmp_path):
    args = ["world", "--children", "3000", "--areas", "2", "--out"]
    assert main([*args[:-1], "--seed", "5", "--out", str(tmp_path / "a")]) == 0
    assert main([*args[:-1], "--seed", "6", "--out", str(tmp_path / "b")]) == 0
    first, other = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    for name in ("mentions.csv", "mention_truth.csv", "group_truth.csv"):
        assert first[name] != other[name]
