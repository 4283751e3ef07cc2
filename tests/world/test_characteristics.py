"""Each child's ethnicity in the Census 2021 groups, and the gaps recording leaves."""

from __future__ import annotations

import numpy as np

from jigsaw.characteristics import DISABILITY_ANSWERS, ETHNICITY_ANSWERS, NOT_ASKED, REFUSED
from jigsaw.datasets import england
from jigsaw.world import generate


def test_ethnicity_is_in_the_census_groups_with_the_las_own_white_other_split():
    world = generate(children=60_000, areas=1, la="E06000018", seed=3)  # Nottingham
    kids = world.children
    assert set(kids["ethnicity"]) <= set(ETHNICITY_ANSWERS) - {REFUSED, NOT_ASKED}
    census = england.ethnicity_counts().set_index("new_la_code").loc["E06000018"]
    three = ["white_gypsy_irish_traveller", "white_roma", "white_other"]
    share = census[three] / census[three].sum()
    drawn = kids["ethnicity"].value_counts().reindex(three, fill_value=0)
    n = int(drawn.sum())
    for group in three:
        # Within four binomial standard errors of the LA's Census share of the three groups.
        sd = np.sqrt(share[group] * (1 - share[group]) / n)
        assert abs(drawn[group] / n - share[group]) < 4 * sd + 1e-9, group
    assert drawn["white_roma"] > 0


def test_what_agencies_recorded_is_the_truth_but_for_refusals_and_questions_never_asked():
    world = generate(children=20_000, areas=2, seed=4)
    kids = world.children
    config = world.config
    assert set(kids["ethnicity_recorded"]) <= set(ETHNICITY_ANSWERS)
    assert set(kids["disability_recorded"]) <= set(DISABILITY_ANSWERS)
    answered = ~kids["ethnicity_recorded"].isin([REFUSED, NOT_ASKED])
    assert (kids.loc[answered, "ethnicity_recorded"] == kids.loc[answered, "ethnicity"]).all()
    told = kids["disability_recorded"].isin(["yes", "no"])
    assert ((kids.loc[told, "disability_recorded"] == "yes") == kids.loc[told, "disability"]).all()
    n = len(kids)
    for column, shares in (
        ("ethnicity_recorded", config.ethnicity_gap_shares),
        ("disability_recorded", config.disability_gap_shares),
    ):
        for gap in (REFUSED, NOT_ASKED):
            expected = shares[gap]
            sd = np.sqrt(expected * (1 - expected) / n)
            assert abs((kids[column] == gap).mean() - expected) < 4 * sd, (column, gap)


def test_the_same_seed_records_the_same_children():
    a = generate(children=3_000, areas=1, seed=9).children
    b = generate(children=3_000, areas=1, seed=9).children
    columns = ["ethnicity", "ethnicity_recorded", "disability_recorded"]
    assert a[columns].equals(b[columns])
    c = generate(children=3_000, areas=1, seed=10).children
    assert not a[columns].equals(c[columns])
