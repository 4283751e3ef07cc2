"""The evaluation generator: deterministic, errors at their stated rates, truth consistent."""

import math
import re

import pandas as pd
import pytest

from jigsaw.evaluation import ERRORS, generate
from jigsaw.evaluation.messy import RECORD_COLUMNS, main
from jigsaw.identifiers import is_valid_nhs_number, normalise_nhs_number


@pytest.fixture(scope="module")
def made():
    """The default size: 4,000 children, about 15,000 records."""
    return generate(seed=5)


def test_same_seed_gives_identical_frames():
    a, b = generate(600, seed=3), generate(600, seed=3)
    for name in ("records", "truth", "errors", "eligible", "children", "families"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    other = generate(600, seed=4)
    assert not a.records.equals(other.records)


def test_default_size_and_columns(made):
    from jigsaw.linkage import RECORD_COLUMNS as LINKAGE_COLUMNS

    assert tuple(made.records.columns) == RECORD_COLUMNS == tuple(LINKAGE_COLUMNS)
    assert len(made.children) == 4000
    assert 14_000 <= len(made.records) <= 16_000


def _within_four_se(k, n, p, what):
    assert n > 0, f"{what}: no unit it can apply to"
    se = math.sqrt(n * p * (1 - p))
    assert abs(k - n * p) <= 4 * se, f"{what}: {k} of {n}, expected {n * p:.1f} +- {4 * se:.1f}"


@pytest.mark.parametrize("error", [e for e in ERRORS if e.unit == "record"], ids=lambda e: e.name)
def test_record_error_at_its_stated_rate(made, error):
    applied, eligible = made.errors[error.name], made.eligible[error.name]
    assert not (applied & ~eligible).any(), "applied to a record it cannot apply to"
    _within_four_se(int(applied.sum()), int(eligible.sum()), error.rate, error.name)


@pytest.mark.parametrize("error", [e for e in ERRORS if e.unit != "record"], ids=lambda e: e.name)
def test_family_and_child_error_at_its_stated_rate(made, error):
    table = made.families if error.unit == "family" else made.children
    eligible = table.get(f"eligible_{error.name}", pd.Series(True, index=table.index))
    _within_four_se(
        int(table.loc[eligible, error.name].sum()), int(eligible.sum()), error.rate, error.name
    )


def test_every_record_has_one_true_child(made):
    truth = made.truth
    assert list(truth["record_id"]) == list(made.records["record_id"])
    assert truth["record_id"].is_unique
    assert truth["child_id"].notna().all()
    assert set(truth["child_id"]) <= set(made.children["child_id"])
    family = made.children.set_index("child_id")["family_id"]
    assert (truth["child_id"].map(family) == truth["family_id"]).all()


def test_twins_share_all_but_a_first_name(made):
    children = made.children.set_index("child_id")
    twins = children[children["twin_of"] != ""]
    assert len(twins) > 20
    other = children.loc[twins["twin_of"]]
    for column in ("dob", "surname", "family_id", "tradition"):
        assert (twins[column].to_numpy() == other[column].to_numpy()).all(), column
    assert (twins["forename"].to_numpy() != other["forename"].to_numpy()).all()
    # No two children of a family share a first name (in any spelling chosen for them).
    assert not made.children.duplicated(["family_id", "forename"]).any()


def test_no_real_looking_nhs_number_is_shared_by_two_children(made):
    numbers = made.records["nhs_number"].map(normalise_nhs_number)
    frame = pd.DataFrame({"nhs": numbers, "child": made.truth["child_id"]}).dropna()
    valid = frame[frame["nhs"].map(is_valid_nhs_number)]
    assert valid.groupby("nhs")["child"].nunique().max() == 1
    registered = made.children.set_index("child_id")["nhs_number"]
    assert (valid["nhs"] == valid["child"].map(registered)).all()
    assert valid["nhs"].str.startswith("999").all()  # NHS England's never-issued test range
    # Mistyped numbers are never valid, and never another child's either.
    invalid = frame[~frame["nhs"].map(is_valid_nhs_number)]
    assert invalid.groupby("nhs")["child"].nunique().max() == 1
    assert not set(invalid["nhs"]) & set(registered)


def test_errors_do_what_they_say(made):
    r, e = made.records, made.errors
    inward = r["postcode"].str.upper().str.replace(" ", "").str[-2:]
    for name in ("postcode_carried", "postcode_bad_inward"):
        assert inward[e[name]].str.contains("[CIKMOV]").all(), name
    assert (
        not inward[
            ~(e["postcode_carried"] | e["postcode_bad_inward"]) & (r["postcode"].str.len() > 4)
        ]
        .str.contains("[CIKMOV]")
        .any()
    )
    for name in ("nhs_carried", "nhs_digit_slip", "nhs_transposed"):
        assert not r.loc[e[name], "nhs_number"].map(is_valid_nhs_number).any(), name
    assert (r.loc[e["dob_missing"], "dob"] == "").all()
    us = r.loc[e["dob_us_format"], "dob"]
    dob = made.children.set_index("child_id")["dob"]
    born = made.truth.loc[e["dob_us_format"], "child_id"].map(dob)
    assert (us == born.str[5:7] + "/" + born.str[8:10] + "/" + born.str[:4]).all()
    assert (r.loc[e["names_in_last_field"], "first_name"] == "").all()
    assert r.loc[e["names_in_last_field"], "last_name"].str.contains(", ").all()
    assert (r.loc[e["names_in_first_field"], "last_name"] == "").all()
    # Some swapped dates are impossible as written (month above 12) and plausible swapped.
    swapped = r.loc[e["dob_day_month_swapped"], "dob"]
    assert swapped.str.contains(r"^\d{4}-(?:1[3-9]|2\d|3[01])-|/(?:1[3-9]|2\d|3[01])/").any()
    assert (
        r.loc[e["forename_transliteration"], "first_name"]
        .str.lower()
        .isin(["mohammed", "mohammad", "mohamed", "mohamad", "muhammed", "muhammad"])
        .any()
    )


def test_command_writes_records_and_truth(tmp_path, capsys):
    assert main(["--children", "50", "--seed", "2", "--out", str(tmp_path)]) == 0
    records = pd.read_csv(tmp_path / "records.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str)
    assert tuple(records.columns) == RECORD_COLUMNS
    assert list(records["record_id"]) == list(truth["record_id"])
    assert re.search(r"records of 50 children", capsys.readouterr().out)


def test_leaving_one_error_out_changes_only_its_records():
    full = generate(800, seed=6)
    less = generate(800, seed=6, without=["names_swapped", "postcode_previous"])
    changed = (full.records != less.records).any(axis=1)
    hit = full.errors["names_swapped"] | full.errors["postcode_previous"]
    assert changed.any()
    assert not (changed & ~hit).any()
    assert not less.errors[["names_swapped", "postcode_previous"]].any().any()
    with pytest.raises(ValueError, match="not record-level errors: family_moved"):
        generate(10, without=["family_moved"])
