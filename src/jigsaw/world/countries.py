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

:func:`simulate_panel` draws a country over several years, as the real one is seen from 2018
to 2025 (``tests/oversight/test_power_quality.py``, ``bench/persistence_quality.py``):

- the unexplained variation between similar areas is as large as in the real data (a lasting
  part, sd 0.42 on the log scale, and a year-to-year part, sd 0.37: the real 2018-2025 ratios to
  DfE neighbours split 0.20 to 0.16 in variance), and prevalence falls 6% a year nationally;
- some areas under-identify in every year (8%), others in some years only (8%, each year with
  probability 0.35);
- three related indicators ("going missing", "criminal exploitation", "sexual abuse") follow
  the true prevalence with their own noise; half the under-identifiers under-record them too,
  in the same years.

:func:`score_methods` scores today's comparison of the last year, the persistent flag
(:mod:`jigsaw.oversight.persistence`) and the model-based comparison with the related
indicators (:mod:`jigsaw.oversight.related`) on one panel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from jigsaw.stats.neighbours import nearest_neighbours
from jigsaw.stats.shortfall import PeerComparison, compare_with_peers, shortfall_summary

__all__ = [
    "METHODS",
    "POOR_DETECTION",
    "RELATED_INDICATORS",
    "TYPICAL_DETECTION",
    "SimulatedCountry",
    "SimulatedPanel",
    "score_lower_flags",
    "score_methods",
    "simulate_country",
    "simulate_panel",
]

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

    def score(
        self,
        flagged: NDArray[np.bool_],
        *,
        shortfall: float,
        shortfall_lower: float,
        shortfall_upper: float,
        rates: NDArray[np.float64],
    ) -> dict[str, float]:
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


def simulate_country(
    seed: int,
    *,
    areas: int = 150,
    share_under: float = 0.12,
    unexplained_sd: float = 0.1,
    effects: tuple[float, ...] = (0.5, 0.3),
    victims_per_10k: float = 15.0,
) -> SimulatedCountry:
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
    prevalence = victims_per_10k * np.exp(
        covariates @ np.asarray(effects) + rng.normal(0, unexplained_sd, areas)
    )
    victims = rng.poisson(children * prevalence / 10_000)
    under = np.zeros(areas, dtype=bool)
    under[rng.choice(areas, int(round(share_under * areas)), replace=False)] = True
    identified = rng.binomial(victims, np.where(under, POOR_DETECTION, TYPICAL_DETECTION))
    frame = pd.DataFrame(
        {
            "area_code": [f"S{seed:02d}A{i:03d}" for i in range(areas)],
            "identified": identified,
            "children": children,
        }
    )
    for k in range(len(effects)):
        frame[f"x_{k}"] = covariates[:, k]
    return SimulatedCountry(
        areas=frame,
        under=under,
        missed=np.asarray(victims * TYPICAL_DETECTION - identified, dtype=float),
    )


def score_lower_flags(seed: int, **options: Any) -> dict[str, float]:
    """Compare one simulated country's areas with their 10 nearest peers; score it on the truth.

    ``options`` go to :func:`jigsaw.stats.shortfall.compare_with_peers` (``level``,
    ``estimator``, ``exclude_lower_peers``, ...). Returns :meth:`SimulatedCountry.score`.
    """
    country = simulate_country(seed)
    neighbours = nearest_neighbours(country.areas, country.covariates)
    comparison = compare_with_peers(country.areas, neighbours, **options)
    summary = comparison.summary()
    return country.score(
        comparison.table["comparison"].eq("lower").to_numpy(),
        shortfall=summary.shortfall,
        shortfall_lower=summary.lower,
        shortfall_upper=summary.upper,
        rates=comparison.table["rate"].to_numpy(dtype=float),
    )


#: The simulated related indicators: (name, loading on true prevalence, own noise sd, base
#: rate per 10,000 children).
RELATED_INDICATORS = (
    ("going_missing", 1.0, 0.4, 12.0),
    ("cce", 0.7, 0.5, 10.0),
    ("sexual_abuse", 0.5, 0.5, 20.0),
)

#: The methods :func:`score_methods` scores, in order.
METHODS = ("peers, last year", "persistent over years", "related indicators model")


