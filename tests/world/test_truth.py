"""The world's truth is consistent: every record, concern and outcome traces to one child."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jigsaw.catalogue import load
from jigsaw.world import AGENCIES, WorldConfig, generate

RECORD_COLUMNS = [
    "record_id", "agency", "first_name", "last_name", "dob", "sex", "postcode", "nhs_number",
]  # fmt: skip


def test_records_have_the_link_input_columns_and_known_agencies(world):
    assert list(world.records.columns) == RECORD_COLUMNS
    assert set(world.records["agency"]) == set(AGENCIES)
    assert world.records["record_id"].is_unique


def test_every_record_belongs_to_exactly_one_existing_child(world):
    truth, records, children = world.truth, world.records, world.children
    assert truth["record_id"].is_unique
    assert list(truth["record_id"]) == list(records["record_id"])
    assert truth["child_id"].isin(children["child_id"]).all()
    assert children["child_id"].is_unique
    # Truth carries each record's child's true status.
    status = children.set_index("child_id")["exploited"]
    assert (truth["exploited"].to_numpy() == status[truth["child_id"]].to_numpy()).all()


def test_concerns_reference_the_agencys_own_record_of_a_child_in_its_area(world):
    concerns = world.concerns
    record_agency = world.records.set_index("record_id")["agency"]
    assert (record_agency[concerns["record_id"]].to_numpy() == concerns["agency"].to_numpy()).all()
    child = world.truth.set_index("record_id")["child_id"][concerns["record_id"]]
    child_area = world.children.set_index("child_id")["area_code"][child]
    assert (child_area.to_numpy() == concerns["area_code"].to_numpy()).all()
    dates = pd.to_datetime(concerns["date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp(world.config.start)
    assert dates.max() < pd.Timestamp(world.config.end)


def test_concern_indicators_come_from_the_catalogue():
    catalogue = load()
    world = generate(children=3_000, areas=2, seed=3, catalogue=catalogue)
    known = {i.id for i in catalogue.indicators}
    used = {i for text in world.concerns["indicators"] for i in text.split(";")}
    assert used <= known
    assert len(used) > 30  # the world uses the catalogue widely, not a handful of ids
    assert world.catalogue_version == catalogue.version


def test_victims_show_stronger_signs_than_other_children(world):
    level = {i.id: {"low": 1, "medium": 2, "high": 3}[i.level] for i in load().indicators}
    concerns = world.concerns.merge(world.truth[["record_id", "exploited"]], on="record_id")
    top = concerns["indicators"].map(lambda s: max(level[i] for i in s.split(";")))
    victims = top[concerns["exploited"]].mean()
    others = top[~concerns["exploited"]].mean()
    assert victims > others + 0.4
    # Disclosures come only from victims.
    disclosure = {i.id for i in load().indicators if i.kind == "disclosure"}
    has_disclosure = concerns["indicators"].map(lambda s: bool(disclosure & set(s.split(";"))))
    assert not (has_disclosure & ~concerns["exploited"]).any()


def test_identified_children_have_a_concern_from_the_identifying_agency_that_day(world):
    outcomes = world.outcomes
    assert list(outcomes["child_id"]) == list(world.children["child_id"])
    identified = outcomes[outcomes["identified"]]
    assert len(identified) > 10
    concerns = world.concerns.merge(world.truth[["record_id", "child_id"]], on="record_id")
    keys = set(zip(concerns["child_id"], concerns["agency"], concerns["date"], strict=True))
    for row in identified.itertuples():
        assert (row.child_id, row.agency, row.date) in keys
        assert row.agency in row.agencies.split(";")
    assert (outcomes.loc[~outcomes["identified"], "agency"] == "").all()


def test_exploitation_follows_the_stated_prevalence_and_vulnerabilities(world):
    children = world.children
    config = world.config
    assert children["exploited"].mean() == pytest.approx(config.prevalence, rel=0.2)
    assert children["p_exploited"].mean() == pytest.approx(config.prevalence, rel=1e-6)
    victims = children[children["exploited"]]
    assert (victims["exploitation_start"] < victims["exploitation_end"]).all()
    assert (children.loc[~children["exploited"], "exploitation_start"] == "").all()
    # Vulnerable children are over-represented among victims, as the relative risks say.
    for name in ("looked_after", "missing", "disability"):
        assert victims[name].mean() > 2 * children[name].mean()
    assert victims["age"].min() >= 7
    assert (victims["sex"] == "F").mean() > 0.6
    # About one victim in eight is identified (Children's Commissioner 2015).
    identified = world.outcomes["identified"].to_numpy()[children["exploited"].to_numpy()]
    assert identified.mean() == pytest.approx(config.identified_share_of_victims, abs=0.05)


def test_police_referrals_make_social_care_lists_depend_on_police_lists(world):
    lists = world.outcomes.loc[world.children["exploited"], "agencies"].str.split(";")
    police = lists.map(lambda a: "police" in a)
    social = lists.map(lambda a: "social_care" in a)
    # Social care lists far more of the victims police list than of those police do not.
    assert social[police].mean() > 2 * social[~police].mean()
    referred = world.concerns[world.concerns["referred_by"] == "police"]
    assert len(referred) > 0 and (referred["agency"] == "social_care").all()


def test_twins_siblings_and_common_names_are_present_as_hard_negatives(world):
    children = world.children.set_index("child_id")
    twins = children[children["twin_of"] != ""]
    assert len(twins) / len(children) == pytest.approx(world.config.twin_share, rel=0.3)
    other = children.loc[twins["twin_of"]]
    assert (other["twin_of"].to_numpy() == twins.index.to_numpy()).all()
    assert (other["dob"].to_numpy() == twins["dob"].to_numpy()).all()
    same_sex = other["sex"].to_numpy() == twins["sex"].to_numpy()
    assert (other["last_name"].to_numpy() == twins["last_name"].to_numpy())[same_sex].all()
    assert (other["postcode"].to_numpy() == twins["postcode"].to_numpy()).all()
    assert (other["first_name"].to_numpy() != twins["first_name"].to_numpy()).all()
    assert (other["family_id"].to_numpy() == twins["family_id"].to_numpy()).all()
    # Siblings share a home; families share a surname unless a name changes with sex.
    families = world.children.groupby("family_id")
    assert (families["postcode"].nunique() == 1).all()
    # Different children with the same name and postcode exist.
    key = world.children[["first_name", "last_name", "postcode"]].astype(str).agg("|".join, axis=1)
    assert key.duplicated().sum() > 0


def test_children_attributes_are_in_range(world):
    children = world.children
    assert children["age"].between(0, 17).all()
    assert set(children["sex"]) == {"F", "M"}
    assert children["nhs_number"].is_unique
    assert np.isclose(children["looked_after"].mean(), 0.007, rtol=0.5)


@pytest.mark.parametrize(
    "bad",
    [
        {"children": 0},
        {"nhs_invalid_rate": 1.5},
        {"no_such_parameter": 1},
        {"prevalence": 1.0},
        {"children": 100, "england": True},
        {"children": 3, "areas": 4},
    ],
)
def test_impossible_configurations_are_refused(bad):
    with pytest.raises(ValueError):
        generate(**bad)


def test_config_names_every_agency():
    with pytest.raises(ValueError, match="agency_coverage"):
        WorldConfig(agency_coverage={"police": 0.1})


def test_a_tiny_world_is_still_whole():
    world = generate(children=1, areas=1, seed=0)
    assert len(world.children) == 1 and len(world.outcomes) == 1
    assert set(world.truth["child_id"]) == set(world.children["child_id"])


def test_agencies_notice_the_kinds_of_sign_they_are_skilled_at():
    world = generate(children=30_000, areas=3, seed=8, domain_skill_sd=0.8)
    domain = {i.id: i.domain for i in load().indicators}
    pairs = world.concerns[["area_code", "agency", "indicators"]].copy()
    pairs["domain"] = pairs["indicators"].str.split(";")
    pairs = pairs.explode("domain")
    pairs["domain"] = pairs["domain"].map(domain)
    counts = pairs.groupby(["area_code", "agency", "domain"]).size().rename("n").reset_index()
    # Compare one area with another for the same agency and domain: the area whose agency is
    # more skilled at a domain records a larger share of its signs there.
    share = counts["n"] / counts.groupby(["area_code", "agency"])["n"].transform("sum")
    counts["log_share"] = np.log(share)
    joined = counts.merge(world.sign_skill, on=["area_code", "agency", "domain"])
    joined = joined[joined["agency"].isin(["police", "education", "social_care", "health"])]
    centred = joined.groupby(["agency", "domain"])[["log_share"]].transform(lambda x: x - x.mean())
    skill = np.log(joined["skill"])
    skill = skill - skill.groupby([joined["agency"], joined["domain"]]).transform("mean")
    assert np.corrcoef(centred["log_share"], skill)[0, 1] > 0.3


def test_victims_signs_fall_while_they_are_exploited(world):
    concerns = world.concerns.merge(world.truth[["record_id", "child_id"]], on="record_id")
    children = world.children.set_index("child_id")
    victims = concerns[children.loc[concerns["child_id"], "exploited"].to_numpy()]
    start = pd.to_datetime(children.loc[victims["child_id"], "exploitation_start"]).to_numpy()
    end = pd.to_datetime(children.loc[victims["child_id"], "exploitation_end"]).to_numpy()
    date = pd.to_datetime(victims["date"]).to_numpy()
    window = np.datetime64(world.config.start)
    # Inside the episode (clipped to the window); a referral may follow up to 14 days later.
    assert (date >= np.maximum(start, window)).all()
    assert (date <= end + np.timedelta64(14, "D")).all()


def test_expected_identifications_are_the_mean_of_the_realised_ones(world):
    expected = world.children["p_identified"].sum()
    realised = world.outcomes["identified"].sum()
    spread = np.sqrt((world.children["p_identified"] * (1 - world.children["p_identified"])).sum())
    assert abs(realised - expected) < 4 * spread
    by_area = world.areas.set_index("area_code")
    per = 10_000 / world.config.years
    counts = world.children.groupby("area_code").size()
    realised_rate = world.outcomes.groupby(world.children["area_code"])["identified"].sum()
    assert np.allclose(by_area["identified_per_10k"], (realised_rate / counts * per).round(3))
