"""A world not used for tuning (the defaults were chosen on seed 1) and its groups."""

from __future__ import annotations

import pytest

from jigsaw.connect import find_groups
from jigsaw.world import generate


@pytest.fixture(scope="session")
def world():
    """20,000 children in 4 areas, seed 2: about 4,000 mentions and 18 true groups."""
    return generate(children=20_000, areas=4, seed=2)


@pytest.fixture(scope="session")
def result(world):
    return find_groups(world.mentions)
