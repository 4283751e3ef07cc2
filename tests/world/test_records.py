"""Agency records carry exactly the identity noise the configuration states, at its rates.

Each rate is checked against a binomial tolerance of four standard errors, and each flagged kind
of noise is checked against the child's true identity, so a flag cannot claim noise that is not
there (and unflagged fields must equal the truth).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jigsaw.identifiers import is_valid_nhs_number, normalise_nhs_number, normalise_postcode
from jigsaw.world import _names


def _near(share: float, rate: float, n: int) -> bool:
    return abs(share - rate) <= 4 * math.sqrt(rate * (1 - rate) / n) + 1e-9


@pytest.fixture(scope="module")
def joined(world):
    """Each record beside its noise flags and its child's true identity."""
    truth = world.truth.drop(columns=["exploited", "exploitation_start", "exploitation_end"])
    children = world.children.add_prefix("true_").rename(columns={"true_child_id": "child_id"})
    return world.records.merge(truth, on="record_id").merge(children, on="child_id")


def _parse_dob(frame: pd.DataFrame) -> pd.Series:
    day_first = frame["dob"].str.contains("/", regex=False)
    iso = pd.to_datetime(frame["dob"].where(~day_first), format="%Y-%m-%d", errors="coerce")
    uk = pd.to_datetime(frame["dob"].where(day_first), format="%d/%m/%Y", errors="coerce")
    return iso.fillna(uk)


def test_children_have_valid_distinct_nhs_numbers(world):
    numbers = world.children["nhs_number"]
    assert numbers.is_unique
    assert numbers.map(is_valid_nhs_number).all()


def test_recorded_nhs_numbers_are_valid_except_the_stated_share(world, joined):
    recorded = joined[joined["nhs_number"] != ""]
    valid = recorded["nhs_number"].map(is_valid_nhs_number)
    flagged_invalid = recorded["nhs_noise"] == "invalid"
    assert (valid == ~flagged_invalid).all()
    assert _near(flagged_invalid.mean(), world.config.nhs_invalid_rate, len(recorded))
    # Valid ones are the child's own number; spacing is only formatting.
    own = recorded["nhs_number"].map(normalise_nhs_number) == recorded["true_nhs_number"]
    assert own[~flagged_invalid].all() and not own[flagged_invalid].any()
    # NHS numbers come mostly from health and social care.
    by_agency = (joined["nhs_number"] != "").groupby(joined["agency"]).mean()
    assert by_agency["health"] > 0.9 and by_agency["social_care"] > 0.5
    assert by_agency["education"] == 0 and by_agency["police"] < 0.1
    share_health_care = recorded["agency"].isin(["health", "social_care"]).mean()
    assert share_health_care > 0.95


