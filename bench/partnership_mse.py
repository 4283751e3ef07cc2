"""Coverage of the partnership's dark figure over seeds: does its interval hold the true number of victims?

Each seed generates one partnership standing in for an English LA (``jigsaw.world.generate(la=...)``),
turns it into the records its agencies would hold (``inputs_from_world``), and estimates the dark
figure from the agencies' lists exactly as the partnership's return does
(``jigsaw.oversight.partnership.dark_figure``: stepwise, Wald 95%). The truth is the number of
children the world exploited in the area. Results go to ``docs/methods/partnership.md``.

    PYTHONPATH=src .venv/bin/python bench/partnership_mse.py --seeds 40 --children 60000
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np

from jigsaw.oversight.partnership import dark_figure, inputs_from_world
from jigsaw.world import generate
from jigsaw.world._areas import DEFAULT_LA


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--children", type=int, default=60_000)
    parser.add_argument("--la", default=DEFAULT_LA)
    parser.add_argument("--first-seed", type=int, default=1)
    args = parser.parse_args()
    began = time.perf_counter()
    held, estimated, statuses, ratios, widths, observed = 0, 0, {}, [], [], []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        world = generate(children=args.children, la=args.la, seed=seed)
        inputs = inputs_from_world(world, seed=seed)
        end = world.config.end - dt.timedelta(days=1)
        dark = dark_figure(inputs.outcomes, world.config.start, end, with_sensitivity=False)
        statuses[dark.status] = statuses.get(dark.status, 0) + 1
        victims = int(world.children["exploited"].sum())
        line = f"seed {seed}: {victims} victims, {dark.observed} on lists, {dark.status}"
        if dark.status == "estimated":
            estimated += 1
            inside = dark.lower <= victims <= dark.upper
            held += inside
            ratios.append(dark.total / victims)
            widths.append((dark.upper - dark.lower) / victims)
            observed.append(dark.observed)
            line += (
                f" {dark.total:,.0f} ({dark.lower:,.0f} to {dark.upper:,.0f}) "
                f"[{' '.join(dark.terms) or 'main'}] {'holds' if inside else 'MISSES'}"
            )
        print(line, flush=True)
    print()
    print(
        f"LA {args.la}, {args.children:,} children, seeds {args.first_seed}-{args.first_seed + args.seeds - 1}: "
        f"{statuses}"
    )
    if estimated:
        print(
            f"coverage of the 95% interval: {held}/{estimated} = {held / estimated:.0%}; "
            f"median estimate / truth {np.median(ratios):.2f}; median width / truth {np.median(widths):.2f}; "
            f"median children on lists {np.median(observed):.0f}"
        )
    print(f"{time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
