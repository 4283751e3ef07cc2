"""Loaders for the public data Jigsaw uses (no Django).

- :mod:`jigsaw.datasets.paths` — where the shipped data lives (``shared_data_dir``).
- :mod:`jigsaw.datasets.england` — DfE children in need factors, population, covariates, problems.
"""

__all__ = ["england", "paths"]
