"""CSV import throughput beside the raw insert rate of the same database, SQLite and PostgreSQL.

    .venv/bin/python bench/import_bench.py --scale 0.1            # 100k leads + 500k touchpoints
    .venv/bin/python bench/import_bench.py --scale 1 --db sqlite  # the full 1M leads + 5M touchpoints

Writes a leads CSV (12 columns: email, names, phone, title, company, domain, country, source,
origin, score, created_at) and a touchpoints CSV (lead email, channel, occurred_at, three UTM
fields), then for each database, on a fresh database:

1. raw: the same lead rows, already parsed into the tuples the importer writes, inserted into
   the leads table (its indexes included) by executemany in one transaction (SQLite) or COPY
   (PostgreSQL) and committed, then deleted again; likewise the touchpoint rows;
2. import: `tandem import`'s service on the CSV files, end to end (reading, parsing,
   normalising email and phone, accounts by domain, natural-key checks, the lead's creation
   stage event, chunked commits with the checkpoint), timed from the start to the last chunk's
   commit; and, beside it, to the end of the job, which includes the reporting rollups'
   re-aggregation of every day the import touched (tandem.imports.services.ledger_changed).

Prints rows/s of each with the ratio import/raw and the target (SQLite >= 0.25x, PostgreSQL
>= 0.5x). The import also writes one stage event per lead, which the raw figure does not.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "import"
sys.path.insert(0, str(ROOT))
TARGET = {"sqlite": 0.25, "postgres": 0.5}
CPU: dict[str, float] = {}  # rows per CPU-second of this process (for SQLite: all of the database's work)
PG_DB = "tandem_import_bench"
COUNTRIES = ["DE", "AT", "CH", "GB", "FR", "NL", "SE", "US", "ES"]
SOURCES = ["web", "webinar", "event", "paid", "referral", "content", "direct_mail", "outbound"]
TITLES = ["CTO", "Head of IT", "VP Engineering", "IT Manager", "Developer", "CFO", "Procurement"]
CHANNELS = ["web_visit", "form_fill", "email_open", "email_click", "paid_click", "webinar", "event"]


def write_files(leads: int, touchpoints: int) -> tuple[Path, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(42)  # noqa: S311 - benchmark data
    start = datetime(2024, 1, 1, tzinfo=UTC)
    leads_csv, touch_csv = OUT / f"leads-{leads}.csv", OUT / f"touchpoints-{touchpoints}.csv"
    if not leads_csv.exists():
        with open(leads_csv, "w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["email", "first_name", "last_name", "phone", "title", "company", "domain", "country",
                          "source", "origin", "score", "created_at"])
            for i in range(leads):
                company = i % max(leads // 20, 1)
                at = start + timedelta(seconds=rng.randrange(0, 600 * 86400))
                out.writerow([f"person{i}@company{company}.example", f"First{i % 997}", f"Last{i % 1009}",
                              f"+49 30 {1000000 + i % 8999999}", rng.choice(TITLES), f"Company {company}",
                              f"company{company}.example", rng.choice(COUNTRIES), rng.choice(SOURCES), "mgl",
                              rng.randrange(0, 100), at.isoformat()])
    if not touch_csv.exists():
        with open(touch_csv, "w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["lead_email", "channel", "occurred_at", "utm_source", "utm_medium", "utm_campaign"])
            for j in range(touchpoints):
                i = j % leads
                at = start + timedelta(seconds=rng.randrange(0, 600 * 86400))
                out.writerow([f"person{i}@company{i % max(leads // 20, 1)}.example", rng.choice(CHANNELS),
                              at.isoformat(), "newsletter", "email", f"campaign-{j % 40}"])
    return leads_csv, touch_csv


def configure(db: str) -> None:
    home = OUT / f"home-{db}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    os.environ["TANDEM_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.config.settings"
    if db == "postgres":
        import psycopg

        server = os.environ.get("BENCH_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
        os.environ["DATABASE_URL"] = f"{server}/{PG_DB}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{home / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _lead_rows(path: Path) -> list[dict]:
    """The lead rows as the importer writes them, parsed ahead of time (for the raw figure)."""
    from tandem.leads.normalize import normalize_email, normalize_phone

    rows = []
    now = datetime.now(UTC)  # noqa: TID251 - a benchmark's own timestamp
    with open(path, newline="", encoding="utf-8") as handle:
        for i, r in enumerate(csv.DictReader(handle), start=1):
            at = datetime.fromisoformat(r["created_at"])
            rows.append({"id": i, "email": r["email"], "email_normalized": normalize_email(r["email"]),
                         "first_name": r["first_name"], "last_name": r["last_name"], "phone": r["phone"],
                         "phone_normalized": normalize_phone(r["phone"], country=r["country"]), "title": r["title"],
                         "country": r["country"], "source": r["source"], "origin": r["origin"],
                         "score": int(r["score"]), "stage": "inquiry", "stage_entered_at": at, "created_at": at,
                         "updated_at": now})
    return rows


def _touch_rows(path: Path, lead_ids: list[int]) -> list[dict]:
    rows = []
    now = datetime.now(UTC)  # noqa: TID251
    with open(path, newline="", encoding="utf-8") as handle:
        for j, r in enumerate(csv.DictReader(handle)):
            rows.append({"lead_id": lead_ids[j % len(lead_ids)], "channel": r["channel"],
                         "occurred_at": datetime.fromisoformat(r["occurred_at"]), "recorded_at": now,
                         "utm_source": r["utm_source"], "utm_medium": r["utm_medium"],
                         "utm_campaign": r["utm_campaign"], "source": "import", "external_id": f"raw:{j}"})
    return rows


def raw_rate(model, rows: list[dict]) -> float:
    """Rows/s of executemany (SQLite) or COPY (PostgreSQL) of prepared tuples, committed; then removed again."""
    from django.db import connection, transaction

    from tandem.imports import bulk

    table = bulk.table(model)
    data = table.tuples(rows)  # adapted before the clock starts: the raw rate is the database's
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        table.write(data, with_id="id" in rows[0])
    elapsed = time.perf_counter() - started
    CPU[model.__name__ + " raw"] = len(rows) / (time.process_time() - cpu)
    with connection.cursor() as cursor:
        name = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(f"TRUNCATE {name} CASCADE" if connection.vendor == "postgresql" else f"DELETE FROM {name}")
    return len(rows) / elapsed


def import_rate(path: Path, kind: str, chunk_size: int) -> tuple[float, float, object]:
    """(rows/s until the last chunk is committed, rows/s including the rollups' re-aggregation after it, job)."""
    from tandem.imports.services import import_job_create, import_run

    job, _ = import_job_create(path=path, kind=kind, by=None)
    committed, cpu_committed = [], []

    def progress(_job) -> None:
        committed.append(time.perf_counter())
        cpu_committed.append(time.process_time())

    started, cpu = time.perf_counter(), time.process_time()
    job = import_run(job=job, chunk_size=chunk_size, progress=progress)
    CPU[kind] = job.rows_ok / (cpu_committed[-1] - cpu)
    finished = time.perf_counter()
    assert job.status == "done", job.message
    return job.rows_ok / (committed[-1] - started), job.rows_ok / (finished - started), job


def run(db: str, leads_csv: Path, touch_csv: Path, chunk_size: int) -> list[tuple]:
    configure(db)
    from tandem.leads.models import Lead
    from tandem.touchpoints.models import Touchpoint

    lead_rows = _lead_rows(leads_csv)
    raw_leads = raw_rate(Lead, lead_rows)
    imported_leads, with_rollups_leads, job = import_rate(leads_csv, "leads", chunk_size)
    assert Lead.objects.count() == len(lead_rows) == job.rows_ok
    touch_rows = _touch_rows(touch_csv, list(Lead.objects.order_by("id").values_list("id", flat=True)))
    raw_touch = raw_rate(Touchpoint, touch_rows)
    del touch_rows
    imported_touch, with_rollups_touch, job = import_rate(touch_csv, "touchpoints", chunk_size)
    assert Touchpoint.objects.count() == job.rows_ok
    return [(db, "leads", len(lead_rows), imported_leads, with_rollups_leads, raw_leads),
            (db, "touchpoints", job.rows_ok, imported_touch, with_rollups_touch, raw_touch)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1 = 1M leads and 5M touchpoints")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--chunk-size", type=int, default=20000)
    args = parser.parse_args()
    leads, touchpoints = int(1_000_000 * args.scale), int(5_000_000 * args.scale)
    leads_csv, touch_csv = write_files(leads, touchpoints)
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{leads:,} leads, {touchpoints:,} touchpoints; chunks of {args.chunk_size:,} rows")
    results = run(args.db, leads_csv, touch_csv, args.chunk_size)
    print("| database | rows | count | import rows/s | with rollups rows/s | raw insert rows/s | import ÷ raw "
          "| target |")
    print("|---|---|---|---|---|---|---|---|")
    for db, what, count, imported, with_rollups, raw in results:
        ratio = imported / raw
        verdict = "met" if ratio >= TARGET[db] else "NOT met"
        print(f"| {db} | {what} | {count:,} | {imported:,.0f} | {with_rollups:,.0f} | {raw:,.0f} | {ratio:.2f}× "
              f"({with_rollups / raw:.2f}× with rollups) | ≥ {TARGET[db]}× ({verdict}) |")
    if args.db == "sqlite":  # SQLite works in this process: its CPU time is the whole cost, whatever else runs
        for what, model in (("leads", "Lead"), ("touchpoints", "Touchpoint")):
            print(f"CPU time, {what}: import {CPU[what]:,.0f} rows per CPU-second, raw {CPU[model + ' raw']:,.0f}; "
                  f"ratio {CPU[what] / CPU[model + ' raw']:.2f}×")


if __name__ == "__main__":
    main()
