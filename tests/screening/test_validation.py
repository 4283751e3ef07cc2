"""The grading against a synthetic world's ground truth (a smaller run of
bench/screening_validation.py, whose 50,000-child figures are in docs/methods/screening.md)."""

import pandas as pd
import pytest

from jigsaw.screening import grade_frame
from jigsaw.screening import validation as v
from jigsaw.world import generate

# Floors, well below the 50,000-child validation figures (medium-or-above sensitivity about 58%,
# false-positive rate under 1%), so that only a real regression trips them.
SENSITIVITY_FLOOR = 0.45
FPR_CEILING = 0.02


@pytest.fixture(scope="module")
def world():
    w = generate(children=20_000, seed=11)
    linked = v.concerns_by_child(w.concerns, w.truth)
    dobs = v.dobs_of(w.children)
    truth = w.children.set_index("child_id")["exploited"].astype(bool)
    combined = v.reached(linked, dobs)
    single = v.reached(linked, dobs, by_agency=True)
    return w, linked, dobs, truth, combined, single


def test_sharing_finds_more_victims_at_the_same_false_positive_rate(world):
    _, _, _, truth, combined, single = world
    effect = v.jigsaw_effect(combined, single, truth)
    assert effect.victims == truth.sum() > 100
    assert effect.extra_victims_at_same_fpr > 0
    assert effect.combined_sensitivity > effect.single_sensitivity_at_combined_fpr


def test_sensitivity_and_false_positive_rate_against_ground_truth(world):
    _, _, _, truth, combined, _ = world
    sensitivity, fpr = v.rates(combined, truth)
    assert sensitivity >= SENSITIVITY_FLOOR
    assert fpr <= FPR_CEILING


def test_combined_grade_is_never_below_any_agency_alone(world):
    """More information can only raise a grade: every rule is monotone in the concerns."""
    _, _, _, _, combined, single = world
    joined = single["level"].reindex(combined.index)
    assert (combined["level"] >= joined).all()


def test_grade_at_the_end_is_never_above_the_highest_reached(world):
    """With no new concerns a grade can only fall as signs age, never rise."""
    w, linked, dobs, _, combined, _ = world
    end = max(linked["date"])
    frame = grade_frame(linked, {c: dobs[c] for c in combined.index}, end)
    codes = frame["level"].cat.codes.reindex(combined.index)
    assert (codes <= combined["level"]).all()
    assert (codes >= 2).sum() > 0


def test_fairness_table_covers_each_group_and_suppresses_small_counts(world):
    w, _, _, _, combined, _ = world
    table = v.fairness(combined, w.children)
    assert set(table["group"]) == {"sex", "ethnicity", "disability"}
    assert set(table.loc[table["group"] == "sex", "value"]) == {"F", "M"}
    small = table[table["victims"] == "<5"]
    assert small["sensitivity"].isna().all()
    big = table[table["children"].map(lambda x: isinstance(x, int) and x >= 1000)]
    assert big["medium_or_above"].notna().all()


def test_concerns_by_child_names_an_unknown_record():
    concerns = pd.DataFrame(
        {
            "record_id": ["R1"],
            "agency": ["police"],
            "date": ["2024-01-01"],
            "indicators": ["staying_out_late"],
        }
    )
    truth = pd.DataFrame({"record_id": ["R2"], "child_id": ["C1"]})
    with pytest.raises(ValueError, match="concerns row 1: record_id 'R1' not in truth"):
        v.concerns_by_child(concerns, truth)


def test_jigsaw_effect_on_a_hand_worked_table():
    """Four children, two victims. Combined: victims reach medium, one non-victim does too.
    Single-agency keys: victim a 2.004 (medium), victim b 1.003 (low), non-victims 2.002, 0.5."""
    truth = pd.Series([True, True, False, False], index=list("abcd"))
    combined = pd.DataFrame(
        {"level": [2, 2, 2, 0], "key": [2.004, 2.005, 2.002, 0.001]}, index=list("abcd")
    )
    single = pd.DataFrame(
        {"level": [2, 1, 2, 0], "key": [2.004, 1.003, 2.002, 0.5]}, index=list("abcd")
    )
    effect = v.jigsaw_effect(combined, single, truth)
    assert (effect.combined_sensitivity, effect.combined_fpr) == (1.0, 0.5)
    assert (effect.single_sensitivity, effect.single_fpr) == (0.5, 0.5)
    # Single-agency ROC points (FPR, TPR): (0, .5) at 2.004, (.5, .5) at 2.002, (.5, 1) at
    # 1.003, (1, 1) at 0.5; at the combined FPR of 0.5 the best point gives sensitivity 1.
    assert effect.single_sensitivity_at_combined_fpr == 1.0
    assert effect.extra_victims_at_same_fpr == 0
    assert effect.extra_victims_at_medium == 1
    # Reverse: combined cut to the single FPR (0.5) also keeps one non-victim: a and b in.
    assert effect.combined_sensitivity_at_single_fpr == 1.0


def test_sensitivity_at_interpolates_between_operating_points():
    """Victim b and non-victim c share a key: taking that tied block at random halfway gives
    FPR 0.25 and sensitivity 0.75."""
    truth = pd.Series([True, True, False, False], index=list("abcd"))
    reach = pd.DataFrame({"level": [2, 1, 1, 0], "key": [2.0, 1.0, 1.0, 0.0]}, index=list("abcd"))
    # ROC points: (0, .5) at 2.0; (.5, 1) at 1.0; (1, 1) at 0.0. At FPR .25: .5 + .5 * .5.
    assert v._sensitivity_at(reach, truth, 0.25) == pytest.approx(0.75)
    assert v._sensitivity_at(reach, truth, 0.0) == pytest.approx(0.5)
    assert v._sensitivity_at(reach, truth, 1.0) == pytest.approx(1.0)


def test_reached_regrades_on_each_concern_date_by_hand():
    """Child a: school then police within a month, each a single low/medium sign.
    Alone each agency reaches low at most; together corroboration lifts the child one level.
    Child b: a disclosure long ago still counts as reached, because it was high on its day."""
    import datetime as dt

    linked = pd.DataFrame(
        {
            "child_id": ["a", "a", "b"],
            "agency": ["education", "police", "health"],
            "date": [dt.date(2024, 3, 1), dt.date(2024, 4, 1), dt.date(2021, 1, 5)],
            "indicators": [
                ["unexplained_absence"],
                ["staying_out_late"],
                ["disclosure_sexual_assault"],
            ],
        }
    )
    dobs = {"a": dt.date(2009, 6, 1), "b": dt.date(2006, 6, 1)}
    combined = v.reached(linked, dobs)
    single = v.reached(linked, dobs, by_agency=True)
    assert single.loc["a", "level"] == 1  # score 2 (education) or 1 (police): low
    assert combined.loc["a", "level"] == 2  # score 3, low, raised by two agencies to medium
    assert combined.loc["a", "key"] == pytest.approx(2.003)
    assert combined.loc["b", "level"] == single.loc["b", "level"] == 3
