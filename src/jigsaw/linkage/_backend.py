"""Run the linkage model on Splink 5: train it, and score the blocked pairs of a batch.

The only module that talks to Splink. DuckDB is the default; Spark (local or a cluster) runs the
same settings, with the SQL of the few dialect-specific levels written for it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from jigsaw.linkage._comparisons import (
    COMPARISONS,
    FULL_NAME,
    FULL_NAME_COLUMNS,
    FULL_NAME_DATE,
    full_name_levels,
    full_name_weight,
)
from jigsaw.linkage._decide import index_to_gamma
from jigsaw.linkage._model import Model, untrained_model
from jigsaw.linkage._schema import PREPARED_COLUMNS

__all__ = ["BACKENDS", "train", "score_pairs", "spark_session"]

BACKENDS = ("duckdb", "spark")

# Columns of the prepared frame that Splink reads: all but Jigsaw's own (``agency``, and
# ``near_groups``, which only the clustering's constraints use).
SPLINK_COLUMNS = [c for c in PREPARED_COLUMNS if c not in ("agency", "near_groups")]
LIST_COLUMNS = (
    "forename_del",
    "surname_del",
    "dob_masks",
    "dob_slips",
    "postcodes",
    "sectors",
    "districts",
)

# When a level is never seen in training (no twins' NHS numbers agree among random pairs, say),
# Splink leaves it untrained. These stand-ins are conservative: an unseen u is rare but not
# impossible; an unseen m makes the level neutral (m = u) rather than evidence either way.
_UNSEEN_U = 1e-7
_UNSEEN_ELSE_M = 1e-3
_MIN_NHS_PAIRS = 1000
# Two different valid NHS numbers for one child arise only from a clerical error (another
# child's number typed in); the modulus-11 check removes mistyped digits. EM cannot learn this
# from twins, who share everything else, so m is fixed rather than estimated.
NHS_M = {"same NHS number": 0.995, "different NHS numbers": 0.005}


def _fix_nhs_m(settings: dict[str, Any]) -> None:
    for comparison in settings["comparisons"]:
        if comparison["output_column_name"] == "nhs_number":
            for level in comparison["comparison_levels"]:
                if level["label_for_charts"] in NHS_M:
                    level["m_probability"] = NHS_M[level["label_for_charts"]]
                    level["fix_m_probability"] = True


def _pairs_sharing_nhs_number(frame: pd.DataFrame) -> int:
    sizes = frame["nhs_number"].dropna().value_counts()
    return int((sizes * (sizes - 1) // 2).sum())


def spark_session(cores: int = 2) -> Any:
    """Return a local Spark session set up for Splink (UI off, few shuffle partitions)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("jigsaw-linkage")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.default.parallelism", str(cores))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _db_api(backend: str, spark: Any = None) -> Any:
    if backend == "duckdb":
        import os
        import tempfile

        import duckdb
        from splink import DuckDBAPI

        # DuckDB may take 80% of RAM by default; a limit makes it spill to disk instead, which
        # keeps a national run on one machine within a predictable footprint. 2 GB holds a
        # 1,000,000-record run's scoring (the whole process peaks at about 3.5 GB) at no
        # measurable cost in time; JIGSAW_DUCKDB_MEMORY (DuckDB's own units: "4GB") raises it.
        memory = os.environ.get("JIGSAW_DUCKDB_MEMORY", "2GB")
        connection = duckdb.connect(
            ":memory:", config={"memory_limit": memory, "temp_directory": tempfile.gettempdir()}
        )
        return DuckDBAPI(connection=connection)
    if backend == "spark":
        from splink import SparkAPI

        # Persisting (not checkpointing) breaks lineage without needing a checkpoint directory.
        # Splink's SparkAPI is not annotated.
        return SparkAPI(spark_session=spark or spark_session(), break_lineage_method="persist")  # type: ignore[no-untyped-call]
    raise ValueError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")


def _release(db_api: Any) -> None:
    """Close a DuckDB connection once its results are out.

    Splink's objects refer to each other in cycles, so the connection (and every table it holds:
    about a gigabyte after training on 1,000,000 records) would otherwise live until a garbage
    collection, which the linkage pauses while it scores and clusters. Spark sessions are shared
    and stay open.
    """
    from splink import DuckDBAPI  # already imported by whoever made ``db_api``

    if isinstance(db_api, DuckDBAPI):
        db_api.duckdb_con.close()


