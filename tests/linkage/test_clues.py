"""Values that fail a format check are kept as evidence, and the one-record matcher keeps the
batch's constraints."""

from datetime import date

import pandas as pd

from jigsaw.linkage import OnlineMatcher, prepare, prepare_record
from jigsaw.linkage._comparisons import COMPARISONS

from .conftest import records

TODAY = date(2026, 11, 28)


def _level(name, a, b):
    comparison = next(c for c in COMPARISONS if c.name == name)
    return comparison.levels[comparison.level_of(a, b)].label


def test_a_postcode_with_inward_letters_never_issued_is_kept_with_its_district_and_sector():
    a, problems = prepare_record({"record_id": "1", "postcode": "ls2 8av"})
    b, _ = prepare_record({"record_id": "2", "postcode": "LS2 8AV"})
    assert (a["postcodes"], a["sectors"], a["districts"], a["district"]) == (
        ["LS2 8AV"],
        ["LS2 8"],
        ["LS2"],
        "LS2",
    )
    assert problems == [
        "postcode: inward code with letters Royal Mail never issues: LS2 8AV; kept, compared as written"
    ]
    # The same copied mistype is the postcode comparison's strongest level.
    assert _level("postcode", a, b) == "a postcode in common"
    # A valid postcode beside an unreadable one keeps the valid one.
    c, problems = prepare_record({"record_id": "3", "postcode": "LS6 1AN; garbage"})
    assert c["postcodes"] == ["LS6 1AN"] and "garbage; that one not used" in problems[0]


def test_an_nhs_number_failing_its_check_digit_counts_only_when_identical():
    a, problems = prepare_record({"record_id": "1", "nhs_number": "943 476 5918"})
    b, _ = prepare_record({"record_id": "2", "nhs_number": "9434765918"})
    valid, _ = prepare_record({"record_id": "3", "nhs_number": "9434765919"})
    assert a["nhs_number"] is None and a["nhs_unchecked"] == "9434765918"
    assert "modulus-11" in problems[0] and "kept" in problems[0]
    assert _level("nhs_as_written", a, b) == "same number as written"
    # Against the valid number it is no evidence either way, and never a conflict.
    assert _level("nhs_as_written", a, valid) == "missing on either side"
    assert _level("nhs_number", a, valid) == "missing on either side"
    # One digit ten times is never evidence, even when two records share it.
    p, problems = prepare_record({"record_id": "4", "nhs_number": "1111111111"})
    assert p["nhs_number"] is None and p["nhs_unchecked"] is None and "placeholder" in problems[0]


def test_a_date_impossible_as_written_is_read_with_day_and_month_swapped():
    for written in ("04/23/2011", "2011-23-04", "23.04.2011"):
        prepared, problems = prepare_record({"record_id": "1", "dob": written})
        assert prepared["dob"] == "2011-04-23", written
    prepared, problems = prepare_record({"record_id": "1", "dob": "04/23/2011"})
    assert "US month-first" in problems[0] and "swapped" in problems[0]
    # Impossible either way: not used.
    prepared, problems = prepare_record({"record_id": "1", "dob": "31/02/2011"})
    assert prepared["dob"] is None and "not a real date" in problems[0]


def test_names_in_one_field_and_digits_read_as_letters():
    comma, _ = prepare_record({"record_id": "1", "last_name": "KHAN, AISHA"})
    assert (comma["forename"], comma["surname"]) == ("aisha", "khan")
    both, _ = prepare_record({"record_id": "2", "first_name": "Aisha Khan"})
    assert (both["forename"], both["surname"]) == ("aisha", "khan")
    ocr, _ = prepare_record({"record_id": "3", "first_name": "Is1a", "last_name": "Wi1liams"})
    assert (ocr["forename"], ocr["middle_names"], ocr["surname"]) == ("isla", None, "williams")


