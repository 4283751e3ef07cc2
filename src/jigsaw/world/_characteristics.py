"""Each child's ethnicity in all the Census 2021 groups, and what the agencies recorded of it.

The population draws ethnicity in the world's own groups, in which Gypsy or Irish Traveller and
Roma children are within ``white_other``; here each such child is placed in one of the three
Census groups with the area's own Census 2021 shares (England's for a synthetic area), so the
truth uses exactly the groups a partnership records (:data:`jigsaw.characteristics.ETHNICITY_ANSWERS`).
What an agency records is the truth, except for the gaps recording leaves: a share of children
whose ethnicity, or disability, was refused or never asked (``ethnicity_gap_shares``,
``disability_gap_shares``). Drawn from a stream of their own, so every other table of the world
is what it was without them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jigsaw.characteristics import NOT_ASKED, REFUSED
from jigsaw.datasets import england
from jigsaw.world._config import WorldConfig

__all__ = ["characteristics"]

# The Census groups the world's ``white_other`` covers, in the order they are drawn.
_WHITE_OTHER = ("white_gypsy_irish_traveller", "white_roma", "white_other")


def _white_other_shares(area_codes: np.ndarray) -> np.ndarray:
    """(areas, 3) shares of the three groups among them: the LA's own, else England's."""
    census = england.ethnicity_counts().set_index("new_la_code")[list(_WHITE_OTHER)]
    england_row = census.sum(axis=0).to_numpy(float)
    rows = np.array(
        [
            census.loc[code].to_numpy(float) if code in census.index else england_row
            for code in area_codes
        ]
    )
    return rows / rows.sum(axis=1, keepdims=True)


def _gaps(
    rng: np.random.Generator, truth: np.ndarray, shares: dict[str, float] | object
) -> np.ndarray:
    """``truth`` with a share of children refused and a share never asked."""
    refused = float(shares[REFUSED])  # type: ignore[index]
    not_asked = float(shares[NOT_ASKED])  # type: ignore[index]
    u = rng.random(len(truth))
    out = np.array(truth, dtype=object)  # a copy of its own
    out[u < refused] = REFUSED
    out[(u >= refused) & (u < refused + not_asked)] = NOT_ASKED
    return out


def characteristics(config: WorldConfig, children: pd.DataFrame) -> dict[str, np.ndarray]:
    """``ethnicity`` (in the Census groups), ``ethnicity_recorded`` and ``disability_recorded``
    (object arrays, one entry per child).

    ``children`` has the world's ``area_code``, ``ethnicity`` and ``disability`` per child.
    """
    # The ninth stream of the seed: the first eight (and so the rest of the world) are untouched.
    rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(8,)))
    ethnicity = children["ethnicity"].to_numpy(object).copy()
    # np.unique's sorted codes and each child's place among them, by hashing (far sooner).
    area_of, codes = pd.factorize(children["area_code"].astype(str).to_numpy(), sort=True)
    shares = _white_other_shares(codes)[area_of]
    u = rng.random(len(children))
    cumulative = np.cumsum(shares, axis=1)
    pick = (u[:, None] >= cumulative[:, :-1]).sum(axis=1)
    other = ethnicity == "white_other"
    ethnicity[other] = np.asarray(_WHITE_OTHER, dtype=object)[pick[other]]
    disabled = np.array(["no", "yes"], dtype=object)[
        children["disability"].to_numpy(bool).astype(np.intp)
    ]
    return {
        "ethnicity": ethnicity,
        "ethnicity_recorded": _gaps(rng, ethnicity, config.ethnicity_gap_shares),
        "disability_recorded": _gaps(rng, disabled, config.disability_gap_shares),
    }
