"""The partnership's figures against the synthetic world's truth (the children, identifications,
concerns and clock results the world and its adapter put in are known)."""

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from jigsaw.errors import InputError
from jigsaw.oversight import partnership as p
from jigsaw.oversight.returns import published_value
from jigsaw.stats import rates
from jigsaw.world import generate


@pytest.fixture(scope="module")
def world():
    return generate(children=40_000, la="E06000015", seed=5)


@pytest.fixture(scope="module")
def inputs(world):
    return p.inputs_from_world(world)


@pytest.fixture(scope="module")
def period(world):
    return world.config.start, world.config.end - dt.timedelta(days=1)


def _by(figures, measure, breakdown):
    return next(f for f in figures if f.measure == measure and f.breakdown == breakdown)


def test_the_world_stands_in_for_its_la(world):
    area = world.areas.iloc[0]
    assert (area["area_code"], area["area_name"], area["children"]) == (
        "E06000015",
        "Derby",
        40_000,
    )
    assert area["population_0_17"] == 62_113  # ONS mid-2024, the real LA's


def test_identified_children_and_victims_are_the_worlds(world, inputs, period):
    figures = p.identified_figures(inputs.outcomes, inputs.children_total, *period)
    kids = world.children.set_index("child_id")
    found = world.outcomes[world.outcomes["identified"]]
    victims = int(kids.loc[found["child_id"], "exploited"].sum())
    assert _by(figures, "identified", "outcome=any").value == int(world.areas["identified"].iloc[0])
    assert _by(figures, "identified", "outcome=victim").value == victims
    assert _by(figures, "identified", "outcome=at_risk").value == len(found) - victims
    rate = rates.rate(len(found), 40_000)
    assert _by(figures, "identified_per_10k_lower", "outcome=any").value == pytest.approx(
        rate.lower
    )
    quarters = [f for f in figures if f.measure == "identified" and "quarter=" in f.breakdown]
    assert len(quarters) == 8
    first = pd.to_datetime(found["date"])
    assert quarters[0].value == int(((first >= "2023-04-01") & (first <= "2023-06-30")).sum())
    assert _by(figures, "identified_trend", "outcome=any").value in (
        "rising",
        "falling",
        "no clear trend",
    )


def test_identifications_and_concerns_by_agency_are_the_worlds(world, inputs, period):
    figures = p.agency_figures(
        inputs.concerns, inputs.referrals, inputs.outcomes, inputs.agencies, *period
    )
    found = world.outcomes[world.outcomes["identified"]]
    lists = pd.Series([a for s in found["agencies"] for a in s.split(";")]).value_counts()
    concerns = world.concerns["agency"].value_counts()
    for agency in inputs.agencies:
        assert _by(figures, "identifications", f"agency={agency}").value == lists.get(agency, 0)
        assert _by(figures, "concerns", f"agency={agency}").value == concerns.get(agency, 0)


def test_an_agency_with_nothing_in_12_months_is_silent_and_a_thinned_one_is_below_its_share(
    inputs, period
):
    start, end = period
    concerns = inputs.concerns[inputs.concerns["agency"] != "voluntary"]
    outcomes = inputs.outcomes[inputs.outcomes["agency"] != "voluntary"]
    education = concerns[concerns["agency"] == "education"]
    thinned = pd.concat([concerns[concerns["agency"] != "education"], education.iloc[::10]])
    # The reference: this partnership's own shares before thinning (a similar partnership).
    reference = p.concern_shares(inputs.concerns, start, end)
    silent = {
        s.agency: s.reason
        for s in p.silent_agencies(thinned, outcomes, inputs.agencies, end, reference)
    }
    assert silent == {"voluntary": "no_activity_12_months", "education": "below_similar_share"}
    assert (
        p.silent_agencies(inputs.concerns, inputs.outcomes, inputs.agencies, end, reference) == []
    )


