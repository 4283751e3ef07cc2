"""Each grading rule against hand-worked cases (docs/methods/screening.md).

Points: low 1, medium 2, high 3. Bands are read from the catalogue so that recalibrating them
does not silently change what these tests mean; cases are built around them.
"""

import datetime as dt

import pytest

from jigsaw.catalogue import load
from jigsaw.screening import Grade, Grading, age_on, grade_child, grade_concern, months_before

TODAY = dt.date(2026, 11, 28)
DOB_15 = dt.date(2011, 5, 1)  # 15 on TODAY
BANDS = load().rules.bands


def concern(agency, date, *indicators):
    return {"agency": agency, "date": date, "indicators": list(indicators)}


RECENT = dt.date(2026, 10, 1)  # within 6 months of TODAY
OLDER = dt.date(2026, 2, 1)  # between 6 and 12 months
EXPIRED = dt.date(2025, 10, 1)  # more than 12 months


def rules_fired(grade):
    return [r.rule for r in grade.reasons]


# --- scores and bands ------------------------------------------------------------------------


def test_no_concerns_grades_none():
    grade = grade_child(DOB_15, [], TODAY)
    assert (grade.level, grade.score, grade.reasons) == ("none", 0.0, ())
    assert grade.catalogue_version == load().version


def test_single_low_indicator_scores_one():
    grade = grade_concern(DOB_15, concern("police", RECENT, "staying_out_late"), TODAY)
    assert grade.score == 1.0
    assert grade.level == ("low" if BANDS["low"] <= 1 else "none")
    assert rules_fired(grade) == ["score"]


def test_points_add_low_medium_high():
    # staying_out_late (low 1) + missing_episode (medium 2) + missing_overnight (high 3) = 6
    grade = grade_concern(
        DOB_15,
        concern("police", RECENT, "staying_out_late", "missing_episode", "missing_overnight"),
        TODAY,
    )
    assert grade.score == 6.0
    expected = "high" if 6 >= BANDS["high"] else "medium" if 6 >= BANDS["medium"] else "low"
    assert grade.level == expected


