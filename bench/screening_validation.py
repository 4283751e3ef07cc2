"""Calibrate the grade bands and validate the grading on synthetic worlds with known truth.

Run: .venv/bin/python bench/screening_validation.py [--children 50000] [--write]

1. Calibration worlds (seeds 1, 3 and 5, pooled, so one world's noise does not pick the band):
   the medium band maximises F2 of "medium or above" against the
   truth (exploited or not), weighting a missed victim above a false referral, because medium
   leads to a MASH discussion; the high band maximises F1 of "high", which leads to immediate
   action, so a false alarm weighs as much as a miss.
   The low band stays 1: any current sign is an emerging concern (City of York's lowest tier).
2. Validation world (seed 2, never used to choose anything): sensitivity and false-positive rate
   of the combined grade and of each agency alone, the jigsaw effect, and the fairness audit, all
   with the bands shipped in the catalogue.

With --write the results replace the part of docs/methods/screening.md between the
``<!-- validation:start -->`` and ``<!-- validation:end -->`` markers.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import subprocess
import time
from pathlib import Path

import pandas as pd
import yaml

from jigsaw.catalogue import load, parse
from jigsaw.catalogue._load import DEFAULT_PATH
from jigsaw.screening import validation as v
from jigsaw.world import generate

DOC = Path(__file__).resolve().parents[1] / "docs" / "methods" / "screening.md"
START, END = "<!-- validation:start -->", "<!-- validation:end -->"


def world_revision() -> str:
    """The commit of the world generator used, marked if its files had uncommitted changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%h", "--", "src/jigsaw/world"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "src/jigsaw/world"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with uncommitted changes" if dirty else "")


def prepare(children: int, seed: int):
    world = generate(children=children, seed=seed)
    linked = v.concerns_by_child(world.concerns, world.truth)
    dobs = v.dobs_of(world.children)
    truth = world.children.set_index("child_id")["exploited"].astype(bool)
    return world, linked, dobs, truth


def pooled(children: int, seeds: tuple[int, ...]):
    """Several worlds as one: child ids prefixed by seed."""
    linked, dobs, truth = [], {}, []
    for seed in seeds:
        _, lk, db, tr = prepare(children, seed)
        tag = f"s{seed}-"
        linked.append(lk.assign(child_id=tag + lk["child_id"].astype(str)))
        dobs.update({tag + str(k): d for k, d in db.items()})
        truth.append(tr.rename(index=lambda k, tag=tag: tag + str(k)))
    return pd.concat(linked, ignore_index=True), dobs, pd.concat(truth)


def f_beta(reach, truth, level, beta):
    """F-beta of reaching ``level`` against the truth: recall weighted beta times precision."""
    sens, fpr = v.rates(reach, truth, level)
    tp = sens * truth.sum()
    fp = fpr * (~truth).sum()
    fn = truth.sum() - tp
    b2 = beta * beta
    return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp), sens, fpr


def calibrate(linked, dobs, truth):
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    rows = []
    for medium in range(3, 13):
        data = copy.deepcopy(raw)
        data["rules"]["bands"] = {"low": 1, "medium": medium, "high": medium + 20}
        reach = v.reached(linked, dobs, catalogue=parse(data))
        score, sens, fpr = f_beta(reach, truth, 2, beta=2)
        rows.append(
            {
                "band": "medium",
                "value": medium,
                "criterion": "F2",
                "score": score,
                "sensitivity": sens,
                "fpr": fpr,
            }
        )
    best_medium = max((r for r in rows if r["band"] == "medium"), key=lambda r: r["score"])["value"]
    for high in range(best_medium + 1, best_medium + 13):
        data = copy.deepcopy(raw)
        data["rules"]["bands"] = {"low": 1, "medium": best_medium, "high": high}
        reach = v.reached(linked, dobs, catalogue=parse(data))
        score, sens, fpr = f_beta(reach, truth, 3, beta=1)
        rows.append(
            {
                "band": "high",
                "value": high,
                "criterion": "F1",
                "score": score,
                "sensitivity": sens,
                "fpr": fpr,
            }
        )
    best_high = max((r for r in rows if r["band"] == "high"), key=lambda r: r["score"])["value"]
    return best_medium, best_high, pd.DataFrame(rows)


