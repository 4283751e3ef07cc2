"""Advice said to the person who acts on it: nobody is told to refer to or tell themselves."""

from __future__ import annotations

import pytest

from jigsaw.act.advice import DSL, MASH, PRACTITIONER, next_step
from jigsaw.catalogue import Grade, load


@pytest.mark.parametrize("grade", list(Grade))
def test_no_role_is_sent_to_itself(grade):
    steps = load().next_steps
    assert "refer to the mash" not in next_step(grade, MASH, steps).lower()
    assert "safeguarding lead" not in next_step(grade, DSL, steps).lower()
    assert "safeguarding lead" not in next_step(grade, MASH, steps).lower()


def test_practitioners_get_the_catalogues_words():
    steps = load().next_steps
    assert next_step("high", PRACTITIONER, steps) == steps["high"]
    assert next_step(Grade.LOW, PRACTITIONER, steps) == steps["low"]
    assert "safeguarding lead" in next_step(Grade.LOW, PRACTITIONER, steps)


def test_high_risk_always_names_999_for_immediate_danger():
    steps = load().next_steps
    for role in (PRACTITIONER, DSL, MASH):
        assert "999" in next_step(Grade.HIGH, role, steps)


# A 15-year-old who self-harms and meets adults first met online: the score (2 + 3) stays in the
# low band, yet meeting adults met online is high on its own in the catalogue's sources.
SELF_HARM_AND_ONLINE = {
    "agency": "education",
    "date": None,
    "indicators": ["self_harm", "meets_online_contacts"],
}


def _grade(indicators: list[str]):
    import datetime as dt

    from jigsaw.screening import grade_concern

    today = dt.date(2026, 11, 28)
    concern = {**SELF_HARM_AND_ONLINE, "date": dt.date(2026, 11, 20), "indicators": indicators}
    return grade_concern(dt.date(2011, 3, 4), concern, today).as_dict()


def test_a_low_grade_with_a_high_concern_sign_says_speak_to_your_dsl_today():
    from jigsaw.act.advice import role_aware

    catalogue = load()
    grade = _grade(["self_harm", "meets_online_contacts"])
    assert grade["level"] == "low"
    said = role_aware("low", grade, PRACTITIONER, catalogue)
    assert said["today"] is True
    assert said["next_step"] == (
        "Speak to your DSL today (your agency's designated safeguarding lead) about what you saw. "
        "“Meets people met online” is a sign of high concern on its own, whatever the grade: "
        "do not wait for other agencies to record more. If the child is in immediate danger call "
        "the police on 999."
    )
    assert "keep watching" not in said["next_step"].lower()
    dsl = role_aware("low", grade, DSL, catalogue)["next_step"]
    assert dsl.startswith("Decide on the contact today.") and "refer to the MASH" in dsl
    mash = role_aware("low", grade, MASH, catalogue)["next_step"]
    assert mash.startswith("Rate the referral and decide today.")
    for text in (dsl, mash):
        assert "safeguarding lead" not in text.lower()
    assert "refer to the mash" not in mash.lower()


def test_without_a_high_concern_sign_or_at_medium_and_above_the_usual_step_stands():
    from jigsaw.act.advice import role_aware

    catalogue = load()
    low = _grade(["self_harm"])
    assert low["level"] == "low"
    said = role_aware("low", low, PRACTITIONER, catalogue)
    assert said["today"] is False and said["next_step"] == catalogue.next_steps["low"]
    # The same high sign under a medium or high grade: that grade's own step, already urgent.
    for level in ("medium", "high"):
        said = role_aware(
            level,
            low | {"reasons": _grade(["meets_online_contacts"])["reasons"]},
            PRACTITIONER,
            catalogue,
        )
        assert said["today"] is False and said["next_step"] == catalogue.next_steps[level]
    # Two signs of high concern are both named.
    assert (
        next_step("none", PRACTITIONER, catalogue.next_steps, high_signs=["A", "B"]).count(
            "are each a sign"
        )
        == 1
    )


BLAMING = (
    "put themselves",
    "putting themselves",
    "risky behaviour",
    "promiscu",
    "sexualised dress",
    "lifestyle",
    "refuses",
    "will not explain",
    "keep watching",
    "chooses to",
    "prostitut",
)


def test_no_advice_or_catalogue_text_blames_the_child():
    from jigsaw.act import advice

    catalogue = load()
    texts = list(catalogue.next_steps.values())
    texts += [t for by_grade in advice._BY_ROLE.values() for t in by_grade.values()]
    texts += list(advice._HIGH_CONCERN.values())
    texts += [f"{i.label}. {i.description}" for i in catalogue.indicators]
    for text in texts:
        for phrase in BLAMING:
            # The safeguarding lead's "keep watching, with a review date" is a decision's name.
            if phrase == "keep watching" and "review date" in text:
                continue
            assert phrase not in text.lower(), (phrase, text)
