"""Statistics for oversight and the dark figure (no Django, no database).

Import the submodule you need; each declares its own ``__all__``:

- :mod:`jigsaw.stats.rates` — rates per 10,000 with exact/Byar intervals; Wilson proportions.
- :mod:`jigsaw.stats.funnel` — funnel-plot limits and significance labels (PHEindicatormethods).
- :mod:`jigsaw.stats.standardised` — directly and indirectly standardised rates (DSR, ISR).
- :mod:`jigsaw.stats.overdispersion` — Spiegelhalter (2005) overdispersed limits, robust to outliers.
- :mod:`jigsaw.stats.neighbours` — DfE statistical neighbours; k nearest neighbours on covariates.
- :mod:`jigsaw.stats.shortfall` — expected identifications at peers' rate and the shortfall.
- :mod:`jigsaw.stats.mse` — multiple systems estimation of the dark figure.
"""

__all__ = ["funnel", "mse", "neighbours", "overdispersion", "rates", "shortfall", "standardised"]
