"""One record at a time: same weights and decisions as the batch, from an in-memory index."""

import math

import pytest

from jigsaw.linkage import Model, OnlineMatcher, prepare
from jigsaw.linkage._backend import score_pairs


@pytest.fixture(scope="module")
def store(world, world_link):
    """All but the last 200 world records, with the batch's child ids; the rest are queries."""
    frame = world.records.merge(world_link.clusters[["record_id", "child_id"]], on="record_id")
    return frame.iloc[:-200], frame.iloc[-200:]


def test_match_weights_equal_splinks_for_the_same_pairs(world, store):
    known, new = store
    matcher = OnlineMatcher.from_records(known)
    query = new.iloc[0].to_dict()
    matches = matcher.match(query, limit=50)
    assert matches
    # Splink on the store plus the query scores the same pairs; the prior is rescaled to the
    # same number of records, so weights must agree to rounding.
    both = prepare(known._append(new.iloc[[0]])).frame
    model = Model.default().for_records(len(both))
    pairs = score_pairs(both, model, threshold=0.0)
    qid = query["record_id"]
    splink = {}
    for row in pairs.itertuples(index=False):
        if qid in (row.unique_id_l, row.unique_id_r):
            splink[row.unique_id_r if row.unique_id_l == qid else row.unique_id_l] = (
                row.match_weight
            )
    for match in matches:
        assert math.isclose(match.match_weight, splink[match.record_id], abs_tol=1e-6), match


def test_new_records_find_their_child(world, store):
    known, new = store
    matcher = OnlineMatcher.from_records(known)
    child_of = world.truth.set_index("record_id")["child_id"]
    true_child_of_cluster = (
        known.assign(t=known["record_id"].map(child_of))
        .groupby("child_id")["t"]
        .agg(lambda s: s.mode()[0])
    )
    known_children = set(child_of[known["record_id"]])
    right = wrong = missed = 0
    for record in new.to_dict("records"):
        matches = matcher.match(record)
        top = matches[0] if matches else None
        truly_known = child_of[record["record_id"]] in known_children
        if top and top.decision == "link":
            if true_child_of_cluster[top.child_id] == child_of[record["record_id"]]:
                right += 1
            else:
                wrong += 1
        elif truly_known:
            missed += 1
    assert wrong == 0
    assert right >= 0.9 * (right + missed)


def test_add_makes_a_record_findable_and_explains_the_match():
    matcher = OnlineMatcher.from_records(
        __import__("pandas").DataFrame(
            [
                {
                    "record_id": "R1",
                    "agency": "school",
                    "first_name": "Kuba",
                    "last_name": "Nowak",
                    "dob": "2012-05-06",
                    "sex": "M",
                    "postcode": "LS6 1AN",
                    "nhs_number": None,
                    "child_id": "C1",
                }
            ]
        )
    )
    matcher.add(
        {
            "record_id": "R2",
            "first_name": "Amy",
            "last_name": "Nowak",
            "dob": "2012-05-06",
            "sex": "F",
            "postcode": "LS6 1AN",
        },
        "C2",
    )
    assert len(matcher) == 2
    matches = matcher.match(
        {
            "record_id": "Q",
            "first_name": "Jakub",
            "last_name": "NOWAK",
            "dob": "06/05/2012",
            "sex": "male",
            "postcode": "ls61an",
        }
    )
    assert [m.child_id for m in matches] == ["C1", "C2"]
    best, twin = matches
    assert best.decision == "link" and best.match_probability > 0.99
    labels = {name: label for name, label, _ in best.explanation}
    assert labels["forename"] == "nickname or variant (Jess/Jessica)"
    assert labels["dob"] == "same date of birth"
    assert twin.decision == "no_link"
    assert twin.explanation[-1][0] == "constraint"
    assert math.isclose(sum(w for _, _, w in best.explanation), best.match_weight, abs_tol=0.01)


def test_from_records_needs_child_ids():
    import pandas as pd

    with pytest.raises(ValueError, match="child_id"):
        OnlineMatcher.from_records(pd.DataFrame({"record_id": ["1"]}))


def test_a_conflict_with_any_record_of_a_child_refuses_the_link():
    """The child's best-scoring record has no NHS number, but another of its records has a
    different valid one: the batch would keep the new record apart, so the matcher must too."""
    import pandas as pd

    base = {
        "agency": "health",
        "first_name": "Sam",
        "last_name": "Okafor",
        "dob": "2012-06-14",
        "sex": "F",
        "postcode": "LS6 1AN",
    }
    matcher = OnlineMatcher.from_records(
        pd.DataFrame(
            [
                {
                    **base,
                    "record_id": "R1",
                    "agency": "school",
                    "nhs_number": None,
                    "child_id": "C1",
                },
                {**base, "record_id": "R2", "nhs_number": "9434765919", "child_id": "C1"},
            ]
        )
    )
    [found] = matcher.match({**base, "record_id": "Q", "nhs_number": "4010232137"})
    assert found.child_id == "C1" and found.record_id == "R1" and found.match_probability > 0.99
    assert found.decision == "no_link"
    assert found.explanation[-1] == ("constraint", "different valid NHS numbers (record R2)", 0.0)
    [same] = matcher.match({**base, "record_id": "Q2", "nhs_number": "9434765919"})
    assert same.decision == "link"


