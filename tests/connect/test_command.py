"""``jigsaw groups``: the files it writes and its errors."""

from __future__ import annotations

import pandas as pd

from jigsaw.cli import main

HEADER = "mention_id,child_id,agency,date,kind,value\n"


def test_writes_groups_entities_evidence_and_review(tmp_path, capsys):
    source = tmp_path / "mentions.csv"
    source.write_text(
        HEADER + "M1,C1,police,2024-01-02,phone,07700 900123\n"
        "M2,C2,voluntary,2024-02-03,phone,+44 7700 900123\n"
        "M3,C3,health,2024-02-03,vehicle,=HYPERLINK(A1)\n",
        encoding="utf-8",
    )
    assert main(["groups", str(source), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    out = tmp_path / "out"
    groups = pd.read_csv(out / "groups.csv", dtype=str)
    assert list(groups.columns) == ["group_id", "child_id"]
    assert sorted(groups["child_id"]) == ["C1", "C2"]
    entities = pd.read_csv(out / "entities.csv", dtype=str)
    assert list(entities.columns) == ["entity_id", "kind", "label", "mentions", "children"]
    evidence = pd.read_csv(out / "evidence.csv", dtype=str)
    assert list(evidence.columns) == ["group_id", "child_id", "entity_id", "mention_ids"]
    assert (out / "review.csv").exists()
    # A formula typed into a mention never reaches a spreadsheet as a formula.
    assert "'=HYPERLINK(A1)" in entities["label"].tolist()
    assert (
        not entities["label"].str.match(r"[=@]").any()
    )  # "+447700900123" is a number, left as it is
    assert not list(out.glob("*.partial"))
    assert "1 groups of 2 children" in capsys.readouterr().out


def _error(tmp_path, capsys, body):
    source = tmp_path / "bad.csv"
    source.write_text(body, encoding="utf-8")
    assert main(["groups", str(source), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    return capsys.readouterr().err


def test_bad_rows_are_one_clear_error_naming_file_row_and_field(tmp_path, capsys):
    err = _error(
        tmp_path,
        capsys,
        HEADER + "M1,C1,police,2024-01-02,phone,07700 900123\nM2,C2,police,02/01/2024,phone,1\n",
    )
    assert "bad.csv: row 2 (line 3), date: '02/01/2024' is not a date YYYY-MM-DD" in err
    err = _error(tmp_path, capsys, HEADER + "M1,C1,police,2024-01-02,car,YK19ABC\n")
    assert "row 1 (line 2), kind: 'car' is not one of person, vehicle, phone, online, place" in err
    err = _error(tmp_path, capsys, HEADER + "M1,,police,2024-01-02,phone,1\n")
    assert "row 1 (line 2), child_id: blank" in err
    err = _error(
        tmp_path,
        capsys,
        HEADER + "M1,C1,police,2024-01-02,phone,1\nM1,C2,police,2024-01-02,phone,2\n",
    )
    assert "row 2 (line 3), mention_id: 'M1' repeats row 1" in err
    err = _error(tmp_path, capsys, "mention_id,child_id,date\nM1,C1,2024-01-01\n")
    assert "missing column(s) agency, kind, value" in err
    assert not (tmp_path / "out").exists()