def test_the_dark_figure_is_jigsaw_mse_on_the_same_export(inputs, period, tmp_path):
    dark = p.dark_figure(inputs.outcomes, *period)
    assert dark.status == "estimated"
    export = tmp_path / "linked.csv"
    p.mse_records(inputs.outcomes, *period).to_csv(export, index=False)
    out = subprocess.run(
        [sys.executable, "-m", "jigsaw.cli", "mse", "--records", str(export), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    cli = json.loads(out.stdout)
    assert (dark.total, dark.lower, dark.upper) == (cli["total"], cli["ci_low"], cli["ci_high"])
    assert list(dark.terms) == cli["terms_list"] and dark.observed == cli["observed"]
    assert {"all", "stepwise"} <= set(dark.sensitivity["lists"]) | set(dark.sensitivity["method"])


def test_the_dark_figure_says_when_lists_are_too_few_or_too_sparse(inputs, period):
    two = inputs.outcomes[inputs.outcomes["agency"].isin(["police", "social_care"])]
    assert p.dark_figure(two, *period).status == "too_few_lists"
    few = inputs.outcomes[
        inputs.outcomes["child_id"].isin(inputs.outcomes["child_id"].unique()[:12])
    ]
    sparse = p.dark_figure(few, *period)
    assert sparse.status == "too_sparse" and "fewer than 20" in sparse.note
    assert [f.measure for f in sparse.figures()][:3] == ["mse_status", "mse_note", "mse_observed"]


def test_disproportionality_counts_and_populations_are_the_worlds(world, inputs, period):
    figures = p.disproportionality(inputs.outcomes, inputs.children, inputs.population, *period)
    kids = world.children.set_index("child_id")
    found = kids.loc[world.outcomes.loc[world.outcomes["identified"], "child_id"]]
    girls = int((found["sex"] == "F").sum())
    assert _by(figures, "identified", "outcome=any;sex=female").value == girls
    assert _by(figures, "population", "sex=female").value == int((kids["sex"] == "F").sum())
    # Identified children as the agencies recorded them, against the true population: the
    # disabled children recorded as refused or not asked are counted there, not as disabled.
    recorded = found["disability_recorded"].value_counts()
    counts = {
        f.breakdown.split("disability=")[1]: f.value
        for f in figures
        if f.measure == "identified" and "disability=" in f.breakdown
    }
    # A gap no identified child falls in has no population either, so no row.
    assert counts == {a: float(n) for a, n in recorded.items()} | {
        a: 0.0 for a in ("yes", "no") if a not in recorded
    }
    ratio = _by(figures, "rate_ratio", "outcome=any;disability=yes").value
    expected = (recorded["yes"] / kids["disability"].sum()) / (len(found) / len(kids))
    assert ratio == pytest.approx(expected)
    assert ratio > 1.5  # the world's disabled children carry 2.9 times the risk
    assert _by(figures, "population", "disability=yes").value == kids["disability"].sum()
    # Ethnicity likewise: each recorded group, and the gaps, as the world's agencies left them.
    ethnic = found["ethnicity_recorded"].value_counts()
    assert ethnic["not asked"] > 0
    for group in ("white_british", "not asked"):
        assert _by(figures, "identified", f"outcome=any;ethnicity={group}").value == ethnic[group]


def test_ethnicity_is_never_blank_and_refusals_are_counted(inputs, period):
    children = inputs.children.copy()
    identified = p.identified_children(inputs.outcomes, *period)["child_id"]
    position = children.index[children["child_id"].isin(identified)]
    answered = position[children.loc[position, "ethnicity"] != "refused"]
    before = int((children.loc[position, "ethnicity"] == "refused").sum())
    children.loc[answered[:6], "ethnicity"] = "refused"
    figures = p.disproportionality(inputs.outcomes, children, inputs.population, *period)
    assert _by(figures, "identified", "outcome=any;ethnicity=refused").value == before + 6
    children.loc[position[1], "ethnicity"] = "martian"
    with pytest.raises(InputError, match=r"column ethnicity: 'martian'; record a Census 2021"):
        p.disproportionality(inputs.outcomes, children, inputs.population, *period)
    children.loc[position[1], "disability"] = ""
    children.loc[position[1], "ethnicity"] = "refused"
    with pytest.raises(InputError, match=r"column disability: blank; record yes or no"):
        p.disproportionality(inputs.outcomes, children, inputs.population, *period)
    children.loc[position[1], "disability"] = "not asked"
    children.loc[position[0], "ethnicity"] = ""
    with pytest.raises(
        InputError, match=rf"children: row {position[0] + 2}, column ethnicity: blank"
    ):
        p.disproportionality(inputs.outcomes, children, inputs.population, *period)


def test_timeliness_counts_the_clock_results_given(inputs, period):
    start, end = period
    figures = p.timeliness(inputs.referrals, inputs.actions, inputs.missing_episodes, start, end)
    r = inputs.referrals
    decided = pd.to_datetime(r["decided"]).between(pd.Timestamp(start), pd.Timestamp(end))
    assert _by(figures, "referrals_decided", "").value == decided.sum()
    assert _by(figures, "decided_within_rag", "").value == (r["within_rag"] & decided).sum()
    assert (
        _by(figures, "decided_within_1_working_day", "").value
        == (r["within_1_working_day"] & decided).sum()
    )
    assert _by(figures, "median_hours_to_decision", "").value == pytest.approx(
        r.loc[decided, "hours_to_decision"].median()
    )
    # Re-referrals are worked out from the referrals themselves: a child referred twice in a year.
    received = pd.to_datetime(r["received"])
    again = 0
    for _, dates in received.groupby(r["child_id"]):
        ordered = np.sort(dates.to_numpy())
        again += int(np.sum(np.diff(ordered).astype("timedelta64[D]").astype(int) <= 365))
    assert _by(figures, "re_referrals_12m", "").value == again
    e = inputs.missing_episodes
    assert _by(figures, "return_interviews_within_72h", "").value == e["within_72h"].sum()
    assert _by(figures, "missing_episodes", "").value == len(e)


def test_a_small_cell_beside_its_total_withholds_another(inputs, period):
    start, end = period
    outcomes = inputs.outcomes.copy()
    at_risk = outcomes.index[outcomes["outcome"] == "at_risk"]
    keep = set(outcomes.loc[at_risk, "child_id"].unique()[:3])
    outcomes = outcomes[(outcomes["outcome"] == "victim") | outcomes["child_id"].isin(keep)]
    figures = p.identified_figures(outcomes, inputs.children_total, start, end)
    assert published_value(_by(figures, "identified", "outcome=at_risk")) == "<5"
    # victims = all - at risk: shown, they would give the "<5" back.
    assert published_value(_by(figures, "identified", "outcome=victim")) == "c"
    assert published_value(_by(figures, "identified_per_10k", "outcome=victim")) == ""
    assert published_value(_by(figures, "identified", "outcome=any")) not in ("<5", "c")


def test_bad_input_names_frame_row_and_field(inputs, period):
    outcomes = inputs.outcomes.copy()
    outcomes.loc[3, "outcome"] = "maybe"
    with pytest.raises(InputError, match=r"outcomes: row 5, column outcome: 'maybe'"):
        p.identified_figures(outcomes, 1000, *period)
    with pytest.raises(InputError, match="outcomes: missing column date"):
        p.identified_figures(inputs.outcomes.drop(columns="date"), 1000, *period)


def test_the_published_cin_figure_beside_the_partnerships_is_derbys_and_labelled_as_another_measure():
    cin = p.published_cin("E06000015", 2025)
    assert (cin.identified, cin.children) == (52, 62_113)  # DfE CIN 2025, ONS mid-2024
    # Coventry, Bolton, Walsall, Southampton, Kirklees, Peterborough, Rochdale, Sheffield,
    # Tameside, Stoke-on-Trent: 912 assessments over 729,130 children.
    assert len(cin.neighbours) == 10
    assert cin.neighbours_rate == pytest.approx(912 / 729_130 * 10_000)
    assert round(cin.england_rate, 1) == 10.2  # the 150 LAs compared (README)
    assert "different measure" in cin.measure
    with pytest.raises(InputError, match="not an English LA"):
        p.published_cin("A001")


def test_the_census_gives_derbys_children_by_ethnic_group():
    from jigsaw.datasets import england

    rows = p.census_ethnicity("E06000015", 62_113)
    assert rows["children"].sum() == 62_113 and set(rows["dimension"]) == {"ethnicity"}
    census = england.ethnicity_counts().set_index("new_la_code").loc["E06000015"]
    share = census["white_british"] / census[list(england.CENSUS_GROUPS)].sum()
    white = int(rows.loc[rows["group"] == "white_british", "children"].iloc[0])
    assert abs(white - share * 62_113) < 1


def test_jigsaw_world_la_writes_one_area_standing_in_for_the_la(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "jigsaw.cli",
            "world",
            "--la",
            "E08000026",
            "--children",
            "500",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "500 children in 1 areas" in out.stdout
    areas = pd.read_csv(tmp_path / "areas.csv")
    assert areas[["area_code", "area_name"]].values.tolist() == [["E08000026", "Coventry"]]
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "jigsaw.cli",
            "world",
            "--la",
            "E99",
            "--areas",
            "2",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "--la makes one area" in refused.stderr
