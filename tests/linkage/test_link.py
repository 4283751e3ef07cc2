"""Batch linkage against the synthetic world's truth and a hand-made cast of hard cases."""

import pandas as pd

from jigsaw.linkage import link, pairwise_scores

from .conftest import records


def test_world_precision_and_recall_after_clustering(world, world_link):
    scores = pairwise_scores(world_link.clusters, world.truth)
    # Full-size acceptance figures (100,000+ records) are in bench/linkage.py; a small world
    # has the same noise at a scale CI can afford.
    assert scores.precision >= 0.995
    assert scores.recall >= 0.98
    assert len(world_link.clusters) == len(world.records)


def test_world_twins_are_never_merged(world, world_link):
    children = world.children
    twins = children[children["twin_of"].notna() & (children["twin_of"] != "")]
    assert len(twins) > 50
    child_of = world.truth.set_index("record_id")["child_id"]
    found = world_link.clusters.assign(true_child=lambda f: f["record_id"].map(child_of))
    children_per_cluster = found.groupby("child_id")["true_child"].agg(set)
    merged = [c for c in children_per_cluster if len(c) > 1]
    pairs = set(zip(twins["child_id"], twins["twin_of"], strict=True))
    assert not [c for c in merged if any({a, b} <= c for a, b in pairs)]


def test_review_pairs_are_explained(world_link):
    review = world_link.review
    assert len(review) > 0
    first = review.iloc[0]
    assert first["explanation"].startswith("prior: two random records")
    for name in ("nhs_number", "forename", "surname", "dob", "postcode", "sex"):
        assert f"{name}: " in first["explanation"]
    assert set(review["reason"]) <= {
        "between the review and link thresholds",
        "different valid NHS numbers",
        "same date of birth, different forenames (twins?)",
        "same date of birth, different sex (twins?)",
        "different dates of birth within one child",
        "record as close to another child",
    }


def _clusters(rows):
    result = link(records(rows))
    return result, result.clusters.set_index("record_id")["child_id"]


BASE = {"last_name": "Okonkwo-Hughes", "dob": "2012-06-14", "postcode": "LS6 1AN", "sex": "F"}


def test_a_nickname_and_a_swapped_date_link_across_agencies():
    result, child = _clusters(
        [
            {
                "record_id": "S1",
                "agency": "school",
                "first_name": "Jess",
                "last_name": "Smith",
                "dob": "3/4/2011",
                "postcode": "LS6 2AB",
                "sex": "F",
            },
            {
                "record_id": "H1",
                "agency": "health",
                "first_name": "Jessica",
                "last_name": "Smith-Khan",
                "dob": "2011-04-03",
                "postcode": "LS6 2AB",
                "nhs_number": "9434765919",
                "sex": "F",
            },
            {
                "record_id": "H2",
                "agency": "health",
                "first_name": "Jessica",
                "last_name": "Smith-Khan",
                "dob": "04/03/2011",
                "postcode": "LS11 5XX",
                "nhs_number": "943 476 5919",
                "sex": "F",
            },
            {
                "record_id": "X1",
                "agency": "school",
                "first_name": "Oliver",
                "last_name": "Brown",
                "dob": "2010-01-01",
                "postcode": "M1 1AA",
                "sex": "M",
            },
        ]
    )
    assert child["S1"] == child["H1"] == child["H2"] != child["X1"]
    assert result.clusters.set_index("record_id").loc["X1", "confidence"] == 1.0


def test_twins_with_everything_but_forename_in_common_stay_two_children():
    result, child = _clusters(
        [
            {"record_id": "A1", "first_name": "Amy", **BASE},
            {"record_id": "A2", "first_name": "Amy", **BASE},
            {"record_id": "B1", "first_name": "Beth", **BASE},
            {"record_id": "B2", "first_name": "Beth", **BASE},
        ]
    )
    assert child["A1"] == child["A2"] != child["B1"] == child["B2"]


def test_different_valid_nhs_numbers_are_two_children_even_through_a_third_record():
    result, child = _clusters(
        [
            {"record_id": "N1", "first_name": "Sam", "nhs_number": "9434765919", **BASE},
            {"record_id": "N2", "first_name": "Sam", "nhs_number": "4010232137", **BASE},
            {"record_id": "N3", "first_name": "Sam", **BASE},
        ]
    )
    assert child["N1"] != child["N2"]
    assert len(result.review) >= 1
    assert (result.review["reason"] == "different valid NHS numbers").any()


def test_bad_rows_are_reported_and_do_not_stop_the_run():
    result, child = _clusters(
        [
            {
                "record_id": "G1",
                "first_name": "Grace",
                "dob": "31/02/2012",
                **{k: v for k, v in BASE.items() if k != "dob"},
            },
            {"record_id": "G2", "first_name": "Grace", "nhs_number": "1234567890", **BASE},
            {"record_id": "", "first_name": "Nobody"},
        ]
    )
    assert sorted(child.index) == ["G1", "G2"]
    assert {(p.row, p.field) for p in result.problems} == {
        (2, "dob"),
        (3, "nhs_number"),
        (4, "record_id"),
    }


def test_pairwise_scores_of_a_perfect_and_an_empty_linkage(world):
    truth = world.truth[["record_id", "child_id"]]
    perfect = pairwise_scores(truth, truth)
    assert (perfect.precision, perfect.recall) == (1.0, 1.0)
    alone = pd.DataFrame({"record_id": truth["record_id"], "child_id": truth["record_id"]})
    assert pairwise_scores(alone, truth).recall == 0.0
