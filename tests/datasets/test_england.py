"""The England loaders against the check figures in the shipped england/README.md."""

import math

import pandas as pd
import pytest

from jigsaw.datasets import england
from jigsaw.datasets.shipped import folder


@pytest.fixture(scope="module")
def cse():
    return england.identification("cse")


def test_row_counts_per_year_follow_the_boundary_changes(cse):
    # README file 1: 152, 152, 151, 151, 152, 152, 153, 153 LAs for 2018-2025.
    counts = cse.groupby("year").size().to_dict()
    assert counts == {
        2018: 152,
        2019: 152,
        2020: 151,
        2021: 151,
        2022: 152,
        2023: 152,
        2024: 153,
        2025: 153,
    }
    assert not cse.duplicated(["year", "new_la_code"]).any()


def test_national_sums_match_the_published_totals(cse):
    sums = cse.groupby("year")["identified"].sum()
    assert sums[2018] == 20_003
    assert sums[2025] == 12_401


def test_median_rate_and_the_highest_rate(cse):
    # README file 4: median CSE rate 16.4 (2018) falling to 10.0 per 10,000 (2025);
    # the highest is Blackpool, 72.6 in 2022.
    medians = cse.groupby("year")["rate_per_10k"].median()
    assert round(medians[2018], 1) == 16.4
    assert round(medians[2025], 1) == 10.0
    top = cse.loc[cse["rate_per_10k"].idxmax()]
    assert (top["la_name"], top["year"], round(top["rate_per_10k"], 1)) == ("Blackpool", 2022, 72.6)


def test_rates_agree_with_the_shipped_derived_file(cse):
    derived = pd.read_csv(folder("england") / "cse_rates_la_derived.csv")
    merged = cse.merge(
        derived, left_on=["year", "old_la_code"], right_on=["time_period", "old_la_code"]
    )
    assert len(merged) == 1216
    both = merged.dropna(subset=["rate_per_10k", "cse_per_10k"])
    assert (both["rate_per_10k"].round(2) - both["cse_per_10k"]).abs().max() < 0.006
    # The derived file leaves a rate blank exactly where we have none.
    assert (merged["rate_per_10k"].isna() == merged["cse_per_10k"].isna()).all()


def test_suppression_codes_are_kept_as_reasons_never_zeros(cse):
    def cell(name, year):
        return cse[(cse["la_name"] == name) & (cse["year"] == year)].iloc[0]

    for name, year, code in [
        ("Hackney", 2021, "x"),
        ("Hackney", 2022, "x"),
        ("Hampshire", 2024, "u"),
        ("Herefordshire, County of", 2024, "u"),
        ("Kensington and Chelsea", 2024, "c"),
        ("Rutland", 2022, "c"),
        ("City of London", 2022, "c"),
        ("Isles of Scilly", 2019, "z"),
    ]:
        row = cell(name, year)
        assert row["code"] == code
        assert math.isnan(row["identified"])
        assert row["reason"] == england.SUPPRESSION_CODES[code]
        assert not row["comparable"]
    # A published zero stays a zero with no code.
    zero = cell("West Sussex", 2023)
    assert zero["identified"] == 0 and zero["code"] is None


def test_other_factors_keep_their_codes():
    counts = england.factor_counts(["cce", "trafficking"])
    cce_early = counts[(counts["factor"] == "cce") & (counts["year"] <= 2021)]
    # Criminal exploitation was first collected in 2022.
    assert (cce_early["code"] == "x").all() and cce_early["count"].isna().all()
    trafficking = counts[counts["factor"] == "trafficking"]
    assert (trafficking["code"] == "c").sum() == 279
    with pytest.raises(ValueError, match="unknown factor 'grooming'"):
        england.factor_counts(["grooming"])


