"""Time the rate, funnel and standardisation statistics at national-report scale.

Run: ``.venv/bin/python bench/stats_rates.py``. Synthetic inputs shaped like the report's: 153
local authorities x 8 years, CSE counts around 30 per 10,000 of about 60,000 children.
"""

from __future__ import annotations

import time

import numpy as np

from jigsaw.stats import funnel, rates, standardised


def _best(fn, repeat: int = 20) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    rng = np.random.default_rng(2)
    children = rng.integers(5_000, 300_000, size=153 * 8).astype(float)
    counts = rng.poisson(children * 30 / 10_000).astype(float)
    la_n, la_x = children[:153], counts[:153]
    bands_n = rng.integers(1_000, 20_000, size=(153, 19)).astype(float)
    bands_x = rng.poisson(bands_n * 0.003).astype(float)
    esp = np.array(
        [
            5000,
            5500,
            5500,
            5500,
            6000,
            6000,
            6500,
            7000,
            7000,
            7000,
            7000,
            6500,
            6000,
            5500,
            5000,
            4000,
            2500,
            1500,
            1000,
        ],
        dtype=float,
    )
    grid = np.geomspace(1_000, 400_000, 120)
    cases = {
        "rate(), 1,224 LA-years, 95% + 99.8%": lambda: rates.rate(
            counts, children
        ).confidence_interval(0.998),
        "proportion(), 1,224 LA-years": lambda: rates.proportion(counts, children),
        "funnel.significance(), 153 LAs": lambda: funnel.significance(la_x, la_n),
        "funnel.rate_funnel_limits(), 153 LAs (PHE bisection)": lambda: funnel.rate_funnel_limits(
            la_x, la_x / la_n * 10_000, per=10_000, population=la_n
        ),
        "funnel.poisson_control_limits(), 120 points x 2 levels": lambda: [
            funnel.poisson_control_limits(grid, 30.0, level=c) for c in (0.95, 0.998)
        ],
        "standardised.dsr(), 153 areas x 19 bands": lambda: [
            standardised.dsr(bands_x[i], bands_n[i], esp) for i in range(153)
        ],
    }
    for name, fn in cases.items():
        print(f"{name:58s} {_best(fn) * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
