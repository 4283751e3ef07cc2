"""Benchmark bulk import: a school's list of N rows read, checked, matched, linked, graded, stored.

Loads a synthetic partnership into a throwaway SQLite database (the demo's setup, linked by the
generator's truth), writes a synthetic CSV of ``--rows`` concerns (one in five about a child the
partnership already holds, as another agency knows them), then times the three steps of the
import (read, check, store in one transaction) and prints progress as it stores.

    .venv/bin/python bench/web_import.py --rows 100000

``--workdir`` keeps the database in a folder of one's choosing (the kill test reuses it);
``--count`` only prints what the database holds; ``--database-url`` runs on another database
(an empty PostgreSQL database: ``postgresql://postgres@/bench?host=/tmp/pg``), set up the same
way on its first run; ``--profile FILE`` writes a cProfile of the store step. Printed: wall and
CPU seconds of each step and the load average (1 minute) before and after, as the machine is
often shared.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def _setup(workdir: Path, database_url: str | None) -> None:
    os.environ["JIGSAW_DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["JIGSAW_WEB_DIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jigsaw.web.settings"
    os.environ.setdefault("JIGSAW_SECRET_KEY", "bench-only-key-" + "x" * 40)
    import django

    django.setup()


def _server_cpu(connection) -> float | None:
    """CPU seconds the PostgreSQL backend serving ``connection`` has used (same machine only)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def synthetic_csv(rows: int, seed: int, known: list[dict[str, str]]) -> bytes:
    """``rows`` synthetic concerns; every fifth about a child of ``known`` (if any)."""
    import datetime as dt

    import numpy as np

    rng = np.random.default_rng(seed)
    first = [
        "Amelia",
        "Olivia",
        "Isla",
        "Ava",
        "Mia",
        "Noah",
        "Leo",
        "Oscar",
        "Jack",
        "Harry",
        "Zara",
        "Aisha",
        "Mohammed",
        "Yusuf",
        "Ella",
        "Grace",
        "Freya",
        "Lily",
        "Evie",
        "Alfie",
    ]
    last = [
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Khan",
        "Ali",
        "Patel",
        "Evans",
        "Thomas",
        "Roberts",
        "Walker",
        "Wright",
        "Hussain",
        "Begum",
        "Green",
        "Hall",
    ]
    signs = [
        "unexplained_absence",
        "gifts_from_older_people",
        "older_associates",
        "Unexplained absence from school",
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Pupil ID",
            "Forename",
            "Surname",
            "DOB",
            "Gender",
            "Postcode",
            "Date seen",
            "Signs",
            "Notes",
        ]
    )
    today = dt.date.today()  # noqa: DTZ011 - the synthetic list ends on the local day
    for i in range(rows):
        if known and i % 5 == 0:
            person = known[int(rng.integers(len(known)))]
            name, surname, dob = person["first_name"], person["last_name"], person["dob"]
            sex, postcode = person["sex"], person["postcode"]
        else:
            name = first[int(rng.integers(len(first)))] + ("" if i % 3 else "-" + str(i % 97))
            surname = last[int(rng.integers(len(last)))] + str(i)
            dob = (today - dt.timedelta(days=int(rng.integers(9 * 365, 17 * 365)))).strftime(
                "%d/%m/%Y"
            )
            sex = "F" if rng.random() < 0.6 else "M"
            postcode = f"NB{int(rng.integers(1, 9))} {int(rng.integers(1, 9))}AA"
        seen = (today - dt.timedelta(days=int(rng.integers(0, 300)))).isoformat()
        chosen = ";".join(sorted({signs[int(rng.integers(len(signs)))] for _ in range(2)}))
        writer.writerow([f"S{i:06d}", name, surname, dob, sex, postcode, seen, chosen, ""])
    return out.getvalue().encode("utf-8")


MAPPING = {
    "reference": "Pupil ID",
    "first_name": "Forename",
    "last_name": "Surname",
    "dob": "DOB",
    "sex": "Gender",
    "postcode": "Postcode",
    "seen_on": "Date seen",
    "indicators": "Signs",
    "note": "Notes",
}


