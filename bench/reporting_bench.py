"""Reporting at scale: rollup rebuild against a plain SQL GROUP BY, one day's incremental run, dashboard renders.

    .venv/bin/python bench/reporting_bench.py --db sqlite
    .venv/bin/python bench/reporting_bench.py --db postgres

Loads the scale generator's company (`tandem generate`, 1,000,000 leads and about 4M stage events by
default) into an empty database once, then, in one run:

1. rebuilds every rollup (all breakdowns, the deal rollup and the dimension snapshot) and times the
   same aggregation done as plain SQL over the ledger: one GROUP BY join (day, stage, segment), and
   one per breakdown (the rollups keep eight);
2. appends one day's new events (as many as the ledger's average day of the last 30, a tenth of them
   acceptances that change the lead's owner) and times the incremental run that takes them in;
3. renders the dashboard (every widget) through Django's full stack: warm (nothing changed since the last
   render), right after one new stage event each time (the page then shows the figures as last computed,
   marked, while the worker recomputes: `TANDEM_DASHBOARD_STALE_SECONDS`), and the worker's recompute itself.

The clock is fixed at the end of the day after the last event, so runs are comparable (each run adds
one more day of events to the database).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.bench_database import bench_database  # noqa: E402

UNTIL = datetime(2026, 11, 1, tzinfo=UTC)


def configure(db: str, sqlite_path: str | None) -> None:
    bench_database(db, postgres_name="tandem_reporting_bench",
                   sqlite_path=sqlite_path or ROOT / "bench" / "out" / "reporting.sqlite3")


def seed(leads: int) -> None:
    from tandem.demo.loader import demo_load
    from tandem.leads.models import Lead

    if Lead.objects.exists():
        return
    started = time.perf_counter()
    summary = demo_load(seed=7, leads=leads, until=UNTIL)
    print(f"seeded {summary.leads:,} leads, {summary.stage_events:,} events in {time.perf_counter() - started:.0f} s")


def timed(function, repeats: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def plain_sql(breakdowns: bool) -> float:
    """The aggregation as plain SQL: entries per UTC day, stage and segment (or every breakdown)."""
    from django.db import connection

    from tandem.reporting.fetch import day_sql

    day = day_sql("e.occurred_at")
    joins = ("FROM leads_stageevent e JOIN leads_lead l ON l.id = e.lead_id "
             "LEFT JOIN accounts_account a ON a.id = l.account_id")
    columns = ["a.segment"] if not breakdowns else ["''", "a.segment", "l.source", "l.origin",
                                                     "CAST(l.owner_id AS TEXT)", "l.country"]
    selects = [f"SELECT {day} AS d, e.to_stage AS s, {c} AS v, COUNT(*) AS n {joins} GROUP BY 1, 2, 3"
               for c in columns]
    sql = "SELECT COUNT(*) FROM (" + " UNION ALL ".join(selects) + ") t"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.fetchone()
    return time.perf_counter() - started


def one_day_of_events(now: datetime) -> int:
    """Append a day's worth of moves on the day after the history (a tenth are owner-changing acceptances)."""
    from django.db import transaction

    from tandem.leads.models import Assignment, Lead, StageEvent
    from tandem.people.models import User

    last = StageEvent.objects.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    day = last.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    per_day = StageEvent.objects.filter(occurred_at__gte=last - timedelta(days=30)).count() // 30
    nexts = {"inquiry": "aql", "aql": "mql", "mql": "tal", "tal": "tql", "tql": "sal", "sal": "sql",
             "sql": "opportunity", "recycled": "mql"}
    sdr = User.objects.filter(role="sdr").order_by("id").first()
    candidates = list(Lead.objects.filter(stage__in=list(nexts), merged_into__isnull=True).exclude(owner=sdr)
                      .order_by("-stage_entered_at").values_list("id", "stage", "owner_id")[:per_day])
    events, assignments = [], []
    for i, (lead_id, stage, owner) in enumerate(candidates):
        at = day + timedelta(seconds=int(86_000 * i / max(len(candidates), 1)))
        events.append(StageEvent(lead_id=lead_id, from_stage=stage, to_stage=nexts[stage], action="advance",
                                 occurred_at=at, recorded_at=now, taxonomy_version=1, actor_kind="system"))
        if i % 10 == 0:
            assignments.append(Assignment(lead_id=lead_id, from_owner_id=owner, to_owner=sdr, occurred_at=at,
                                          recorded_at=now, rule="bench"))
    with transaction.atomic():
        StageEvent.objects.bulk_create(events, batch_size=5000)
        Assignment.objects.bulk_create(assignments, batch_size=5000)
        Lead.objects.filter(pk__in=[a.lead_id for a in assignments]).update(owner=sdr, updated_at=now)
        for event in events:  # the lead's stage follows its latest event, as the services keep it
            Lead.objects.filter(pk=event.lead_id).update(stage=event.to_stage, stage_entered_at=event.occurred_at)
    return len(events)


