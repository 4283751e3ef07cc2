"""Link a batch of agencies' records into children, end to end."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from jigsaw.linkage._backend import score_pairs
from jigsaw.linkage._decide import cluster
from jigsaw.linkage._model import Model
from jigsaw.linkage._prepare import Problem, prepare
from jigsaw.linkage._review import review_by_child

__all__ = ["LinkResult", "link", "link_prepared"]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block, then restore it as it was.

    Preparing and clustering create millions of small objects (lists of deletions and masks,
    dictionaries) and free them by reference counting; none form cycles worth collecting, yet
    each collection of the oldest generation walks them all (about a sixth of a
    1,000,000-record run). Results are the same with or without it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _objects_frozen() -> Iterator[None]:
    """Leave the objects alive now (the prepared records) out of collections during the block.

    Scoring runs with the collector on, as Splink and the database expect; the prepared
    records it reads stay alive throughout, so walking them at every collection is wasted. A
    caller that froze objects itself keeps them frozen.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass(frozen=True)
class LinkResult:
    """What a batch run found: children, pairs to review, values not used and how long it took."""

    clusters: pd.DataFrame  # record_id, child_id, confidence
    # One row per pair of children a person should decide (jigsaw.linkage._review.review_by_child):
    # the strongest record pair between them, with ``pairs``, ``reasons`` and ``other_pairs``.
    review: pd.DataFrame
    problems: tuple[Problem, ...]
    pairs_scored: int
    kept_apart: int
    model_version: str
    backend: str
    seconds: dict[str, float] = field(default_factory=dict)
    # Every record pair behind ``review`` (the pairs at or above the review threshold left in
    # different children), strongest first, in the columns of ``review`` without the three added.
    review_pairs: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def children(self) -> int:
        """Number of distinct children found."""
        return int(self.clusters["child_id"].nunique())


def link(
    records: pd.DataFrame,
    *,
    model: Model | None = None,
    backend: str = "duckdb",
    source: str = "records",
    progress: Callable[[str], None] | None = None,
    spark: Any = None,
) -> LinkResult:
    """Link records about children from several agencies into one row per record and child.

    Parameters
    ----------
    records : pandas.DataFrame
        Columns ``record_id, agency, first_name, last_name, dob, sex, postcode, nhs_number``.
    model : Model, optional
        Trained model; the model shipped with Jigsaw when omitted.
    backend : {"duckdb", "spark"}
        Where Splink runs. ``spark`` uses ``spark`` (a SparkSession) or starts a local one.
    source : str
        File name for messages.
    progress : callable, optional
        Called with a short message as each stage starts.

    Returns
    -------
    LinkResult
        Clusters for every usable record; rows left out (blank or repeated record ids) are in
        ``problems``, as are values not used.

    Raises
    ------
    ValueError
        If ``records`` has no ``record_id`` column or the backend is unknown.
    """
    say = progress or (lambda message: None)
    start = time.perf_counter()
    say(f"preparing {len(records):,} records")
    with _collector_paused():
        prepared = prepare(records, source=source)
    prepare_seconds = time.perf_counter() - start
    if prepared.problems:
        say(f"{len(prepared.problems):,} values not used (see problems)")
    result = link_prepared(
        prepared.frame, model=model, backend=backend, progress=progress, spark=spark
    )
    return replace(
        result, problems=prepared.problems, seconds={"prepare": prepare_seconds, **result.seconds}
    )


def link_prepared(
    frame: pd.DataFrame,
    *,
    model: Model | None = None,
    backend: str = "duckdb",
    progress: Callable[[str], None] | None = None,
    spark: Any = None,
) -> LinkResult:
    """Link records already prepared, in plain text or as tokens (:mod:`jigsaw.linkage._tokens`).

    Parameters and result as :func:`link`; ``problems`` is empty (they stay with whoever
    prepared the records).
    """
    model = (model or Model.default()).for_records(len(frame))
    say = progress or (lambda message: None)
    seconds: dict[str, float] = {}
    say(f"scoring blocked pairs on {backend}")
    start = time.perf_counter()
    if len(frame) >= 2:
        with _objects_frozen():
            pairs = score_pairs(
                frame, model, threshold=model.review_threshold, backend=backend, spark=spark
            )
    else:
        pairs = _no_pairs()
    seconds["score"] = time.perf_counter() - start
    say(f"{len(pairs):,} pairs at or above the review threshold; clustering")
    start = time.perf_counter()
    with _collector_paused():
        result = cluster(frame, pairs, model)
    seconds["cluster"] = time.perf_counter() - start
    review = review_by_child(result.review)
    say(
        f"{result.clusters['child_id'].nunique():,} children; {len(review):,} pairs of children "
        f"to review ({len(result.review):,} pairs of records)"
    )
    return LinkResult(
        clusters=result.clusters,
        review=review,
        review_pairs=result.review,
        problems=(),
        pairs_scored=len(pairs),
        kept_apart=result.kept_apart,
        model_version=model.version,
        backend=backend,
        seconds=seconds,
    )


def _no_pairs() -> pd.DataFrame:
    from jigsaw.linkage._comparisons import COMPARISONS, FULL_NAME

    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    columns += [f"gamma_{c.name}" for c in COMPARISONS] + [f"mw_{c.name}" for c in COMPARISONS]
    columns.append(f"mw_{FULL_NAME}")
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
