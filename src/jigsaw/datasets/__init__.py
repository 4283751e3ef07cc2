"""Loaders for the public data Jigsaw uses (no Django).

- :mod:`jigsaw.datasets.paths` — where the shipped data lives (``shared_data_dir``).
- :mod:`jigsaw.datasets.csvfile` — a user's CSV read as text, errors naming the file.
- :mod:`jigsaw.datasets.england` — DfE children in need factors, population, covariates, problems.
"""

__all__ = ["csvfile", "england", "paths"]
