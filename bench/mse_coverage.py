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

``--strata`` instead simulates partnerships of three areas (300, 200 and 120 victims), estimates
each area and the sum (``stratified_tables``), and reports how often the sum's 95% interval holds
the true 620: the joint bootstrap or delta method of today beside the earlier approximation
(variances read off each area's interval width, added, and a symmetric normal interval):

    .venv/bin/python bench/mse_coverage.py --strata --sims 200 --boot 200 --seed 2026
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from jigsaw.stats._intervals import z_value
from jigsaw.stats.mse import CaptureTable, estimate
from jigsaw.stats.mse._strata import stratified_tables
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
        p = np.column_stack(
            [
                police.astype(float),
                np.where(police, 0.65, 0.18),
                np.full(n, BASE[2]),
                np.full(n, BASE[3]),
            ]
        )
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
            r = estimate(
                table, method, ci=ci, boot=boot, seed=int(rng.integers(1 << 31)), workers=1
            )
            rows.append(
                {
                    "world": world,
                    "sim": sim,
                    "method": method,
                    "ci": ci,
                    "observed": r.observed,
                    "total": r.total,
                    "low": r.ci_low,
                    "high": r.ci_high,
                    "terms": " ".join(r.terms),
                }
            )
        except ValueError as error:
            rows.append(
                {
                    "world": world,
                    "sim": sim,
                    "method": method,
                    "ci": ci,
                    "observed": table.observed,
                    "total": np.nan,
                    "low": np.nan,
                    "high": np.nan,
                    "terms": f"failed: {error}",
                }
            )
    return rows


AREAS = {"north": 300, "south": 200, "west": 120}
STRATA_METHODS = [("stepwise", "wald"), ("stepwise", "bca"), ("main", "wald")]


def one_stratified_partnership(task) -> list[dict]:
    """Simulate three areas of one partnership; the sum's interval now and by the old widths rule."""
    world, sim, boot, seed = task
    rng = np.random.default_rng(seed)
    tables = {name: to_table(simulate(world, n, rng)) for name, n in AREAS.items()}
    rows = []
    z = z_value(0.95)
    for method, ci in STRATA_METHODS:
        frame = stratified_tables(
            tables, method=method, ci=ci, boot=boot, workers=1, seed=int(rng.integers(1 << 31))
        ).set_index("stratum")
        areas, total = frame.drop(index="TOTAL"), frame.loc["TOTAL"]
        ok = areas["estimable"].astype(bool)
        half = z * float(
            np.sqrt((((areas.loc[ok, "ci_high"] - areas.loc[ok, "ci_low"]) / (2 * z)) ** 2).sum())
        )
        for rule, low, high in (
            ("today", total.ci_low, total.ci_high),
            ("widths (earlier)", total.total - half, total.total + half),
        ):
            rows.append(
                {
                    "world": world,
                    "sim": sim,
                    "method": method,
                    "ci": ci,
                    "rule": rule,
                    "total": total.total,
                    "low": low,
                    "high": high,
                    "complete": bool(ok.all()),
                }
            )
    return rows


def strata_main(args: argparse.Namespace) -> None:
    seeds = np.random.SeedSequence(args.seed).spawn(2 * args.sims)
    tasks = [
        (world, sim, args.boot, seeds[2 * sim + w])
        for w, world in enumerate(("independent", "referral"))
        for sim in range(args.sims)
    ]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers, initializer=_one_blas_thread) as pool:
        rows = [
            row
            for chunk in pool.map(one_stratified_partnership, tasks, chunksize=2)
            for row in chunk
        ]
    frame = pd.DataFrame(rows)
    if args.out:
        frame.to_csv(args.out, index=False)
    truth = sum(AREAS.values())
    frame["covered"] = (frame.low <= truth) & (truth <= frame.high)
    summary = frame.groupby(["world", "method", "ci", "rule"], sort=False).agg(
        coverage=("covered", "mean"),
        below=("high", lambda h: float((h < truth).mean())),
        above=("low", lambda lo: float((lo > truth).mean())),
        median_width=("high", lambda h: float(np.nanmedian(h - frame.loc[h.index, "low"]))),
        incomplete=("complete", lambda c: int((~c).sum() // 1)),
    )
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.sims} partnerships per world, areas {AREAS} "
        f"(true total {truth}); BCa resamples {args.boot}; seed {args.seed}; {time.perf_counter() - start:.0f} s"
    )
    print()
    print(
        "| world | method | interval | sum's interval | coverage of 95% | truth above | truth below | median width |"
    )
    print("|---|---|---|---|---:|---:|---:|---:|")
    for (world, method, ci, rule), s in summary.iterrows():
        print(
            f"| {world} | {method} | {ci} | {rule} | {s.coverage:.1%} | {s.below:.1%} | {s.above:.1%} | "
            f"{s.median_width:,.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=200)
    parser.add_argument("--n", type=int, default=300, help="true number of victims per partnership")
    parser.add_argument("--boot", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=None, help="CSV of every estimate")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--strata", action="store_true", help="coverage of the sum over three areas instead"
    )
    args = parser.parse_args()
    if args.strata:
        strata_main(args)
        return
    seeds = np.random.SeedSequence(args.seed).spawn(3 * args.sims)
    tasks = [
        (world, sim, args.n, args.boot, seeds[3 * sim + w])
        for w, world in enumerate(("independent", "referral", "heterogeneous"))
        for sim in range(args.sims)
    ]
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
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.sims} partnerships per world; true N = {n}; "
        f"BCa resamples {args.boot}; seed {args.seed}; {time.perf_counter() - start:.0f} s"
    )
    print()
    print(
        "| world | method | interval | coverage of 95% interval | mean bias | median abs. error | "
        "median width | failed | mean observed |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for (world, method, ci), s in summary.iterrows():
        print(
            f"| {world} | {method} | {ci} | {s.coverage:.0%} | {s.mean_bias:+.1%} | {s.median_abs_err:.1%} | "
            f"{s.median_width:,.0f} | {int(s.failed)} | {s.observed:.0f} |"
        )
    referral = frame[
        (frame.world == "referral") & (frame.method == "stepwise") & (frame.ci == "wald")
    ]
    found = referral.terms.str.contains("police:social_care").mean()
    print(f"\nreferral world: stepwise kept police:social_care in {found:.0%} of partnerships")


if __name__ == "__main__":
    main()
