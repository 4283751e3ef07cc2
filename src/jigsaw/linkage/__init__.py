"""Link one child across agencies: probabilistic record linkage on Splink 5.

Batch linkage (:func:`link`) prepares agencies' records (:func:`prepare`), scores blocked pairs
with Splink on DuckDB or Spark and groups them into children under two thresholds and the
constraints that keep twins and children with different NHS numbers apart. One record at a
time, :class:`OnlineMatcher` applies the same model from an in-memory index, on records prepared
by the same code (:func:`prepare_record`). The model is versioned JSON (:class:`Model`); one
trained on the synthetic world ships with Jigsaw. The shape of the data (:data:`RECORD_COLUMNS`,
:data:`PREPARED_COLUMNS`, :data:`BLANK_TOKENS`, :data:`MAX_VALUE_LENGTH`) is declared once, in
this package.

This module is the package's interface; its ``_``-prefixed modules are internal.
:mod:`jigsaw.linkage.febrl` is a separate benchmark configuration on FEBRL's own fields.
"""

from jigsaw.linkage._backend import BACKENDS, train
from jigsaw.linkage._batch import LinkResult, link, link_prepared
from jigsaw.linkage._comparisons import COMPARISONS, Comparison
from jigsaw.linkage._decide import conflict
from jigsaw.linkage._evaluate import PairwiseScores, pairwise_scores
from jigsaw.linkage._model import Model
from jigsaw.linkage._names import clean_name, forename_group, soundex
from jigsaw.linkage._online import Match, OnlineMatcher
from jigsaw.linkage._prepare import (
    Prepared,
    Problem,
    parse_dob,
    parse_sex,
    prepare,
    prepare_record,
    prepare_records,
)
from jigsaw.linkage._review import review_by_child, settle_review
from jigsaw.linkage._schema import (
    BLANK_TOKENS,
    MAX_VALUE_LENGTH,
    PREPARED_COLUMNS,
    RECORD_COLUMNS,
    is_blank,
)
from jigsaw.linkage._tokens import TOKEN_DOMAINS, token, tokenise, tokenise_records
from jigsaw.linkage._train import MIN_RECORDS, fit, link_records

__all__ = [
    "BACKENDS",
    "BLANK_TOKENS",
    "COMPARISONS",
    "PREPARED_COLUMNS",
    "RECORD_COLUMNS",
    "TOKEN_DOMAINS",
    "Comparison",
    "LinkResult",
    "MAX_VALUE_LENGTH",
    "MIN_RECORDS",
    "Match",
    "Model",
    "OnlineMatcher",
    "PairwiseScores",
    "Prepared",
    "Problem",
    "clean_name",
    "conflict",
    "fit",
    "forename_group",
    "is_blank",
    "link",
    "link_prepared",
    "link_records",
    "pairwise_scores",
    "parse_dob",
    "parse_sex",
    "prepare",
    "prepare_record",
    "prepare_records",
    "review_by_child",
    "settle_review",
    "soundex",
    "token",
    "tokenise",
    "tokenise_records",
    "train",
]