def test_dates_of_birth_follow_the_agency_format_and_stated_slips(world, joined):
    config = world.config
    day_first = joined["agency"].isin(config.day_first_agencies)
    given = joined["dob"] != ""
    assert joined.loc[given & day_first, "dob"].str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    assert joined.loc[given & ~day_first, "dob"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    dob = _parse_dob(joined)
    true = pd.to_datetime(joined["true_dob"], format="%Y-%m-%d")
    flag = joined["dob_noise"]
    assert (dob[flag == ""] == true[flag == ""]).all()
    assert (joined.loc[flag == "missing", "dob"] == "").all()
    swap = flag == "swap"
    assert (dob[swap].dt.day == true[swap].dt.month).all()
    assert (dob[swap].dt.month == true[swap].dt.day).all()
    year = flag == "year"
    assert ((dob[year].dt.year - true[year].dt.year).abs() == 1).all()
    day = flag == "day"
    assert ((dob[day] - true[day]).dt.days.abs().between(1, 3)).all()
    # Rates: missing (police twice as often), and the slips among the rest.
    not_police = joined["agency"] != "police"
    assert _near((flag[not_police] == "missing").mean(), config.dob_missing_rate, not_police.sum())
    assert _near(year.mean(), config.dob_year_rate, len(joined))
    assert _near(day.mean(), config.dob_day_rate, len(joined))
    swappable = (true.dt.day <= 12) & (true.dt.day != true.dt.month) & (flag != "missing")
    assert _near(swap[swappable].mean(), config.dob_swap_rate, swappable.sum())


def test_forenames_carry_variants_middle_names_and_typos_at_the_stated_rates(world, joined):
    config = world.config
    flag = joined["first_name_noise"]
    clean = flag == ""
    plain_case = joined["case_noise"].eq("") & ~joined["agency"].isin(config.upper_case_agencies)
    assert (
        joined.loc[clean & plain_case, "first_name"]
        == joined.loc[clean & plain_case, "true_first_name"]
    ).all()
    has_variant = joined["true_first_name"].isin(list(_names.VARIANTS))
    variant = flag.str.startswith("variant")
    assert not variant[~has_variant].any()
    assert _near(variant[has_variant].mean(), config.nickname_rate, has_variant.sum())
    for row in joined[variant & plain_case & ~flag.str.contains("typo")].head(200).itertuples():
        assert row.first_name in _names.VARIANTS[row.true_first_name]
    typo = flag.str.contains("typo")
    assert _near(typo.mean(), config.first_name_typo_rate, len(joined))
    upper = joined["first_name"].str.upper()
    assert (upper[typo] != joined.loc[typo, "true_first_name"].str.upper()).mean() > 0.95
    middle = flag == "with_middle"
    assert (joined.loc[middle, "first_name"].str.split(" ").str.len() == 2).all()


def test_surnames_change_split_and_fold_as_flagged(world, joined):
    config = world.config
    flag = joined["last_name_noise"]
    plain_case = joined["case_noise"].eq("") & ~joined["agency"].isin(config.upper_case_agencies)
    clean = (flag == "") & plain_case
    assert (joined.loc[clean, "last_name"] == joined.loc[clean, "true_last_name"]).all()
    changed = (flag == "changed") & plain_case
    assert (joined.loc[changed, "last_name"] == joined.loc[changed, "true_alt_last_name"]).all()
    assert changed.sum() > 0
    half = (flag == "one_half") & plain_case
    assert all(
        true.startswith(name + "-") or true.endswith("-" + name)
        for name, true in zip(
            joined.loc[half, "last_name"], joined.loc[half, "true_last_name"], strict=True
        )
    )
    assert (
        joined["true_last_name"].str.contains("-")
        & ~joined["true_last_name"].str.startswith(("Al-", "El-"))
    ).any()
    typo = flag.str.contains("typo")
    assert _near(typo.mean(), config.last_name_typo_rate, len(joined))
    folded = joined.loc[flag.str.contains("folded") & ~typo, "last_name"]
    assert len(folded) > 0
    assert all(name.isascii() and "'" not in name for name in folded)


def test_case_sex_and_postcodes(world, joined):
    config = world.config
    police = joined["agency"] == "police"
    assert (joined.loc[police, "last_name"] == joined.loc[police, "last_name"].str.upper()).all()
    assert _near((joined["case_noise"] != "")[~police].mean(), config.case_rate, (~police).sum())
    sex_missing = joined["sex"] == ""
    assert (sex_missing == joined["sex_missing"]).all()
    assert _near(sex_missing.mean(), config.sex_missing_rate, len(joined))
    assert (joined.loc[~sex_missing, "sex"] == joined.loc[~sex_missing, "true_sex"]).all()
    flag = joined["postcode_noise"]
    missing = joined["postcode"] == ""
    assert (missing == (flag == "missing")).all()
    assert _near(missing.mean(), config.postcode_missing_rate, len(joined))
    normal = joined.loc[~missing, "postcode"].map(normalise_postcode)
    assert normal.notna().all()
    current = flag[~missing].isin(["", "format"])
    assert (normal[current] == joined.loc[~missing, "true_postcode"][current]).all()
    previous = flag[~missing].str.startswith("previous")
    old = joined.loc[~missing, "true_previous_postcodes"][previous].str.split(";")
    assert all(p in o for p, o in zip(normal[previous], old, strict=True))
    assert previous.sum() > 0


def test_postcodes_cluster_by_area(world):
    children = world.children
    area_letters = children["postcode"].str.extract(r"^([A-Z]+)")[0]
    assert (area_letters.groupby(children["area_code"]).nunique() == 1).all()
    districts = children["postcode"].str.split(" ").str[0]
    assert (districts.groupby(children["area_code"]).nunique() >= 2).all()
    # Several children share each postcode unit (neighbours, not only siblings).
    assert children.groupby("postcode")["family_id"].nunique().mean() > 2


def test_names_are_tied_to_origin_and_sex(world):
    children = world.children
    girls = set(_names.FORENAME_TABLE[: sum(len(v.split()) for v in _names._GIRLS.values())])
    assert children.loc[children["sex"] == "F", "first_name"].isin(girls).all()
    origins = children["name_origin"].value_counts()
    assert len(origins) >= 6
    muslim = children["name_origin"] == "south_asian_muslim"
    assert children.loc[muslim, "ethnicity"].str.startswith(("asian", "mixed", "other")).all()
    assert np.unique(children["first_name"]).size > 250
    assert np.unique(children["last_name"]).size > 200


def test_the_other_stated_rates(world, joined):
    config = world.config
    children = world.children
    # Child and family level.
    changed = children["alt_last_name"] != ""
    assert _near(changed.mean(), config.surname_change_share, len(children))
    families = children.drop_duplicates("family_id")
    double = families["last_name"].str.contains("-") & ~families["last_name"].str.match(
        r"^(Al|El)-[^-]+$"
    )
    assert abs(double.mean() - config.double_barrelled_share) < 0.01
    moves = families["previous_postcodes"].str.count(";") + (families["previous_postcodes"] != "")
    assert _near((moves == 2).mean(), config.moved_twice_share, len(families))
    once = config.moved_once_share * (1 - config.moved_twice_share)
    assert _near((moves == 1).mean(), once, len(families))
    # Record level.
    given = joined[joined["postcode"] != ""]
    reformatted = given["postcode_noise"].str.contains("format")
    assert _near(reformatted.mean(), config.postcode_format_rate, len(given))
    assert (
        given.loc[reformatted, "postcode"] != given.loc[reformatted, "postcode"].str.upper()
    ).any()
    recorded = joined[joined["nhs_number"] != ""]
    spaced = recorded["nhs_number"].str.contains(" ")
    assert _near(spaced.mean(), config.nhs_spaced_rate, len(recorded))
    could = (joined["true_middle_name"] != "") & ~joined["first_name_noise"].str.startswith(
        "variant"
    )
    with_middle = joined["first_name_noise"].str.startswith("with_middle")
    assert _near(with_middle[could].mean(), config.middle_name_in_forename_rate, could.sum())
    foldable = ~joined["true_last_name"].str.match(r"^[A-Za-z -]+$") & (
        joined["last_name_noise"] == ""
    )
    folded_or_not = joined["last_name_noise"].str.contains("folded")
    candidates = foldable | folded_or_not
    assert candidates.sum() > 50
    assert abs(folded_or_not[candidates].mean() - config.accent_dropped_rate) < 0.1


def test_an_agency_can_export_spreadsheet_date_serials():
    from jigsaw.world import generate

    world = generate(children=2_000, areas=1, seed=4, excel_serial_agencies=("housing",))
    records = world.records.merge(world.truth, on="record_id").merge(
        world.children[["child_id", "dob"]].rename(columns={"dob": "true_dob"}), on="child_id"
    )
    housing = records[(records["agency"] == "housing") & (records["dob"] != "")]
    assert len(housing) > 10 and housing["dob"].str.fullmatch(r"\d{5}").all()
    clean = housing[housing["dob_noise"] == ""]
    dates = pd.Timestamp("1899-12-30") + pd.to_timedelta(clean["dob"].astype(int), unit="D")
    assert (dates.dt.strftime("%Y-%m-%d") == clean["true_dob"]).all()
    others = records[(records["agency"] != "housing") & (records["dob"] != "")]
    assert not others["dob"].str.fullmatch(r"\d{5}").any()
