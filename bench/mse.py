"""Benchmark multiple systems estimation against the R peers' published timings.

R is not installed here; R's reference times on this kind of machine (2 cores; SparseMSE
2.0.1 and MultipleSystemsEstimation 1.2.0 on R 4.2):

1. stepwise with 1,000 BCa resamples, six-list UK table: R 411 s (target < 10 s);
2. minimum BIC over all 1,024 two-list models, five-list UK table: R 3.5 s (target < 1 s);
3. that BIC choice with 1,000 resamples over the top 100 models: R 195 s (target < 15 s).

Run: ``.venv/bin/python bench/mse.py [--repeat 3] [--full]``. Prints a Markdown table for
docs/benchmarks.md. ``--full`` also times the BIC bootstrap over all admissible models (ntop=Inf,
the published Table 6 setting).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time
from datetime import UTC, datetime

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    mse = folder("mse")
    uk6, uk5 = read_table(mse / "UKdat.csv"), read_table(mse / "UKdat_5.csv")
    load = os.getloadavg()
    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; python {platform.python_version()}; "
          f"cores {os.cpu_count()}; load average at start {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}")
    rows = []

    best, median, r = _time(lambda: estimate(uk6, "stepwise", ci="bca", boot=1000, seed=1234), args.repeat)
    rows.append(("stepwise + 1,000 BCa resamples (UKdat, 6 lists)", 411, 10, best, median,
                 f"{r.total:,.0f} ({r.ci_low:,.0f}-{r.ci_high:,.0f})"))

    best, median, r = _time(lambda: estimate(uk5, "bic"), args.repeat)
    rows.append(("minimum BIC over 1,024 two-list models (UKdat_5)", 3.5, 1, best, median,
                 f"{r.total:,.0f} [{' '.join(r.terms)}]"))

    def rank_all():
        design = Design(uk5.lists, 2)
        return rank_models(design, uk5.counts, hierarchical_models(design))

    best, median, ranking = _time(rank_all, args.repeat)
    rows.append(("BIC of every one of the 1,024 models, no pruning (UKdat_5)", 3.5, 1, best, median,
                 f"{len(ranking)} admissible; best {ranking[0][2]:,.0f}"))

    best, median, r = _time(lambda: estimate(uk5, "bic", ci="bca", boot=1000, seed=1234, ntop=100), args.repeat)
    rows.append(("BIC choice, 1,000 BCa resamples over the top 100 models (UKdat_5)", 195, 15, best, median,
                 f"{r.total:,.0f} ({r.ci_low:,.0f}-{r.ci_high:,.0f})"))

    if args.full:
        best, median, r = _time(lambda: estimate(uk5, "bic", ci="bca", boot=1000, seed=1234), 1)
        rows.append(("BIC choice, 1,000 BCa resamples over all admissible models (UKdat_5)", None, None, best,
                     median, f"{r.total:,.0f} ({r.ci_low:,.0f}-{r.ci_high:,.0f}); published 11,456-43,894"))

    print()
    print("| task | R (s) | target (s) | Jigsaw best (s) | Jigsaw median (s) | R / Jigsaw | result |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for task, r_time, target, best, median, result in rows:
        ratio = f"{r_time / best:,.0f}x" if r_time else "-"
        print(f"| {task} | {r_time or '-'} | {target or '-'} | {best:.2f} | {median:.2f} | {ratio} | {result} |")
    end = os.getloadavg()
    print(f"\nload average at end {end[0]:.1f}; "
          + subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
