"""Benchmark the partnership dashboard: a 10,000-child partnership with two years of activity.

Loads a synthetic partnership standing in for Derby (the demo's storing steps, records joined by
the world's truth, two years of its agencies' workflow from the world) into a throwaway SQLite
database, signs a partnership lead in, and times the dashboard page through Django's test client:
the first view of the day (which reads the records and computes and stores the return snapshot)
and the views after it (served from the snapshot), and each download. Prints the load average,
as the machine is shared.

    .venv/bin/python bench/web_dashboard.py --children 10000 --views 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.web.oversight.world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--views", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="jigsaw-bench-dashboard-"))
    os.environ["JIGSAW_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["JIGSAW_WEB_DIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jigsaw.web.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY

    from jigsaw.web.accounts.models import Agency, Role
    from jigsaw.web.accounts.services import (
        agency_create,
        area_create,
        random_password,
        user_create,
    )
    from jigsaw.web.oversight.models import ReturnSnapshot
    from tests.web.oversight.world import DERBY, load_world

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    home = area_create(code="E99000001", name="Bench")
    mash_agency = agency_create(area=home, kind="social_care", name="Bench social care")
    mash, _ = user_create(
        username="mash",
        password=random_password(),
        role=Role.MASH_ANALYST,
        agency=mash_agency,
        validate=False,
    )
    started = time.perf_counter()
    area, world, inputs = load_world(args.children, args.seed, DERBY, mash, prefix="B")
    load_seconds = time.perf_counter() - started
    lead, device = user_create(
        username="lead",
        password=random_password(),
        role=Role.PARTNERSHIP_LEAD,
        agency=Agency.objects.get(area=area, kind="social_care"),
        validate=False,
        with_totp=True,
    )
    client = Client()
    client.force_login(lead)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    def timed(url: str) -> float:
        began = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
        return time.perf_counter() - began

    load_before = os.getloadavg()
    # Unscheduled: the first view of the day computes the snapshot itself.
    first = timed("/oversight/partnership/")
    if ReturnSnapshot.objects.count() != 1:
        raise SystemExit("the first view did not store one snapshot")
    ReturnSnapshot.objects.all().delete()
    # Scheduled: the nightly `jigsaw partnership-return --dashboard` computes it before anyone looks.
    from jigsaw.commands.partnership_return import write
    from jigsaw.web.oversight.dashboard import default_period

    today = timezone.localdate()
    began = time.perf_counter()
    write(area.code, *default_period(today), workdir / "return", today=today, dashboard=True)
    scheduled = time.perf_counter() - began
    first_scheduled = timed("/oversight/partnership/")
    again = [timed("/oversight/partnership/") for _ in range(args.views)]
    downloads = {
        fmt: timed(f"/oversight/partnership/return.{fmt}") for fmt in ("csv", "xlsx", "html")
    }
    load_after = os.getloadavg()
    print(
        f"partnership: {args.children} children, {len(inputs.concerns)} concerns, "
        f"{len(inputs.referrals)} referrals, {inputs.outcomes['child_id'].nunique()} children identified "
        f"over two years; loaded in {load_seconds:.1f} s"
    )
    print(
        f"first view of the day, unscheduled (reads the records, computes and stores the snapshot): {first * 1000:.0f} ms"
    )
    print(
        f"nightly refresh (jigsaw partnership-return --dashboard, return written too): {scheduled:.1f} s"
    )
    print(f"first view of the day after the refresh: {first_scheduled * 1000:.0f} ms")
    print(
        f"views from the snapshot ({args.views}): median {statistics.median(again) * 1000:.0f} ms, "
        f"max {max(again) * 1000:.0f} ms"
    )
    print("downloads: " + ", ".join(f"{fmt} {s * 1000:.0f} ms" for fmt, s in downloads.items()))
    print(f"load average before {load_before[0]:.2f} / after {load_after[0]:.2f} (1 min), 2 cores")
    ok = first_scheduled < 1.0 and max(again) < 1.0
    print("dashboard under 1 s (from the day's snapshot): " + ("yes" if ok else "NO"))


if __name__ == "__main__":
    main()
