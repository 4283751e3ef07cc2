"""The partnership dashboard's figures, read back from the database, against the world's truth.

A synthetic partnership is loaded from a world (its records joined by the generator's truth)
and its agencies' workflow stored from the world (``activity_load``); the return the dashboard
computes from the database must then be the return of the world's own records.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.utils import timezone

from jigsaw.oversight.partnership import (
    dark_figure,
    mse_records,
    partnership_return,
)
from jigsaw.oversight.returns import read_return
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.oversight.dashboard import (
    Preparing,
    dashboard_for,
    default_period,
    return_download,
    snapshots_refresh,
)
from jigsaw.web.oversight.frames import partnership_inputs
from jigsaw.web.oversight.models import ReturnSnapshot
from tests.web.cast import verified_client
from tests.web.oversight.world import DERBY, load_world

pytestmark = [pytest.mark.django_db]

SEED = 5


@pytest.fixture
def world_area(cast):
    area, world, inputs = load_world(3000, SEED, DERBY, cast.analyst, prefix="D")
    # The lead of this partnership.
    profile = cast.lead.profile
    profile.area = area
    profile.save()
    return area, world, inputs


def _values(ret, measures):
    rows = ret.rows()
    rows = rows[rows["measure"].isin(measures)]
    return dict(
        zip(
            zip(rows["measure"], rows["breakdown"].fillna(""), strict=True),
            rows["value"],
            strict=True,
        )
    )


IDENTIFIED = [
    "identified",
    "identified_per_10k",
    "identified_per_10k_lower",
    "identified_per_10k_upper",
    "identified_trend_ratio",
    "identified_trend",
    "concerns",
    "referrals",
    "identifications",
    "silent_agency",
    "mse_status",
    "mse_observed",
    "mse_total",
    "mse_total_lower",
    "mse_total_upper",
    "mse_model",
    "mse_dark_figure",
    "strategy_discussions",
    "re_referrals_12m",
    "missing_episodes",
    "return_interviews_offered",
    "return_interviews_completed",
    "return_interviews_within_72h",
    "overdue_actions",
]


def test_every_figure_read_back_from_the_database_is_the_worlds(world_area):
    area, world, truth = world_area
    today = timezone.localdate() + dt.timedelta(days=5)  # loaded today: counted from tomorrow on
    start, end = default_period(today)
    stored = partnership_inputs(area, before=today)
    got = partnership_return(stored, start, end)
    expected = partnership_return(truth, start, end)
    g, e = _values(got, IDENTIFIED), _values(expected, IDENTIFIED)
    # Silent agencies against similar partnerships need other areas: a one-area world has none.
    e = {k: v for k, v in e.items() if "below_similar_share" not in k[1]}
    g = {k: v for k, v in g.items() if "below_similar_share" not in k[1]}

    # Sex and age are read from the agencies' records (with their typing errors), and the
    # loader stores no concern on a record without a usable date of birth: those are compared
    # below, within what the records' noise allows; everything else must be exactly the world's,
    # ethnicity and disability too (recorded on the child, as the world's agencies recorded them).
    def exact(key):
        return key[0] != "concerns" and not any(d in key[1] for d in ("sex=", "age_band="))

    assert {k: v for k, v in g.items() if exact(k)} == {k: v for k, v in e.items() if exact(k)}
    for agency in truth.agencies:
        told, kept = (
            e.get(("concerns", f"agency={agency}"), "<5"),
            g.get(("concerns", f"agency={agency}"), "<5"),
        )
        if told not in ("<5", "c"):
            assert 0.85 * float(told) <= float(kept or 0) <= float(told), agency
    for key, value in e.items():
        if (
            key[0] == "identified"
            and ("age_band=" in key[1] or "sex=" in key[1])
            and value not in ("<5", "c", "")
        ):
            assert abs(float(g.get(key) or 0) - float(value)) <= max(2, 0.1 * float(value)), key
    # Ethnicity and disability as the world's agencies recorded them: the largest groups are
    # published, and the gaps are counted as "refused" and "not asked", never blank.
    stored_groups = _groups(stored.children, stored.outcomes, start, end)
    world_groups = _groups(
        world.children.rename(
            columns={"ethnicity": "true", "ethnicity_recorded": "ethnicity"}
        ).assign(disability=world.children["disability_recorded"]),
        truth.outcomes,
        start,
        end,
    )
    assert stored_groups == world_groups
    assert stored_groups["ethnicity"]["white_british"] >= 5
    assert {"not asked", "refused"} & set(stored_groups["ethnicity"])
    assert set(stored_groups["disability"]) <= {"yes", "no", "refused", "not asked"}
    published = {k[1]: v for k, v in g.items() if k[0] == "identified" and "ethnicity=" in k[1]}
    assert published["outcome=any;ethnicity=white_british"] == str(
        stored_groups["ethnicity"]["white_british"]
    )
    # Some children were identified, and the dark figure was estimated from the agencies' lists.
    assert float(g[("identified", "outcome=any")]) >= 20
    assert g[("mse_status", "")] == "estimated"
    # Decisions: the stored decision times are the drawn working hours on the calendar.
    decided = _values(got, ["decided_within_rag_pct", "decided_within_1_working_day_pct"])
    referrals = truth.referrals.assign(received=pd.to_datetime(truth.referrals["received"]))
    inside = referrals[
        (referrals["received"] >= pd.Timestamp(start))
        & (referrals["received"] <= pd.Timestamp(end))
    ]
    within_day = 100 * inside["within_1_working_day"].mean()
    assert abs(float(decided[("decided_within_1_working_day_pct", "")]) - within_day) < 1.0
    # The dark figure equals jigsaw mse --records on the same export.
    export = mse_records(stored.outcomes, start, end)
    assert round(dark_figure(stored.outcomes, start, end).total) == round(
        dark_figure(truth.outcomes, start, end).total
    )
    assert len(export) == len(mse_records(truth.outcomes, start, end))


def _groups(children, outcomes, start, end):
    """Identified children in the period by recorded ethnicity and by disability."""
    found = set(
        outcomes.loc[
            (pd.to_datetime(outcomes["date"]) >= pd.Timestamp(start))
            & (pd.to_datetime(outcomes["date"]) <= pd.Timestamp(end)),
            "child_id",
        ].astype(str)
    )
    kids = children.assign(child_id=children["child_id"].astype(str))
    kids = kids[kids["child_id"].isin(found)]
    return {
        column: kids[column].astype(str).value_counts().to_dict()
        for column in ("ethnicity", "disability")
    }


def test_the_figures_hold_the_worlds_true_victims(world_area):
    area, world, truth = world_area
    today = timezone.localdate() + dt.timedelta(days=5)  # loaded today: counted from tomorrow on
    start, end = default_period(today)
    victims = set(
        truth.outcomes.loc[
            (truth.outcomes["outcome"] == "victim")
            & (pd.to_datetime(truth.outcomes["date"]) >= pd.Timestamp(start))
            & (pd.to_datetime(truth.outcomes["date"]) <= pd.Timestamp(end)),
            "child_id",
        ]
    )
    got = _values(
        partnership_return(partnership_inputs(area, before=today), start, end), ["identified"]
    )
    assert int(got[("identified", "outcome=victim")]) == len(victims)


def test_dashboard_is_a_daily_snapshot_and_downloads_are_audited(world_area, cast):
    area, _, _ = world_area
    today = timezone.localdate() + dt.timedelta(days=5)  # loaded today: counted from tomorrow on
    start, end = default_period(today)
    # Before the scheduled refresh the page waits for nothing: the figures are being prepared.
    with pytest.raises(Preparing):
        dashboard_for(user=cast.lead, today=today, start=start, end=end)
    assert not ReturnSnapshot.objects.filter(area=area).exists()
    assert snapshots_refresh(today, areas=[area]) == {area.code: "computed"}
    page = dashboard_for(user=cast.lead, today=today, start=start, end=end)
    assert ReturnSnapshot.objects.filter(area=area, as_of=today).count() == 1
    again = dashboard_for(user=cast.lead, today=today, start=start, end=end)
    assert page == again and ReturnSnapshot.objects.filter(area=area, as_of=today).count() == 1
    assert snapshots_refresh(today, areas=[area]) == {area.code: "kept already"}
    # The next day, before its refresh: the day before's figures, said to be that day's.
    tomorrow = today + dt.timedelta(days=1)
    kept = dashboard_for(user=cast.lead, today=tomorrow, **_period_of(tomorrow))
    assert kept.earlier == today and kept.identified == page.identified
    assert not ReturnSnapshot.objects.filter(area=area, as_of=tomorrow).exists()
    before = AuditEvent.objects.count()
    data, kind, name = return_download(user=cast.lead, today=today, start=start, end=end, fmt="csv")
    assert AuditEvent.objects.count() == before + 1
    assert kind.startswith("text/csv") and name.endswith(".csv")
    assert AuditEvent.objects.order_by("-seq").first().extra["format"] == "csv"


def _period_of(today):
    start, end = default_period(today)
    return {"start": start, "end": end}


def test_the_page_and_downloads_for_the_lead_only(world_area, cast, client, capsys):
    from jigsaw.cli import main

    area, _, _ = world_area
    lead = verified_client(client, cast, "lead")
    waiting = lead.get("/oversight/partnership/")
    assert waiting.status_code == 200 and b'data-testid="preparing"' in waiting.content
    assert not ReturnSnapshot.objects.filter(area=area).exists()
    # The scheduled refresh, as cron runs it.
    assert main(["dashboard-refresh", "--area", "E09999999"]) == 2
    assert "E09999999" in capsys.readouterr().err
    assert main(["dashboard-refresh", "--area", area.code]) == 0
    assert capsys.readouterr().out == f"{area.code}: computed\n"
    page = lead.get("/oversight/partnership/")
    assert page.status_code == 200
    html = page.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    # Charts drawn on the server, each with its table; nothing for the browser to run.
    assert "<script" not in main and main.count("<svg") >= 4
    assert main.count("<table") >= main.count("<svg")
    # Aggregates only: no child's record is linked from the page.
    assert "/children/" not in main
    for fmt in ("csv", "xlsx", "html"):
        response = lead.get(f"/oversight/partnership/return.{fmt}")
        assert response.status_code == 200, fmt
    assert b"OFFICIAL-SENSITIVE" in lead.get("/oversight/partnership/return.html").content
    assert lead.get("/oversight/partnership/?start=2025-01-01&end=2024-01-01").status_code == 400


def test_partnership_return_command_writes_a_return_that_oversight_reads(
    world_area, cast, tmp_path, capsys
):
    from jigsaw.cli import main

    area, _, truth = world_area
    # More partnerships, loaded the same way, so the national side has returns to compare.
    others = [
        load_world(1500, SEED + i, code, cast.analyst, prefix=f"N{i}")[0]
        for i, code in enumerate(("E06000018", "E06000016", "E06000021"), start=1)
    ]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    start = yesterday.replace(year=yesterday.year - 1) + dt.timedelta(days=1)
    folder = tmp_path / "returns"
    for code in (area.code, *(o.code for o in others)):
        assert (
            main(
                [
                    "partnership-return",
                    "--area",
                    code,
                    "--period",
                    f"{start}:{yesterday}",
                    "--out",
                    str(folder / code),
                ]
            )
            == 0
        )
        for name in ("return.csv", "return.xlsx", "return.html"):
            assert (folder / code / name).is_file()
    read = read_return(folder / area.code / "return.csv")
    assert (read.area_code, read.period_start, read.period_end) == (area.code, start, yesterday)
    # The file holds the figures of the world's own records for the period.
    expected = partnership_return(truth, start, yesterday).rows()
    written = pd.read_csv(folder / area.code / "return.csv", dtype=str, keep_default_na=False)
    victims = expected.set_index(["measure", "breakdown"]).loc[
        ("identified", "outcome=victim"), "value"
    ]
    assert (
        written.set_index(["measure", "breakdown"]).loc[("identified", "outcome=victim"), "value"]
        == victims
    )
    code = main(["oversight", "--returns", str(folder), "--out", str(tmp_path / "national")])
    assert code == 0, capsys.readouterr().err
    compared = pd.read_csv(tmp_path / "national" / "partnerships.csv", dtype=str)
    assert set(compared["area_code"]) == {area.code, *(o.code for o in others)}
    # A bad period and an unknown area are refused with the field named.
    assert (
        main(
            [
                "partnership-return",
                "--area",
                area.code,
                "--period",
                "2025-13-01:2026-01-01",
                "--out",
                str(tmp_path / "x"),
            ]
        )
        == 2
    )
    assert (
        main(
            [
                "partnership-return",
                "--area",
                "E09999999",
                "--period",
                f"{start}:{yesterday}",
                "--out",
                str(tmp_path / "x"),
            ]
        )
        == 2
    )
    assert "--area" in capsys.readouterr().err


def test_a_silent_agency_and_one_far_below_similar_partnerships(cast):
    """Derby with its youth justice service silent and its health services recording a tenth of
    their concerns, beside one of its DfE statistical neighbours (Stoke-on-Trent) recording as
    the world does: the first is silent for no activity, the second far below its share."""
    from jigsaw.oversight.partnership import concern_shares, silent_agencies, silent_window

    keep = {"youth_justice": 0.0, "health": 0.1}
    area, _, truth = load_world(3000, SEED, DERBY, cast.analyst, prefix="Q", keep=keep)
    neighbour, _, peer = load_world(3000, SEED + 1, "E06000021", cast.analyst, prefix="P")
    today = timezone.localdate() + dt.timedelta(days=5)
    start, end = default_period(today)
    from jigsaw.web.oversight.frames import similar_partnerships

    assert similar_partnerships(area) == (
        [neighbour],
        "its DfE statistical neighbours held in Jigsaw",
    )
    got = partnership_return(partnership_inputs(area, before=today), start, end)
    flagged = {
        k[1]: v for k, v in _values(got, ["silent_agency"]).items() if k[0] == "silent_agency"
    }
    assert flagged["agency=youth_justice;reason=no_activity_12_months"] == "no_activity_12_months"
    assert flagged["agency=health;reason=below_similar_share"] == "below_similar_share"
    # The same agencies as the world's own records give against the neighbour's.
    expected = silent_agencies(
        truth.concerns,
        truth.outcomes,
        truth.agencies,
        end,
        concern_shares(peer.concerns, *silent_window(end)),
    )
    assert set(flagged) == {f"agency={s.agency};reason={s.reason}" for s in expected}
    # The neighbour itself, compared with Derby (its neighbour too), is not silent for health.
    theirs = partnership_return(partnership_inputs(neighbour, before=today), start, end)
    assert not any("agency=health" in k[1] for k in _values(theirs, ["silent_agency"]))


def test_the_dashboards_dark_figure_is_jigsaw_mse_on_its_export(world_area, tmp_path, capsys):
    """The dark figure the dashboard's snapshot holds is what ``jigsaw mse --records`` gives on
    the export of the same agencies' lists, read back from the database."""
    import json

    from jigsaw.cli import main
    from jigsaw.web.oversight.dashboard import return_of

    area, _, _ = world_area
    today = timezone.localdate() + dt.timedelta(days=5)
    start, end = default_period(today)
    snapshots_refresh(today, areas=[area])
    kept = {
        f.measure: f.value
        for f in return_of(ReturnSnapshot.objects.get(area=area, as_of=today)).figures
        if f.measure in ("mse_status", "mse_total", "mse_total_lower", "mse_total_upper")
    }
    assert kept["mse_status"] == "estimated"
    export = tmp_path / "lists.csv"
    mse_records(partnership_inputs(area, before=today).outcomes, start, end).to_csv(
        export, index=False
    )
    capsys.readouterr()
    assert main(["mse", "--records", str(export), "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert (kept["mse_total"], kept["mse_total_lower"], kept["mse_total_upper"]) == (
        cli["total"],
        cli["ci_low"],
        cli["ci_high"],
    )
