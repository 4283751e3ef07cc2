"""What to do next, said to the person who will do it: the one place that chooses by role.

The catalogue's ``next_steps`` speak to the practitioner who saw the signs ("tell your agency's
safeguarding lead", "refer to the MASH"). Said to the safeguarding lead or to the MASH itself those
words send people to themselves, so each of those roles has its own text for each grade here. The
wording never puts the responsibility for harm on the child.

A grade below medium can still hold a sign the catalogue rates high on its own (meeting adults
first met online, for a 15-year-old who also self-harms, scores "low"). The screening tools the
catalogue draws on treat a high indicator as serious on its own (Pan-Cheshire, York), so then the
next step is to act today, not to wait for more signs: "speak to your DSL today" for the
practitioner (:func:`high_concern_signs`, :func:`next_step`'s ``high_signs``, :func:`role_aware`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jigsaw.catalogue import Catalogue, Grade

PRACTITIONER = "practitioner"
DSL = "dsl"
MASH = "mash_analyst"

# The safeguarding lead decides on the contact; the MASH decides on the referral.
_BY_ROLE: Mapping[str, Mapping[Grade, str]] = {
    DSL: {
        Grade.NONE: "No signs graded yet. Decide on the contact: no further action with the reason, "
        "or keep watching with a review date.",
        Grade.LOW: "Emerging concern. Decide on the contact within one working day: keep watching "
        "with a review date, or no further action with the reason; the partnership will see if "
        "other agencies record signs.",
        Grade.MEDIUM: "Escalating concern. Decide on the contact today: refer to the MASH, and agree "
        "who will talk with the child and what your agency will do meanwhile.",
        Grade.HIGH: "High risk. Refer to the MASH now; if the child is in immediate danger call the "
        "police on 999.",
    },
    MASH: {
        Grade.NONE: "No signs graded yet. Decide whether the referral needs a response from the "
        "MASH or information and advice to the referrer.",
        Grade.LOW: "Emerging concern. Rate the referral and decide within one working day; "
        "information and advice to the referrer, or early help, may be enough.",
        Grade.MEDIUM: "Escalating concern. Rate the referral, gather what each agency knows and "
        "decide within the response time: a child and family assessment (s17) or a strategy "
        "discussion (s47).",
        Grade.HIGH: "High risk. Rate the referral Red and hold a strategy discussion (s47) now; if "
        "the child is in immediate danger call the police on 999.",
    },
}


# A grade below medium with a sign of high concern: act today, said to each role.
_HIGH_CONCERN: Mapping[str, str] = {
    PRACTITIONER: "Speak to your DSL today (your agency's designated safeguarding lead) about what "
    "you saw. {signs} {is_are} a sign of high concern on {its} own, whatever the grade: do not wait "
    "for other agencies to record more. If the child is in immediate danger call the police on "
    "999.",
    DSL: "Decide on the contact today. {signs} {is_are} a sign of high concern on {its} own, "
    "whatever the grade: refer to the MASH unless you can record why not, and agree who will talk "
    "with the child.",
    MASH: "Rate the referral and decide today. {signs} {is_are} a sign of high concern on {its} "
    "own, whatever the grade: gather what each agency knows and consider a strategy discussion "
    "(s47).",
}


def high_concern_signs(indicator_ids: Iterable[str], catalogue: Catalogue) -> list[str]:
    """The labels of the catalogue's high-level indicators among ``indicator_ids``, each once, in
    the order given: the signs that call for action today whatever the grade."""
    high = {i.id: i.label for i in catalogue.indicators if i.level == "high"}
    return [high[i] for i in dict.fromkeys(indicator_ids) if i in high]


def signs_of(grade: Mapping[str, Any]) -> list[str]:
    """The indicator ids a stored grade's reasons name (``Grading.as_dict()``), each once."""
    ids: list[str] = []
    for reason in grade.get("reasons") or ():
        ids.extend(reason.get("indicators") or ())
    return list(dict.fromkeys(ids))


def next_step(
    grade: Grade | str,
    role: str,
    catalogue_steps: Mapping[str, str],
    *,
    high_signs: Sequence[str] = (),
) -> str:
    """The next step for a child graded ``grade``, said to someone in ``role``.

    ``catalogue_steps``: the catalogue's ``next_steps`` (grade value to text), said as they are
    to practitioners and to any role without its own texts. ``high_signs``: labels of the signs
    of high concern among the child's (:func:`high_concern_signs`); below medium, any of them
    makes the step "today".
    """
    level = Grade(grade)
    if high_signs and level.rank < Grade.MEDIUM.rank:
        text = _HIGH_CONCERN.get(role, _HIGH_CONCERN[PRACTITIONER])
        one = len(high_signs) == 1
        return text.format(
            signs="; ".join(f"“{sign}”" for sign in high_signs),
            is_are="is" if one else "are each",
            its="its",
        )
    own = _BY_ROLE.get(role)
    if own is not None:
        return own[level]
    return catalogue_steps.get(level.value, "")


def role_aware(
    level: Grade | str, grade: Mapping[str, Any], role: str, catalogue: Catalogue
) -> dict[str, Any]:
    """A stored grade (``Grading.as_dict()``) with its next step said to ``role``, and ``today``:
    whether the step is to act today because a sign of high concern sits under a grade below
    medium (the page shows it as a warning)."""
    high = high_concern_signs(signs_of(grade), catalogue)
    today = bool(high) and Grade(level).rank < Grade.MEDIUM.rank
    return {
        **grade,
        "next_step": next_step(level, role, catalogue.next_steps, high_signs=high),
        "today": today,
    }
