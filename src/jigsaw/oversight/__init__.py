"""Oversight: how far each area's identification is from its peers', for every output.

The analysis the national report (:mod:`jigsaw.report`), ``jigsaw oversight`` and the web
application share. It reads nothing but its inputs and renders nothing:

- :mod:`jigsaw.oversight.areas` reads and checks a user's areas and neighbour files;
- :mod:`jigsaw.oversight.analysis` compares any areas with their peers
  (:func:`analyse_areas` -> :class:`AreaComparison`);
- :mod:`jigsaw.oversight.national` loads one year of England's data once
  (:func:`load_national` -> :class:`NationalInputs`) and analyses it at both levels
  (:func:`analyse_national` -> :class:`NationalAnalysis`).

Every figure it hands on is exact; what may be published is decided by :mod:`jigsaw.disclosure`,
which the analysis already respects where a published figure could give a small count back
(peers' rates, group spreads, the shortfall total).
"""

from jigsaw.oversight.analysis import (
    NOT_COMPARED,
    RESULT_COLUMNS,
    AreaComparison,
    analyse_areas,
    neighbours_from_covariates,
)
from jigsaw.oversight.areas import read_areas, read_neighbours, validate_areas, validate_neighbours
from jigsaw.oversight.national import (
    NationalAnalysis,
    NationalInputs,
    NationalSummary,
    analyse_national,
    load_national,
)

__all__ = [
    "NOT_COMPARED",
    "RESULT_COLUMNS",
    "AreaComparison",
    "NationalAnalysis",
    "NationalInputs",
    "NationalSummary",
    "analyse_areas",
    "analyse_national",
    "load_national",
    "neighbours_from_covariates",
    "read_areas",
    "read_neighbours",
    "validate_areas",
    "validate_neighbours",
]