def test_bands_are_inclusive_lower_bounds():
    # Build scores exactly at the medium and high thresholds from medium indicators (2 points each)
    # plus one low indicator (1 point) when the threshold is odd.
    catalogue = load()
    mediums = [i.id for i in catalogue.select(kind="indicator", level="medium")]
    for band in ("medium", "high"):
        target = int(BANDS[band])
        ids = mediums[: target // 2] + (["staying_out_late"] if target % 2 else [])
        grade = grade_concern(DOB_15, concern("police", RECENT, *ids), TODAY)
        assert grade.score == target
        assert grade.level == band
        below = grade_concern(DOB_15, concern("police", RECENT, *ids[1:]), TODAY)
        assert below.level != band


def test_repeated_indicator_counts_once():
    grade = grade_child(
        DOB_15,
        [
            concern("police", RECENT, "missing_episode"),
            concern("police", RECENT, "missing_episode"),
        ],
        TODAY,
    )
    assert grade.score == 2.0


# --- vulnerabilities -------------------------------------------------------------------------


def test_vulnerabilities_alone_never_make_a_grade():
    many = [i.id for i in load().select(kind="vulnerability")]
    grade = grade_concern(DOB_15, concern("social_care", RECENT, *many), TODAY)
    assert grade.score >= BANDS["high"]
    assert grade.level == "none"
    assert rules_fired(grade) == ["vulnerabilities_only"]


def test_vulnerabilities_count_towards_the_score_once_a_sign_is_present():
    # low sign (1) + looked_after (medium vulnerability, 2) + learning_disability (medium, 2) = 5
    grade = grade_concern(
        DOB_15,
        concern("social_care", RECENT, "staying_out_late", "looked_after", "learning_disability"),
        TODAY,
    )
    assert grade.score == 5.0
    assert grade.level == ("medium" if 5 >= BANDS["medium"] else "low")


# --- recency ---------------------------------------------------------------------------------


def test_six_to_twelve_months_counts_half():
    grade = grade_concern(DOB_15, concern("police", OLDER, "missing_overnight"), TODAY)
    assert grade.score == 1.5


def test_older_than_twelve_months_counts_nothing_but_is_kept_in_history():
    grade = grade_concern(
        DOB_15, concern("police", EXPIRED, "missing_overnight", "disclosure_exploitation"), TODAY
    )
    assert (grade.level, grade.score) == ("none", 0.0)
    assert rules_fired(grade) == ["history"]
    history = grade.reasons[0]
    assert set(history.indicators) == {"missing_overnight", "disclosure_exploitation"}
    assert history.dates == (EXPIRED,)


def test_most_recent_sighting_sets_the_weight():
    grade = grade_child(
        DOB_15,
        [
            concern("police", OLDER, "missing_overnight"),
            concern("police", RECENT, "missing_overnight"),
        ],
        TODAY,
    )
    assert grade.score == 3.0


def test_window_edges_follow_calendar_months():
    six = months_before(TODAY, 6)  # 2026-05-28: still full weight
    assert six == dt.date(2026, 5, 28)
    assert grade_concern(DOB_15, concern("police", six, "missing_episode"), TODAY).score == 2.0
    day_before = six - dt.timedelta(days=1)
    assert (
        grade_concern(DOB_15, concern("police", day_before, "missing_episode"), TODAY).score == 1.0
    )
    twelve = months_before(TODAY, 12)
    assert grade_concern(DOB_15, concern("police", twelve, "missing_episode"), TODAY).score == 1.0
    gone = twelve - dt.timedelta(days=1)
    assert grade_concern(DOB_15, concern("police", gone, "missing_episode"), TODAY).score == 0.0


# --- corroboration ---------------------------------------------------------------------------


def test_two_agencies_raise_the_grade_one_level():
    alone = grade_concern(DOB_15, concern("education", RECENT, "unexplained_absence"), TODAY)
    shared = grade_child(
        DOB_15,
        [
            concern("education", RECENT, "unexplained_absence"),
            concern("police", RECENT, "staying_out_late"),
        ],
        TODAY,
    )
    assert shared.score == 3.0
    band = Grade("medium" if 3 >= BANDS["medium"] else "low" if 3 >= BANDS["low"] else "none")
    assert shared.level.rank == band.rank + 1
    assert alone.level == ("low" if 2 >= BANDS["low"] else "none")
    reason = next(r for r in shared.reasons if r.rule == "corroboration")
    assert set(reason.agencies) == {"education", "police"}
    assert set(reason.indicators) == {"unexplained_absence", "staying_out_late"}


def test_corroboration_needs_both_agencies_within_six_months():
    grade = grade_child(
        DOB_15,
        [
            concern("education", RECENT, "unexplained_absence"),
            concern("police", OLDER, "staying_out_late"),
        ],
        TODAY,
    )
    assert "corroboration" not in rules_fired(grade)
    assert grade.score == 2.5


def test_vulnerabilities_do_not_corroborate():
    grade = grade_child(
        DOB_15,
        [
            concern("education", RECENT, "staying_out_late"),
            concern("social_care", RECENT, "looked_after"),
        ],
        TODAY,
    )
    assert "corroboration" not in rules_fired(grade)


def test_three_agencies_give_at_least_medium():
    grade = grade_child(
        DOB_15,
        [
            concern("education", RECENT, "falling_attainment"),
            concern("police", RECENT, "staying_out_late"),
            concern("health", RECENT, "eating_disorder"),
        ],
        TODAY,
    )
    assert grade.score == 3.0
    assert grade.level in ("medium", "high")
    assert grade.level == "medium" or 3 >= BANDS["medium"]


def test_corroboration_never_exceeds_high():
    grade = grade_child(
        DOB_15,
        [
            concern("police", RECENT, "missing_overnight", "found_far_from_home", "parties_hotels"),
            concern("health", RECENT, "repeat_sti"),
        ],
        TODAY,
    )
    assert grade.level == "high"


# --- hard rules ------------------------------------------------------------------------------


def test_a_disclosure_is_high_on_its_own():
    grade = grade_concern(DOB_15, concern("education", RECENT, "disclosure_online_abuse"), TODAY)
    assert grade.level == "high"
    assert rules_fired(grade)[0] == "disclosure"
    assert grade.reasons[0].agencies == ("education",) and grade.reasons[0].dates == (RECENT,)


def test_a_withdrawn_disclosure_is_not_a_disclosure():
    grade = grade_concern(DOB_15, concern("education", RECENT, "withdrawn_disclosure"), TODAY)
    assert "disclosure" not in rules_fired(grade)


def test_sexual_activity_under_13_is_high():
    dob = dt.date(2014, 1, 10)  # 12 on RECENT
    grade = grade_concern(dob, concern("health", RECENT, "sexual_activity"), TODAY)
    assert grade.level == "high"
    assert "under_13_sexual_activity" in rules_fired(grade)


def test_sexual_activity_at_15_is_not_a_hard_rule():
    grade = grade_concern(DOB_15, concern("health", RECENT, "sexual_activity"), TODAY)
    assert grade.level != "high"
    assert rules_fired(grade) == ["score"]


def test_age_is_taken_on_the_date_of_the_concern():
    dob = dt.date(2013, 9, 1)  # 12 until 2026-09-01, 13 after
    before = concern("health", dt.date(2026, 8, 31), "sti_diagnosis")
    after = concern("health", dt.date(2026, 9, 1), "sti_diagnosis")
    assert "under_13_sexual_activity" in rules_fired(grade_concern(dob, before, TODAY))
    assert "under_13_sexual_activity" not in rules_fired(grade_concern(dob, after, TODAY))


def test_high_indicator_at_13_is_high_but_not_at_14():
    dob13 = dt.date(2013, 1, 1)  # 13 on RECENT
    dob14 = dt.date(2012, 1, 1)  # 14 on RECENT
    at13 = grade_concern(dob13, concern("police", RECENT, "cars_with_unknown_adults"), TODAY)
    at14 = grade_concern(dob14, concern("police", RECENT, "cars_with_unknown_adults"), TODAY)
    assert at13.level == "high" and "aged_13_or_under_high" in rules_fired(at13)
    assert "aged_13_or_under_high" not in rules_fired(at14)
    assert at14.level == (
        "high" if 3 >= BANDS["high"] else "medium" if 3 >= BANDS["medium"] else "low"
    )


def test_hard_rules_use_only_the_last_twelve_months():
    dob = dt.date(2014, 1, 10)
    grade = grade_concern(dob, concern("health", dt.date(2025, 6, 1), "sexual_activity"), TODAY)
    assert grade.level == "none"


# --- the grade record ------------------------------------------------------------------------


def test_grade_records_catalogue_version_next_step_and_today():
    catalogue = load()
    grade = grade_concern(DOB_15, concern("education", RECENT, "disclosure_exploitation"), TODAY)
    assert grade.catalogue_version == catalogue.version
    assert grade.next_step == catalogue.next_steps["high"]
    assert grade.today == TODAY


def test_override_is_kept_beside_the_computed_grade():
    grade = grade_concern(DOB_15, concern("education", RECENT, "disclosure_exploitation"), TODAY)
    overridden = grade.with_override(
        "medium", "Disclosure was about a past, prosecuted abuser", "MASH manager"
    )
    assert overridden.level == "medium"
    assert overridden.computed is grade and overridden.computed_level == "high"
    assert overridden.direction == "lowered"
    assert overridden.on == TODAY and overridden.by == "MASH manager"
    assert overridden.catalogue_version == grade.catalogue_version


@pytest.mark.parametrize(
    ("level", "reason", "by", "message"),
    [
        ("severe", "x", "y", "not one of"),
        ("low", "  ", "y", "needs a reason"),
        ("low", "x", "", "who made it"),
    ],
)
def test_override_refuses_bad_input(level, reason, by, message):
    grade = grade_child(DOB_15, [], TODAY)
    with pytest.raises(ValueError, match=message):
        grade.with_override(level, reason, by)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            concern("police", RECENT, "glitter"),
            r"concern 2: field 'indicators': unknown indicator id 'glitter'",
        ),
        (
            concern("fire_service", RECENT, "staying_out_late"),
            r"concern 2: field 'agency': unknown agency",
        ),
        ({"agency": "police", "date": RECENT}, r"concern 2: missing field 'indicators'"),
        (
            {"agency": "police", "date": "2026-10-01", "indicators": []},
            r"concern 2: field 'date': expected a datetime.date",
        ),
        (
            {"agency": "police", "date": RECENT, "indicators": "staying_out_late"},
            r"field 'indicators': expected a list",
        ),
        (
            concern("police", dt.date(2027, 1, 1)),
            r"concern 2: field 'date': 2027-01-01 is after today",
        ),
        (
            concern("police", dt.date(2010, 1, 1)),
            r"concern 2: field 'date': 2010-01-01 is before the child's birth",
        ),
    ],
)
def test_bad_concerns_are_refused_naming_concern_and_field(bad, message):
    with pytest.raises(ValueError, match=message):
        grade_child(DOB_15, [concern("police", RECENT, "staying_out_late"), bad], TODAY)