def _input_table(frame: pd.DataFrame, backend: str, db_api: Any) -> Any:
    table = frame[SPLINK_COLUMNS].copy()
    for column in ("dob_year", "dob_month", "dob_day"):
        if table[column].dtype != object:  # tokens are text; plain parts are nullable ints,
            table[column] = table[column].astype("float64")  # which travel badly to Spark
    if backend == "spark":
        spark = db_api.spark
        from pyspark.sql import types as T

        text, number = T.StringType(), T.DoubleType()
        numeric = {c for c in ("dob_year", "dob_month", "dob_day") if table[c].dtype != object}
        texts = T.ArrayType(T.StringType())
        schema = T.StructType(
            [
                T.StructField(c, texts if c in LIST_COLUMNS else number if c in numeric else text)
                for c in SPLINK_COLUMNS
            ]
        )
        rows = [
            tuple(None if (v is None or v != v) and not isinstance(v, list) else v for v in row)
            for row in table.itertuples(index=False, name=None)
        ]
        return db_api.register(spark.createDataFrame(rows, schema=schema))
    return db_api.register(table)


def train(
    frame: pd.DataFrame,
    *,
    version: str,
    trained_on: str,
    seed: int = 1,
    max_pairs: float = 5e6,
    recall: float = 0.8,
    backend: str = "duckdb",
) -> Model:
    """Train the model on prepared records: u by random sampling, m by EM, as Splink does.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`jigsaw.linkage._prepare` (``.frame``). No labels are needed.
    version, trained_on : str
        Recorded in the model JSON.
    seed : int
        Seed of the random sample of pairs for u.
    max_pairs : float
        Number of random pairs for u (Splink suggests 1e7 to 1e9 for production models).
    recall : float
        Assumed recall of the deterministic rules (same NHS number; same forename, surname and
        date of birth) used to estimate the prior probability that two records match.

    Returns
    -------
    Model
        With decision thresholds at their defaults.

    Notes
    -----
    Method: Fellegi-Sunter model as implemented by Splink 5 (Linacre et al., Splink, Ministry of
    Justice, https://moj-analytical-services.github.io/splink): u estimated from random pairs;
    m by expectation maximisation blocked on the NHS number when at least 1,000 pairs of records
    share one (else in two sessions blocked on date of birth and on forename and surname sound
    codes). The NHS number's own m is fixed (:data:`NHS_M`).
    """
    from splink import Linker

    db_api = _db_api(backend)
    settings = untrained_model().splink_settings(backend, trained=False)
    _fix_nhs_m(settings)
    table = _input_table(frame, backend, db_api)
    linker = Linker(table, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [
            "l.nhs_number = r.nhs_number",
            "l.forename = r.forename AND l.surname = r.surname AND l.dob = r.dob",
        ],
        recall=recall,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    nhs_pairs = _pairs_sharing_nhs_number(frame)
    if nhs_pairs >= _MIN_NHS_PAIRS:
        # Records sharing a valid NHS number are almost all the same child, so EM on them
        # estimates every other comparison's m free of the siblings and twins that a block on
        # surname or date of birth mixes in.
        linker.training.estimate_parameters_using_expectation_maximisation(
            "l.nhs_number = r.nhs_number"
        )
    else:
        linker.training.estimate_parameters_using_expectation_maximisation("l.dob = r.dob")
        linker.training.estimate_parameters_using_expectation_maximisation(
            "l.forename_sdx = r.forename_sdx AND l.surname_sdx = r.surname_sdx"
        )
    trained = linker.misc.save_model_to_json()
    _release(db_api)
    levels = {}
    for comparison, stored in zip(COMPARISONS, trained["comparisons"], strict=True):
        values: list[tuple[float, float] | None] = []
        for spec, level in zip(comparison.levels, stored["comparison_levels"], strict=True):
            if spec.is_null:
                values.append(None)
                continue
            u = level.get("u_probability") or _UNSEEN_U
            # An outcome never seen among matches is strong evidence against a match when it is
            # the catch-all level ("different sex"), and no evidence either way otherwise.
            m = level.get("m_probability") or (
                _UNSEEN_ELSE_M if spec is comparison.levels[-1] else u
            )
            values.append((float(m), float(u)))
        levels[comparison.name] = tuple(values)
    return Model(
        version=version,
        probability_two_random_records_match=float(trained["probability_two_random_records_match"]),
        levels=levels,
        trained_on=trained_on,
        trained_records=len(frame),
        notes={
            "u_random_pairs": max_pairs,
            "seed": seed,
            "prior_recall": recall,
            "records": len(frame),
        },
    )


def score_pairs(
    frame: pd.DataFrame,
    model: Model,
    *,
    threshold: float,
    backend: str = "duckdb",
    spark: Any = None,
    blocking_rules: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Score every blocked pair of prepared records with match probability at least ``threshold``.

    ``blocking_rules`` (Splink SQL) replaces the model's (:func:`~jigsaw.linkage._model.splink_blocking_rules`),
    to compare one set of rules with another on the same records.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``unique_id_l``, ``unique_id_r`` (in Splink's order), ``match_weight``,
        ``match_probability``, and for each comparison ``gamma_<name>`` (Splink's level value:
        -1 for missing, 0 for the catch-all level) and ``mw_<name>`` (its weight, including any
        term-frequency adjustment), then ``mw_full_name``: the full-name step, 0 or less and
        already in ``match_weight`` (:func:`~jigsaw.linkage._comparisons.full_name_weight`).
    """
    from splink import Linker

    db_api = _db_api(backend, spark)
    settings = model.splink_settings(backend)
    if blocking_rules is not None:
        settings["blocking_rules_to_generate_predictions"] = list(blocking_rules)
    linker = Linker(_input_table(frame, backend, db_api), settings, log_level=logging.ERROR)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    keep = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    keep += [f"gamma_{c.name}" for c in COMPARISONS] + [f"mw_{c.name}" for c in COMPARISONS]
    tf = [f"mw_tf_adj_{c.name}" for c in COMPARISONS if any(level.tf_column for level in c.levels)]
    # Only these columns leave the database: the matching columns Splink retains (lists of
    # deletions, masks, postcodes on both sides) would multiply a national run's memory.
    pairs: pd.DataFrame = linker.misc.query_sql(  # type: ignore[no-untyped-call]  # Splink's is not annotated
        # The names are the model's own columns and Splink's table, never user text.
        f"select {', '.join(keep + tf)} from {predictions.physical_name}",  # noqa: S608
        output_type="pandas",
    )
    _release(db_api)
    for column in tf:
        name = column.removeprefix("mw_tf_adj_")
        pairs[f"mw_{name}"] = pairs[f"mw_{name}"] + pairs[column].fillna(0.0)
    pairs = pairs[keep].copy()
    pairs[f"mw_{FULL_NAME}"] = _full_name_weights(frame, pairs)
    weakened = pairs[f"mw_{FULL_NAME}"].to_numpy() < 0
    if weakened.any():
        weight = pairs["match_weight"].to_numpy() + pairs[f"mw_{FULL_NAME}"].to_numpy()
        pairs["match_weight"] = weight
        pairs["match_probability"] = 1.0 / (1.0 + np.exp2(-weight))
        # Splink kept the pairs at or above the threshold before the full name weakened them.
        pairs = pairs[pairs["match_probability"].to_numpy() >= threshold]
    return pairs.reset_index(drop=True)


def _full_name_weights(frame: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """The full-name step of each pair (:func:`~jigsaw.linkage._comparisons.full_name_weight`):
    0 unless both names agree exactly, else from the shares of the records that hold the
    forename, the surname, and both with another date of birth than the pair's, each counted
    over the records with a value, as Splink counts its term frequencies."""
    out = np.zeros(len(pairs))
    both = np.ones(len(pairs), dtype=bool)
    for comparison, index in full_name_levels().items():
        both &= pairs[f"gamma_{comparison}"].to_numpy() == index_to_gamma(comparison, index)
    if not both.any():
        return out
    shares, codes = [], []
    for column in FULL_NAME_COLUMNS:
        code, counts = _codes(frame[column].to_numpy())
        shares.append(counts[code] / (code >= 0).sum())
        codes.append(code)
    held = (codes[0] >= 0) & (codes[1] >= 0)
    full, full_counts = _codes(codes[0] * (codes[1].max() + 1) + codes[1], held)
    date, _ = _codes(frame[FULL_NAME_DATE].to_numpy())
    dated = held & (date >= 0)
    dated_code, dated_counts = _codes(full * (date.max() + 1) + date, dated)
    own = dated_counts[dated_code]
    ids = pd.Index(frame["unique_id"])
    left = ids.get_indexer(pairs["unique_id_l"].to_numpy()[both])
    right = ids.get_indexer(pairs["unique_id_r"].to_numpy()[both])
    # Both names agree exactly, so the two records' shares are the same; the pair's own child's
    # records are those born on either record's date.
    other_date = date[right] != date[left]
    others = full_counts[full[left]] - own[left] - np.where(other_date, own[right], 0)
    out[both] = full_name_weight(shares[0][left], shares[1][left], others / held.sum())
    return out


def _codes(values: np.ndarray, present: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each value's code (-1 when missing, or not ``present``) and the count of each code, with
    a last count of 0, so that ``counts[code]`` is 0 where the value is missing."""
    code, uniques = pd.factorize(values, use_na_sentinel=True)
    if present is not None:
        code = np.where(present, code, -1)
    counts = np.bincount(code[code >= 0], minlength=len(uniques))
    return code, np.append(counts, 0)
