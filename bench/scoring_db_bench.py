"""Whole-database rescoring with decay: 1M leads and their touches on PostgreSQL (or SQLite).

    .venv/bin/python bench/scoring_db_bench.py --leads 1000000 --db postgres

Seeds N leads (with accounts and ~2.5 touches each, spread over 180 days) once, straight into
the tables with COPY, into its own database (`tandem_bench_scoring`, or bench/out/scoring.sqlite3).
Then times `tandem.scoring.bulk.scores_recompute` — the code behind `tandem scoring recompute`
and the hourly decay job: chunked loading (numpy arrays from values_list), the core's array
kernel with per-rule explanations, and the writes (every LeadScore row, Lead.score where it
changed). Pass 1 scores everything from scratch; pass 2 is the decay job one day later.
Also times the core kernel alone on the loaded arrays. Goal: the whole pass under 60 s on
PostgreSQL; core ≥ 200,000 leads/s.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.bench_database import bench_database  # noqa: E402

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
CHANNELS = np.array(["web_visit", "form_fill", "email_click", "webinar", "paid_click", "content_shared", "event",
                     "email_open"])
CHANNEL_P = np.array([40, 6, 20, 4, 12, 8, 2, 8], dtype=float)
TITLES = np.array(["CEO", "VP Sales", "Head of IT", "Analyst", "IT Manager", "Student", "Director of Finance", ""])
COUNTRIES = np.array(["DE", "AT", "CH", "GB", "FR", "NL", "SE", "US", "ES", ""])


def configure(db: str) -> None:
    bench_database(db, postgres_name="tandem_bench_scoring", sqlite_path=ROOT / "bench" / "out" / "scoring.sqlite3")


def _copy(table: str, columns: tuple[str, ...], rows) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(columns))
        with connection.cursor() as cursor:
            cursor.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                      [tuple(None if v is None else (v.isoformat(" ") if isinstance(v, datetime)
                                                                     else v) for v in row) for row in rows])


def seed(n: int) -> None:
    from django.db import transaction

    from tandem.accounts.models import Account
    from tandem.leads.models import Lead
    from tandem.touchpoints.models import Touchpoint

    have = Lead.objects.count()
    if have >= n:
        return
    rng = np.random.default_rng(7)
    started = time.perf_counter()
    with transaction.atomic():
        Account.objects.bulk_create([
            Account(name=f"Bench {i}", domain=f"bench{i}.example", country=str(rng.choice(COUNTRIES[:-1])),
                    employees=int(rng.integers(5, 5000)), industry=str(rng.choice(["Software", "Retail",
                                                                                   "Manufacturing"])))
            for i in range(have, have + 10_000)], batch_size=5000)
    account_ids = np.array(list(Account.objects.values_list("pk", flat=True)))
    lead_cols = ("first_name", "last_name", "email", "email_normalized", "phone", "phone_normalized", "title",
                 "account_id", "country", "source", "self_reported_source", "origin", "stage", "stage_entered_at",
                 "score", "consent_status", "lawful_basis", "created_at", "updated_at", "version")
    touch_cols = ("lead_id", "account_id", "channel", "content_item", "utm_source", "utm_medium", "utm_campaign",
                  "utm_term", "utm_content", "click_ids", "occurred_at", "recorded_at", "source", "external_id",
                  "properties")
    first_id = (Lead.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    for start in range(have, n, 100_000):
        size = min(100_000, n - start)
        titles, countries = rng.choice(TITLES, size), rng.choice(COUNTRIES, size)
        accounts_of = rng.choice(account_ids, size)
        created = NOW - timedelta(days=200)
        with transaction.atomic():
            _copy(Lead._meta.db_table, lead_cols, (
                ("B", f"L{start + i}", f"b{start + i}@bench.example", f"b{start + i}@bench.example",
                 "+49 30 1" if i % 3 else "", "", str(titles[i]), int(accounts_of[i]), str(countries[i]), "web", "",
                 "mgl", "inquiry", created, 0, "unknown", "unspecified", created, created, 1) for i in range(size)))
            ids = np.arange(first_id + start - have, first_id + start - have + size)
            counts = rng.poisson(2.5, size)
            lead_of = np.repeat(ids, counts)
            account_of = np.repeat(accounts_of, counts)
            channels = rng.choice(CHANNELS, len(lead_of), p=CHANNEL_P / CHANNEL_P.sum())
            ages = rng.integers(0, 180 * 86400, len(lead_of))
            _copy(Touchpoint._meta.db_table, touch_cols, (
                (int(lead_of[j]), int(account_of[j]), str(channels[j]), "", "", "", "", "", "", "{}",
                 NOW - timedelta(seconds=int(ages[j])), NOW, "import", "", "{}") for j in range(len(lead_of))))
        print(f"  seeded {start + size:,} leads ({time.perf_counter() - started:.0f} s)", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def core_only(n_expected: int) -> tuple[float, int]:
    """The kernel alone on arrays loaded for all leads (best of 3)."""
    from tandem.core.scoring import score_bulk_detail
    from tandem.scoring.facts import lead_chunks
    from tandem.scoring.rules import rules_current

    _, rules = rules_current()
    chunks = list(lead_chunks(rules, size=100_000))
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        for chunk in chunks:
            score_bulk_detail(chunk.columns, chunk.touches, rules, NOW)
        best = min(best, time.perf_counter() - began)
    return best, sum(len(c.ids) for c in chunks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    configure(args.db)
    seed(args.leads)
    from django.db import connection

    from tandem.leads.models import Lead
    from tandem.scoring.bulk import scores_recompute
    from tandem.touchpoints.models import Touchpoint

    leads, touches = Lead.objects.count(), Touchpoint.objects.count()
    print(f"{connection.vendor}: {leads:,} leads, {touches:,} touches")
    from tandem.scoring.models import LeadScore

    LeadScore.objects.all().delete()  # pass 1 starts from nothing: every score row written, every lead updated
    Lead.objects.update(score=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    for label, at in (("pass 1 (from scratch)", NOW), ("pass 2 (decay, one day later)", NOW + timedelta(days=1))):
        summary = scores_recompute(now=at, advance=False)
        print(f"{label}: {summary.seconds:.1f} s = {summary.per_second:,.0f} leads/s; "
              f"{summary.changed:,} scores changed")
    seconds, n = core_only(leads)
    print(f"core kernel alone (score_bulk_detail, with explanations): {seconds:.2f} s = {n / seconds:,.0f} leads/s")


if __name__ == "__main__":
    main()
