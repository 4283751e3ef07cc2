"""A synthetic partnership standing in for a real LA, with two years of its agencies' workflow."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
from django.utils import timezone

from jigsaw.oversight.partnership import inputs_from_world
from jigsaw.web.concerns.models import Concern
from jigsaw.web.oversight.activity import activity_load, characteristics_load, world_children
from tests.web.cast import truth_linkage

DERBY = "E06000015"


def silenced(world, keep: dict[str, float], seed: int):
    """The world with only a share ``keep[agency]`` of each named agency's concerns (drawn,
    seeded); an agency kept at 0 also identifies no child (it is silent)."""
    rng = np.random.default_rng(seed)
    concerns = world.concerns
    drop = np.zeros(len(concerns), dtype=bool)
    for agency, share in keep.items():
        drop |= (concerns["agency"] == agency).to_numpy() & (rng.random(len(concerns)) >= share)
    gone = {agency for agency, share in keep.items() if share == 0}
    outcomes = world.outcomes.assign(
        agencies=[
            ";".join(a for a in str(v).split(";") if a and a not in gone)
            for v in world.outcomes["agencies"]
        ]
    )
    return dataclasses.replace(
        world, concerns=concerns[~drop].reset_index(drop=True), outcomes=outcomes
    )


def load_world(
    children: int, seed: int, la: str, by, *, prefix: str, keep: dict[str, float] | None = None
):
    """A synthetic partnership standing in for ``la``, stored by the demo loader's own steps
    (records joined by the world's truth), with its agencies' workflow from the world.

    Record ids get ``prefix`` so the partnership sits beside the tests' background one.
    ``keep`` thins (or silences) agencies' concerns, as :func:`silenced`."""
    from jigsaw.web import demo
    from jigsaw.world import generate

    today = timezone.localdate() - dt.timedelta(days=1)
    # Higher prevalence and identification than England's, so that a small partnership has
    # enough identified children for every figure (the dark figure needs 20 on the lists).
    world = generate(
        children=children,
        areas=1,
        seed=seed,
        start=today.replace(year=today.year - 2),
        years=2,
        la=la,
        prevalence=0.03,
        identified_share_of_victims=0.6,
    )
    if keep:
        world = silenced(world, keep, seed)
    for frame in (world.records, world.truth, world.concerns):
        frame["record_id"] = prefix + frame["record_id"].astype(str)
    linked = truth_linkage(world)
    now = dt.datetime.now(dt.UTC)
    area, agencies = demo._area_and_agencies(world)
    stored, _ = demo._store_records(world.records, linked.clusters, agencies, now)
    by_record = {r.record_id: r for r in stored}
    child_of = demo._store_children(stored, linked.clusters, area, now)
    demo._store_links(stored, by_record, linked, child_of, now)
    _, per_child = demo._store_concerns(world.concerns, by_record, linked.clusters, today, now)
    demo._grade_children(per_child, child_of, today, now)
    # Each concern as recorded on the day it was seen, as a partnership's own would be.
    concerns = list(Concern.objects.filter(record__agency__area=area))
    for concern in concerns:
        concern.recorded_at = dt.datetime.combine(concern.seen_on, dt.time(12), tzinfo=dt.UTC)
    Concern.objects.bulk_update(concerns, ["recorded_at"], batch_size=2000)
    inputs = inputs_from_world(world, area.code)
    stored_children = world_children(area, world.truth)
    characteristics_load(area, world, stored_children)
    activity_load(area, inputs, stored_children, by=by)
    # The world's records of the children the partnership holds (a child no agency has a record
    # of cannot be in its database, whatever the world says happened to them).
    held = inputs.missing_episodes["child_id"].astype(str).isin(list(stored_children))
    return area, world, dataclasses.replace(inputs, missing_episodes=inputs.missing_episodes[held])
