"""Time the full national oversight report (153 LAs, trends 2018-2025): target under 10 s.

Run: .venv/bin/python bench/oversight.py [--repeat 3]
Each repeat is a fresh process-level build (files re-read: the loaders' cache is cleared), so
the figure is what ``jigsaw oversight --year 2025`` costs after Python has started.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()

    started = time.perf_counter()
    from jigsaw import oversight
    from jigsaw.datasets import england
    from jigsaw.report import national

    imported = time.perf_counter() - started

    timings, phases = [], []
    for _ in range(args.repeat):
        england._read.cache_clear()
        with tempfile.TemporaryDirectory() as folder:
            t0 = time.perf_counter()
            inputs = oversight.load_national(args.year)
            t1 = time.perf_counter()
            oversight.analyse_national(inputs)
            t2 = time.perf_counter()
            england._read.cache_clear()
            t3 = time.perf_counter()
            summary = national.build_national_report(args.year, folder)
            t4 = time.perf_counter()
            size = (Path(folder) / "index.html").stat().st_size
        timings.append(t4 - t3)
        phases.append((t1 - t0, t2 - t1))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"import jigsaw.report.national: {imported:.2f} s")
    print(
        f"full report, year {args.year}, {summary.areas} LAs, {args.repeat} runs: "
        f"median {statistics.median(timings):.2f} s, min {min(timings):.2f} s, max {max(timings):.2f} s"
    )
    print(
        f"  of which loading the data {statistics.median(p[0] for p in phases):.2f} s, "
        f"the analysis (both levels, spreads, funnel, trends) "
        f"{statistics.median(p[1] for p in phases):.2f} s"
    )
    print(f"index.html: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