def test_a_model_given_for_one_query_scores_it_as_a_matcher_built_with_that_model():
    """One index, several partnerships' models: a query scored with ``model=`` gets that model's
    weights, thresholds and constraints, exactly as a matcher built with it, and the matcher's
    own model is left as it was."""
    import dataclasses

    import pandas as pd

    from jigsaw.linkage import Model

    twin = {
        "agency": "school",
        "first_name": "Ada",
        "last_name": "Nwosu",
        "dob": "2012-06-14",
        "sex": "F",
        "postcode": "LS6 1AN",
        "nhs_number": None,
    }
    frame = pd.DataFrame([{**twin, "record_id": "R1", "child_id": "C1"}])
    shipped = Model.default()
    # Another partnership's model: its own weights for sex, stricter thresholds, no twins rule.
    sex = shipped.levels["sex"]
    other = dataclasses.replace(
        shipped.with_thresholds(link=0.999999, review=0.9),
        version="other",
        levels={**shipped.levels, "sex": (sex[0], (sex[1][0], sex[1][1] / 4), *sex[2:])},
        keep_twins_apart=False,
    )
    shared = OnlineMatcher.from_records(frame)
    own = OnlineMatcher.from_records(frame, other)
    query = {**twin, "record_id": "Q", "first_name": "Grace"}  # same birthday, another name
    [given] = shared.match(query, model=other)
    [built] = own.match(query)
    assert given == built
    [plain] = shared.match(query)
    assert plain.explanation[-1][0] == "constraint" and plain.decision == "no_link"
    assert given.explanation[-1][0] != "constraint"
    assert dict((n, w) for n, _, w in given.explanation)["sex"] == round(
        other.level_weight("sex", 1), 3
    )
    assert shared.model is shipped or shared.model.version == shipped.version


def test_a_full_name_common_together_weakens_the_pair_alike_in_batch_and_one_at_a_time():
    """Wei and Wang are each rare here, but seven children share the full name Wei Wang: the
    product of the two shares would call a pair of Wei Wangs born the same day near-certain.
    Worked by hand: of 39 records (the store and the query), 9 hold Wei, 9 hold Wang and 9 both;
    3 of those (the query and child C1's two records) are born on the pair's date, so 6 are
    other children's. The step is -log2((6/39) / ((9/39) * (9/39))) = -log2(6 * 39 / 81) bits."""
    import pandas as pd

    from jigsaw.linkage import Model

    def row(record_id, first, last, dob, child):
        return {
            "record_id": record_id,
            "agency": "health",
            "first_name": first,
            "last_name": last,
            "dob": dob,
            "sex": "M",
            "postcode": "LS6 1AN",
            "nhs_number": None,
            "child_id": child,
        }

    rows = [
        row("A1", "Wei", "Wang", "2012-01-01", "C1"),
        row("A2", "Wei", "Wang", "2012-01-01", "C1"),
    ]
    rows += [row(f"W{i}", "Wei", "Wang", f"2012-0{i + 2}-1{i}", f"CW{i}") for i in range(6)]
    rows += [
        row(f"F{i}{j}", first, last, f"2010-0{1 + i}-2{j}", f"F{i}{j}")
        for i, first in enumerate(("Noah", "Leo", "Isla", "Ava", "Omar", "Zara"))
        for j, last in enumerate(("Jones", "Patel", "Nowak", "Okafor", "Brown"))
    ]
    store = pd.DataFrame(rows)
    query = row("Q", "Wei", "Wang", "2012-01-01", None)
    expected = -math.log2(6 * 39 / 81)

    found = OnlineMatcher.from_records(store).match(query, limit=20)
    c1 = next(m for m in found if m.child_id == "C1")
    step = c1.explanation[-1]
    assert step[:2] == ("full_name", "forename and surname often found together")
    assert math.isclose(step[2], expected, abs_tol=1e-3)
    assert math.isclose(sum(w for _, _, w in c1.explanation), c1.match_weight, abs_tol=0.01)

    # The batch on the store and the query gives the same step and the same weights.
    both = prepare(pd.concat([store, pd.DataFrame([query])], ignore_index=True)).frame
    pairs = score_pairs(both, Model.default().for_records(len(both)), threshold=0.0)
    pairs = pairs[(pairs.unique_id_l == "Q") | (pairs.unique_id_r == "Q")]
    pairs.index = pairs.unique_id_l.where(pairs.unique_id_l != "Q", pairs.unique_id_r)
    assert math.isclose(pairs.loc[c1.record_id, "mw_full_name"], expected, abs_tol=1e-9)
    for match in found:
        assert math.isclose(
            match.match_weight, pairs.loc[match.record_id, "match_weight"], abs_tol=1e-6
        )
    # Another Wei Wang, born another day: the step counts the holders born on neither date.
    assert math.isclose(pairs.loc["W0", "mw_full_name"], -math.log2(5 * 39 / 81), abs_tol=1e-9)


def test_a_full_name_no_other_child_holds_leaves_the_pair_as_it_was():
    """Amy Smith is the only Amy Smith: nothing says her names go together more than apart."""
    import pandas as pd

    base = {"agency": "health", "sex": "F", "postcode": "LS6 1AN", "nhs_number": None}
    store = pd.DataFrame(
        [
            {
                **base,
                "record_id": "R1",
                "first_name": "Amy",
                "last_name": "Smith",
                "dob": "2011-04-03",
                "child_id": "C1",
            },
            {
                **base,
                "record_id": "R2",
                "first_name": "Amy",
                "last_name": "Jones",
                "dob": "2012-05-03",
                "child_id": "C2",
            },
            {
                **base,
                "record_id": "R3",
                "first_name": "Ava",
                "last_name": "Smith",
                "dob": "2013-06-03",
                "child_id": "C3",
            },
        ]
    )
    [match] = OnlineMatcher.from_records(store).match(
        {**base, "record_id": "Q", "first_name": "Amy", "last_name": "Smith", "dob": "2011-04-03"},
        limit=1,
    )
    assert match.child_id == "C1"
    assert "full_name" not in [name for name, _, _ in match.explanation]
