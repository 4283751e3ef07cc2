"""Benchmark the web intake: match one new record, link it, grade the concern and the child.

Loads a synthetic partnership into a throwaway SQLite database (the demo's setup), then records
concerns through the real service, `concern_record`, and times each call end to end (matching,
linking, grading, audit rows, commit) and the one-record match alone.

    .venv/bin/python bench/web_intake.py --children 10000 --concerns 200
    .venv/bin/python bench/web_intake.py --records 100000

``--records`` sizes the store by records rather than children (the generator gives about
RECORDS_PER_CHILD agency records per child).

The store is filled by a bulk load (``bulk_load`` below): the demo's world, its records joined
by the world's truth, written with one multi-row statement per table instead of through the
ORM, which would spend most of an hour on a million records building model objects the
intake never reads. The rows are the ones the demo's load writes (the same dates of birth and
NHS numbers, read by the linkage engine's own field readers), less the links' explanations
(the confidence shown on a background link), which the intake neither reads nor times; the
concerns and the children's grades go through the demo's own steps. Beside each match it also times the index's freshness
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
    parser.add_argument(
        "--orm",
        action="store_true",
        help="load through the demo's ORM path (partnership_load) instead of the bulk load",
    )
    args = parser.parse_args()
    print(f"load average at the start: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
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
    started, started_cpu = time.perf_counter(), time.process_time()
    if args.orm:
        loaded = partnership_load(
            children=args.children,
            seed=args.seed,
            today=today,
            linkage=known_links,
            with_users=False,
            log=lambda m: None,
        )
    else:
        loaded = bulk_load(children=args.children, seed=args.seed, today=today)
    load_cpu = time.process_time() - started_cpu
    load_seconds = time.perf_counter() - started
    agency = Agency.objects.get(kind="health")
    user, _ = user_create(
        username="bench", password="x", role=Role.PRACTITIONER, agency=agency, validate=False
    )
    started, started_cpu = time.perf_counter(), time.process_time()
    matching.matcher()
    build_seconds = time.perf_counter() - started
    build_cpu = time.process_time() - started_cpu

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
            **identity.for_matching(),
        )
        t0, c0 = time.perf_counter(), time.process_time()
        matching.match(mapping)
        match_ms.append((time.perf_counter() - t0) * 1000)
        match_cpu.append((time.process_time() - c0) * 1000)
        t0 = time.perf_counter()
        matching.matcher()
        check_ms.append((time.perf_counter() - t0) * 1000)
        # The scans it replaced grow with the store (seconds at a million records): sampled.
        if i % 20 == 0:
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
        f"(loaded in {load_seconds:.1f} s, CPU {load_cpu:.1f} s); "
        f"matcher index built in {build_seconds:.2f} s (CPU {build_cpu:.2f} s)"
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
    print(f"load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _insert(model, columns: dict, *, rows: int, constant: dict | None = None) -> None:
    """Insert ``rows`` rows of ``model`` in one multi-row statement per chunk.

    ``columns`` maps field names to lists of values already in the database's form; fields in
    ``constant`` take one value for every row, and the rest their model default, each turned
    into its database form once by the field itself.
    """
    from django.db import connection

    fields = model._meta.concrete_fields
    constant = constant or {}
    per_row, fixed = [], {}
    for field in fields:
        if field.name in columns:
            per_row.append(columns[field.name])
        else:
            value = constant[field.name] if field.name in constant else field.get_default()
            fixed[field.name] = field.get_db_prep_save(value, connection)
            per_row.append(None)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # SQLite allows 32,766 parameters in one statement.
    chunk = max(1, 30_000 // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, rows, chunk):
            stop = min(rows, start + chunk)
            values = []
            for field, given in zip(fields, per_row, strict=True):
                values.append(
                    given[start:stop] if given is not None else [fixed[field.name]] * (stop - start)
                )
            flat = [v for row in zip(*values, strict=True) for v in row]
            one = "(" + ", ".join(["%s"] * len(fields)) + ")"
            # Table and column names from the model, quoted by the backend; values as parameters.
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) "  # noqa: S608
                f"VALUES {', '.join([one] * (stop - start))}",
                flat,
            )


def bulk_load(*, children: int, seed: int, today):
    """The demo's partnership, its records joined by the world's truth, stored in bulk.

    Returns the demo's summary (counts only).
    """
    import datetime as dt
    import json

    from django.db import connection, transaction
    from django.db.models import Max

    from jigsaw.linkage._prepare import _Reader
    from jigsaw.web.children import matching
    from jigsaw.web.children.models import AgencyRecord, Child, Link, LinkStatus
    from jigsaw.web.demo import (
        DemoSummary,
        _area_and_agencies,
        _grade_children,
        _store_concerns,
        _world,
    )

    world = _world(children, seed, today, lambda m: None)
    clusters = world.truth[["record_id", "child_id"]].set_index("record_id")
    now = dt.datetime.now(dt.UTC)
    # The linkage engine's own field readers, once per distinct value (dates of birth and NHS
    # numbers repeat), so the stored values are those the demo's load stores.
    reader, seen = _Reader(), {}

    def read(field, value):
        key = (field, value)
        if key not in seen:
            seen[key] = reader.read(field, value)[0]
        return seen[key]

    records = world.records
    child_of_record = clusters["child_id"].astype(str).to_dict()
    kept = {"record_id": [], "agency": [], "first_name": [], "last_name": [], "dob": []}
    kept.update(sex=[], postcode=[], nhs_number=[])
    skipped = 0
    for row in zip(
        records["record_id"].astype(str),
        records["agency"],
        records["first_name"],
        records["last_name"],
        records["dob"],
        records["sex"],
        records["postcode"],
        records["nhs_number"],
        strict=True,
    ):
        record_id, agency, first, last, dob, sex, postcode, nhs = row
        born = read("dob", dob).get("dob")
        if not born or record_id not in child_of_record:
            skipped += 1
            continue
        kept["record_id"].append(record_id)
        kept["agency"].append(agency)
        kept["first_name"].append(str(first or "").title()[:80])
        kept["last_name"].append(str(last or "").title()[:80])
        kept["dob"].append(str(born))
        kept["sex"].append(sex if sex in ("F", "M") else "U")
        kept["postcode"].append(str(postcode or "")[:10])
        kept["nhs_number"].append(str(read("nhs_number", nhs).get("nhs_number") or ""))
    rows = len(kept["record_id"])
    with transaction.atomic():
        matching.store_changed(rebuild=True)
        area, agencies = _area_and_agencies(world)
        first_record = (AgencyRecord.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        record_pks = list(range(first_record, first_record + rows))
        agency_ids = {kind: a.pk for kind, a in agencies.items()}
        _insert(
            AgencyRecord,
            {
                "id": record_pks,
                "agency": [agency_ids[k] for k in kept["agency"]],
                **{k: v for k, v in kept.items() if k != "agency"},
            },
            rows=rows,
            constant={"created_at": now},
        )
        clusters_sorted = sorted({child_of_record[r] for r in kept["record_id"]})
        first_child = (Child.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        child_pk = {c: first_child + i for i, c in enumerate(clusters_sorted)}
        _insert(
            Child,
            {"id": [child_pk[c] for c in clusters_sorted]},
            rows=len(clusters_sorted),
            constant={"area": area.pk, "created_at": now},
        )
        # The first record of a child starts it (new), the others join it (auto), as in the demo.
        started_children, status = set(), []
        for record_id in kept["record_id"]:
            cluster = child_of_record[record_id]
            status.append(
                LinkStatus.AUTO.value if cluster in started_children else LinkStatus.NEW.value
            )
            started_children.add(cluster)
        first_link = (Link.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        _insert(
            Link,
            {
                "id": list(range(first_link, first_link + rows)),
                "record": record_pks,
                "child": [child_pk[child_of_record[r]] for r in kept["record_id"]],
                "status": status,
            },
            rows=rows,
            constant={"created_at": now, "explanation": json.loads("{}")},
        )
        if connection.vendor == "postgresql":
            from django.core.management.color import no_style

            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(
                    no_style(), [AgencyRecord, Child, Link]
                ):
                    cursor.execute(sql)
        # Concerns and grades through the demo's own steps, on the records that have concerns.
        wanted = set(world.concerns["record_id"].astype(str))
        by_record = {
            r: AgencyRecord(id=pk, record_id=r, dob=dt.date.fromisoformat(d))
            for r, pk, d in zip(kept["record_id"], record_pks, kept["dob"], strict=True)
            if r in wanted
        }
        concerns, per_child = _store_concerns(world.concerns, by_record, clusters, today, now)
        child_of = {c: Child(id=child_pk[c], area=area, created_at=now) for c in per_child}
        graded = _grade_children(per_child, child_of, today, now)
    return DemoSummary(
        area=area.name,
        children=len(clusters_sorted),
        records=rows,
        records_skipped=skipped,
        concerns=concerns,
        pending_links=0,
        graded=graded,
        users=(),
        api_token="",
    )


if __name__ == "__main__":
    main()
