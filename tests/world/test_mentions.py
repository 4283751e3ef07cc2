"""The world's mentions: format, truth and the background that makes connection hard."""

from __future__ import annotations

from jigsaw.world import generate


def test_mentions_have_the_jigsaw_groups_format_and_complete_truth(world):
    mentions, truth = world.mentions, world.mention_truth
    assert list(mentions.columns) == ["mention_id", "child_id", "agency", "date", "kind", "value"]
    assert mentions["mention_id"].is_unique
    assert set(mentions["kind"]) == {"person", "vehicle", "phone", "online", "place"}
    assert (mentions["value"].str.strip() != "").all()
    assert list(truth["mention_id"]) == list(mentions["mention_id"])
    assert set(mentions["child_id"]) <= set(world.children["child_id"])
    start, end = str(world.config.start), str(world.config.end)
    assert mentions["date"].between(start, end, inclusive="left").all()


def test_groups_are_exploited_children_of_one_area_with_several_adults(world):
    groups = world.group_truth
    children = world.children.set_index("child_id")
    assert groups["group_id"].nunique() >= 10
    assert children.loc[groups["child_id"], "exploited"].all()
    assert (groups.groupby("group_id")["area_code"].nunique() == 1).all()
    low, high = world.config.group_children
    assert groups.groupby("group_id").size().between(2, high + 1).all()
    adults = world.mention_truth.loc[
        world.mention_truth["entity_id"].str.contains("-A"), "entity_id"
    ]
    assert adults.str.rsplit("-", n=1).str[0].value_counts().max() >= 2


def test_the_background_is_shared_by_many_children(world):
    joined = world.mentions.merge(world.mention_truth, on="mention_id")
    per_entity = joined.groupby("entity_id")["child_id"].nunique()
    common = joined.loc[joined["role"] == "common", "entity_id"].unique()
    assert per_entity[common].max() >= 20  # a town-centre takeaway
    family = joined[joined["role"] == "family"]
    assert (family.groupby("entity_id")["child_id"].nunique() >= 2).any()  # siblings share a mum
    # Different adults share first names and nicknames.
    people = joined[(joined["kind"] == "person") & (joined["role"] != "family")]
    first_words = people["value"].str.extract(r"^(?:'|known as )?([A-Za-z]+)")[0].str.lower()
    assert people.assign(first=first_words).groupby("first")["entity_id"].nunique().max() >= 5


def test_same_seed_same_mentions():
    a = generate(children=1500, areas=2, seed=9)
    b = generate(children=1500, areas=2, seed=9)
    for name in ("mentions", "mention_truth", "group_truth"):
        assert getattr(a, name).equals(getattr(b, name))
