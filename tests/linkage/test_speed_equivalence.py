"""The faster batch linkage decides exactly as the slower one did.

Two changes made national runs faster: each blocking rule for records lacking a field (a date of
birth, a district) runs as two rules that each filter one side before the join, and clustering works on integer
codes and arrays instead of dictionaries. The reference for both is the code they replaced: the
single rule's SQL (``BlockingRule.sql``) and a frozen copy of the dictionary clustering
(``tests/linkage/reference_cluster.py``). On a world of about 20,000 records (and 100,000 with
``-m slow``) the pairs, their scores, the children, the confidences, the review pairs with their
reasons and explanations, and so the accuracy, must be identical.
"""

from dataclasses import replace

import pandas as pd
import pytest

from jigsaw.linkage import pairwise_scores, prepare
from jigsaw.linkage._backend import score_pairs
from jigsaw.linkage._comparisons import BLOCKING_RULES
from jigsaw.linkage._decide import cluster
from jigsaw.linkage._model import Model, splink_blocking_rules

from . import reference_cluster

PAIR = ["unique_id_l", "unique_id_r"]
ONE_RULE_EACH = [rule.sql() for rule in BLOCKING_RULES]  # the rules as Splink ran them before


def _sorted(pairs: pd.DataFrame) -> pd.DataFrame:
    return pairs.sort_values(PAIR).reset_index(drop=True)


def _run(children: int, seed: int):
    from jigsaw.world import generate

    world = generate(children=children, seed=seed)
    frame = prepare(world.records).frame
    model = Model.default().for_records(len(frame))
    return world, frame, model


@pytest.fixture(scope="module")
def run():
    """A world of 7,400 children (about 20,000 records), prepared, with the run's model."""
    return _run(7400, 11)


def test_a_missing_field_is_one_rule_per_side():
    split = [rule for rule in splink_blocking_rules() if "IS NULL" in rule]
    wanting = [rule.either_missing for rule in BLOCKING_RULES if rule.either_missing]
    assert wanting == ["district", "dob", "dob"]
    assert [rule.rsplit(" AND ", 1)[1] for rule in split] == [
        "l.district IS NULL",
        "r.district IS NULL",
        "l.dob IS NULL",
        "r.dob IS NULL",
        "l.dob IS NULL",
        "r.dob IS NULL",
    ]
    assert len(splink_blocking_rules()) == len(BLOCKING_RULES) + len(wanting)
    assert (
        Model.default().splink_settings("duckdb")["blocking_rules_to_generate_predictions"]
        == splink_blocking_rules()
    )


def test_split_rules_compare_every_pair_the_single_rule_did(run):
    # Every blocked pair, not only those above a threshold: the same pairs, each once.
    _, frame, model = run
    before = score_pairs(frame, model, threshold=0.0, blocking_rules=ONE_RULE_EACH)
    after = score_pairs(frame, model, threshold=0.0)
    assert not after.duplicated(PAIR).any()
    pd.testing.assert_frame_equal(_sorted(after), _sorted(before))
    # Including many that only the rule for a missing date of birth reaches.
    undated = set(frame.loc[frame["dob"].isna(), "unique_id"])
    one_side = after["unique_id_l"].isin(undated) ^ after["unique_id_r"].isin(undated)
    assert one_side.sum() > 1000 and len(after) > 20_000


def _assert_same_decisions(frame, pairs, model):
    new, old = cluster(frame, pairs, model), reference_cluster.cluster(frame, pairs, model)
    pd.testing.assert_frame_equal(new.clusters, old.clusters)
    assert new.kept_apart == old.kept_apart
    # The old review table was built from dictionaries (object columns throughout).
    pd.testing.assert_frame_equal(new.review, old.review, check_dtype=False)
    return new


def _assert_same_linkage(world, frame, model):
    before = score_pairs(
        frame, model, threshold=model.review_threshold, blocking_rules=ONE_RULE_EACH
    )
    pairs = score_pairs(frame, model, threshold=model.review_threshold)
    pd.testing.assert_frame_equal(_sorted(pairs), _sorted(before))
    new = _assert_same_decisions(frame, pairs, model)
    old = reference_cluster.cluster(frame, before, model)
    assert pairwise_scores(new.clusters, world.truth) == pairwise_scores(old.clusters, world.truth)
    # The world is hard enough to exercise every constraint.
    assert new.kept_apart > 100
    assert set(new.review["reason"]) >= {
        "record as close to another child",  # so clustering's second pass runs
        "different valid NHS numbers",
        "same date of birth, different forenames (twins?)",
        "between the review and link thresholds",
    }
    return pairs


def test_same_pairs_children_and_accuracy_on_a_world(run):
    world, frame, model = run
    pairs = _assert_same_linkage(world, frame, model)
    # The other decision settings a partnership can choose take the same paths.
    _assert_same_decisions(frame, pairs, replace(model, keep_twins_apart=False))
    _assert_same_decisions(
        frame, pairs, model.with_thresholds(link=0.95, review=max(model.review_threshold, 0.6))
    )
    _assert_same_decisions(
        frame, pairs.iloc[::3], model
    )  # sparser links: other groups, other refusals


def test_ids_numpy_cannot_hold_take_the_slower_sort_to_the_same_children(run):
    # A trailing NUL is dropped by numpy's fixed-width text, so such ids are sorted by pandas;
    # the same suffix on every id keeps their order, so the decisions must be the same.
    _, frame, model = run
    pairs = score_pairs(frame, model, threshold=model.review_threshold)
    fast = cluster(frame, pairs, model)

    def marked(column):  # by hand: pandas' vectorised + drops the NUL as numpy does
        return [value + "\0" for value in column]

    slow = cluster(
        frame.assign(unique_id=marked(frame["unique_id"])),
        pairs.assign(
            unique_id_l=marked(pairs["unique_id_l"]), unique_id_r=marked(pairs["unique_id_r"])
        ),
        model,
    )
    assert all(value.endswith("\0") for value in slow.clusters["record_id"])
    unmarked = slow.clusters.assign(record_id=[value[:-1] for value in slow.clusters["record_id"]])
    pd.testing.assert_frame_equal(unmarked, fast.clusters)
    assert slow.kept_apart == fast.kept_apart and len(slow.review) == len(fast.review)
    with pytest.raises(ValueError, match="repeat a record id"):
        cluster(pd.concat([frame, frame.iloc[:1]], ignore_index=True), pairs, model)
    with pytest.raises(ValueError, match="not among the prepared records"):
        cluster(frame[frame["unique_id"] != pairs["unique_id_l"].iloc[0]], pairs, model)


@pytest.mark.slow
def test_same_pairs_children_and_accuracy_on_a_100k_world():
    # The evaluation world of docs/benchmarks.md (99,413 records).
    _assert_same_linkage(*_run(37000, 11))


def test_link_restores_the_garbage_collector_as_it_found_it():
    import gc

    from jigsaw.linkage import link

    from .conftest import records

    rows = records(
        [
            {"record_id": "1", "first_name": "Amy", "last_name": "Khan", "dob": "2011-04-03"},
            {"record_id": "2", "first_name": "Amy", "last_name": "Khan", "dob": "2011-04-03"},
        ]
    )
    assert gc.isenabled()
    assert link(rows).children == 1
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        link(rows)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(ValueError, match="record_id"):
        link(rows.drop(columns="record_id"))  # fails while preparing, with the collector paused
    assert gc.isenabled()
