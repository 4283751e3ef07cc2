"""How well the `lower` flag finds under-identifying areas, robust vs plain Spiegelhalter.

Runs the simulated countries of jigsaw.world.countries over many seeds,
with each variant of the method, and the real 2025 English data with DfE's neighbours. Prints
a Markdown table for docs/methods/shortfall.md.

    .venv/bin/python bench/shortfall_quality.py [--seeds 40]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from jigsaw.datasets.shipped import folder
from jigsaw.stats.neighbours import nearest_neighbours, statistical_neighbours
from jigsaw.stats.shortfall import compare_with_peers, shortfall_summary
from jigsaw.world.countries import score_lower_flags

VARIANTS = {
    "robust tau2, flagged peers left out (default)": {},
    "robust tau2, all peers": {"exclude_lower_peers": False},
    "plain Spiegelhalter (winsorised DL), flagged peers left out": {
        "estimator": "dersimonian-laird"
    },
    "plain Spiegelhalter (winsorised DL), all peers": {
        "estimator": "dersimonian-laird",
        "exclude_lower_peers": False,
    },
}


def simulated(seeds: int, level: float) -> pd.DataFrame:
    rows = []
    for name, options in VARIANTS.items():
        scores = pd.DataFrame(
            [score_lower_flags(seed, level=level, **options) for seed in range(seeds)]
        )
        tp, flagged, under = (scores[c] for c in ("true_positives", "flagged", "under"))
        ratio = scores["shortfall"] / scores["missed_by_flagged"]
        held = (scores["shortfall_lower"] <= scores["missed_by_flagged"]) & (
            scores["missed_by_flagged"] <= scores["shortfall_upper"]
        )
        rows.append(
            {
                "variant": name,
                "level": level,
                "precision": tp.sum() / flagged.sum(),
                "precision_min": (tp / flagged.where(flagged > 0)).min(),
                "recall": tp.sum() / under.sum(),
                "recall_min": (tp / under).min(),
                "shortfall/missed_flagged": scores["shortfall"].sum()
                / scores["missed_by_flagged"].sum(),
                "worst_seed_ratio": ratio.iloc[(ratio - 1).abs().argmax()],
                "within_20pct": ((ratio - 1).abs() <= 0.2).mean(),
                "interval_holds": held.mean(),
                "shortfall/missed_all_under": scores["shortfall"].sum()
                / scores["missed_by_under"].sum(),
            }
        )
    return pd.DataFrame(rows)


def england_2025(level: float) -> pd.DataFrame:
    data = pd.read_csv(folder("england") / "cse_rates_la_derived.csv", dtype=str)
    data = data[data["time_period"] == "2025"]
    areas = pd.DataFrame(
        {
            "area_code": data["new_la_code"],
            "area_name": data["la_name"],
            "identified": pd.to_numeric(data["cse_episodes"], errors="coerce"),
            "children": pd.to_numeric(data["population_0_17"], errors="coerce"),
        }
    )
    neighbours = statistical_neighbours(2025)
    rows = []
    for name, options in VARIANTS.items():
        comparison = compare_with_peers(areas, neighbours, level=level, **options)
        summary = shortfall_summary(comparison)
        result, fit = comparison.table, comparison.overdispersion
        rows.append(
            {
                "variant": name,
                "level": level,
                "tau": np.sqrt(fit.tau2),
                "phi": fit.phi,
                "lower": summary.flagged,
                "higher": int(result["comparison"].eq("higher").sum()),
                "shortfall": summary.shortfall,
                "interval": f"{summary.lower:.0f} to {summary.upper:.0f}",
            }
        )
    return pd.DataFrame(rows)


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def timings() -> pd.DataFrame:
    """Speed at report scale (real 2025 data) and for larger sets of areas."""
    data = pd.read_csv(folder("england") / "cse_rates_la_derived.csv", dtype=str)
    data = data[data["time_period"] == "2025"]
    areas = pd.DataFrame(
        {
            "area_code": data["new_la_code"],
            "identified": pd.to_numeric(data["cse_episodes"], errors="coerce"),
            "children": pd.to_numeric(data["population_0_17"], errors="coerce"),
        }
    )
    rows = [
        {
            "operation": "statistical_neighbours(2025) from CSV",
            "seconds": _best(lambda: statistical_neighbours(2025), 10),
        }
    ]
    neighbours = statistical_neighbours(2025)
    rows.append(
        {
            "operation": "compare_with_peers + shortfall_summary, 153 LAs",
            "seconds": _best(lambda: shortfall_summary(compare_with_peers(areas, neighbours)), 10),
        }
    )
    rng = np.random.default_rng(0)
    for size in (1_000, 3_000):
        frame = pd.DataFrame(
            {
                "area_code": [f"A{i}" for i in range(size)],
                "x_a": rng.normal(size=size),
                "x_b": rng.normal(size=size),
                "identified": rng.poisson(50, size),
                "children": 50_000,
            }
        )
        rows.append(
            {
                "operation": f"nearest_neighbours, {size:,} areas, k=10",
                "seconds": _best(lambda f=frame: nearest_neighbours(f, ["x_a", "x_b"]), 3),
            }
        )
        pairs = nearest_neighbours(frame, ["x_a", "x_b"])
        rows.append(
            {
                "operation": f"compare_with_peers + shortfall_summary, {size:,} areas",
                "seconds": _best(
                    lambda f=frame, p=pairs: shortfall_summary(compare_with_peers(f, p)), 3
                ),
            }
        )
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame, digits: int) -> str:
    """A Markdown table (without needing tabulate)."""

    def cell(value) -> str:
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += [
        "| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    args = parser.parse_args()
    print(markdown(timings(), 3), "\n")
    start = time.perf_counter()
    for level in (0.998, 0.95):
        print(markdown(simulated(args.seeds, level), 3), "\n")
    for level in (0.998, 0.95):
        print(markdown(england_2025(level), 2), "\n")
    print(
        f"{args.seeds} seeds x {len(VARIANTS)} variants x 2 levels in "
        f"{time.perf_counter() - start:.1f} s"
    )


if __name__ == "__main__":
    main()