def test_age_on_birthdays():
    assert age_on(dt.date(2013, 3, 1), dt.date(2026, 3, 1)) == 13
    assert age_on(dt.date(2012, 2, 29), dt.date(2026, 2, 28)) == 13


def test_three_agency_rule_binds_when_the_raise_alone_falls_short():
    """With a low band above the score, two agencies only lift none to low; three give medium."""
    import copy

    import yaml

    from jigsaw.catalogue import parse
    from jigsaw.catalogue._load import DEFAULT_PATH

    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data = copy.deepcopy(raw)
    data["rules"]["bands"] = {"low": 5, "medium": 8, "high": 12}
    catalogue = parse(data)
    two = [
        concern("education", RECENT, "falling_attainment"),
        concern("police", RECENT, "staying_out_late"),
    ]
    graded_two = grade_child(DOB_15, two, TODAY, catalogue=catalogue)
    assert graded_two.level == "low"
    three = [*two, concern("health", RECENT, "eating_disorder")]
    graded_three = grade_child(DOB_15, three, TODAY, catalogue=catalogue)
    assert graded_three.level == "medium"
    assert rules_fired(graded_three) == ["score", "corroboration", "corroboration_three_agencies"]


def test_grade_and_override_serialise_to_json():
    import json

    grade = grade_child(
        DOB_15,
        [
            concern("education", RECENT, "unexplained_absence"),
            concern("police", OLDER, "staying_out_late"),
            concern("police", EXPIRED, "missing_episode"),
        ],
        TODAY,
    )
    record = json.loads(
        json.dumps(grade.with_override("high", "Known to exploiters", "DSL").as_dict())
    )
    assert record["level"] == "high" and record["computed"]["level"] == grade.level
    assert record["computed"]["catalogue_version"] == load().version
    history = next(r for r in record["computed"]["reasons"] if r["rule"] == "history")
    assert history == {
        "rule": "history",
        "level": "none",
        "text": history["text"],
        "indicators": ["missing_episode"],
        "agencies": ["police"],
        "dates": ["2025-10-01"],
    }


