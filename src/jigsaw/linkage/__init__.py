"""Link one child across agencies: probabilistic record linkage on Splink 5.

Batch linkage (:func:`link`) prepares agencies' records (:func:`prepare`), scores blocked pairs
with Splink on DuckDB or Spark and groups them into children under two thresholds and the
constraints that keep twins and children with different NHS numbers apart. One record at a
time, :class:`OnlineMatcher` applies the same model from an in-memory index. The model is
versioned JSON (:class:`Model`); one trained on the synthetic world ships with Jigsaw.
"""

from jigsaw.linkage.backend import train
from jigsaw.linkage.batch import LinkResult, link, link_prepared
from jigsaw.linkage.decide import conflict
from jigsaw.linkage.model import Model
from jigsaw.linkage.online import Match, OnlineMatcher
from jigsaw.linkage.prepare import RECORD_COLUMNS, Prepared, Problem, prepare, prepare_record
from jigsaw.linkage.tokens import tokenise, tokenise_records

__all__ = [
    "RECORD_COLUMNS",
    "LinkResult",
    "Match",
    "Model",
    "OnlineMatcher",
    "Prepared",
    "Problem",
    "conflict",
    "link",
    "link_prepared",
    "prepare",
    "prepare_record",
    "tokenise",
    "tokenise_records",
    "train",
]
