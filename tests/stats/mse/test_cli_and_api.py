"""`jigsaw mse`, the sensitivity table and stratified estimation."""

import json

import numpy as np
import pandas as pd
import pytest

from jigsaw.cli import main
from jigsaw.datasets.shipped import folder
from jigsaw.stats.mse import read_table, sensitivity, stratified

MSE = folder("mse")


def test_cli_json_has_the_promised_fields(capsys):
    assert main(["mse", str(MSE / "UKdat_5.csv"), "--method", "stepwise", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["observed"] == 2744
    assert out["total"] == pytest.approx(11313.0, rel=1e-3)
    assert out["dark_figure"] == pytest.approx(11313.0 - 2744, rel=1e-3)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((9884.4, 13027.4), rel=5e-3)
    assert out["method"] == "stepwise"
    assert set(out["terms"].split(",")) == {
        "LA:NG",
        "NG:GP",
        "PFNCA:GP",
        "LA:PFNCA",
        "GO:GP",
        "NG:GO",
    }
    assert out["diagnostics"]["existence"] is True
    assert out["diagnostics"]["identifiable"] is True
    assert out["diagnostics"]["dropped_cells"] == []


def test_cli_fixed_model_with_a_never_overlapping_pair_reports_dropped_cells(capsys):
    assert (
        main(
            [
                "mse",
                str(MSE / "Artificial_3.csv"),
                "--method",
                "fixed",
                "--terms",
                "A:C,B:C",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert sorted(out["diagnostics"]["neg_inf_terms"]) == ["A:C", "B:C"]
    assert sorted(out["diagnostics"]["dropped_cells"]) == ["A+B+C", "A+C", "B+C"]


def test_cli_bad_input_is_one_line_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("A,B,count\n1,0,3\n0,1,x\n")
    assert main(["mse", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "row 3, column 'count'" in err and "Traceback" not in err


def test_cli_refuses_a_model_that_cannot_be_estimated(capsys):
    assert main(["mse", str(MSE / "Artificial_3.csv"), "--method", "fixed", "--terms", "A:B"]) == 2
    assert "does not exist" in capsys.readouterr().err


def _records_from_table(table, rng, area):
    rows = []
    for pattern, count in zip(table.patterns, table.counts, strict=True):
        for _ in range(int(count)):
            child = f"{area}-{len(rows)}"
            for name, bit in zip(table.lists, pattern, strict=True):
                if bit:
                    rows.append({"child_id": child, "agency": name, "area": area})
    return rows


def test_records_give_the_same_estimate_as_the_table(tmp_path, capsys):
    table = read_table(MSE / "Korea.csv")
    records = pd.DataFrame(_records_from_table(table, np.random.default_rng(1), "north"))
    path = tmp_path / "linked.csv"
    records.to_csv(path, index=False)
    assert (
        main(
            ["mse", "--records", str(path), "--list-column", "agency", "--method", "bic", "--json"]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == pytest.approx(157.1667, rel=1e-4)


def test_stratified_totals_add_up_and_report_strata_that_cannot_be_estimated():
    korea = _records_from_table(read_table(MSE / "Korea.csv"), None, "north")
    hiv = _records_from_table(read_table(MSE / "HIV.csv"), None, "south")
    tiny = [
        {"child_id": "w1", "agency": "b", "area": "west"},
        {"child_id": "w2", "agency": "c", "area": "west"},
    ]
    frame = stratified(pd.DataFrame(korea + hiv + tiny), "area", method="stepwise")
    rows = frame.set_index("stratum")
    assert rows.loc["north", "total"] == pytest.approx(268.7778, rel=1e-4)
    assert rows.loc["south", "total"] == pytest.approx(11124.6, rel=1e-3)
    assert not rows.loc["west", "estimable"]
    assert rows.loc["west", "note"]
    assert rows.loc["TOTAL", "total"] == pytest.approx(268.7778 + 11124.6, rel=1e-3)
    assert "west" in rows.loc["TOTAL", "note"]
    assert rows.loc["TOTAL", "observed"] == 123 + 1896 + 2


def test_sensitivity_shows_each_method_and_each_merge():
    frame = sensitivity(read_table(MSE / "UKdat_5.csv"))
    everything = frame[frame["lists"] == "all"].set_index("method")
    assert everything.loc["stepwise", "total"] == pytest.approx(11313.0, rel=1e-3)
    assert everything.loc["bic", "total"] == pytest.approx(22991.3, rel=1e-3)
    assert everything.loc["main", "total"] == pytest.approx(13444.1, rel=1e-3)
    assert len(frame[frame["lists"] != "all"]) == 10 * 2  # ten pairs, stepwise and BIC each


def test_cli_stratified_records(tmp_path, capsys):
    korea = _records_from_table(read_table(MSE / "Korea.csv"), None, "north")
    hiv = _records_from_table(read_table(MSE / "HIV.csv"), None, "south")
    path = tmp_path / "linked.csv"
    pd.DataFrame(korea + hiv).to_csv(path, index=False)
    assert main(["mse", "--records", str(path), "--stratify", "area", "--json"]) == 0
    rows = {r["stratum"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["north"]["total"] == pytest.approx(268.7778, rel=1e-4)
    assert rows["TOTAL"]["total"] == pytest.approx(268.7778 + 11124.6, rel=1e-3)


def test_stratified_refuses_a_blank_stratum_or_a_missing_list_column():
    records = pd.DataFrame(
        {
            "child_id": ["x", "y", "x"],
            "agency": ["police", "police", "health"],
            "area": ["", "north", "north"],
        }
    )
    with pytest.raises(ValueError, match=r"row 2, column 'area': blank value"):
        stratified(records, "area")
    with pytest.raises(ValueError, match=r"no 'list' column"):
        stratified(records.assign(area="north"), "area", list_column="list")


def test_unreadable_files_are_one_line_errors_naming_them(tmp_path, capsys):
    for name, content in (("empty.csv", b""), ("latin1.csv", b"a,b,count\n1,0,5\n\xff,1,3\n")):
        path = tmp_path / name
        path.write_bytes(content)
        for args in ([str(path)], ["--records", str(path)]):
            assert main(["mse", *args]) == 2
            err = capsys.readouterr().err
            assert err.startswith(f"jigsaw mse: error: {path}: not a readable CSV"), err