@dataclass(frozen=True)
class SimulatedPanel:
    """One simulated country over several years, and its truth.

    Attributes
    ----------
    areas : pandas.DataFrame
        ``area_code``, ``children`` and covariates ``x_0``, ``x_1``, ... (one row per area).
    years : tuple of int
        The years, oldest first.
    identified : ndarray
        Children identified, areas x years.
    related : dict
        Indicator name -> recorded counts, areas x years.
    under : ndarray of bool
        Areas x years: True where the area under-identifies that year.
    persistent : ndarray of bool
        Areas that under-identify in every year.
    under_records : ndarray of bool
        Under-identifiers that under-record the related indicators too (in the same years).
    missed : ndarray
        Victims missed against typical detection, areas x years.
    """

    areas: pd.DataFrame
    years: tuple[int, ...]
    identified: NDArray[np.float64]
    related: dict[str, NDArray[np.float64]]
    under: NDArray[np.bool_]
    persistent: NDArray[np.bool_]
    under_records: NDArray[np.bool_]
    missed: NDArray[np.float64]

    def year(self, index: int = -1) -> SimulatedCountry:
        """The country of one year (default the last), for :func:`score_lower_flags`' methods."""
        frame = self.areas[["area_code"]].copy()
        frame["identified"] = self.identified[:, index]
        frame["children"] = self.areas["children"].to_numpy()
        for column in self.areas.columns:
            if str(column).startswith("x_"):
                frame[column] = self.areas[column].to_numpy()
        return SimulatedCountry(
            areas=frame, under=self.under[:, index].copy(), missed=self.missed[:, index].copy()
        )


def simulate_panel(
    seed: int,
    *,
    areas: int = 150,
    years: int = 8,
    share_persistent: float = 0.08,
    share_intermittent: float = 0.08,
    intermittent_chance: float = 0.35,
    persistent_sd: float = 0.42,
    yearly_sd: float = 0.37,
    effects: tuple[float, ...] = (0.25, 0.15),
    victims_per_10k: float = 26.0,
    trend: float = -0.06,
    share_under_recording: float = 0.5,
) -> SimulatedPanel:
    """Draw one simulated country over ``years`` years (seeded).

    Examples
    --------
    >>> panel = simulate_panel(0)
    >>> panel.identified.shape, int(panel.persistent.sum()), sorted(panel.related)
    ((150, 8), 12, ['cce', 'going_missing', 'sexual_abuse'])
    """
    rng = np.random.default_rng(seed)
    children = np.clip(np.round(rng.lognormal(np.log(62_500), 0.55, areas)), 10_000, 360_000)
    covariates = rng.normal(size=(areas, len(effects)))
    lasting = rng.normal(0, persistent_sd, areas)
    yearly = rng.normal(0, yearly_sd, (areas, years))
    # The log prevalence relative to the national level of each year.
    level = (covariates @ np.asarray(effects))[:, None] + lasting[:, None] + yearly
    national = np.log(victims_per_10k) + trend * np.arange(years)
    victims = rng.poisson(children[:, None] * np.exp(national[None, :] + level) / 10_000)

    order = rng.permutation(areas)
    n_persistent = int(round(share_persistent * areas))
    n_intermittent = int(round(share_intermittent * areas))
    persistent = np.zeros(areas, dtype=bool)
    persistent[order[:n_persistent]] = True
    under = np.repeat(persistent[:, None], years, axis=1)
    intermittent = order[n_persistent : n_persistent + n_intermittent]
    under[intermittent] = rng.random((n_intermittent, years)) < intermittent_chance
    identified = rng.binomial(victims, np.where(under, POOR_DETECTION, TYPICAL_DETECTION))
    under_any = under.any(axis=1)
    under_records = under_any & (rng.random(areas) < share_under_recording)

    related: dict[str, NDArray[np.float64]] = {}
    for name, loading, noise, base in RELATED_INDICATORS:
        own = rng.normal(0, noise, areas)[:, None] + rng.normal(0, 0.15, (areas, years))
        rate = base * np.exp(trend * np.arange(years))[None, :] * np.exp(loading * level + own)
        recorded = np.where(under_records[:, None] & under, POOR_DETECTION / TYPICAL_DETECTION, 1.0)
        related[name] = rng.poisson(children[:, None] * rate * recorded / 10_000).astype(float)

    frame = pd.DataFrame(
        {"area_code": [f"P{seed:02d}A{i:03d}" for i in range(areas)], "children": children}
    )
    for k in range(len(effects)):
        frame[f"x_{k}"] = covariates[:, k]
    return SimulatedPanel(
        areas=frame,
        years=tuple(range(2026 - years, 2026)),
        identified=identified.astype(float),
        related=related,
        under=under,
        persistent=persistent,
        under_records=under_records,
        missed=np.asarray(victims * TYPICAL_DETECTION - identified, dtype=float),
    )


