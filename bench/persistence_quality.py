"""Precision, recall and shortfall of the persistent flag and the related-indicators model.

Scores today's comparison of the last year with peers, the persistent flag over eight years and
the model-based comparison with related indicators on simulated panels of
jigsaw.world.countries (simulate_panel: lasting and intermittent under-identifiers, related
indicators some of them under-record), at 99.8% and 95%; then runs the three on the real
2018-2025 English data. Prints the Markdown tables of docs/methods/oversight.md.

    .venv/bin/python bench/persistence_quality.py [--seeds 30] [--no-england]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from jigsaw.world.countries import METHODS, score_methods


def simulated(seeds: int) -> pd.DataFrame:
    scores = pd.DataFrame([row for seed in range(seeds) for row in score_methods(seed)])
    rows = []
    for (level, method), group in scores.groupby(["level", "method"], sort=False):
        total = group.sum(numeric_only=True)
        held = (group["shortfall_lower"] <= group["missed_by_flagged"]) & (
            group["missed_by_flagged"] <= group["shortfall_upper"]
        )
        rows.append(
            {
                "level": f"{level:.1%}",
                "method": method,
                "flagged per country": total["flagged"] / len(group),
                "precision": total["true_positives"] / total["flagged"],
                "recall": total["true_positives"] / total["under"],
                "recall, lasting": total["persistent_found"] / total["persistent_under"],
                "recall, under-recording all": total["masked_found"] / total["masked_under"],
                "shortfall / missed by flagged": total["shortfall"] / total["missed_by_flagged"],
                "interval holds": held.mean()
                if group["shortfall_lower"].notna().any()
                else float("nan"),
            }
        )
    out = pd.DataFrame(rows)
    out["order"] = out["method"].map({m: i for i, m in enumerate(METHODS)})
    removed = scores["variance_removed"]
    print(
        f"\nvariance removed by the related indicators (out of fold): median {removed.median():.2f}, "
        f"range {removed.min():.2f} to {removed.max():.2f} over {seeds} countries"
    )
    return out.sort_values(["level", "order"], ascending=[False, True]).drop(columns="order")


def england(year: int = 2025) -> pd.DataFrame:
    from jigsaw.oversight import analyse_national, load_national

    analysis = analyse_national(load_national(year))
    table, warning = analysis.alarm.table, analysis.warning.table
    related = analysis.related
    print(
        f"\n{year}: related indicators {', '.join(related.indicators)} remove "
        f"{related.variance_removed:.0%} of the between-area variance (tau2 {related.tau2_peers:.3f} "
        f"-> {related.tau2_model:.3f}); persistence: area variance {analysis.persistence_alarm.area_variance:.3f}, "
        f"year-to-year {analysis.persistence_alarm.year_variance:.3f}"
    )
    rows = []
    for level, result, persistent, model in (
        ("99.8%", table, analysis.persistence_alarm.table, table["comparison_model"]),
        (
            "95.0%",
            warning,
            analysis.persistence_warning.table,
            analysis.related_warning.table["comparison_model"],
        ),
    ):
        names = {
            **dict(zip(table["area_code"], table["area_name"], strict=True)),
            **dict(
                zip(table["old_la_code"].astype(int).astype(str), table["area_name"], strict=True)
            ),
        }
        for method, flagged in (
            ("peers, last year", list(result.loc[result["comparison"] == "lower", "area_code"])),
            (
                "persistent over years",
                list(persistent.loc[persistent["persistent"] == "lower", "area_code"]),
            ),
            ("related indicators model", list(table.loc[model.to_numpy() == "lower", "area_code"])),
        ):
            rows.append(
                {
                    "level": level,
                    "method": method,
                    "LAs flagged": len(flagged),
                    "which": ", ".join(names.get(code, code) for code in flagged),
                }
            )
    mismatched = table.loc[table["mismatch"], "area_name"]
    print(
        f"mismatch (going missing or CCE at or above peers, CSE far below): "
        f"{len(mismatched)}: {', '.join(mismatched)}"
    )
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame, digits: int = 2) -> str:
    """A Markdown table (no tabulate needed): numbers to ``digits`` decimals, blanks for NaN."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return "" if value != value else f"{value:.{digits}f}"
        return str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += [
        "| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--no-england", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    print(markdown(simulated(args.seeds)))
    if not args.no_england:
        print(markdown(england()))
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
