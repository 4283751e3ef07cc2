"""DfE statistical neighbours against the raw DfE files; k nearest neighbours against brute force."""

import csv
import math

import numpy as np
import pandas as pd
import pytest

from jigsaw.datasets.shipped import folder as shipped_folder
from jigsaw.stats.neighbours import (
    CLOSENESS,
    nearest_neighbours,
    neighbour_lists,
    statistical_neighbours,
)

RAW = shipped_folder("neighbours")


def _band(label: str) -> str:
    """DfE's raw band labels differ in case and trailing spaces ("Close ", "Very Close")."""
    return label.strip().capitalize()


def _raw_2025() -> dict[str, list[tuple[str, str]]]:
    with open(RAW / "raw_sn_model_2025_wide.csv", encoding="utf-8-sig", newline="") as f:
        return {
            row["old_la_code"]: [(row[f"SN_{k}"], _band(row[f"SN_{k}P"])) for k in range(1, 11)]
            for row in csv.DictReader(f)
        }


def _raw_2021() -> dict[str, list[tuple[str, str]]]:
    lists = {}
    with open(
        RAW / "raw_statistical_neighbour_groupings_april_2021.csv", encoding="utf-8-sig", newline=""
    ) as f:
        reader = csv.reader(f)
        next(reader)  # the header repeats SNP, so read by position
        for row in reader:
            if not row or not row[0].strip():
                continue
            lists[row[0]] = [(row[5 + 2 * k], _band(row[6 + 2 * k])) for k in range(10)]
    return lists


@pytest.mark.parametrize(("vintage", "raw"), [(2025, _raw_2025), (2021, _raw_2021)])
def test_every_entry_matches_the_raw_dfe_file(vintage, raw):
    expected = raw()
    frame = statistical_neighbours(vintage, pre_reorganisation=True)
    got = {
        code: list(
            zip(
                g.sort_values("rank")["neighbour_dfe_code"],
                g.sort_values("rank")["closeness"],
                strict=True,
            )
        )
        for code, g in frame.groupby("area_dfe_code")
    }
    assert got == expected


def test_counts_ranks_and_no_self_neighbour():
    for vintage, areas in [(2025, 153), (2021, 152)]:
        frame = statistical_neighbours(vintage)
        assert frame["area_code"].nunique() == areas
        assert len(frame) == 10 * areas
        ranks = frame.groupby("area_code")["rank"].apply(sorted)
        assert all(r == list(range(1, 11)) for r in ranks)
        assert not (frame["area_code"] == frame["neighbour_code"]).any()
        assert not frame.duplicated(["area_code", "neighbour_code"]).any()
        assert set(frame["closeness"]) <= set(CLOSENESS)
        assert frame["area_code"].str.match(r"^E(06|08|09|10)\d{6}$").all()
        assert frame["area_dfe_code"].str.match(r"^\d{3}$").all()
    assert len(statistical_neighbours(2021, pre_reorganisation=True)) == 1560


@pytest.mark.parametrize(("vintage", "pre", "share"), [(2025, False, 0.61), (2021, True, 0.59)])
def test_relation_is_asymmetric_as_the_readme_says(vintage, pre, share):
    frame = statistical_neighbours(vintage, pre_reorganisation=pre)
    pairs = set(zip(frame["area_code"], frame["neighbour_code"], strict=True))
    reversed_share = np.mean([(b, a) in pairs for a, b in pairs])
    assert round(reversed_share, 2) == share


def test_known_pairs_and_the_two_outliers():
    lists = neighbour_lists(2025, key="dfe")
    assert lists["370"][0].code == "372" and lists["370"][0].name == "Rotherham"
    assert lists["370"][0].closeness == "Very close"
    by_gss = neighbour_lists(2025)
    assert by_gss["E08000016"][0].code == "E08000018"  # Barnsley -> Rotherham by GSS code
    for outlier in ("201", "420"):  # City of London, Isles of Scilly
        assert {n.closeness for n in lists[outlier]} == {"Not close"}
    camden_2021 = neighbour_lists(2021, key="dfe")["202"]
    assert (camden_2021[0].code, camden_2021[0].closeness) == ("213", "Very close")
    assert [n.rank for n in camden_2021] == list(range(1, 11))


def test_gss_and_dfe_keys_describe_the_same_lists():
    frame = statistical_neighbours(2025)
    gss_of = dict(zip(frame["area_dfe_code"], frame["area_code"], strict=False))
    by_dfe, by_gss = neighbour_lists(2025, key="dfe"), neighbour_lists(2025, key="gss")
    for dfe, neighbours in by_dfe.items():
        assert [gss_of[n.code] for n in neighbours] == [n.code for n in by_gss[gss_of[dfe]]]


def test_bad_vintage_and_key_are_refused():
    with pytest.raises(ValueError, match="vintage"):
        statistical_neighbours(2019)
    with pytest.raises(ValueError, match="key"):
        neighbour_lists(2025, key="ons")


def _brute_force(frame, covariates, k):
    """Nearest neighbours by explicit loops, written independently of the module."""
    columns = {}
    for c in covariates:
        values = [float(v) for v in frame[c]]
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        columns[c] = [(v - mean) / sd for v in values]
    codes = list(frame["area_code"])
    result = {}
    for i, a in enumerate(codes):
        others = []
        for j, b in enumerate(codes):
            if i != j:
                d = math.sqrt(sum((columns[c][i] - columns[c][j]) ** 2 for c in covariates))
                others.append((d, b))
        result[a] = [b for _, b in sorted(others)[:k]]
    return result


