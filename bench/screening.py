"""Speed of grading: one child with 100 concerns, and a 50,000-child partnership.

Run: .venv/bin/python bench/screening.py
Targets: one child with 100 concerns under 1 ms; 50,000 children under 5 s.
The partnership is a deliberately heavy one: every child has concerns (4 on average, 1-3
indicators each), far more than the synthetic world's few per cent of children.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import time
import timeit

import pandas as pd

from jigsaw.catalogue import load
from jigsaw.screening import grade_child, grade_frame

TODAY = dt.date(2026, 11, 28)


def main() -> None:
    rng = random.Random(2026)
    catalogue = load()
    ids = [i.id for i in catalogue.indicators if i.kind != "disclosure"]
    agencies = [a.id for a in catalogue.agencies]
    dob = dt.date(2010, 6, 1)

    concerns = [
        {
            "agency": rng.choice(agencies),
            "date": TODAY - dt.timedelta(days=rng.randrange(0, 700)),
            "indicators": rng.sample(ids, rng.randint(1, 3)),
        }
        for _ in range(100)
    ]
    grade_child(dob, concerns, TODAY)
    n = 2000
    per_child = (
        min(timeit.repeat(lambda: grade_child(dob, concerns, TODAY), number=n, repeat=5)) / n
    )
    cpu = time.process_time()
    for _ in range(n):
        grade_child(dob, concerns, TODAY)
    cpu = (time.process_time() - cpu) / n
    print(
        f"one child, 100 concerns, with reasons: {per_child * 1e3:.3f} ms wall (best of 5 x {n}), "
        f"{cpu * 1e3:.3f} ms CPU"
    )

    children = 50_000
    dobs = {
        k: dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 10))
        for k in range(children)
    }
    rows = []
    for child, born in dobs.items():
        for _ in range(rng.randint(1, 7)):
            date = TODAY - dt.timedelta(days=rng.randrange(0, 700))
            if date >= born:
                rows.append(
                    (
                        child,
                        rng.choice(agencies),
                        date,
                        ";".join(rng.sample(ids, rng.randint(1, 3))),
                    )
                )
    frame = pd.DataFrame(rows, columns=["child_id", "agency", "date", "indicators"])
    timings, cpus = [], []
    for _ in range(3):
        start, cpu = time.perf_counter(), time.process_time()
        graded = grade_frame(frame, dobs, TODAY)
        timings.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    print(
        f"partnership: {children:,} children, {len(frame):,} concerns: "
        f"{min(timings):.2f} s wall, {min(cpus):.2f} s CPU (best of 3); "
        f"levels {graded['level'].value_counts().to_dict()}"
    )
    print(f"machine: {platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()}")


if __name__ == "__main__":
    main()