def counts() -> dict[str, int]:
    from jigsaw.web.audit.models import AuditEvent
    from jigsaw.web.children.models import AgencyRecord
    from jigsaw.web.concerns.models import Concern
    from jigsaw.web.imports.models import ImportBatch

    return {
        "batches": ImportBatch.objects.count(),
        "school_records": AgencyRecord.objects.filter(record_id__startswith="A").count(),
        "imported_concerns": Concern.objects.exclude(source_ref="")
        .filter(record__record_id__startswith="A")
        .count(),
        "import_audit_rows": AuditEvent.objects.filter(event_type="import_accepted").count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--children", type=int, default=3_000, help="background partnership")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--count", action="store_true", help="print the database's counts only")
    parser.add_argument("--database-url", help="default: a SQLite file in the work folder")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the store step here")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="jigsaw-bench-import-"))
    workdir.mkdir(parents=True, exist_ok=True)
    _setup(workdir, args.database_url)
    from django.db import connection

    fresh = "accounts_agency" not in connection.introspection.table_names()
    if args.count:
        print(json.dumps(counts()))
        return

    import pandas as pd
    from django.core.management import call_command
    from django.utils import timezone

    from jigsaw.web.accounts.models import Agency, Role
    from jigsaw.web.accounts.services import user_create
    from jigsaw.web.children.models import AgencyRecord
    from jigsaw.web.demo import DemoLinkage, partnership_load
    from jigsaw.web.imports.services import file_read, import_check, import_store

    if fresh:
        call_command("migrate", verbosity=0)

        def known_links(world, log):
            clusters = world.truth[["record_id", "child_id"]].set_index("record_id")
            return DemoLinkage(clusters=clusters, review=pd.DataFrame(columns=["record_id_l"]))

        partnership_load(
            children=args.children,
            seed=args.seed,
            today=timezone.localdate(),
            linkage=known_links,
            with_users=False,
            log=lambda m: None,
        )
        school = Agency.objects.get(kind="education")
        user_create(
            username="bench_dsl",
            password="x",  # noqa: S106 - throwaway database
            role=Role.DSL,
            agency=school,
            validate=False,
        )
    school = Agency.objects.get(kind="education")
    from django.contrib.auth import get_user_model

    dsl = get_user_model().objects.get(username="bench_dsl")
    import datetime as dt

    # Children old enough for every date seen of the synthetic list (up to 300 days back).
    old_enough = timezone.localdate() - dt.timedelta(days=2 * 365)
    known = list(
        AgencyRecord.objects.exclude(agency=school)
        .filter(dob__lt=old_enough)
        .values("first_name", "last_name", "dob", "sex", "postcode")[:2000]
    )
    for person in known:
        person["dob"] = person["dob"].strftime("%d/%m/%Y")
    content = synthetic_csv(args.rows, args.seed, known)

    timings: dict[str, float] = {}
    load_before = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    upload = file_read("school-list.csv", content)
    timings["read_s"] = time.perf_counter() - started
    timings["read_cpu_s"] = time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    check = import_check(upload, MAPPING)
    timings["check_s"] = time.perf_counter() - started
    timings["check_cpu_s"] = time.process_time() - cpu
    if not check.accepted:
        print(json.dumps({"problems": [p.__dict__ for p in check.problems[:10]]}))
        sys.exit(1)

    def progress(done: int, total: int) -> None:
        print(f"progress {done}/{total} {time.perf_counter() - store_started:.1f}s", flush=True)

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU, not the shared wall clock
        profiler.enable()
    server_before = _server_cpu(connection)
    store_started, cpu = time.perf_counter(), time.process_time()
    outcome = import_store(actor=dsl, agency=school, check=check, progress=progress)
    timings["store_s"] = time.perf_counter() - store_started
    timings["store_cpu_s"] = time.process_time() - cpu
    server_after = _server_cpu(connection)
    if server_before is not None and server_after is not None:
        # PostgreSQL's own work for this connection (its backend process), beside ours.
        timings["store_server_cpu_s"] = server_after - server_before
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    timings["total_s"] = timings["read_s"] + timings["check_s"] + timings["store_s"]
    timings["total_cpu_s"] = timings["read_cpu_s"] + timings["check_cpu_s"] + timings["store_cpu_s"]
    print(
        json.dumps(
            {
                "rows": args.rows,
                "database": connection.vendor,
                **{k: round(v, 2) for k, v in timings.items()},
                "load_before": round(load_before, 2),
                "load_after": round(os.getloadavg()[0], 2),
                "records_created": outcome.records_created,
                "concerns_created": outcome.concerns_created,
                "rows_already_stored": outcome.rows_already_stored,
                **counts(),
            }
        )
    )


if __name__ == "__main__":
    main()
