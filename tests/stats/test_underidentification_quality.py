"""The `lower` flag finds under-identifying areas, on simulated countries with a known truth.

The countries come from :mod:`jigsaw.world.countries` (150 areas, 12% identifying a fifth of
their victims where typical areas identify two thirds); neighbours are the 10 nearest on the
covariates (jigsaw.stats.neighbours.nearest_neighbours). Target: precision >= 0.85 and recall
>= 0.9 for the `lower` flag, and the shortfall summed over flagged areas within 20% of what they
truly missed, checked on the pooled flags of several seeds (the shortfall on every seed).
bench/shortfall_quality.py runs more seeds and the plain Spiegelhalter funnel for
docs/methods/shortfall.md.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from jigsaw.world.countries import score_lower_flags

SEEDS = range(8)


@cache
def country_scores(estimator: str = "robust") -> pd.DataFrame:
    """Scores of every seed (cached: the same countries serve several tests)."""
    return pd.DataFrame([score_lower_flags(seed, estimator=estimator) for seed in SEEDS])


def test_simulated_rates_look_like_the_real_2025_ones():
    scores = country_scores()
    assert 8 <= scores["median_rate"].median() <= 11
    assert 0.55 <= scores["log_rate_sd"].median() <= 0.85


def test_lower_flags_find_the_under_identifiers_and_their_shortfall():
    scores = country_scores()
    precision = scores["true_positives"].sum() / scores["flagged"].sum()
    recall = scores["true_positives"].sum() / scores["under"].sum()
    print(f"\nrobust: precision {precision:.3f}, recall {recall:.3f} over {len(SEEDS)} countries")
    assert precision >= 0.85
    assert recall >= 0.9
    ratio = scores["shortfall"] / scores["missed_by_flagged"]
    print("shortfall / truly missed by flagged areas, per country:", ratio.round(3).tolist())
    assert ((ratio > 0.8) & (ratio < 1.2)).all()
    # The interval of the total should usually hold the truth.
    held = (scores["shortfall_lower"] <= scores["missed_by_flagged"]) & (
        scores["missed_by_flagged"] <= scores["shortfall_upper"]
    )
    assert held.mean() >= 0.75


def test_plain_spiegelhalter_funnel_misses_more():
    """Spiegelhalter's winsorised DerSimonian-Laird estimate, which the under-identifiers inflate,
    finds fewer of them at the same level (all else equal)."""
    robust = country_scores()
    plain = country_scores("dersimonian-laird")
    recall_plain = plain["true_positives"].sum() / plain["under"].sum()
    recall_robust = robust["true_positives"].sum() / robust["under"].sum()
    captured_plain = plain["shortfall"].sum() / plain["missed_by_under"].sum()
    captured_robust = robust["shortfall"].sum() / robust["missed_by_under"].sum()
    print(
        f"\nplain: recall {recall_plain:.3f}, shortfall / all missed {captured_plain:.3f}; "
        f"robust: recall {recall_robust:.3f}, shortfall / all missed {captured_robust:.3f}"
    )
    assert recall_plain < recall_robust - 0.1
    assert captured_plain < captured_robust - 0.1
