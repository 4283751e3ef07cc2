"""One small world shared by the world tests (generating it is the slow part)."""

from __future__ import annotations

import pytest

from jigsaw.world import generate


@pytest.fixture(scope="session")
def world():
    """20,000 children in 4 areas: enough records (~55,000) to measure noise rates."""
    return generate(children=20_000, areas=4, seed=11)
