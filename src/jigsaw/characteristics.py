"""A child's recorded ethnicity and disability: the one list of answers, for every part of Jigsaw.

Ethnicity is recorded in the Census 2021 groups that the shipped population table uses
(:data:`jigsaw.datasets.england.CENSUS_GROUPS`, the categories the DfE's children in need census
also uses), so recorded children can be set against the area's population group by group.
Neither answer is ever blank: a practitioner who asked and was not told records
:data:`REFUSED`, and a child whose ethnicity nobody asked about stays :data:`NOT_ASKED`, so that
the gaps show in the figures rather than vanishing from them.
"""

from __future__ import annotations

from jigsaw.datasets.england import CENSUS_GROUPS

__all__ = [
    "DISABILITY_ANSWERS",
    "DISABILITY_LABELS",
    "ETHNICITY_ANSWERS",
    "ETHNICITY_LABELS",
    "NOT_ASKED",
    "REFUSED",
    "disability_answer",
    "ethnicity_answer",
    "ethnicity_short_label",
]

#: Asked, and the child or family would not say.
REFUSED = "refused"
#: Nobody has asked (the answer of every child until someone records one).
NOT_ASKED = "not asked"

# The Census 2021 names of the groups (ONS, "Ethnic group, national identity, language and
# religion"), keyed as the shipped table's columns.
_CENSUS_LABELS = {
    "asian_bangladeshi": "Asian, Asian British or Asian Welsh: Bangladeshi",
    "asian_chinese": "Asian, Asian British or Asian Welsh: Chinese",
    "asian_indian": "Asian, Asian British or Asian Welsh: Indian",
    "asian_pakistani": "Asian, Asian British or Asian Welsh: Pakistani",
    "asian_other": "Asian, Asian British or Asian Welsh: Other Asian",
    "black_african": "Black, Black British, Black Welsh, Caribbean or African: African",
    "black_caribbean": "Black, Black British, Black Welsh, Caribbean or African: Caribbean",
    "black_other": "Black, Black British, Black Welsh, Caribbean or African: Other Black",
    "mixed_white_asian": "Mixed or Multiple ethnic groups: White and Asian",
    "mixed_white_black_african": "Mixed or Multiple ethnic groups: White and Black African",
    "mixed_white_black_caribbean": "Mixed or Multiple ethnic groups: White and Black Caribbean",
    "mixed_other": "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups",
    "white_british": "White: English, Welsh, Scottish, Northern Irish or British",
    "white_irish": "White: Irish",
    "white_gypsy_irish_traveller": "White: Gypsy or Irish Traveller",
    "white_roma": "White: Roma",
    "white_other": "White: Other White",
    "other_arab": "Other ethnic group: Arab",
    "other_any": "Other ethnic group: Any other ethnic group",
}
if set(_CENSUS_LABELS) != set(CENSUS_GROUPS):  # pragma: no cover - the shipped table changed
    raise ImportError("the Census 2021 group labels no longer match the shipped table's columns")

#: Every ethnicity answer and how it is shown, in the shipped table's order, then the two gaps.
ETHNICITY_LABELS: dict[str, str] = {
    **{group: _CENSUS_LABELS[group] for group in CENSUS_GROUPS},
    REFUSED: "Refused (asked, not told)",
    NOT_ASKED: "Not asked",
}
ETHNICITY_ANSWERS: tuple[str, ...] = tuple(ETHNICITY_LABELS)

#: Every disability answer and how it is shown (a disability as the Equality Act 2010 defines it).
DISABILITY_LABELS: dict[str, str] = {
    "yes": "Yes",
    "no": "No",
    REFUSED: "Refused (asked, not told)",
    NOT_ASKED: "Not asked",
}
DISABILITY_ANSWERS: tuple[str, ...] = tuple(DISABILITY_LABELS)

_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def ethnicity_answer(value: object) -> str | None:
    """``value`` as an ethnicity answer, or None when it is not one (blank is not one).

    >>> ethnicity_answer(" white_british "), ethnicity_answer("Not asked"), ethnicity_answer("")
    ('white_british', 'not asked', None)
    """
    text = "" if value is None else str(value).strip()
    if text in ETHNICITY_LABELS:
        return text
    lowered = text.lower()
    return lowered if lowered in (REFUSED, NOT_ASKED) else None


def disability_answer(value: object) -> str | None:
    """``value`` as a disability answer (a yes/no flag read as ``yes``/``no``), or None.

    >>> disability_answer(True), disability_answer("Refused"), disability_answer(""), disability_answer("maybe")
    ('yes', 'refused', None, None)
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return "yes"
    if text in _FALSE:
        return "no"
    return text if text in (REFUSED, NOT_ASKED) else None


def ethnicity_short_label(answer: str) -> str:
    """The answer named short enough for a chart's axis: the broad group's first word and the
    group (``Asian: Pakistani``, ``White: British``); the gaps as in :data:`ETHNICITY_LABELS`.

    >>> ethnicity_short_label("mixed_white_black_caribbean"), ethnicity_short_label("refused")
    ('Mixed: White and Black Caribbean', 'Refused (asked, not told)')
    """
    label = ETHNICITY_LABELS.get(answer, answer)
    if answer not in _CENSUS_LABELS:
        return label
    if answer == "white_british":
        return "White: British"
    broad, _, group = label.partition(":")
    return f"{broad.split()[0].rstrip(',')}: {group.strip()}"
