"""The SQL (Splink) and Python (one-record matcher) forms of every comparison level agree."""

import pandas as pd

from jigsaw.linkage import Model, prepare
from jigsaw.linkage._backend import score_pairs
from jigsaw.linkage._comparisons import COMPARISONS
from jigsaw.linkage._decide import gamma_to_index

from .conftest import records


def _levels_agree(frame: pd.DataFrame, rules: list[str] | None = None) -> tuple[int, dict]:
    pairs = score_pairs(frame, Model.default(), threshold=0.0, blocking_rules=rules)
    by_id = {r["unique_id"]: r for r in frame.to_dict("records")}
    disagreements: dict[str, list] = {}
    for row in pairs.itertuples(index=False):
        left, right = by_id[row.unique_id_l], by_id[row.unique_id_r]
        for comparison in COMPARISONS:
            sql_level = gamma_to_index(
                comparison.name, int(getattr(row, f"gamma_{comparison.name}"))
            )
            python_level = comparison.level_of(left, right)
            if sql_level != python_level:
                disagreements.setdefault(comparison.name, []).append(
                    (row.unique_id_l, row.unique_id_r, sql_level, python_level)
                )
    return len(pairs), disagreements


def test_sql_and_python_levels_agree_on_a_world(world):
    frame = prepare(world.records.head(4000)).frame
    scored, disagreements = _levels_agree(frame)
    assert scored > 1000
    assert disagreements == {}


def test_sql_and_python_levels_agree_on_hand_made_edge_cases():
    frame = prepare(
        records(
            [
                {
                    "record_id": "1",
                    "first_name": "Jess",
                    "last_name": "Smith-Khan",
                    "dob": "2011-04-03",
                    "postcode": "LS6 1AN;LS11 5XX",
                    "sex": "F",
                },
                {
                    "record_id": "2",
                    "first_name": "Louise Jessica",
                    "last_name": "Khan",
                    "dob": "2011-03-04",
                    "postcode": "LS11 5XX",
                    "sex": "F",
                },
                {
                    "record_id": "3",
                    "first_name": "J",
                    "last_name": "Smith",
                    "dob": "2012-04-03",
                    "postcode": "LS6 2",
                    "sex": "F",
                },
                {
                    "record_id": "4",
                    "first_name": "Smith",
                    "last_name": "Jess",
                    "dob": "2011-04-13",
                    "postcode": "LS6",
                },
                {
                    "record_id": "5",
                    "first_name": "Jessika",
                    "last_name": "Smyth",
                    "dob": "2011-04-28",
                    "nhs_number": "9434765919",
                },
                {
                    "record_id": "6",
                    "first_name": "Jessica",
                    "last_name": "Smith",
                    "dob": "2011-04-03",
                    "nhs_number": "9434765919",
                    "sex": "M",
                },
            ]
        )
    ).frame
    # One block holding every pair (postcode_sector is read only by blocking).
    frame["postcode_sector"] = "LS6 1"
    scored, disagreements = _levels_agree(frame, ["l.postcode_sector = r.postcode_sector"])
    assert scored == 15
    assert disagreements == {}
