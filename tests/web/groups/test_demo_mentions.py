"""The demo partnership carries the world's mentions, each on its own child's concern."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, Link
from jigsaw.web.groups.models import Mention

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_background_partnership_holds_the_worlds_mentions_on_the_right_children():
    from jigsaw.web.demo import _world

    # The session's background partnership (tests.web.cast.background_load: 400 children, seed 11).
    world = _world(400, 11, timezone.localdate(), lambda message: None)
    expected = {
        (str(m["child_id"]), str(m["agency"]), str(m["date"])[:10], str(m["kind"]), str(m["value"]))
        for m in world.mentions.to_dict("records")
    }
    true_child = world.truth.set_index("record_id")["child_id"].astype(str)
    stored = list(Mention.objects.select_related("agency", "concern__record"))
    assert len(stored) > 0.9 * len(expected)
    for mention in stored:
        record = mention.concern.record
        child = true_child[record.record_id]
        assert (
            child,
            mention.agency.kind,
            mention.known_on.isoformat(),
            mention.kind,
            mention.value,
        ) in expected
        link = Link.objects.get(record=record, status__in=ACTIVE_LINK_STATUSES)
        assert mention.child_id == link.child_id
        assert mention.entity  # resolved by the run after loading
    assert isinstance(stored[0].known_on, dt.date)