def test_grades_order_by_rank_not_alphabetically():
    assert list(Grade) == ["none", "low", "medium", "high"]
    assert Grade.NONE < Grade.LOW < Grade.MEDIUM < Grade.HIGH
    # Alphabetically "high" < "low" < "medium" < "none": the enum must not sort that way.
    assert sorted([Grade.NONE, Grade.HIGH, Grade.LOW, Grade.MEDIUM]) == list(Grade)
    assert max(Grade.MEDIUM, Grade.HIGH, Grade.LOW) is Grade.HIGH
    assert Grade.MEDIUM > "low" and Grade.MEDIUM < "high"
    assert [g.rank for g in Grade] == [0, 1, 2, 3]
    assert Grade.choices() == [
        ("none", "No concern"),
        ("low", "Low"),
        ("medium", "Medium"),
        ("high", "High"),
    ]
    with pytest.raises(ValueError):
        Grade.rank_of("severe")


def test_a_grading_and_its_reasons_carry_grades():
    grading = grade_child(
        DOB_15,
        [
            concern("education", RECENT, "unexplained_absence"),
            concern("police", RECENT, "staying_out_late"),
        ],
        TODAY,
    )
    assert isinstance(grading, Grading) and type(grading.level) is Grade
    assert all(type(r.level) is Grade for r in grading.reasons)
    assert max(r.level for r in grading.reasons) == grading.level
    stored = grading.as_dict()
    assert type(stored["level"]) is str and stored["level"] == grading.level.value


def test_an_override_takes_a_grade_and_refuses_a_word_that_is_not_one():
    grading = grade_concern(DOB_15, concern("education", RECENT, "unexplained_absence"), TODAY)
    assert grading.with_override(Grade.HIGH, "Known to police", "MASH").direction == "raised"
    with pytest.raises(ValueError, match="'severe' is not one of none, low, medium, high"):
        grading.with_override("severe", "Known to police", "MASH")
