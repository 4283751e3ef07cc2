"""The demo loader stores every NHS number whole, however the agency wrote it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jigsaw.identifiers import is_valid_nhs_number, normalise_nhs_number
from jigsaw.web.children.models import AgencyRecord

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_nhs_numbers_written_with_spaces_are_stored_as_their_ten_digits():
    from jigsaw.web.demo import _world

    # The session's background partnership was loaded by the demo loader with these settings
    # (tests/web/cast.background_load).
    world = _world(400, 11, timezone.localdate(), log=lambda message: None)
    written = {
        str(r["record_id"]): str(r["nhs_number"] or "") for r in world.records.to_dict("records")
    }
    spaced = {k: v for k, v in written.items() if " " in v}
    assert len(spaced) > 20  # agencies write "448 503 4062": the case that was cut short
    stored = dict(
        AgencyRecord.objects.filter(record_id__in=list(written)).values_list(
            "record_id", "nhs_number"
        )
    )
    assert len(stored) > 0.9 * len(written)
    for record_id, nhs in stored.items():
        expected = normalise_nhs_number(written[record_id])
        expected = expected if expected and is_valid_nhs_number(expected) else ""
        assert nhs == expected, (record_id, written[record_id], nhs)
    assert sum(1 for r in spaced if stored.get(r)) > 20
