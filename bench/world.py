"""Benchmark the synthetic world: time and peak memory to generate (and write) N children.

Usage::

    .venv/bin/python bench/world.py --children 1000000 --areas 20 [--write DIR] [--england]

Prints one line per phase and the peak resident memory of the process (``getrusage``), in the
form recorded in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--areas", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--england", action="store_true")
    parser.add_argument(
        "--write", help="also write the tables into this folder ('tmp' for a temporary one)"
    )
    args = parser.parse_args()

    from jigsaw.world import WorldConfig, generate, write

    config = WorldConfig(
        children=args.children, areas=args.areas, seed=args.seed, england=args.england
    )
    started, cpu = time.perf_counter(), time.process_time()
    world = generate(config)
    generated, cpu = time.perf_counter() - started, time.process_time() - cpu
    sizes = {name: len(frame) for name, frame in world.tables().items()}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"children {args.children:,} areas {len(world.areas)} england={args.england}")
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    print(f"generate: {generated:.1f} s wall, {cpu:.1f} s CPU")
    if args.write:
        folder = tempfile.mkdtemp() if args.write == "tmp" else args.write
        started, cpu = time.perf_counter(), time.process_time()
        write(world, folder)
        print(
            f"write parquet+csv: {time.perf_counter() - started:.1f} s wall, "
            f"{time.process_time() - cpu:.1f} s CPU -> {folder}"
        )
    if args.england:
        areas = world.areas[world.areas["population_0_17"] > 5_000]
        for column in (
            "real_cse_per_10k_2025",
            "expected_identified_per_10k",
            "identified_per_10k",
        ):
            q = areas[column].quantile([0.1, 0.25, 0.5, 0.75, 0.9]).round(1).tolist()
            print(f"{column}: deciles/quartiles/median {q}")
        years = world.config.years
        print(
            f"national identified per 10,000 a year: {world.outcomes['identified'].mean() / years * 1e4:.2f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
    print(f"peak RSS: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
