"""Benchmark multiple systems estimation against the R peers' published timings.

R is not installed here; R's reference times on this kind of machine (2 cores; SparseMSE
2.0.1 and MultipleSystemsEstimation 1.2.0 on R 4.2):

1. stepwise with 1,000 BCa resamples, six-list UK table: R 411 s (target < 10 s);
2. minimum BIC over all 1,024 two-list models, five-list UK table: R 3.5 s (target < 1 s);
3. that BIC choice with 1,000 resamples over the top 100 models: R 195 s (target < 15 s).

Run: ``.venv/bin/python bench/mse.py [--repeat 3] [--full] [--before OLD_TREE]``. Prints a
Markdown table for docs/benchmarks.md. ``--full`` also times the BIC bootstrap over all admissible
models (ntop=Inf, the published Table 6 setting). ``--before`` names another source tree (for
example ``git worktree add /tmp/before main``): task 1 is then timed in child processes for that
tree and this one, alternately, on one process and on every core, so both see the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from jigsaw.datasets.shipped import folder
from jigsaw.stats.mse import estimate, read_table
from jigsaw.stats.mse._fit import Design
from jigsaw.stats.mse._select import hierarchical_models, rank_models


def _time(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


_CHILD = """
import json, sys, time
from jigsaw.datasets.shipped import folder
from jigsaw.stats.mse import estimate, read_table
uk6 = read_table(folder("mse") / "UKdat.csv")
workers = int(sys.argv[1])
estimate(uk6, "stepwise", ci="bca", boot=50, seed=1, workers=workers)  # warm: imports, caches
start = time.perf_counter()
r = estimate(uk6, "stepwise", ci="bca", boot=1000, seed=1234, workers=workers)
print(json.dumps({"seconds": time.perf_counter() - start, "low": r.ci_low, "high": r.ci_high}))
"""


def _child(tree: str, workers: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    # The bench runs its own interpreter on a tree it names itself.
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _CHILD, str(workers)],
        env=env,
        capture_output=True,  # noqa: S603 (our own script)
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def compare(before: str, repeat: int) -> None:
    """Task 1 for an earlier tree and this one, alternately, on one core and on every core."""
    here = str(Path(__file__).resolve().parents[1] / "src")
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()
    print(
        f"before/after, same run: load average at start {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}"
    )
    print(
        "| stepwise + 1,000 BCa (UKdat, 6 lists) | workers | best (s) | median (s) | 95% interval |"
    )
    print("|---|---:|---:|---:|---|")
    for workers in sorted({1, cores}):
        times: dict[str, list[float]] = {"before": [], "after": []}
        limits: dict[str, tuple[float, float]] = {}
        for _ in range(repeat):
            for label, tree in (("before", str(Path(before) / "src")), ("after", here)):
                r = _child(tree, workers)
                times[label].append(r["seconds"])
                limits[label] = (r["low"], r["high"])
        for label in ("before", "after"):
            low, high = limits[label]
            print(
                f"| {label} | {workers} | {min(times[label]):.2f} | {statistics.median(times[label]):.2f} | "
                f"{low:,.6f}-{high:,.6f} |"
            )
    end = os.getloadavg()
    print(f"load average at end {end[0]:.1f}, {end[1]:.1f}, {end[2]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--before", help="source tree of the earlier code to time task 1 against")
    args = parser.parse_args()
    if args.before:
        compare(args.before, args.repeat)
        return
    mse = folder("mse")
    uk6, uk5 = read_table(mse / "UKdat.csv"), read_table(mse / "UKdat_5.csv")
    load = os.getloadavg()
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; python {platform.python_version()}; "
        f"cores {os.cpu_count()}; load average at start {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}"
    )
    rows = []

    best, median, r = _time(
        lambda: estimate(uk6, "stepwise", ci="bca", boot=1000, seed=1234), args.repeat
    )
    rows.append(
        (
            "stepwise + 1,000 BCa resamples (UKdat, 6 lists)",
            411,
            10,
            best,
            median,
            f"{r.total:,.0f} ({r.ci_low:,.0f}-{r.ci_high:,.0f})",
        )
    )

    best, median, r = _time(lambda: estimate(uk5, "bic"), args.repeat)
    rows.append(
        (
            "minimum BIC over 1,024 two-list models (UKdat_5)",
            3.5,
            1,
            best,
            median,
            f"{r.total:,.0f} [{' '.join(r.terms)}]",
        )
    )

    def rank_all():
        design = Design(uk5.lists, 2)
        return rank_models(design, uk5.counts, hierarchical_models(design))

    best, median, ranking = _time(rank_all, args.repeat)
    rows.append(
        (
            "BIC of every one of the 1,024 models, no pruning (UKdat_5)",
            3.5,
            1,
            best,
            median,
            f"{len(ranking)} admissible; best {ranking[0][2]:,.0f}",
        )
    )

    best, median, r = _time(
        lambda: estimate(uk5, "bic", ci="bca", boot=1000, seed=1234, ntop=100), args.repeat
    )
    rows.append(
        (
            "BIC choice, 1,000 BCa resamples over the top 100 models (UKdat_5)",
            195,
            15,
            best,
            median,
            f"{r.total:,.0f} ({r.ci_low:,.0f}-{r.ci_high:,.0f})",
        )
    )

    if args.full:
        best, median, r = _time(lambda: estimate(uk5, "bic", ci="bca", boot=1000, seed=1234), 1)
        rows.append(
            (
                "BIC choice, 1,000 BCa resamples over all admissible models (UKdat_5)",
                None,
                None,
                best,
                median,
                f"{r.total:,.0f} ({r.ci_low:,.0f}-{r.ci_high:,.0f}); published 11,456-43,894",
            )
        )

    print()
    print(
        "| task | R (s) | target (s) | Jigsaw best (s) | Jigsaw median (s) | R / Jigsaw | result |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for task, r_time, target, best, median, result in rows:
        ratio = f"{r_time / best:,.0f}x" if r_time else "-"
        print(
            f"| {task} | {r_time or '-'} | {target or '-'} | {best:.2f} | {median:.2f} | {ratio} | {result} |"
        )
    end = os.getloadavg()
    print(
        f"\nload average at end {end[0]:.1f}; "
        + subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    )


if __name__ == "__main__":
    main()
