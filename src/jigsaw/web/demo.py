"""Load a synthetic partnership from the world generator into the web application (demo only).

Bulk writes, not the one-at-a-time services: a partnership of thousands of children is loaded in
seconds, inside one transaction, with one ``demo_loaded`` audit row that says what was loaded.
Records are joined into children by the batch linkage (Splink), as a partnership's first import
would be; concerns and children are graded by the screening engine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction

from jigsaw.web.accounts.models import AgencyKind, Role
from jigsaw.web.accounts.services import agency_create, area_create, totp_secret_base32, user_create
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children.models import AgencyRecord, Child, Link, LinkStatus
from jigsaw.web.concerns.models import Concern, LawfulBasis

DEMO_ROLES = (
    ("practitioner", Role.PRACTITIONER, AgencyKind.EDUCATION),
    ("health", Role.PRACTITIONER, AgencyKind.HEALTH),
    ("police", Role.PRACTITIONER, AgencyKind.POLICE),
    ("dsl", Role.DSL, AgencyKind.EDUCATION),
    ("mash", Role.MASH_ANALYST, AgencyKind.SOCIAL_CARE),
    ("lead", Role.PARTNERSHIP_LEAD, AgencyKind.SOCIAL_CARE),
    ("auditor", Role.AUDITOR, AgencyKind.SOCIAL_CARE),
    ("admin", Role.ADMINISTRATOR, AgencyKind.SOCIAL_CARE),
)


@dataclasses.dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    agency: str
    password: str
    totp_secret: str


@dataclasses.dataclass(frozen=True)
class DemoSummary:
    area: str
    children: int
    records: int
    records_skipped: int
    concerns: int
    pending_links: int
    graded: dict[str, int]
    users: tuple[DemoUser, ...]


def partnership_load(
    *,
    children: int = 5000,
    seed: int = 2026,
    today: dt.date,
    linker: str = "splink",
    with_users: bool = True,
    log=print,
) -> DemoSummary:
    """Generate one synthetic partnership ending ``today`` and store it; create one user per role.

    Parameters
    ----------
    children, seed : int
        Size and seed of the synthetic world (one area).
    today : date
        The last day of the two years of concerns; grades are computed for it.
    linker : {"splink", "truth"}
        ``splink`` joins records into children with the batch linkage, as a real first import
        would; ``truth`` uses the generator's known truth (tests that need a quick background).
    with_users : bool
        Also create one demo user per role.

    Returns
    -------
    DemoSummary
        Counts, and the demo users with their passwords and TOTP secrets (to print).
    """
    import pandas as pd

    from jigsaw.linkage import link, prepare_record
    from jigsaw.screening import grade_child, grade_concern
    from jigsaw.world import generate

    start = (
        today.replace(year=today.year - 2)
        if not (today.month == 2 and today.day == 29)
        else today - dt.timedelta(days=730)
    )
    log(f"Generating a partnership of {children} children, {start} to {today} ...")
    world = generate(children=children, areas=1, seed=seed, start=start, years=2)
    area_row = world.areas.iloc[0]
    records = world.records.copy()
    if linker == "splink":
        log(f"Linking {len(records)} agency records into children (Splink) ...")
        linked = link(records)
        clusters = linked.clusters.set_index("record_id")
        review = linked.review
    elif linker == "truth":
        clusters = world.truth[["record_id", "child_id"]].set_index("record_id")
        review = pd.DataFrame(
            columns=["record_id_l", "record_id_r", "match_probability", "match_weight"]
        )
    else:
        raise ValueError(f"linker must be 'splink' or 'truth', not {linker!r}")
    now = dt.datetime.now(dt.UTC)

    with transaction.atomic():
        area = area_create(
            code=str(area_row["area_code"]), name=f"{area_row['area_name']} (synthetic)"
        )
        agencies = {
            kind.value: agency_create(
                area=area, kind=kind, name=f"{area.name.split(' (')[0]} {kind.label}"
            )
            for kind in AgencyKind
        }
        rows, skipped = [], 0
        for record in records.to_dict("records"):
            prepared, _ = prepare_record(record)
            record_id = str(record["record_id"])
            if not prepared.get("dob") or record_id not in clusters.index:
                skipped += 1  # an agency record with no usable date of birth cannot be stored here
                continue
            rows.append((record, prepared, record_id))
        stored = AgencyRecord.objects.bulk_create(
            [
                AgencyRecord(
                    record_id=record_id,
                    agency=agencies[record["agency"]],
                    first_name=str(record["first_name"] or "").title()[:80],
                    last_name=str(record["last_name"] or "").title()[:80],
                    dob=dt.date.fromisoformat(str(prepared["dob"])),
                    sex=record["sex"] if record["sex"] in ("F", "M") else "U",
                    postcode=str(record["postcode"] or "")[:10],
                    nhs_number=str(record["nhs_number"] or "")[:10],
                    created_at=now,
                )
                for record, prepared, record_id in rows
            ],
            batch_size=2000,
        )
        by_record = {r.record_id: r for r in stored}
        cluster_ids = sorted({str(clusters.at[r.record_id, "child_id"]) for r in stored})
        made = Child.objects.bulk_create(
            [Child(area=area, created_at=now) for _ in cluster_ids], batch_size=2000
        )
        child_of_cluster = dict(zip(cluster_ids, made, strict=True))
        links, first_seen = [], set()
        for r in stored:
            cluster = str(clusters.at[r.record_id, "child_id"])
            status = LinkStatus.AUTO if cluster in first_seen else LinkStatus.NEW
            first_seen.add(cluster)
            confidence = (
                clusters.at[r.record_id, "confidence"] if "confidence" in clusters.columns else None
            )
            links.append(
                Link(
                    record=r,
                    child=child_of_cluster[cluster],
                    status=status,
                    match_probability=None if pd.isna(confidence) else float(confidence),
                    created_at=now,
                )
            )
        # Pairs the batch was unsure about wait for the MASH, as pending links: never merged.
        asked = set()
        for pair in review.to_dict("records"):
            record, other = (
                by_record.get(str(pair["record_id_r"])),
                by_record.get(str(pair["record_id_l"])),
            )
            if record is None or other is None:
                continue
            target = str(clusters.at[other.record_id, "child_id"])
            if (
                target == str(clusters.at[record.record_id, "child_id"])
                or (record.pk, target) in asked
            ):
                continue
            asked.add((record.pk, target))
            links.append(
                Link(
                    record=record,
                    child=child_of_cluster[target],
                    status=LinkStatus.PENDING,
                    match_probability=float(pair["match_probability"]),
                    match_weight=float(pair["match_weight"]),
                    created_at=now,
                )
            )
        Link.objects.bulk_create(links, batch_size=2000)

        log(f"Grading {len(world.concerns)} concerns ...")
        concerns, per_child = [], {}
        for c in world.concerns.to_dict("records"):
            record = by_record.get(str(c["record_id"]))
            if record is None:
                continue
            seen = pd.Timestamp(c["date"]).date()
            if seen > today or seen < record.dob:
                continue
            mapping = {
                "agency": c["agency"],
                "date": seen,
                "indicators": [i for i in str(c["indicators"]).split(";") if i],
            }
            grade = grade_concern(record.dob, mapping, today)
            concerns.append(
                Concern(
                    record=record,
                    recorded_at=now,
                    seen_on=seen,
                    indicators=mapping["indicators"],
                    note=str(c.get("note") or ""),
                    lawful_basis=LawfulBasis.SAFEGUARDING_PUBLIC_TASK,
                    grade_level=grade.level,
                    grade_reasons=grade.as_dict(),
                    catalogue_version=str(grade.catalogue_version),
                    source_ref=str(c["concern_id"]),
                )
            )
            cluster = str(clusters.at[record.record_id, "child_id"])
            per_child.setdefault(cluster, []).append((record, mapping))
        Concern.objects.bulk_create(concerns, batch_size=2000)
        graded = {"none": 0, "low": 0, "medium": 0, "high": 0}
        for cluster, items in per_child.items():
            child = child_of_cluster[cluster]
            dob = items[0][0].dob
            grade = grade_child(dob, [m for _, m in items], today)
            child.grade_level = grade.level
            child.grade_reasons = grade.as_dict()
            child.catalogue_version = str(grade.catalogue_version)
            child.graded_at = now
            graded[grade.level] += 1
        Child.objects.bulk_update(
            [child_of_cluster[c] for c in per_child],
            ["grade_level", "grade_reasons", "catalogue_version", "graded_at"],
            batch_size=1000,
        )

        users = []
        for username, role, kind in DEMO_ROLES if with_users else ():
            from jigsaw.web.accounts.services import random_password

            password = random_password()
            user, device = user_create(
                username=username,
                password=password,
                role=role,
                agency=agencies[kind.value],
                validate=False,
                with_totp=True,
            )
            users.append(
                DemoUser(
                    username,
                    Role(role).label,
                    agencies[kind.value].name,
                    password,
                    totp_secret_base32(device),
                )
            )
        audit_record(
            actor=None,
            event_type=EventType.DEMO_LOADED,
            subject=area,
            extra={
                "children": len(made),
                "records": len(stored),
                "concerns": len(concerns),
                "seed": seed,
                "synthetic": True,
            },
        )
    return DemoSummary(
        area=area.name,
        children=len(made),
        records=len(stored),
        records_skipped=skipped,
        concerns=len(concerns),
        pending_links=len(asked),
        graded=graded,
        users=tuple(users),
    )
