"""What to do next, said to the person who will do it: the one place that chooses by role.

The catalogue's ``next_steps`` speak to the practitioner who saw the signs ("tell your agency's
safeguarding lead", "refer to the MASH"). Said to the safeguarding lead or to the MASH itself those
words send people to themselves, so each of those roles has its own text for each grade here. The
wording never puts the responsibility for harm on the child.
"""

from __future__ import annotations

from collections.abc import Mapping

from jigsaw.catalogue import Grade

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


def next_step(grade: Grade | str, role: str, catalogue_steps: Mapping[str, str]) -> str:
    """The next step for a child graded ``grade``, said to someone in ``role``.

    ``catalogue_steps``: the catalogue's ``next_steps`` (grade value to text), said as they are
    to practitioners and to any role without its own texts.
    """
    level = Grade(grade)
    own = _BY_ROLE.get(role)
    if own is not None:
        return own[level]
    return catalogue_steps.get(level.value, "")