def test_nearest_neighbours_match_brute_force():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "area_code": [f"P{i:02d}" for i in range(40)],
            "x_deprivation": rng.normal(30, 8, 40),
            "x_rural": rng.uniform(0, 100, 40),
            "x_children": rng.lognormal(11, 0.5, 40),
        }
    )
    covariates = ["x_deprivation", "x_rural", "x_children"]
    got = nearest_neighbours(frame, covariates, k=5)
    assert len(got) == 200
    assert all(r == [1, 2, 3, 4, 5] for r in got.groupby("area_code")["rank"].apply(list))
    lists = {a: list(g.sort_values("rank")["neighbour_code"]) for a, g in got.groupby("area_code")}
    assert lists == _brute_force(frame, covariates, 5)
    assert (got["distance"].diff()[got["rank"] > 1] >= 0).all()


def test_ties_are_broken_by_code_and_row_order_does_not_matter():
    frame = pd.DataFrame(
        {
            "area_code": ["C", "A", "D", "B", "E"],
            "x": [1.0, 0.0, 1.0, 1.0, 5.0],
            "y": [2.0, 0.0, 2.0, 2.0, 1.0],
        }
    )
    got = nearest_neighbours(frame, ["x", "y"], k=3)
    first = got[got["area_code"] == "A"]["neighbour_code"].tolist()
    assert first == ["B", "C", "D"]  # three areas at the same distance: code order
    shuffled = nearest_neighbours(frame.iloc[[4, 2, 0, 3, 1]], ["x", "y"], k=3)
    key = ["area_code", "rank"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True),
        shuffled.sort_values(key).reset_index(drop=True),
    )


def test_covariates_are_standardised():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"area_code": list("ABCDEFGHIJ"), "x": rng.normal(size=10), "y": rng.normal(size=10)}
    )
    rescaled = frame.assign(y=frame["y"] * 1000 + 7)
    a = nearest_neighbours(frame, ["x", "y"], k=3)
    b = nearest_neighbours(rescaled, ["x", "y"], k=3)
    assert a["neighbour_code"].tolist() == b["neighbour_code"].tolist()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"x": [1, 2, "high", 4]}, "row 3, column x: not a number"),
        ({"x": [1, 2, None, 4]}, "row 3, column x"),
        ({"area_code": ["A", "B", "A", "D"]}, "row 3, column area_code: duplicate"),
        ({"x": [2, 2, 2, 2]}, "column x: every area has the same value"),
    ],
)
def test_bad_input_names_row_and_column(change, message):
    frame = pd.DataFrame({"area_code": ["A", "B", "C", "D"], "x": [1, 2, 3, 4]})
    for column, values in change.items():
        frame[column] = values
    with pytest.raises(ValueError, match=message):
        nearest_neighbours(frame, ["x"], k=2)


def test_k_must_leave_room_for_no_self():
    frame = pd.DataFrame({"area_code": ["A", "B", "C"], "x": [1, 2, 3]})
    with pytest.raises(ValueError, match="k must be"):
        nearest_neighbours(frame, ["x"], k=3)
    with pytest.raises(ValueError, match="missing column"):
        nearest_neighbours(frame, ["z"], k=1)
    got = nearest_neighbours(frame, ["x"], k=2)
    assert got[got["area_code"] == "B"]["neighbour_code"].tolist() == ["A", "C"]


def test_a_damaged_file_is_refused_naming_file_row_and_field(tmp_path):
    original = (shipped_folder("england") / "statistical_neighbours.csv").read_text()
    folder = tmp_path / "england"
    folder.mkdir()
    target = folder / "statistical_neighbours.csv"
    lines = original.splitlines()
    lines[3] = lines[3].replace("Not close", "Quite near")
    target.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"statistical_neighbours.csv: line 4, field closeness"):
        statistical_neighbours(2021, data_dir=folder)
    target.write_text(original.replace("sn_rank", "position"))
    with pytest.raises(
        ValueError, match=r"statistical_neighbours.csv: missing column\(s\) sn_rank"
    ):
        statistical_neighbours(2025, data_dir=folder)


def test_gss_codes_agree_with_the_neighbours_folder_long_table():
    """Two derivations of the codes (england/ and neighbours/) must name the same areas. They
    differ only where an LA was re-coded on the same boundary after 2021: the england/ file gives
    the 2021 vintage the codes of its years (North Yorkshire E10000023, Somerset E10000027),
    the neighbours/ table today's (E06000065, E06000066)."""
    recoded = {"E10000023": "E06000065", "E10000027": "E06000066"}
    long = pd.read_csv(RAW / "dfe_statistical_neighbours_long.csv", dtype=str)
    for vintage in (2025, 2021):
        other = long[long["model"].str.contains(str(vintage))]
        ours = statistical_neighbours(vintage, pre_reorganisation=True)
        assert set(
            zip(ours["area_dfe_code"], ours["rank"], ours["neighbour_dfe_code"], strict=True)
        ) == set(
            zip(other["la_code"], other["sn_rank"].astype(int), other["sn_la_code"], strict=True)
        )
        today = ours.replace({"area_code": recoded, "neighbour_code": recoded})
        assert set(
            zip(today["area_code"], today["rank"], today["neighbour_code"], strict=True)
        ) == set(
            zip(
                other["la_gss_code"],
                other["sn_rank"].astype(int),
                other["sn_gss_code"],
                strict=True,
            )
        )
