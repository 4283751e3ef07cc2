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
