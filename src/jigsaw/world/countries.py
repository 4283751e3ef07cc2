"""Simulated countries of areas with known under-identifiers: the truth the ``lower`` flag is scored on.

Much smaller than :func:`jigsaw.world.generate` (no children or records, only area counts), so
many countries can be drawn for the quality test of the oversight comparison and its benchmark
(``tests/stats/test_underidentification_quality.py``, ``bench/shortfall_quality.py``):

- 150 areas with real-ish child populations (median 62,500; 10,000 to 360,000, like English LAs
  without City of London and Scilly);
- two area covariates (say deprivation and urbanity) that drive the true prevalence of CSE, plus
  unexplained variation between similar areas (sd 0.1 on the log scale), so that true victims per
  10,000 children range several-fold and the identified rates look like the real 2025 ones
  (median about 9 to 10 per 10,000, log-scale sd about 0.7; the real 2025 figures are 10.0 and
  0.63);
- typical areas identify two thirds of their victims; 12% of areas identify a fifth.

"Missed against typical detection" for an area is victims x 2/3 - identified.
:func:`score_lower_flags` runs the oversight comparison (10 nearest neighbours on the
covariates, :func:`jigsaw.stats.shortfall.compare_with_peers`) on one country and scores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from jigsaw.stats.neighbours import nearest_neighbours
from jigsaw.stats.shortfall import compare_with_peers

__all__ = ["POOR_DETECTION", "TYPICAL_DETECTION", "SimulatedCountry", "score_lower_flags",
           "simulate_country"]

#: Share of its victims a typical area identifies.
TYPICAL_DETECTION = 2 / 3
#: Share an under-identifying area identifies.
POOR_DETECTION = 1 / 5


@dataclass(frozen=True)
class SimulatedCountry:
    """One simulated country and its truth.

    Attributes
    ----------
    areas : pandas.DataFrame
        ``area_code``, ``identified``, ``children`` and covariates ``x_0``, ``x_1``, ...
    under : ndarray of bool
        True for the areas that under-identify.
    missed : ndarray of float
        Victims each area missed against typical detection (negative when it found more).
    """

    areas: pd.DataFrame
    under: NDArray[np.bool_]
    missed: NDArray[np.float64]

    @property
    def covariates(self) -> list[str]:
        """The covariate columns (``x_*``), for nearest-neighbour peers."""
        return [c for c in self.areas.columns if str(c).startswith("x_")]

    def score(self, flagged: NDArray[np.bool_], *, shortfall: float, shortfall_lower: float,
              shortfall_upper: float, rates: NDArray[np.float64]) -> dict[str, float]:
        """Score a method's ``lower`` flags and shortfall total against the truth.

        Parameters
        ----------
        flagged : array of bool
            The areas the method flagged ``lower``, in the order of :attr:`areas`.
        shortfall, shortfall_lower, shortfall_upper : float
            The method's shortfall over the flagged areas and its interval.
        rates : array of float
            Each area's identified rate per 10,000 (to check the country looks real).
        """
        flagged = np.asarray(flagged, dtype=bool)
        return {
            "true_positives": float((flagged & self.under).sum()),
            "flagged": float(flagged.sum()),
            "under": float(self.under.sum()),
            "shortfall": float(shortfall),
            "shortfall_lower": float(shortfall_lower),
            "shortfall_upper": float(shortfall_upper),
            "missed_by_flagged": float(self.missed[flagged].sum()),
            "missed_by_under": float(self.missed[self.under].sum()),
            "median_rate": float(np.median(rates)),
            "log_rate_sd": float(np.std(np.log(np.asarray(rates) + 0.1))),
        }


def simulate_country(seed: int, *, areas: int = 150, share_under: float = 0.12,
                     unexplained_sd: float = 0.1, effects: tuple[float, ...] = (0.5, 0.3),
                     victims_per_10k: float = 15.0) -> SimulatedCountry:
    """Draw one simulated country (seeded: the same seed gives the same country).

    Examples
    --------
    >>> country = simulate_country(0)
    >>> len(country.areas), int(country.under.sum()), country.covariates
    (150, 18, ['x_0', 'x_1'])
    """
    rng = np.random.default_rng(seed)
    children = np.clip(np.round(rng.lognormal(np.log(62_500), 0.55, areas)), 10_000, 360_000)
    covariates = rng.normal(size=(areas, len(effects)))
    prevalence = victims_per_10k * np.exp(covariates @ np.asarray(effects)
                                          + rng.normal(0, unexplained_sd, areas))
    victims = rng.poisson(children * prevalence / 10_000)
    under = np.zeros(areas, dtype=bool)
    under[rng.choice(areas, int(round(share_under * areas)), replace=False)] = True
    identified = rng.binomial(victims, np.where(under, POOR_DETECTION, TYPICAL_DETECTION))
    frame = pd.DataFrame({"area_code": [f"S{seed:02d}A{i:03d}" for i in range(areas)],
                          "identified": identified, "children": children})
    for k in range(len(effects)):
        frame[f"x_{k}"] = covariates[:, k]
    return SimulatedCountry(areas=frame, under=under,
                            missed=np.asarray(victims * TYPICAL_DETECTION - identified, dtype=float))


def score_lower_flags(seed: int, **options: Any) -> dict[str, float]:
    """Compare one simulated country's areas with their 10 nearest peers; score it on the truth.

    ``options`` go to :func:`jigsaw.stats.shortfall.compare_with_peers` (``level``,
    ``estimator``, ``exclude_lower_peers``, ...). Returns :meth:`SimulatedCountry.score`.
    """
    country = simulate_country(seed)
    neighbours = nearest_neighbours(country.areas, country.covariates)
    comparison = compare_with_peers(country.areas, neighbours, **options)
    summary = comparison.summary()
    return country.score(comparison.table["comparison"].eq("lower").to_numpy(),
                         shortfall=summary.shortfall, shortfall_lower=summary.lower,
                         shortfall_upper=summary.upper,
                         rates=comparison.table["rate"].to_numpy(dtype=float))
