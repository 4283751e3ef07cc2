"""The dark-figure estimator against the synthetic world's known number of victims.

The world's agencies identify about one victim in eight, and police refer to social care, so their
lists depend on each other: the case the issue warns about. The model the stepwise rule chooses must
allow for that dependence well enough for its interval to hold the true number of exploited
children, where the main-effects model (independent lists) falls far short.
"""

import pandas as pd
import pytest

from jigsaw.stats import mse
from jigsaw.world import generate


@pytest.fixture(scope="module")
def world_lists():
    world = generate(children=200_000, seed=3)
    identified = world.outcomes[world.outcomes["identified"]]
    rows = [
        (child, agency)
        for child, agencies in zip(identified["child_id"], identified["agencies"], strict=True)
        for agency in str(agencies).split(";")
        if agency
    ]
    records = pd.DataFrame(rows, columns=["child_id", "agency"])
    table = mse.table_from_records(records, list_column="agency", child_column="child_id")
    victims = int(world.children["exploited"].sum())
    return table, victims


def test_stepwise_interval_holds_the_true_number_of_victims(world_lists):
    table, victims = world_lists
    result = mse.estimate(table, "stepwise", ci="wald")
    assert result.ci_low <= victims <= result.ci_high
    assert result.total > 2 * table.counts.sum()  # most victims are on no list


def test_independent_lists_underestimate_when_agencies_refer_to_each_other(world_lists):
    table, victims = world_lists
    main = mse.estimate(table, "main", ci="wald")
    stepwise = mse.estimate(table, "stepwise", ci="wald")
    assert main.ci_high < victims
    assert abs(stepwise.total - victims) < abs(main.total - victims)
