"""Review pairs the children's other records decide are settled automatically, never a true pair."""

from jigsaw.linkage import link_prepared, prepare
from jigsaw.linkage._review import (
    BETWEEN_THRESHOLDS,
    records_to_settle,
    review_by_child,
    settle_review,
)
from jigsaw.linkage._train import link_records


def test_pairs_whose_children_conflict_are_decided_and_none_is_one_child(world):
    prepared = prepare(world.records)
    result = link_prepared(prepared.frame)
    person, decided = settle_review(prepared.records(), result.clusters, result.review_pairs)
    assert len(person) + len(decided) == len(result.review_pairs)
    # About 7% here: most pairs it would decide (names alike, dates of birth years apart) are
    # no longer scored at all since the sound-alike rule also needs the birth year or month.
    assert len(decided) >= 0.05 * len(result.review_pairs), (
        "the rule should lighten the list noticeably"
    )
    child = world.truth.set_index("record_id")["child_id"]
    assert not (decided["record_id_l"].map(child) == decided["record_id_r"].map(child)).any()
    assert decided["reason"].str.startswith("no link: ").all()
    # Only pairs no constraint refused are settled; refusals stay for a person.
    refused = result.review_pairs[result.review_pairs["reason"] != BETWEEN_THRESHOLDS]
    assert set(zip(refused["record_id_l"], refused["record_id_r"], strict=True)) <= set(
        zip(person["record_id_l"], person["record_id_r"], strict=True)
    )
    # jigsaw link runs the same, reading only the records of the children in those pairs: its
    # review list is the one for a person.
    assert len(records_to_settle(result.clusters, result.review_pairs)) < len(prepared.frame) / 2
    run = link_records(world.records)
    assert run.result.review_pairs.equals(person) and run.decided.equals(decided)
    assert run.result.review.equals(review_by_child(person))


def test_one_review_row_per_pair_of_children_covers_every_pair(world):
    result = link_prepared(prepare(world.records).frame)
    pairs, review = result.review_pairs, result.review
    children = [frozenset(p) for p in zip(review["child_id_l"], review["child_id_r"], strict=True)]
    assert len(set(children)) == len(children), "one row per pair of children"
    assert len(review) < 0.5 * len(pairs), "several record pairs meet the same two children"
    # Every record pair is on its children's row: as the row's own pair or among the others,
    # and the row's pair is the strongest of them.
    shown = {
        (left, right)
        for left, right in zip(review["record_id_l"], review["record_id_r"], strict=True)
    }
    for others in review["other_pairs"]:
        shown |= {tuple(p.split("~")) for p in others.split("; ") if p}
    assert shown == set(zip(pairs["record_id_l"], pairs["record_id_r"], strict=True))
    assert review["pairs"].sum() == len(pairs)
    strongest = pairs.assign(
        key=[frozenset(p) for p in zip(pairs["child_id_l"], pairs["child_id_r"], strict=True)]
    )
    best = strongest.groupby("key")["match_weight"].max()
    assert (review["match_weight"].to_numpy() == best.loc[children].to_numpy()).all()
    # A link is still a person's decision: the row names both children, with the explanation.
    assert review["explanation"].str.startswith("prior: two random records").all()
