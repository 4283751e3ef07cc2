"""The versioned catalogue of CSE indicators drawn from published UK screening tools.

``load()`` returns the validated catalogue; every grade records ``catalogue.version``.
"""

from jigsaw.catalogue._load import load, parse
from jigsaw.catalogue._model import (
    KINDS,
    LEVELS,
    Agency,
    Catalogue,
    Domain,
    Grade,
    Indicator,
    Rules,
    Source,
)

__all__ = [
    "KINDS",
    "LEVELS",
    "Agency",
    "Catalogue",
    "Domain",
    "Grade",
    "Indicator",
    "Rules",
    "Source",
    "load",
    "parse",
]