def describe_disparities(fair: pd.DataFrame, min_victims: int = 20) -> str:
    """One line per group: the spread of each rate across values with enough victims."""
    lines = []
    for group, rows in fair.groupby("group", sort=False):
        big = rows[rows["victims"].map(lambda x: isinstance(x, int) and x >= min_victims)]
        if len(big) < 2:
            lines.append(f"- **{group}**: fewer than two values with {min_victims}+ victims.")
            continue
        parts = []
        for column, name in (
            ("medium_or_above", "medium-or-above rate"),
            ("sensitivity", "sensitivity"),
            ("sensitivity_with_concerns", "sensitivity among victims with concerns"),
            ("fpr", "false-positive rate"),
        ):
            lo, hi = big.loc[big[column].idxmin()], big.loc[big[column].idxmax()]
            parts.append(
                f"{name} {pct(lo[column])} ({lo['value']}) to {pct(hi[column])} ({hi['value']})"
            )
        lines.append(
            f"- **{group}** (values with {min_victims}+ victims): " + "; ".join(parts) + "."
        )
    return "\n".join(lines)


def pct(x) -> str:
    """Percent, with two decimals below 10% so small false-positive rates can be compared."""
    if x is None or pd.isna(x):
        return ""
    return f"{100 * x:.2f}%" if x < 0.1 else f"{100 * x:.1f}%"


