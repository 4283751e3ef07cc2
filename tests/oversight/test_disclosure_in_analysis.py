"""No published figure of an oversight result gives a suppressed count back.

The test is the strongest one available: every published output (the CSV form, the CLI's
printout, a flagged area's chart) is the same whatever the hidden count is, 0 to 4.
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from jigsaw.cli import main
from jigsaw.oversight import analyse_areas, neighbours_from_covariates
from jigsaw.report.national import _flagged
from jigsaw.report.published import result_csv
from jigsaw.stats.shortfall import compare_with_peers

# Two clusters of five areas; Gorton (A07) identifies a small count.
GOOD = [
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
COLUMNS = ["area_code", "area_name", "children", "identified", "x_deprivation", "x_rural"]


def areas(gorton: int, eastwick: int = 6) -> pd.DataFrame:
    rows = [list(r) for r in GOOD]
    rows[6][3], rows[4][3] = gorton, eastwick
    return pd.DataFrame(rows, columns=COLUMNS).astype({"children": float, "identified": float})


def test_a_small_peer_would_be_given_back_by_its_neighbours_peer_rate():
    """Why a small count is no one's peer: without that, Fenby's published peers' rate times
    its peers' published children, less their published counts, is Gorton's count."""
    frame = areas(gorton=3)
    pairs = neighbours_from_covariates(frame, k=4)
    naive = compare_with_peers(frame, pairs).table.set_index("area_code")
    peers = pairs.loc[pairs["area_code"] == "A06", "neighbour_code"]
    assert "A07" in set(peers)
    counts = frame.set_index("area_code")
    peer_children = counts.loc[peers, "children"].sum()
    shown = counts.loc[[p for p in peers if p != "A07"], "identified"].sum()
    recovered = round(float(naive.loc["A06", "peer_rate"]) * peer_children / 10_000 - shown)
    assert recovered == 3
    published = analyse_areas(frame, pairs).table.set_index("area_code")
    assert float(published.loc["A06", "peer_rate"]) == pytest.approx(
        shown / (peer_children - counts.loc["A07", "children"]) * 10_000
    )


def test_the_published_result_is_the_same_whatever_the_small_count():
    tables = []
    for gorton in range(5):
        frame = areas(gorton)
        tables.append(
            result_csv(analyse_areas(frame, neighbours_from_covariates(frame, k=4)).table)
        )
    assert all(t == tables[0] for t in tables)
    assert "A07,Gorton,<5,24000,,,," in tables[0]


def test_a_one_area_flagged_total_does_not_give_its_count_back(tmp_path, capsys):
    """Only Gorton is flagged: a total over it, less its published expected count, was -3."""
    frame = areas(gorton=3, eastwick=50)
    pairs = neighbours_from_covariates(frame, k=4)
    naive = compare_with_peers(frame, pairs).summary()
    assert naive.flagged == 1 and round(naive.expected - naive.shortfall) == 3
    printed, written = [], []
    for gorton in range(5):
        path = tmp_path / f"areas{gorton}.csv"
        with open(path, "w", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(COLUMNS)
            writer.writerows(
                [
                    r[:3] + (gorton if r[0] == "A07" else 50 if r[0] == "A05" else r[3],) + r[4:]
                    for r in GOOD
                ]
            )
        out = tmp_path / f"result{gorton}.csv"
        assert main(["oversight", "--areas", str(path), "--out", str(out), "--k", "4"]) == 0
        printed.append(capsys.readouterr().out.replace(str(out), "RESULT"))
        written.append(out.read_text())
    assert all(p == printed[0] for p in printed) and all(w == written[0] for w in written)
    assert printed[0].startswith(
        "1 of 10 areas identified fewer than their peers; shortfall across "
        "the 0 with counts shown 0 (95% interval 0 to 0)."
    )
    assert "1 flagged area(s) with a count of <5 are left out of the total" in printed[0]


def test_a_flagged_small_area_draws_the_same_chart_whatever_its_count():
    cards = []
    for gorton in range(5):
        frame = areas(gorton)
        result = analyse_areas(frame, neighbours_from_covariates(frame, k=4)).table
        result["region"] = "North"
        row = next(r for r in result.itertuples(index=False) if r.area_code == "A07")
        assert row.comparison == "lower"
        cards.append(
            _flagged(row, {"A07": ["A06", "A08", "A09", "A10"]}, result.set_index("area_code"))
        )
    assert all(card == cards[0] for card in cards)
    # The axis is scaled to the neighbours alone: no tick or dot for Gorton's interval.
    assert "Gorton: " not in cards[0]["svg"] and cards[0]["identified_text"] == "<5"


def test_a_hidden_interval_does_not_stretch_the_chart_axis():
    """The subject's interval is not drawn, so its upper limit cannot set the scale either."""
    from types import SimpleNamespace

    peers = pd.DataFrame(
        {
            "area_code": ["P1", "P2"],
            "area_name": ["Peer one", "Peer two"],
            "comparison": ["similar", "similar"],
            "identified": [40.0, 60.0],
            "rate": [10.0, 12.0],
            "rate_lower": [7.1, 9.2],
            "rate_upper": [13.6, 15.4],
        }
    ).set_index("area_code")

    def card(upper: float) -> dict:
        subject = SimpleNamespace(
            area_code="S",
            area_name="Small",
            identified=2.0,
            rate=1.0,
            rate_lower=0.1,
            rate_upper=upper,
            peer_rate=11.0,
            expected=20.0,
            shortfall=18.0,
            shortfall_lower=9.0,
            shortfall_upper=30.0,
        )
        return _flagged(subject, {"S": ["P1", "P2"]}, peers)

    assert card(upper=3.6) == card(upper=48.0)
    assert ">40<" not in card(upper=48.0)["svg"]  # no tick reaching for the hidden limit
