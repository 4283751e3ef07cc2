"""Review pairs the children's other records decide are settled automatically, never a true pair."""

from jigsaw.linkage import link_prepared, prepare
from jigsaw.linkage._review import BETWEEN_THRESHOLDS, settle_review
from jigsaw.linkage._train import link_records


def test_pairs_whose_children_conflict_are_decided_and_none_is_one_child(world):
    prepared = prepare(world.records)
    result = link_prepared(prepared.frame)
    person, decided = settle_review(prepared.records(), result.clusters, result.review)
    assert len(person) + len(decided) == len(result.review)
    assert len(decided) >= 0.1 * len(result.review), "the rule should lighten the list noticeably"
    child = world.truth.set_index("record_id")["child_id"]
    assert not (decided["record_id_l"].map(child) == decided["record_id_r"].map(child)).any()
    assert decided["reason"].str.startswith("no link: ").all()
    # Only pairs no constraint refused are settled; refusals stay for a person.
    refused = result.review[result.review["reason"] != BETWEEN_THRESHOLDS]
    assert set(zip(refused["record_id_l"], refused["record_id_r"], strict=True)) <= set(
        zip(person["record_id_l"], person["record_id_r"], strict=True)
    )
    # jigsaw link runs the same: its review list is the one for a person.
    run = link_records(world.records)
    assert run.result.review.equals(person) and run.decided.equals(decided)
