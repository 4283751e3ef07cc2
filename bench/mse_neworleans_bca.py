"""Why the minimum-BIC BCa lower limit on the sparse New Orleans table moves so much.

Silverman, Chan and Vincent (2024, Table 6) give 981 (397-1,511) for the 186-case New Orleans
table with minimum BIC over the two-list models, the choice repeated in 1,000 multinomial
resamples; Jigsaw's seed 1234 gives 480-1,497. This script repeats the bootstrap under several
resampling schemes and seeds, and for each prints the BCa limits, the adjusted lower level, the
bootstrap minimum, the percentile interval and the BCa limit with ties counted half in z0.

Run: ``.venv/bin/python bench/mse_neworleans_bca.py [--seeds 1234 1 2 3 4 5] [--poisson-seeds 1234 1 2]``
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime

import numpy as np
from scipy.stats import norm

from jigsaw.datasets.shipped import mse_example
from jigsaw.stats._intervals import z_value
from jigsaw.stats.mse import _intervals, read_table
from jigsaw.stats.mse._bootstrap import ChoiceSpec, choose, single_threaded_blas, totals_for
from jigsaw.stats.mse._fit import Design


def adjusted_levels(boot: np.ndarray, estimate: float, a: float, ties_half: bool) -> np.ndarray:
    below = np.mean(boot < estimate) + (0.5 * np.mean(boot == estimate) if ties_half else 0.0)
    z0 = norm.ppf(below)
    za = np.array([-z_value(0.95), z_value(0.95)])
    return np.asarray(norm.cdf(z0 + (z0 + za) / (1 - a * (z0 + za))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1234, 1, 2, 3, 4, 5])
    parser.add_argument("--poisson-seeds", type=int, nargs="+", default=[1234, 1, 2])
    parser.add_argument("--boot", type=int, default=1000)
    args = parser.parse_args()
    table = read_table(mse_example("NewOrl_5_186"))
    counts = table.counts
    n = int(counts.sum())
    start = time.perf_counter()
    with single_threaded_blas():
        design = Design(table.lists, 2)
        choice = choose(design, counts, ChoiceSpec("bic", complete=True))
        ranked = np.array([m for _, m in choice.ranking])
        estimate = float(choice.fit.total[0])
        specs = {
            "all admissible models (ntop=Inf)": ChoiceSpec("bic", 0.02, None, ranked),
            "main effects only (ntop=1)": ChoiceSpec("bic", 0.02, None, ranked[:1]),
        }
        accel = {}
        jack_tables, jack_cells = _intervals.jackknife_tables(counts)
        for label, spec in specs.items():
            jack = totals_for(design, jack_tables, spec)
            accel[label] = _intervals.jackknife_acceleration(
                counts, jack_cells, np.where(np.isfinite(jack), jack, estimate)
            )
        runs = [("multinomial", s, label) for s in args.seeds for label in specs]
        runs += [("Poisson", s, "all admissible models (ntop=Inf)") for s in args.poisson_seeds]
        rows = []
        for scheme, seed, label in runs:
            rng = np.random.default_rng(seed)
            if scheme == "multinomial":
                resamples = rng.multinomial(n, counts / n, size=args.boot)
            else:
                resamples = rng.poisson(counts, size=(args.boot, counts.size))
            boot = totals_for(design, resamples, specs[label])
            boot = boot[np.isfinite(boot)]
            a = accel[label]
            low, high = _intervals.bca_limits(boot, estimate, a)
            levels = adjusted_levels(boot, estimate, a, ties_half=False)
            tie_levels = adjusted_levels(boot, estimate, a, ties_half=True)
            tie_low, tie_high = _intervals.type8_quantile(boot, tie_levels)
            pct = _intervals.type8_quantile(boot, np.array([0.025, 0.975]))
            rows.append(
                (
                    scheme,
                    label,
                    seed,
                    low,
                    high,
                    levels[0],
                    float(boot.min()),
                    float(np.mean(boot < estimate)),
                    int(np.sum(boot == estimate)),
                    tie_low,
                    tie_high,
                    pct[0],
                    pct[1],
                )
            )
            print(f"  {scheme} {label} seed {seed}: {low:,.0f}-{high:,.0f}", flush=True)
    load = os.getloadavg()
    print(
        f"\ndate {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; NewOrl_5_186, minimum BIC over {len(ranked)} two-list models; "
        f"{args.boot} resamples; point estimate {estimate:,.1f}; acceleration {accel['all admissible models (ntop=Inf)']:.4f} "
        f"(ntop=1: {accel['main effects only (ntop=1)']:.4f}); {time.perf_counter() - start:.0f} s; load {load[0]:.1f}"
    )
    print()
    print(
        "| resampling | re-selection | seed | BCa 95% | adjusted lower level | bootstrap minimum | share below estimate | "
        "ties | BCa, ties half in z0 | percentile 95% |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|---|---|")
    for (
        scheme,
        label,
        seed,
        low,
        high,
        level,
        minimum,
        below,
        ties,
        tlow,
        thigh,
        plow,
        phigh,
    ) in rows:
        print(
            f"| {scheme} | {label} | {seed} | {low:,.0f}-{high:,.0f} | {level:.5f} | {minimum:,.0f} | {below:.3f} | "
            f"{ties} | {tlow:,.0f}-{thigh:,.0f} | {plow:,.0f}-{phigh:,.0f} |"
        )


if __name__ == "__main__":
    main()
