"""An uncertain person match is merged only when a reviewer confirms it."""

from __future__ import annotations

import pandas as pd

from jigsaw.connect import find_groups

MENTIONS = pd.DataFrame(
    [
        ("1", "c1", "police", "2026-11-01", "person", '"Taz", about 25'),
        ("2", "c2", "school", "2026-11-20", "person", "known as Taz, about 25"),
        ("3", "c1", "police", "2026-11-01", "phone", "07700 900123"),
        ("4", "c2", "school", "2026-11-21", "phone", "+44 7700 900123"),
        ("5", "c3", "school", "2026-11-20", "place", "McDonald's"),
    ],
    columns=["mention_id", "child_id", "agency", "date", "kind", "value"],
)


def test_a_nickname_alone_is_left_for_review_and_merged_once_confirmed():
    alone = find_groups(MENTIONS)
    assert alone.review[["mention_l", "mention_r"]].values.tolist() == [["1", "2"]]
    entity = alone.mentions.set_index("mention_id")["entity_id"]
    assert entity["1"] != entity["2"]

    confirmed = find_groups(MENTIONS, same_people=[("1", "2")])
    entity = confirmed.mentions.set_index("mention_id")["entity_id"]
    assert entity["1"] == entity["2"]
    assert confirmed.review.empty
    # The phone connects the two children on its own; the confirmed nickname is now evidence too.
    evidence = set(confirmed.evidence["entity_id"])
    assert entity["1"] in evidence and entity["3"] in evidence
    assert set(confirmed.groups["child_id"]) == {"c1", "c2"}


def test_a_decided_pair_naming_other_mentions_is_ignored():
    result = find_groups(MENTIONS, same_people=[("1", "3"), ("9", "2")])
    entity = result.mentions.set_index("mention_id")["entity_id"]
    assert entity["1"] != entity["2"] and entity["1"] != entity["3"]