def dashboard(repeats: int) -> dict[str, list[float]]:
    from django.test import Client

    from tandem.goals.models import Goal
    from tandem.goals.services import goal_create
    from tandem.people.models import User
    from tandem.reporting.ledger_cache import forget

    manager = User.objects.get(username="david")
    if not Goal.objects.filter(period="2026-Q4", segment="").exists():
        goal_create(by=None, name="Q4 bench", period="2026-Q4", target="40000000")
    client = Client()
    client.force_login(manager)
    views = {"whole company": {"period": "2026-10"}, "segment mid": {"period": "2026-10", "segment": "mid"},
             "team sales": {"period": "2026-10", "team": "sales"}, "this quarter": {"period": "2026-Q4"}}
    results: dict[str, list[float]] = {}
    for name, query in views.items():
        forget()  # as a freshly started web process: the in-process ledger is loaded by this first render
        first, _ = timed(lambda q=query: client.get("/reporting/", q))
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get("/reporting/", query)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
        results[name] = [first, *times]
    return results


def dashboard_after_changes(changes: int) -> tuple[list[float], float, bool]:
    """Renders right after one new stage event each, and the worker's recompute of the dashboard after them."""
    from django.test import Client

    from tandem.leads.models import Lead, StageEvent
    from tandem.people.models import User
    from tandem.reporting.dashboard import dashboard_data
    from tandem.reporting.filters import report_filter

    client = Client()
    client.force_login(User.objects.get(username="david"))
    query = {"period": "2026-10"}
    client.get("/reporting/", query)
    last = StageEvent.objects.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    leads = list(Lead.objects.filter(stage="inquiry", merged_into__isnull=True).order_by("-id")
                 .values_list("id", flat=True)[:changes])
    times, marked = [], True
    for i, lead_id in enumerate(leads):
        at = last + timedelta(seconds=i + 1)
        StageEvent.objects.create(lead_id=lead_id, from_stage="inquiry", to_stage="aql", action="advance",
                                  occurred_at=at, taxonomy_version=1, actor_kind="system")
        Lead.objects.filter(pk=lead_id).update(stage="aql", stage_entered_at=at)
        started = time.perf_counter()
        response = client.get("/reporting/", query)
        times.append(time.perf_counter() - started)
        marked = marked and b"figures as of" in response.content
    started = time.perf_counter()
    dashboard_data(report_filter(period="2026-10"))
    return times, time.perf_counter() - started, marked


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sqlite-path", help="default: bench/out/reporting.sqlite3")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=30, help="dashboard renders per view")
    args = parser.parse_args()
    configure(args.db, args.sqlite_path)
    seed(args.leads)
    from tandem import clock
    from tandem.leads.models import Lead, StageEvent
    from tandem.reporting.rollups import rollup_update
    from tandem.touchpoints.models import Touchpoint

    last = StageEvent.objects.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    now = last.replace(hour=23, minute=59, second=0, microsecond=0) + timedelta(days=1)
    with clock.at_instant(now):
        print(f"{args.db}: {Lead.objects.count():,} leads, {StageEvent.objects.count():,} stage events, "
              f"{Touchpoint.objects.count():,} touchpoints")
        rebuild, run = timed(lambda: rollup_update(rebuild=True))
        single = min(plain_sql(False) for _ in range(2))
        every = plain_sql(True)
        print(f"full rebuild: {rebuild:.1f} s ({run.rows:,} rows, {run.days} days, {run.leads:,} leads)")
        print(f"plain SQL GROUP BY join (day, stage, segment): {single:.1f} s -> rebuild / plain = "
              f"{rebuild / single:.2f}x")
        print(f"plain SQL, one GROUP BY per breakdown (6 of the 8): {every:.1f} s -> rebuild / plain = "
              f"{rebuild / every:.2f}x")
        rollup_update()
        added = one_day_of_events(now)
        incremental, run = timed(rollup_update)
        print(f"incremental run after one day's {added:,} new events: {incremental:.2f} s "
              f"({run.kind}: {run.days} days re-aggregated, {run.leads} leads moved between owners)")
        renders = dashboard(args.repeats)
        for name, times in renders.items():
            warm = times[1:]
            print(f"dashboard, {name}: first render (nothing cached) {times[0] * 1000:.0f} ms; warm median "
                  f"{statistics.median(warm) * 1000:.0f} ms, p95 {p95(warm) * 1000:.0f} ms ({len(warm)} renders)")
        after, recompute, marked = dashboard_after_changes(args.repeats)
        print(f"dashboard, whole company, right after one new stage event each ({len(after)} renders, "
              f"{'each marked' if marked else 'NOT all marked'} 'figures as of'): median "
              f"{statistics.median(after) * 1000:.0f} ms, p95 {p95(after) * 1000:.0f} ms; the worker's recompute "
              f"after them: {recompute:.1f} s")


if __name__ == "__main__":
    main()