def score_methods(
    seed: int, *, levels: tuple[float, ...] = (0.998, 0.95), **options: Any
) -> list[dict[str, Any]]:
    """Score each of :data:`METHODS` on one panel's last year, at each level.

    ``options`` go to :func:`simulate_panel`. Each row is :meth:`SimulatedCountry.score`
    (against the areas that under-identify in the last year) with ``method``, ``level``,
    ``persistent_found`` / ``persistent_under`` (persistent under-identifiers flagged / in all),
    ``masked_found`` / ``masked_under`` (the same for under-identifiers that under-record the
    related indicators) and the model's ``variance_removed``. The persistent flag's shortfall
    is that of the flagged areas against their peers in the last year; the model's is against
    the model-based expected counts (no interval: the model's uncertainty is not in it).
    """
    # Imported here: jigsaw.oversight builds on jigsaw.stats as this module does.
    from jigsaw.oversight.persistence import persistence
    from jigsaw.oversight.related import peer_log_ratios, related_model

    panel = simulate_panel(seed, **options)
    last = panel.year(-1)
    neighbours = nearest_neighbours(last.areas, last.covariates)
    by_year = [
        compare_with_peers(panel.year(t).areas, neighbours, level=levels[0])
        for t in range(len(panel.years))
    ]
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "area_code": last.areas["area_code"],
                    "year": year,
                    "identified": panel.identified[:, t],
                    "expected": by_year[t].table["expected"].to_numpy(),
                }
            )
            for t, year in enumerate(panel.years)
        ],
        ignore_index=True,
    )
    counts = pd.DataFrame({name: values[:, -1] for name, values in panel.related.items()})
    ratios = peer_log_ratios(last.areas, counts, neighbours)
    rates = by_year[-1].table["rate"].to_numpy(dtype=float)
    rows: list[dict[str, Any]] = []
    for level in levels:
        peers = compare_with_peers(last.areas, neighbours, level=level)
        flags = {"peers, last year": peers.table["comparison"].eq("lower").to_numpy()}
        persistent = persistence(long, level=level).table.set_index("area_code")
        flags["persistent over years"] = (
            persistent["persistent"].reindex(last.areas["area_code"]).eq("lower").to_numpy()
        )
        model = related_model(peers.table, ratios, level=level)
        flags["related indicators model"] = model.table["comparison_model"].eq("lower").to_numpy()
        for method in METHODS:
            flagged = flags[method]
            if method == "related indicators model":
                o = peers.table["identified"].to_numpy(dtype=float)
                total = float(np.nansum((model.table["expected_model"].to_numpy() - o)[flagged]))
                low = high = float("nan")
            else:
                summary = _summary_of(peers, flagged)
                total, low, high = summary
            row: dict[str, Any] = {
                "method": method,
                "level": level,
                "seed": seed,
                **last.score(
                    flagged, shortfall=total, shortfall_lower=low, shortfall_upper=high, rates=rates
                ),
            }
            row["persistent_found"] = float((flagged & panel.persistent).sum())
            row["persistent_under"] = float(panel.persistent.sum())
            masked = panel.under_records & last.under
            row["masked_found"] = float((flagged & masked).sum())
            row["masked_under"] = float(masked.sum())
            row["variance_removed"] = model.variance_removed
            rows.append(row)
    return rows


def _summary_of(
    comparison: PeerComparison, flagged: NDArray[np.bool_]
) -> tuple[float, float, float]:
    """The shortfall total and interval over ``flagged`` areas against their peers."""
    table = comparison.table.copy()
    table["comparison"] = np.where(flagged, "lower", "similar")
    summary = shortfall_summary(replace(comparison, table=table))
    return summary.shortfall, summary.lower, summary.upper
