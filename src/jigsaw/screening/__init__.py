"""Grade a child's CSE risk from the concerns agencies record: hard rules, recency, corroboration.

Pure Python; the rules and their sources are in docs/methods/screening.md.
"""

from jigsaw.catalogue import Grade
from jigsaw.screening._batch import grade_frame
from jigsaw.screening._grade import age_on, grade_child, grade_concern, months_before
from jigsaw.screening._result import Grading, OverriddenGrade, Reason

__all__ = [
    "Grade",
    "Grading",
    "OverriddenGrade",
    "Reason",
    "age_on",
    "grade_child",
    "grade_concern",
    "grade_frame",
    "months_before",
]