def table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(x) for x in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=50_000)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    catalogue = load()

    seeds = (1, 3, 5)
    linked_a, dobs_a, truth_a = pooled(args.children, seeds)
    medium, high, grid = calibrate(linked_a, dobs_a, truth_a)
    shipped = catalogue.rules.bands
    near = {
        band: [
            int(r.value)
            for r in grid[grid["band"] == band].itertuples()
            if r.score >= grid.loc[grid["band"] == band, "score"].max() - 0.01
        ]
        for band in ("medium", "high")
    }
    print(f"calibrated bands: low 1, medium {medium}, high {high}; shipped {dict(shipped)}")

    world, linked, dobs, truth = prepare(args.children, seed=2)
    combined = v.reached(linked, dobs)
    single = v.reached(linked, dobs, by_agency=True)
    effect = v.jigsaw_effect(combined, single, truth)
    print(effect)
    seen = truth.index.isin(linked["child_id"].unique())
    victims_seen = int((truth & seen).sum())
    agencies_per_child = linked.groupby("child_id")["agency"].nunique()
    multi = truth.index.isin(agencies_per_child[agencies_per_child >= 2].index)
    victims_multi = int((truth & multi).sum())
    high_sens, high_fpr = v.rates(combined, truth, 3)
    low_sens, low_fpr = v.rates(combined, truth, 1)

    agency_rows = []
    for agency in [a.id for a in catalogue.agencies]:
        alone = v.reached(linked[linked["agency"] == agency], dobs)
        sens, fpr = v.rates(alone, truth)
        agency_rows.append(
            {
                "grading": f"{agency} alone",
                "sensitivity (medium+)": pct(sens),
                "false-positive rate": pct(fpr),
            }
        )
    agency_rows.append(
        {
            "grading": "any one agency alone",
            "sensitivity (medium+)": pct(effect.single_sensitivity),
            "false-positive rate": pct(effect.single_fpr),
        }
    )
    agency_rows.append(
        {
            "grading": "any one agency alone, read at the combined FPR (ROC)",
            "sensitivity (medium+)": pct(effect.single_sensitivity_at_combined_fpr),
            "false-positive rate": pct(effect.combined_fpr),
        }
    )
    agency_rows.append(
        {
            "grading": "**combined (agencies share)**",
            "sensitivity (medium+)": pct(effect.combined_sensitivity),
            "false-positive rate": pct(effect.combined_fpr),
        }
    )

    # Ablation: the same grading with vulnerabilities left out, to see what scoring them adds
    # overall and to disabled children's false-positive rate.
    vulnerabilities = {i.id for i in catalogue.indicators if i.kind == "vulnerability"}
    stripped = linked.assign(
        indicators=[[i for i in ids if i not in vulnerabilities] for ids in linked["indicators"]]
    )
    bare = v.reached(stripped, dobs)
    bare_sens, bare_fpr = v.rates(bare, truth)
    disabled = world.children.set_index("child_id")["disability"].astype(bool).reindex(truth.index)
    fpr_dis = v.rates(combined.reindex(truth.index[disabled]).dropna(), truth[disabled])[1]
    fpr_dis_bare = v.rates(bare.reindex(truth.index[disabled]).dropna(), truth[disabled])[1]

    fair = v.fairness(combined, world.children)
    disparities = describe_disparities(fair)
    for column in (
        "low_or_above",
        "medium_or_above",
        "sensitivity",
        "fpr",
        "sensitivity_with_concerns",
    ):
        fair[column] = fair[column].map(pct)

    grid_shown = grid.assign(
        score=grid["score"].map(lambda x: f"{x:.3f}"),
        sensitivity=grid["sensitivity"].map(pct),
        fpr=grid["fpr"].map(pct),
    )
    n_children = len(world.children)
    text = f"""{START}
_Written by `bench/screening_validation.py --children {args.children} --write` on {dt.datetime.now(dt.UTC).date()}
(catalogue {catalogue.version}; world generator at commit {world_revision()}; {os.cpu_count()} cores,
load {os.getloadavg()[0]:.1f}; {time.perf_counter() - started:.0f} s). Linkage is perfect here
(the world's truth table joins records), so these figures are an upper bound on what
record linkage delivers._

### Calibration (worlds seeds {", ".join(map(str, seeds))} pooled, {len(seeds)} x {args.children:,} children, {int(truth_a.sum()):,} victims)

Bands chosen: **low from 1, medium from {medium}, high from {high}**; the catalogue ships
low {shipped["low"]:g}, medium {shipped["medium"]:g}, high {shipped["high"]:g}
({"the same" if (shipped["medium"], shipped["high"]) == (medium, high) else "DIFFERENT: update the catalogue"}). Medium maximises F2 of "medium or above" against the truth (a missed victim
weighs more than a false referral, since medium means a MASH discussion); high maximises F1 of
"high" with that medium band (high means immediate action, so a false alarm weighs as much as a
miss). The first band in the table order wins a tie. Bands within 0.01 of the best score:
medium {near["medium"]}, high {near["high"]}. "score" is the F-beta value; sensitivity
and false-positive rate are of medium-or-above (medium rows) or of high (high rows).

{table(grid_shown)}

### Validation (world seed 2, {n_children:,} children, {effect.victims:,} victims)

{victims_seen:,} victims ({pct(victims_seen / effect.victims)}) have at least one concern
recorded by any agency: no grading can find the rest, so that is the ceiling on sensitivity.
{victims_multi:,} victims ({pct(victims_multi / effect.victims)}) have concerns from two or more
agencies: only these can gain from sharing, which bounds the jigsaw effect.

| grade reached (combined) | sensitivity | false-positive rate |
|---|---|---|
| low or above | {pct(low_sens)} | {pct(low_fpr)} |
| medium or above | {pct(effect.combined_sensitivity)} | {pct(effect.combined_fpr)} |
| high | {pct(high_sens)} | {pct(high_fpr)} |

{table(pd.DataFrame(agency_rows))}

**The jigsaw effect: {effect.extra_victims_at_same_fpr} more true victims
({pct(effect.extra_victims_at_same_fpr / effect.victims)} of all victims) reach medium or high
when agencies share, at the same false-positive rate** ({effect.extra_victims_at_medium} more at
the plain medium threshold, where the combined grade's false-positive rate is
{pct(effect.combined_fpr)} against {pct(effect.single_fpr)} for agencies alone). The stricter
comparison, reading the combined ranking at the single-agency false-positive rate, still
finds {effect.extra_victims_at_single_fpr} more (combined sensitivity
{pct(effect.combined_sensitivity_at_single_fpr)} against {pct(effect.single_sensitivity)}).

Without vulnerabilities in the score (ablation): sensitivity {pct(bare_sens)}, false-positive
rate {pct(bare_fpr)} (with them: {pct(effect.combined_sensitivity)}, {pct(effect.combined_fpr)});
false-positive rate for disabled children {pct(fpr_dis_bare)} without, {pct(fpr_dis)} with.

### Fairness audit (validation world, combined grade)

Share of all children in each group reaching low or above and medium or above; sensitivity and
false-positive rate of medium or above; sensitivity among victims with at least one concern
(what the rules do once a group is visible to agencies). Counts below 5 (zero too) are shown as "<5" and
their rates left blank.

Disparities:

{disparities}

{table(fair)}
{END}"""
    print(text)
    if args.write:
        doc = DOC.read_text(encoding="utf-8")
        if START not in doc or END not in doc:
            raise SystemExit(f"{DOC}: markers {START} / {END} not found")
        before, rest = doc.split(START, 1)
        after = rest.split(END, 1)[1]
        DOC.write_text(before + text + after, encoding="utf-8")
        print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
