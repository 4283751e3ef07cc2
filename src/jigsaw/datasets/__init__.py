"""The public data Jigsaw ships, and its loaders (no Django).

Shipped data is read only here; other layers call these functions.

- :mod:`jigsaw.datasets.shipped` — the one list of shipped files (vintage, source, licence) and
  where each is installed (``shipped_path``, ``mse_example``).
- :mod:`jigsaw.datasets.england` — DfE children in need factors, population, covariates, problems.
- :mod:`jigsaw.datasets.neighbours` — DfE's statistical neighbour lists, read and checked.
- :mod:`jigsaw.datasets.csvfile` — a user's CSV read as text, errors naming the file.
"""

__all__ = ["csvfile", "england", "neighbours", "shipped"]
