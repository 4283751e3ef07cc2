"""Shared test data for linkage: a small synthetic world with its truth (never real children)."""

import pandas as pd
import pytest

from jigsaw.linkage import RECORD_COLUMNS


@pytest.fixture(scope="session")
def world():
    """A 5,000-child world (about 13,700 records), all noise on; seed 1 is not the training seed."""
    from jigsaw.world import generate

    return generate(children=5000, seed=1)


@pytest.fixture(scope="session")
def world_link(world):
    """The batch linkage of ``world`` with the shipped model, computed once."""
    from jigsaw.linkage import link

    return link(world.records)


def records(rows):
    """Build a RECORDS frame from dicts, filling absent fields with blanks."""
    return pd.DataFrame([{c: row.get(c) for c in RECORD_COLUMNS} for row in rows])
