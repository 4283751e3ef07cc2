"""The workflow's transition table: closing needs a decision and an outcome first."""

from __future__ import annotations

import pytest

from jigsaw.act.states import (
    ActionState,
    ContactState,
    ReferralState,
    TransitionError,
    changes_from,
    check,
)


def test_a_referral_closes_only_after_an_outcome():
    assert changes_from(ReferralState.OPEN) == ["rate", "decide"]
    assert "close" not in changes_from(ReferralState.DECIDED)
    assert changes_from(ReferralState.OUTCOME) == ["close"]
    assert changes_from(ReferralState.REVIEWING) == ["review", "close"]
    assert changes_from(ReferralState.CLOSED) == []
    with pytest.raises(
        TransitionError,
        match="referral 7 is open: 'close' is only possible when it is outcome, reviewing",
    ):
        check(ReferralState.OPEN, "close", what="referral 7")


def test_decided_contacts_and_finished_actions_are_final():
    assert changes_from(ContactState.REFERRED) == []
    assert changes_from(ContactState.NO_FURTHER_ACTION) == []
    assert changes_from(ActionState.DONE) == changes_from(ActionState.CANCELLED) == []
    assert changes_from(ActionState.OPEN) == ["overdue", "complete", "cancel"]
    with pytest.raises(TransitionError, match="not a change"):
        check(ActionState.OPEN, "reopen", what="action 1")
