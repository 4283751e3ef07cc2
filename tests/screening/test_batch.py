"""grade_frame gives, child for child, what grade_child gives."""

import datetime as dt
import random

import pandas as pd
import pytest

from jigsaw.catalogue import load
from jigsaw.screening import grade_child, grade_frame

TODAY = dt.date(2026, 11, 28)


def random_partnership(n_children=300, seed=7):
    rng = random.Random(seed)
    catalogue = load()
    ids = [i.id for i in catalogue.indicators]
    agencies = [a.id for a in catalogue.agencies]
    dobs = {
        f"c{k}": dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 9))
        for k in range(n_children)
    }
    rows = []
    for child, dob in dobs.items():
        for _ in range(rng.choice([0, 0, 1, 2, 5])):
            date = TODAY - dt.timedelta(days=rng.randrange(0, 800))
            if date < dob:
                continue
            rows.append(
                {
                    "child_id": child,
                    "agency": rng.choice(agencies),
                    "date": date,
                    "indicators": ";".join(rng.sample(ids, rng.randint(1, 3))),
                }
            )
    return dobs, pd.DataFrame(rows)


def test_frame_matches_grade_child_for_every_child():
    dobs, concerns = random_partnership()
    graded = grade_frame(concerns, dobs, TODAY)
    assert list(graded.index) == list(dobs)
    assert graded["level"].nunique() == 4  # the random world exercises every grade
    for child, dob in dobs.items():
        mine = concerns[concerns.child_id == child]
        expected = grade_child(
            dob,
            [
                {"agency": r.agency, "date": r.date, "indicators": r.indicators.split(";")}
                for r in mine.itertuples()
            ],
            TODAY,
        )
        assert graded.loc[child, "level"] == expected.level, child
        assert graded.loc[child, "score"] == pytest.approx(expected.score)


def test_frame_accepts_timestamps_and_skips_future_concerns():
    dobs = {"a": dt.date(2012, 1, 1)}
    concerns = pd.DataFrame(
        {
            "child_id": ["a", "a"],
            "agency": ["police", "health"],
            "date": pd.to_datetime(["2026-10-01", "2027-01-01"]),
            "indicators": [["missing_overnight"], ["disclosure_exploitation"]],
        }
    )
    graded = grade_frame(concerns, pd.Series(dobs), TODAY)
    assert graded.loc["a", "score"] == 3.0
    assert graded.loc["a", "level"] != "high" or load().rules.bands["high"] <= 3


def test_frame_refuses_unknown_children_and_names_the_child():
    concerns = pd.DataFrame(
        {
            "child_id": ["x"],
            "agency": ["police"],
            "date": [TODAY],
            "indicators": ["staying_out_late"],
        }
    )
    with pytest.raises(ValueError, match="child_id 'x' has no date of birth"):
        grade_frame(concerns, {"y": dt.date(2012, 1, 1)}, TODAY)
    bad = concerns.assign(indicators=["glitter"])
    with pytest.raises(
        ValueError, match="child x: field 'indicators': unknown indicator id 'glitter'"
    ):
        grade_frame(bad, {"x": dt.date(2012, 1, 1)}, TODAY)
    with pytest.raises(ValueError, match="missing column 'agency'"):
        grade_frame(concerns.drop(columns="agency"), {"x": dt.date(2012, 1, 1)}, TODAY)
