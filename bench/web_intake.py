"""Benchmark the web intake: match one new record, link it, grade the concern and the child.

Loads a synthetic partnership into a throwaway SQLite database (the demo's setup), then records
concerns through the real service, `concern_record`, and times each call end to end (matching,
linking, grading, audit rows, commit) and the one-record match alone.

    .venv/bin/python bench/web_intake.py --children 10000 --concerns 200
    .venv/bin/python bench/web_intake.py --records 100000

``--records`` sizes the store by records rather than children (the generator gives about
RECORDS_PER_CHILD agency records per child). Beside each match it also times the index's freshness
check alone (one read of the version row) and, for comparison, the check it replaced (a count and
a maximum over every record and every link).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

# Agency records per child in the generator's partnerships (26,000 records for 10,000 children).
RECORDS_PER_CHILD = 2.6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument(
        "--records", type=int, default=None, help="size the store by records (overrides --children)"
    )
    parser.add_argument("--concerns", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    if args.records is not None:
        args.children = max(1, round(args.records / RECORDS_PER_CHILD))

    workdir = Path(tempfile.mkdtemp(prefix="jigsaw-bench-web-"))
    os.environ["JIGSAW_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["JIGSAW_WEB_DIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jigsaw.web.settings"
    import django

    django.setup()
    import datetime as dt

    import numpy as np
    from django.core.management import call_command
    from django.db.models import Count, Max
    from django.utils import timezone

    from jigsaw.web.accounts.models import Agency, Role
    from jigsaw.web.accounts.services import user_create
    from jigsaw.web.children import matching
    from jigsaw.web.children.models import AgencyRecord, Link
    from jigsaw.web.concerns.services import Identity, concern_record
    from jigsaw.web.demo import DemoLinkage, partnership_load

    def known_links(world, log):
        # The generator's truth joins the background at once; the intake is what is measured.
        import pandas as pd

        clusters = world.truth[["record_id", "child_id"]].set_index("record_id")
        return DemoLinkage(clusters=clusters, review=pd.DataFrame(columns=["record_id_l"]))

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    started = time.perf_counter()
    loaded = partnership_load(
        children=args.children,
        seed=args.seed,
        today=today,
        linkage=known_links,
        with_users=False,
        log=lambda m: None,
    )
    load_seconds = time.perf_counter() - started
    agency = Agency.objects.get(kind="health")
    user, _ = user_create(
        username="bench", password="x", role=Role.PRACTITIONER, agency=agency, validate=False
    )
    started = time.perf_counter()
    matching.matcher()
    build_seconds = time.perf_counter() - started

    rng = np.random.default_rng(args.seed)
    sample = list(AgencyRecord.objects.order_by("?")[: args.concerns])
    match_ms, record_ms, decisions = [], [], {"auto": 0, "new": 0, "pending": 0}
    check_ms, old_check_ms = [], []
    # CPU time of this process beside each wall time: SQLite runs in-process, so it is counted,
    # and on a shared, loaded machine it is what the code costs, not how long it waited.
    match_cpu, record_cpu = [], []
    for i, known in enumerate(sample):
        # Half are children already known (the same identity as another agency holds), half new.
        new = i % 2 == 1
        identity = Identity(
            first_name=known.first_name if not new else f"Bench{i}",
            last_name=known.last_name,
            dob=known.dob
            if not new
            else known.dob - dt.timedelta(days=int(rng.integers(400, 900))),
            sex=known.sex,
            postcode=known.postcode,
            nhs_number="",
        )
        mapping = matching.record_mapping(
            record_id="bench",
            agency_kind="health",
            **{k: getattr(identity, k) for k in identity.__dataclass_fields__},
        )
        t0, c0 = time.perf_counter(), time.process_time()
        matching.match(mapping)
        match_ms.append((time.perf_counter() - t0) * 1000)
        match_cpu.append((time.process_time() - c0) * 1000)
        t0 = time.perf_counter()
        matching.matcher()
        check_ms.append((time.perf_counter() - t0) * 1000)
        if i % 10 == 0:
            t0 = time.perf_counter()
            AgencyRecord.objects.aggregate(n=Count("id"), top=Max("id"))
            Link.objects.aggregate(n=Count("id"), top=Max("id"), decided=Max("decided_at"))
            old_check_ms.append((time.perf_counter() - t0) * 1000)
        t0, c0 = time.perf_counter(), time.process_time()
        outcome = concern_record(
            actor=user,
            identity=identity,
            seen_on=today,
            indicators=["sti_diagnosis"],
            note="benchmark",
            lawful_basis="public_task_safeguarding",
        )
        record_ms.append((time.perf_counter() - t0) * 1000)
        record_cpu.append((time.process_time() - c0) * 1000)
        key = "pending" if outcome.pending_review else outcome.link.status
        decisions[key] = decisions.get(key, 0) + 1

    def summary(values):
        return (
            f"median {statistics.median(values):.1f} ms, p95 {np.percentile(values, 95):.1f} ms, "
            f"max {max(values):.1f} ms"
        )

    print(
        f"partnership: {loaded.children} children, {loaded.records} records, {loaded.concerns} concerns "
        f"(loaded in {load_seconds:.1f} s); matcher index built in {build_seconds:.2f} s"
    )
    print(f"one-record match ({len(match_ms)} queries): {summary(match_ms)}")
    print(f"  its CPU time: {summary(match_cpu)}")
    print(f"freshness check alone (version row): {summary(check_ms)}")
    print(
        f"the check it replaced (count/max scans, {len(old_check_ms)} runs): {summary(old_check_ms)}"
    )
    print(f"concern_record end to end: {summary(record_ms)}")
    print(f"  its CPU time: {summary(record_cpu)}")
    print(f"decisions: {decisions}")


if __name__ == "__main__":
    main()
