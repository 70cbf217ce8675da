"""SLA engine at scale on PostgreSQL (or SQLite): the timer sweep over 1M open timers, and the latency of
one lead from intake to assignment (scored, qualified, routed, SLA timers started).

    .venv/bin/python bench/sla_bench.py --timers 1000000 --db postgres

Seeds N leads in MQL, each with an open first-touch timer (due instants spread evenly from one
minute ago to ten days ahead; warnings already given where their instant passed more than a
minute ago), straight into the tables with COPY, in its own database (`tandem_bench_sla`).

Sweep figures:
* full sweep: every open timer loaded as int64 arrays and judged by the core (no index help);
* tick now: `sla_tick` as the worker runs it every 30 s (index-assisted candidates, claims,
  breach records and notifications);
* catch-up tick: the first tick after the worker was down for an hour.

Latency: `lead_create` + a form-fill touch recorded with `follow_up="now"` in one transaction
(what a web form delivery does, with the follow-up done at once rather than by the worker), with
a rulebook in which one form fill qualifies a good-fit lead: the lead is scored, auto-qualified
inquiry → AQL → MQL, routed to an SDR and its two MQL timers started. 300 leads; median and p95.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.bench_database import bench_database  # noqa: E402

NOW = datetime(2026, 3, 4, 10, tzinfo=UTC)


def configure(db: str) -> None:
    bench_database(db, postgres_name="tandem_bench_sla", sqlite_path=ROOT / "bench" / "out" / "sla.sqlite3")


def _copy(table: str, columns: tuple[str, ...], rows) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    with connection.cursor() as cursor:
        cursor.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                                  [tuple(v.isoformat(" ") if isinstance(v, datetime) else v for v in row)
                                   for row in rows])


def seed(n: int) -> None:
    from django.db import transaction

    from tandem.leads.models import Lead, StageEvent
    from tandem.sla.models import BusinessCalendar, SlaPolicy, SlaTimer

    have = SlaTimer.objects.count()
    if have >= n:
        return
    policy = SlaPolicy.objects.get(key="mql_first_touch")
    calendar = BusinessCalendar.objects.get(is_default=True)
    rng = np.random.default_rng(11)
    started = time.perf_counter()
    lead_cols = ("first_name", "last_name", "email", "email_normalized", "phone", "phone_normalized", "title",
                 "country", "source", "self_reported_source", "origin", "stage", "stage_entered_at", "score",
                 "consent_status", "lawful_basis", "created_at", "updated_at", "version")
    event_cols = ("lead_id", "from_stage", "to_stage", "action", "occurred_at", "recorded_at", "actor_kind",
                  "actor_team", "reason_code", "note", "criteria", "taxonomy_version", "historical")
    timer_cols = ("policy_id", "lead_id", "start_event_id", "round", "stage", "team", "calendar_id", "started_at",
                  "due_at", "warn_at", "stop_kind", "warned_at")
    span = 10 * 86400 + 60
    for start in range(have, n, 100_000):
        size = min(100_000, n - start)
        with transaction.atomic():
            first_lead = (Lead.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
            _copy(Lead._meta.db_table, lead_cols, (
                ("S", f"T{start + i}", f"s{start + i}@bench.example", f"s{start + i}@bench.example", "", "", "CTO",
                 "DE", "web", "", "mgl", "mql", NOW - timedelta(days=1), 60, "unknown", "unspecified",
                 NOW - timedelta(days=1), NOW, 1) for i in range(size)))
            first_event = (StageEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
            _copy(StageEvent._meta.db_table, event_cols, (
                (first_lead + i, "aql", "mql", "advance", NOW - timedelta(days=1), NOW, "system", "", "", "", "[]",
                 1, False) for i in range(size)))
            due_s = rng.uniform(-60, span - 60, size)
            length_s = rng.uniform(4 * 3600, 10 * 86400, size)
            rows = []
            for i in range(size):
                due = NOW + timedelta(seconds=float(due_s[i]))
                begun = due - timedelta(seconds=float(length_s[i]))
                warn = begun + (due - begun) * 0.75
                rows.append((policy.pk, first_lead + i, first_event + i, 1, "mql", "tele", calendar.pk, begun, due,
                             warn, "", warn if warn < NOW - timedelta(minutes=1) else None))
            _copy(SlaTimer._meta.db_table, timer_cols, rows)
        print(f"  seeded {start + size:,} timers ({time.perf_counter() - started:.0f} s)", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def sweep_figures() -> None:
    from tandem.sla.models import SlaTimer
    from tandem.sla.tick import sla_sweep, sla_tick

    open_timers = SlaTimer.objects.filter(stopped_at__isnull=True, breached_at__isnull=True).count()
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        arrays, warn, breach = sla_sweep(now=NOW, prefilter=False)
        best = min(best, time.perf_counter() - began)
    print(f"full sweep of {len(arrays.ids):,} open timers ({open_timers:,} open): {best:.2f} s "
          f"({len(warn):,} to warn, {len(breach):,} to breach)")
    for label, at in (("tick now", NOW), ("catch-up tick after 1 h down", NOW + timedelta(hours=1))):
        began = time.perf_counter()
        report = sla_tick(now=at)
        print(f"{label}: {time.perf_counter() - began:.2f} s ({report.candidates:,} candidates, "
              f"{len(report.warned):,} warned, {len(report.breached):,} breached with notifications)")
    began = time.perf_counter()
    report = sla_tick(now=NOW + timedelta(hours=1, seconds=30))
    print(f"next tick, 30 s later: {time.perf_counter() - began:.3f} s ({len(report.breached)} breached)")


def latency(n: int = 300) -> None:
    from django.db import connection, reset_queries, transaction
    from django.test.utils import CaptureQueriesContext

    from tandem import clock
    from tandem.accounts.models import Account
    from tandem.leads.models import Lead
    from tandem.leads.services import LeadData, lead_create
    from tandem.people.models import User
    from tandem.people.services import user_create
    from tandem.scoring.rules import rules_current, rules_publish, rules_version_current
    from tandem.sla.models import SlaTimer
    from tandem.touchpoints.services import touchpoint_record

    for i in range(3):
        if not User.objects.filter(username=f"bench-sdr{i}").exists():
            user_create(username=f"bench-sdr{i}", password="pw-long-enough-123", role="sdr")
    document = rules_version_current().document
    if document["engagement"][0]["points"] != 35:
        rules_publish(document={**document, "engagement": [{**document["engagement"][0], "points": 35},
                                                           *document["engagement"][1:]]}, note="bench")
    rules_current()
    account, _ = Account.objects.get_or_create(domain="latency.example", defaults={
        "name": "Latency GmbH", "employees": 400, "country": "DE", "industry": "Software"})
    times, queries = [], []
    run = int(time.time())
    with clock.at_instant(NOW):
        for i in range(n + 20):
            data = LeadData(email=f"lat{run}-{i}@example.com", first_name="Lia", last_name=f"Fast{i}",
                            title="VP Operations", phone="+49 30 555", account_id=account.pk, country="DE")
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                with transaction.atomic():
                    lead = lead_create(data=data, by=None)
                    touchpoint_record(lead=lead, channel="form_fill", follow_up="now")
                elapsed = time.perf_counter() - began
            if i >= 20:  # warm-up excluded
                times.append(elapsed * 1000)
                queries.append(len(captured))
            lead = Lead.objects.get(pk=lead.pk)
            assert lead.stage == "mql" and lead.owner_id and SlaTimer.objects.filter(lead=lead).count() == 2, lead
    times.sort()
    p95 = times[int(0.95 * len(times)) - 1]
    print(f"intake to assignment, {n} leads: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
          f"max {times[-1]:.1f} ms; {statistics.median(queries):.0f} queries each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--part", choices=["all", "sweep", "latency"], default="all")
    args = parser.parse_args()
    configure(args.db)
    from django.db import connection

    if args.part in ("all", "sweep"):
        seed(args.timers)
        print(f"{connection.vendor}:")
        sweep_figures()
    if args.part in ("all", "latency"):
        latency()


if __name__ == "__main__":
    main()
