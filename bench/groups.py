"""Benchmark ``jigsaw.connect``: speed on 100,000 mentions and the figures against truth.

    python bench/groups.py                      # seeds 2-4 (not used for tuning), 100,000+ mentions
    python bench/groups.py --children 20000 --seeds 2 3 4 --no-speed

The speed world raises the rate of concerns about children who are not exploited and the
background mentions per concern, so that about 100,000 mentions come from a world of moderate size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time

from jigsaw.connect import evaluate, find_groups
from jigsaw.world import generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    print(
        f"{platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.2f}"
    )
    print(
        "seed | mentions | true groups | found | precision | recall | common-place groups | "
        "median days earlier than one agency connecting two | groups no agency alone connects | "
        "share seen earlier | (median days against one agency holding two) | seconds"
    )
    for seed in args.seeds:
        world = generate(children=args.children, areas=4, seed=seed)
        start = time.perf_counter()
        result = find_groups(world.mentions)
        seconds = time.perf_counter() - start
        f = evaluate(result, world.mention_truth, world.group_truth)
        print(
            f"{seed} | {len(world.mentions):,} | {f.true_groups} | {f.groups_found} | {f.precision:.3f} | "
            f"{f.recall:.3f} | {f.common_place_groups} | {f.earlier_than_agency_connect_median} | "
            f"{f.never_one_agency_connect} of {f.groups_connected} | "
            f"{f.ahead_of_every_agency_share:.2f} | ({f.earlier_days_median}) | {seconds:.1f}"
        )
    if args.no_speed:
        return
    world = generate(
        children=160_000,
        areas=6,
        seed=5,
        nonvictim_concern_rate=0.1,
        background_mentions_per_concern=4.0,
    )
    mentions = world.mentions.head(100_000) if len(world.mentions) > 100_000 else world.mentions
    start = time.perf_counter()
    result = find_groups(mentions)
    seconds = time.perf_counter() - start
    f = evaluate(
        result,
        world.mention_truth,
        world.group_truth[world.group_truth["child_id"].isin(mentions["child_id"])],
    )
    print(
        f"speed: {len(mentions):,} mentions of {mentions['child_id'].nunique():,} children in {seconds:.1f} s "
        f"(load {os.getloadavg()[0]:.2f}); {f.groups_found} groups, precision {f.precision:.3f}, recall {f.recall:.3f}"
    )


if __name__ == "__main__":
    main()
