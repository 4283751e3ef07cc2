"""Evaluation data and measures that are kept apart from everything that builds or tunes Jigsaw.

**Use for evaluation only.** Nothing in this package may be used to choose a threshold, train
or tune the shipped linkage model, or pick a rule: its records exist to show how linkage does on
data it was not built with. :mod:`jigsaw.evaluation.messy` is a second generator of messy
multi-agency child records, written from a different account of how records go wrong than
:mod:`jigsaw.world` (see docs/methods/linkage-evaluation.md).
"""

from jigsaw.evaluation.messy import ERRORS, ErrorType, MessyRecords, generate

__all__ = ["ERRORS", "ErrorType", "MessyRecords", "generate"]
