"""The normal forms and the connection rule on small, hand-written mentions."""

from __future__ import annotations

import pandas as pd
import pytest

from jigsaw.connect import (
    Settings,
    find_groups,
    normalise_online,
    normalise_phone,
    normalise_place,
    normalise_vehicle,
    parse_person,
)


@pytest.mark.parametrize(
    "text", ["YK19 ABC", "yk19abc", "silver Astra YK19 A8C", "YKI9 ABC", "YK19 A8C", "Yk19 aBc"]
)
def test_one_registration_however_written(text):
    assert normalise_vehicle(text).key == "YK19ABC"


def test_a_partial_registration_is_weaker_and_joins_the_full_one():
    assert normalise_vehicle("reg starts YK19").key == "YK19*"
    frame = _mentions([("A", "vehicle", "YK19 ABC"), ("B", "vehicle", "reg starts YK19")])
    result = find_groups(frame)
    resolved = result.mentions.set_index("child_id")
    assert resolved.at["A", "entity_id"] == resolved.at["B", "entity_id"]
    assert resolved.at["B", "specificity"] == 0.5
    assert result.groups.empty  # one partial read is not enough to connect


@pytest.mark.parametrize(
    "text",
    [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+447700900123",
        "0044 7700 900123",
        "07700-900-123",
        "(07700) 900 123",
        "7700900123",
    ],
)
def test_phone_numbers_to_e164(text):
    assert normalise_phone(text).key == "+447700900123"


def test_online_handles_per_platform():
    assert (
        normalise_online("Snapchat: @Taz_99").key
        == normalise_online("snap taz_99").key
        == "snapchat:taz_99"
    )
    assert normalise_online("insta: Taz.99").key == "instagram:taz.99"
    assert normalise_online("TikTok taz.99").key != normalise_online("insta taz.99").key


def test_places_by_postcode_and_name():
    assert (
        normalise_place("Flat 2, 14 Mill St, ls61an").key
        == normalise_place("14 Mill Street, LS6 1AN").key
    )
    assert (
        normalise_place("at McDonald's, Calder centre").key
        == normalise_place("mcdonalds calder centre").key
    )


def test_people_names_nicknames_and_ages():
    person = parse_person("TARIQ HUSSAIN (Taz), aged approx 30")
    assert (person.forename, person.surname, person.nickname, person.age) == (
        "tariq",
        "hussain",
        "taz",
        30,
    )
    assert parse_person("older male known as Mo, 20s").nickname == "mo"
    assert parse_person("dad Darren Smith").family


def _mentions(rows, dates=None):
    return pd.DataFrame(
        [
            (
                f"M{k}",
                child,
                "police",
                (dates or {}).get(k, "2024-01-0" + str(1 + k % 9)),
                kind,
                value,
            )
            for k, (child, kind, value) in enumerate(rows)
        ],
        columns=["mention_id", "child_id", "agency", "date", "kind", "value"],
    )


def test_a_shared_phone_connects_two_children_with_its_mentions_as_evidence():
    result = find_groups(
        _mentions(
            [
                ("A", "phone", "07700 900123"),
                ("B", "phone", "+44 7700 900 123"),
                ("C", "phone", "07700 900999"),
            ]
        )
    )
    assert sorted(result.groups["child_id"]) == ["A", "B"]
    assert sorted(result.evidence["mention_ids"]) == ["M0", "M1"]


def test_outside_the_window_nothing_connects():
    frame = _mentions(
        [("A", "phone", "07700 900123"), ("B", "phone", "07700 900123")],
        dates={0: "2023-01-01", 1: "2024-06-01"},
    )
    assert find_groups(frame, Settings(window_days=365)).groups.empty
    assert not find_groups(frame, Settings(window_days=600)).groups.empty


def test_siblings_sharing_their_mum_are_not_a_group_but_an_unrelated_child_naming_her_is():
    frame = _mentions(
        [
            ("A", "person", "mum Sarah Khan, about 40"),
            ("B", "person", "mum Sarah Khan, about 40"),
            ("A", "vehicle", "mum's car YK19 ABC"),
            ("B", "vehicle", "mum's car YK19ABC"),
        ]
    )
    assert find_groups(frame).groups.empty
    frame = _mentions(
        [("A", "vehicle", "mum's car YK19 ABC"), ("C", "vehicle", "silver Astra YK19ABC")]
    )
    assert sorted(find_groups(frame).groups["child_id"]) == ["A", "C"]


def test_a_common_nickname_alone_never_connects():
    frame = _mentions(
        [
            ("A", "person", "Mo, about 25"),
            ("B", "person", "'Mo' aged approx 25"),
            ("C", "person", "known as Mo"),
        ]
    )
    result = find_groups(frame)
    assert result.groups.empty
    assert result.mentions["entity_id"].nunique() == 3


def test_a_common_entity_connects_no_one():
    # One takeaway mentioned for 60 children and a phone for 2 of them (of 100): only the phone connects.
    rows = [(f"K{k:03d}", "place", "Chicken Cottage, Calder") for k in range(60)]
    rows += [(f"K{k:03d}", "online", f"snap user{k}") for k in range(100)]
    rows += [("K001", "phone", "07700 900123"), ("K002", "phone", "07700900123")]
    result = find_groups(_mentions(rows))
    assert sorted(result.groups["child_id"]) == ["K001", "K002"]
