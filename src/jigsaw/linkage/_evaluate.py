"""Measure linkage against known truth: pairwise precision, recall and F1 after clustering."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["PairwiseScores", "pairwise_scores"]


@dataclass(frozen=True)
class PairwiseScores:
    """Counts of record pairs put in one child by the linkage and by the truth, and the scores."""

    true_positive: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float:
        """Share of predicted same-child pairs that are truly the same child (1 if none)."""
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of true same-child pairs the linkage put together (1 if none)."""
        return self.true_positive / self.actual if self.actual else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.predicted + self.actual
        return 2 * self.true_positive / total if total else 1.0


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(
    predicted: pd.DataFrame, truth: pd.DataFrame, *, by: str = "child_id"
) -> PairwiseScores:
    """Compare a clustering with the truth over all pairs of records.

    Parameters
    ----------
    predicted, truth : pandas.DataFrame
        Each with ``record_id`` and a cluster column ``by``; only records in both are counted.

    Returns
    -------
    PairwiseScores

    Notes
    -----
    Pairwise (not cluster-level) measures, as in Christen, *Data Matching* (Springer, 2012),
    chapter 7: a pair counts once however many records its children have.

    Examples
    --------
    >>> p = pd.DataFrame({"record_id": [1, 2, 3, 4], "child_id": ["a", "a", "a", "b"]})
    >>> t = pd.DataFrame({"record_id": [1, 2, 3, 4], "child_id": ["x", "x", "y", "y"]})
    >>> s = pairwise_scores(p, t)
    >>> s.true_positive, s.predicted, s.actual, round(s.f1, 3)
    (1, 3, 2, 0.4)
    """
    both = predicted[["record_id", by]].merge(
        truth[["record_id", by]], on="record_id", suffixes=("_p", "_t")
    )
    tp = _pairs(both.groupby([f"{by}_p", f"{by}_t"]).size())
    return PairwiseScores(
        tp, _pairs(both.groupby(f"{by}_p").size()), _pairs(both.groupby(f"{by}_t").size())
    )