def test_population_of_mid_year_t_is_the_denominator_of_year_t_plus_1(cse):
    pop = england.population()
    blackpool_mid_2021 = pop[(pop["la_name"] == "Blackpool") & (pop["mid_year"] == 2021)]
    row = cse[(cse["la_name"] == "Blackpool") & (cse["year"] == 2022)].iloc[0]
    assert row["children"] == blackpool_mid_2021["children"].iloc[0]
    # Bournemouth, Poole and old Dorset have no estimate before mid-2019: no rate, a reason.
    early = cse[cse["old_la_code"].isin([835, 836, 837])]
    assert early["rate_per_10k"].isna().all()
    assert set(early["problem"]) == {"no population estimate"}


def test_problem_la_years_are_reported(cse):
    problems = england.problems()
    named = {(r.la_name, r.year): r.problem for r in problems.itertuples()}
    assert named[("West Sussex", 2023)] == "recording incomplete"
    assert named[("Wolverhampton", 2025)] == "recording incomplete"
    assert named[("Hackney", 2021)] == "not available"
    assert "cyber attack" in problems[problems["la_name"] == "Hackney"]["detail"].iloc[0]
    assert named[("Hampshire", 2024)] == "low reliability"
    assert named[("City of London", 2025)] == "tiny population"
    assert named[("Isles of Scilly", 2025)] == "tiny population"
    # Boundary changes: every retired code is listed with the year its trend breaks.
    changes = problems[problems["problem"] == "boundary change"]
    assert dict(zip(changes["la_name"], changes["year"], strict=True)) == {
        "Dorset": 2020,
        "Poole": 2020,
        "Bournemouth": 2020,
        "Buckinghamshire": 2021,
        "Northamptonshire": 2022,
        "Cumbria": 2024,
        "North Yorkshire": 2024,
        "Somerset": 2024,
    }
    # In 2025 only the two tiny areas and Wolverhampton are held out of comparisons.
    held_out = cse[(cse["year"] == 2025) & ~cse["comparable"]]
    assert sorted(held_out["la_name"]) == ["City of London", "Isles of Scilly", "Wolverhampton"]


def test_same_boundary_recodes_keep_one_old_code_across_years(cse):
    somerset = cse[cse["old_la_code"] == 933]
    assert list(somerset["year"]) == list(england.YEARS)
    assert set(somerset["new_la_code"]) == {"E10000027", "E06000066"}


def test_covariates_join_every_code():
    cov = england.covariates()
    assert len(cov) == 161 and cov["new_la_code"].is_unique
    by_code = cov.set_index("new_la_code")
    # Split counties' successors carry the parent's IoD 2019 values (README file 7).
    assert by_code.loc["E06000063", "imd_score"] == by_code.loc["E10000006", "imd_score"]
    # Cumbria's ethnicity is the sum of Cumberland and Westmorland and Furness.
    assert by_code.loc["E10000006", "ethnicity_match"] == "sum of successors"
    shares = by_code[[c for c in cov.columns if c.startswith("pct_") and c != "pct_rural"]]
    assert ((shares.sum(axis=1) - 100).abs() < 0.1).all()
    # Middlesbrough is among the most deprived (IMD 2019 rank 5 of 151).
    assert by_code.loc["E06000002", "imd_score"] == pytest.approx(40.46)
    assert set(cov["rural_urban"]) == {
        "Predominantly Urban",
        "Urban with Significant Rural",
        "Predominantly Rural",
    }


def test_a_cell_that_is_neither_number_nor_code_is_refused(tmp_path):
    source = folder("england")
    for name in (
        "cin_factors_end_of_assessment_la.csv",
        "population_0_17_la.csv",
        "cin_cpp_referrals_la.csv",
        "la_lookup.csv",
    ):
        (tmp_path / name).write_bytes((source / name).read_bytes())
    factors = pd.read_csv(
        tmp_path / "cin_factors_end_of_assessment_la.csv", dtype=str, keep_default_na=False
    )
    factors.loc[4, "Child_sexual_exploitation"] = "n/a"
    factors.to_csv(tmp_path / "cin_factors_end_of_assessment_la.csv", index=False)
    with pytest.raises(
        ValueError,
        match=r"cin_factors_end_of_assessment_la.csv: row 6, "
        r"column Child_sexual_exploitation: unexpected value 'n/a'",
    ):
        england.factor_counts(["cse"], data_dir=tmp_path)