def test_forenames_that_sound_alike_have_their_own_level():
    b, _ = prepare_record({"record_id": "2", "first_name": "Katelyn"})
    c, _ = prepare_record({"record_id": "3", "first_name": "Kaytlin"})
    assert _level("forename", b, c) == "sounds alike (Soundex)"
    d, _ = prepare_record({"record_id": "4", "first_name": "Grace"})
    assert _level("forename", b, d) == "different forenames"


def test_batch_and_one_record_keep_the_same_clues():
    rows = [
        {
            "record_id": "1",
            "first_name": "",
            "last_name": "KHAN, AISHA",
            "dob": "04/23/2011",
            "postcode": "LS2 8AV",
            "nhs_number": "9434765918",
        },
        {
            "record_id": "2",
            "first_name": "Aisha Khan",
            "dob": "2011-04-23",
            "nhs_number": "2222222222",
        },
    ]
    batch = prepare(records(rows))
    one = [prepare_record(r) for r in records(rows).to_dict("records")]
    assert batch.records() == [prepared for prepared, _ in one]
    kept = [p for p in batch.problems if "kept" in p.reason]
    assert {(p.row, p.field) for p in kept} == {(2, "dob"), (2, "postcode"), (2, "nhs_number")}
    assert all(not p.reason.endswith("value not used") for p in kept)


def test_the_one_record_matcher_never_joins_dates_of_birth_too_far_apart():
    """Two siblings of one name, met through names, postcode sector and birth month alone (the
    dates are years apart, more than a slip): the batch refuses to put dates of birth with no
    recording slip between them into one child, and so does the matcher."""
    known = records(
        [
            {
                "record_id": "A1",
                "first_name": "Amy",
                "last_name": "Smith",
                "dob": "2011-04-03",
                "sex": "F",
                "postcode": "LS6 1AN",
            },
            {
                "record_id": "A2",
                "first_name": "Amy",
                "last_name": "Smith",
                "dob": "2011-04-03",
                "sex": "F",
                "postcode": "LS6 1AN",
            },
        ]
    ).assign(child_id="C1")
    # Other children, so that Amy and Smith are not the only names the store knows (their term
    # frequencies would make every agreement on them weak).
    others = records(
        [
            {
                "record_id": f"O{i}",
                "first_name": first,
                "last_name": last,
                "dob": f"20{10 + i % 8}-0{1 + i % 9}-1{i % 10}",
                "sex": "M" if i % 2 else "F",
                "postcode": f"LS{i % 20 + 1} 2AB",
            }
            for i, (first, last) in enumerate(
                (f, s)
                for f in ("Noah", "Leo", "Isla", "Ava", "Omar", "Zara")
                for s in ("Jones", "Patel", "Nowak", "Okafor", "Brown")
            )
        ]
    )
    others["child_id"] = [f"K{i}" for i in range(len(others))]
    matcher = OnlineMatcher.from_records(pd.concat([known, others], ignore_index=True))
    near = {
        "record_id": "Q1",
        "first_name": "Amy",
        "last_name": "Smith",
        "dob": "2011-04-08",
        "sex": "F",
        "postcode": "LS6 1AN",
    }
    far = {**near, "record_id": "Q2", "dob": "2015-04-21"}
    # A date five days off is a recording slip ("one digit differs"): no constraint.
    assert matcher.match(near)[0].explanation[-1][0] != "constraint"
    refused = matcher.match(far)
    assert refused, "the sibling shares a block with the child (names, sector, birth month)"
    # The evidence alone would link (p above the link threshold); the constraint refuses it.
    assert refused[0].match_probability >= matcher.model.link_threshold
    assert refused[0].decision == "no_link"
    assert refused[0].explanation[-1] == (
        "constraint",
        "different dates of birth within one child",
        0.0,
    )
    # The same valid NHS number decides, as in clustering.
    numbered = OnlineMatcher.from_records(
        pd.concat([known.assign(nhs_number="9434765919"), others], ignore_index=True)
    )
    assert numbered.match({**far, "nhs_number": "9434765919"})[0].decision == "link"
