"""Coverage and bias of the dark-figure estimate over simulated partnerships.

Each simulated partnership has N victims (known) and four agency lists (police, social care,
health, school). Three worlds:

- ``independent``: each list catches each child independently (the main-effects model is true);
- ``referral``: police refer to social care, so a child the police know is far more likely to be
  on social care's list (a police:social-care dependence);
- ``heterogeneous``: some children are much more visible than others (a random effect on every
  list's capture probability), which no log-linear model with two-list terms captures exactly.

For every partnership the estimate and its 95% interval are computed under several methods; the
script reports how often the interval holds the true N (coverage), the mean relative bias and the
median absolute relative error. Run:

    .venv/bin/python bench/mse_coverage.py --sims 200 --boot 300 --seed 2026
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from jigsaw.stats.mse import CaptureTable, estimate
from jigsaw.stats.mse._table import all_patterns

LISTS = ("police", "social_care", "health", "school")
BASE = np.array([0.25, 0.30, 0.15, 0.20])


def simulate(world: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return an (n, 4) 0/1 capture matrix for one partnership."""
    if world == "independent":
        p = np.broadcast_to(BASE, (n, 4))
    elif world == "referral":
        police = rng.random(n) < BASE[0]
        # Police refer: social care catches 65% of children the police know, 18% of the others.
        p = np.column_stack([police.astype(float), np.where(police, 0.65, 0.18),
                             np.full(n, BASE[2]), np.full(n, BASE[3])])
        caught = rng.random((n, 4)) < p
        caught[:, 0] = police
        return caught.astype(np.int8)
    elif world == "heterogeneous":
        # Visibility varies: logit p_ij = logit(base_j) + 1.0 * u_i, u_i ~ N(0, 1).
        u = rng.normal(size=(n, 1))
        logit = np.log(BASE / (1 - BASE))[None, :] + 1.0 * u
        p = 1 / (1 + np.exp(-logit))
    else:
        raise ValueError(world)
    return (rng.random((n, 4)) < p).astype(np.int8)


def to_table(caught: np.ndarray) -> CaptureTable:
    patterns = all_patterns(caught.shape[1])
    codes = caught @ (1 << np.arange(caught.shape[1]))
    counts = np.bincount(codes, minlength=2 ** caught.shape[1])[1:]
    return CaptureTable(LISTS, patterns, counts.astype(np.int64), "simulated partnership")


METHODS = [
    ("stepwise", "wald"),
    ("stepwise", "bca"),
    ("bic", "wald"),
    ("bic", "bca"),
    ("main", "wald"),
]


def _one_blas_thread() -> None:
    threadpool_limits(limits=1)


def one_partnership(task) -> list[dict]:
    """Simulate one partnership and estimate its total under every method."""
    world, sim, n, boot, seed = task
    rng = np.random.default_rng(seed)
    table = to_table(simulate(world, n, rng))
    rows = []
    for method, ci in METHODS:
        try:
            r = estimate(table, method, ci=ci, boot=boot, seed=int(rng.integers(1 << 31)), workers=1)
            rows.append({"world": world, "sim": sim, "method": method, "ci": ci, "observed": r.observed,
                         "total": r.total, "low": r.ci_low, "high": r.ci_high, "terms": " ".join(r.terms)})
        except ValueError as error:
            rows.append({"world": world, "sim": sim, "method": method, "ci": ci, "observed": table.observed,
                         "total": np.nan, "low": np.nan, "high": np.nan, "terms": f"failed: {error}"})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=200)
    parser.add_argument("--n", type=int, default=300, help="true number of victims per partnership")
    parser.add_argument("--boot", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=None, help="CSV of every estimate")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seeds = np.random.SeedSequence(args.seed).spawn(3 * args.sims)
    tasks = [(world, sim, args.n, args.boot, seeds[3 * sim + w])
             for w, world in enumerate(("independent", "referral", "heterogeneous")) for sim in range(args.sims)]
    start = time.perf_counter()
    # One partnership per task on each core; each estimate runs on one process.
    with ProcessPoolExecutor(args.workers, initializer=_one_blas_thread) as pool:
        rows = [row for chunk in pool.map(one_partnership, tasks, chunksize=4) for row in chunk]
    frame = pd.DataFrame(rows)
    if args.out:
        frame.to_csv(args.out, index=False)
    n = args.n
    frame["covered"] = (frame.low <= n) & (n <= frame.high)
    frame["rel_err"] = (frame.total - n) / n
    summary = frame.groupby(["world", "method", "ci"], sort=False).agg(
        coverage=("covered", "mean"),
        mean_bias=("rel_err", "mean"),
        median_abs_err=("rel_err", lambda e: float(np.nanmedian(np.abs(e)))),
        median_width=("high", lambda h: float(np.nanmedian(h - frame.loc[h.index, "low"]))),
        failed=("total", lambda t: int(t.isna().sum())),
        observed=("observed", "mean"),
    )
    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.sims} partnerships per world; true N = {n}; "
          f"BCa resamples {args.boot}; seed {args.seed}; {time.perf_counter() - start:.0f} s")
    print()
    print("| world | method | interval | coverage of 95% interval | mean bias | median abs. error | "
          "median width | failed | mean observed |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for (world, method, ci), s in summary.iterrows():
        print(f"| {world} | {method} | {ci} | {s.coverage:.0%} | {s.mean_bias:+.1%} | {s.median_abs_err:.1%} | "
              f"{s.median_width:,.0f} | {int(s.failed)} | {s.observed:.0f} |")
    referral = frame[(frame.world == "referral") & (frame.method == "stepwise") & (frame.ci == "wald")]
    found = referral.terms.str.contains("police:social_care").mean()
    print(f"\nreferral world: stepwise kept police:social_care in {found:.0%} of partnerships")


if __name__ == "__main__":
    main()
