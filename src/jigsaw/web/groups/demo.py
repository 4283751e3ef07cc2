"""The demo partnership's mentions: the synthetic world's people, vehicles, phones, accounts and
places (``world.mentions``), each put on the stored concern of the same child, agency and date,
so the groups pages show real connections of the world's perpetrator groups and its background.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jigsaw.web.children.models import ACTIVE_LINK_STATUSES
from jigsaw.web.concerns.models import Concern
from jigsaw.web.groups.models import HowKnown, Mention
from jigsaw.web.groups.services import groups_refresh
from jigsaw.web.referrals.clock import now

# The world does not say how a mention is known: the police are taken to have seen what they
# record, everyone else to have been told it by the child (synthetic either way).
_HOW = {"police": HowKnown.SEEN}


def demo_mentions_store(world: Any, area: Any, log: Any = print) -> dict[str, int]:
    """Store the world's mentions on the demo's concerns and connect the area's children.

    A mention is stored on the concern of its child by its agency on its date, else the nearest
    in date of that child and agency; a mention without such a concern (its record was not
    stored) is left out. Returns how many mentions were stored and groups found.
    """
    mentions = world.mentions
    if mentions is None or len(mentions) == 0:
        return {"mentions": 0, "groups": 0}
    child_of_record = world.truth.set_index("record_id")["child_id"].astype(str).to_dict()
    source = world.concerns.set_index("concern_id")["record_id"].astype(str).to_dict()
    stored = (
        Concern.objects.filter(record__agency__area=area)
        .exclude(source_ref="")
        .select_related("record__agency")
        .prefetch_related("record__links")
    )
    by_child_agency: dict[tuple[str, str], list[Concern]] = {}
    for concern in stored:
        record_id = source.get(concern.source_ref)
        true_child = child_of_record.get(record_id or "")
        if true_child is None:
            continue
        key = (true_child, concern.record.agency.kind)
        by_child_agency.setdefault(key, []).append(concern)
    at = now()
    rows = []
    for m in mentions.to_dict("records"):
        candidates = by_child_agency.get((str(m["child_id"]), str(m["agency"])))
        if not candidates:
            continue
        day = dt.date.fromisoformat(str(m["date"])[:10])
        concern = min(candidates, key=lambda c: (abs((c.seen_on - day).days), c.pk))
        link = next(
            (k for k in concern.record.links.all() if k.status in ACTIVE_LINK_STATUSES), None
        )
        if link is None:
            continue
        rows.append(
            Mention(
                area=area,
                child_id=link.child_id,
                agency=concern.record.agency,
                concern=concern,
                kind=str(m["kind"]),
                value=str(m["value"]),
                details={"as recorded": str(m["value"])},
                how_known=_HOW.get(str(m["agency"]), HowKnown.DISCLOSED),
                known_on=day,
                recorded_at=at,
            )
        )
    Mention.objects.bulk_create(rows, batch_size=2000)
    refreshed = groups_refresh(area_id=area.pk)
    log(f"Connected {len(rows)} mentions: {refreshed.groups} groups in {refreshed.seconds:.1f} s")
    return {"mentions": len(rows), "groups": refreshed.groups}
