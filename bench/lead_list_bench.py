"""Lead list latency at scale: the API page and the HTML page, SQLite and PostgreSQL.

    .venv/bin/python bench/lead_list_bench.py --leads 1000000 --db sqlite
    .venv/bin/python bench/lead_list_bench.py --leads 1000000 --db postgres

Seeds N leads once (bulk, straight into the table, with a realistic spread of stages,
countries, sources and owners), then times requests in-process through Django's test
client: the first page, a deep page (cursor), filtered pages and the sales rep's queue
view, each with 100 rows, and the HTML list. Prints median and p95 in ms, the queries per
page, and the ratio to the 50 ms goal and to the peer figure (155-288 ms for 100 rows of
10k leads, 420 queries).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STAGES = np.array(["inquiry", "aql", "mql", "tal", "tql", "sal", "sql", "opportunity", "won", "lost", "recycled",
                   "disqualified"])
STAGE_P = np.array([20, 28, 2, 2, 1, 1, 1, 2, 3, 6, 27, 7], dtype=float)
COUNTRIES = np.array(["DE", "AT", "CH", "GB", "FR", "NL", "SE", "US", "ES"])
SOURCES = np.array(["web", "webinar", "event", "paid", "referral", "content", "direct_mail", "outbound"])


def configure(db: str) -> None:
    if db == "postgres":
        os.environ["DATABASE_URL"] = os.environ.get("BENCH_POSTGRES_URL",
                                                    "postgres://postgres@127.0.0.1:5432/tandem_bench")
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'bench' / 'out' / 'lead_list.sqlite3'}"
        (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.config.settings"
    os.environ.setdefault("TANDEM_HOME", str(ROOT / "bench" / "out"))
    if db == "postgres":
        import psycopg

        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, autocommit=True) as conn:
            if not conn.execute("select 1 from pg_database where datname='tandem_bench'").fetchone():
                conn.execute("create database tandem_bench")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n: int) -> None:
    from django.db import connection, transaction

    from tandem.accounts.models import Account
    from tandem.demo.loader import demo_staff_create
    from tandem.leads.models import Lead

    have = Lead.objects.count()
    if have >= n:
        return
    users = demo_staff_create()
    owners = [u.pk for u in users.values() if u.role in ("sdr", "sales")] + [None] * 6
    if Account.objects.count() < 1000:
        Account.objects.bulk_create([Account(name=f"Bench {i}", domain=f"bench{i}.example", country="DE",
                                             employees=50 + i) for i in range(1000)], batch_size=1000)
    account_ids = list(Account.objects.values_list("id", flat=True)[:1000])
    rng = np.random.default_rng(42)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    cols = ("first_name", "last_name", "email", "email_normalized", "phone", "phone_normalized", "title",
            "account_id", "country", "source", "self_reported_source", "origin", "owner_id", "stage",
            "stage_entered_at", "score", "consent_status", "lawful_basis", "created_at", "updated_at", "version")
    table = Lead._meta.db_table
    chunk = 50_000
    t0 = time.perf_counter()
    for lo in range(have, n, chunk):
        size = min(chunk, n - lo)
        stages = rng.choice(STAGES, size, p=STAGE_P / STAGE_P.sum())
        countries = rng.choice(COUNTRIES, size)
        sources = rng.choice(SOURCES, size)
        owner_idx = rng.integers(0, len(owners), size)
        acc = rng.integers(0, len(account_ids), size)
        scores = rng.integers(0, 100, size)
        rows = []
        for i in range(size):
            k = lo + i
            at = start + timedelta(seconds=int(k * 30))
            email = f"bench.{k}@lead{k % 9973}.example"
            rows.append(("Bench", f"Lead{k}", email, email, "", "", "Analyst", account_ids[acc[i]], countries[i],
                         sources[i], "", "mgl", owners[owner_idx[i]], stages[i], at, int(scores[i]), "unknown",
                         "unspecified", at, at, 1))
        placeholders = ", ".join(["%s"] * len(cols))
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders})", rows)
        print(f"  seeded {lo + size:,} leads ({time.perf_counter() - t0:.0f} s)", flush=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def measure(client, url: str, repeats: int) -> tuple[float, float, int]:
    from django.db import connection

    client.get(url)  # warm
    executed = []
    with connection.execute_wrapper(lambda execute, sql, params, many, context: (executed.append(sql),
                                                                                  execute(sql, params, many, context))[1]):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(executed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    configure(args.db)
    seed(args.leads)

    from django.test import Client

    from tandem.leads.models import Lead
    from tandem.people.models import User
    from tandem.people.services import api_token_create

    total = Lead.objects.count()
    manager = User.objects.get(username="david")
    rep = User.objects.get(username="julia")
    tokens = {u.username: api_token_create(user=u, name="bench", scope="read").secret for u in (manager, rep)}
    deep = Lead.objects.order_by("-id").values_list("id", flat=True)[total // 2]
    from tandem.leads.selectors import encode_cursor

    cases = [
        ("API first page, 100 rows (manager)", "/api/v1/leads?limit=100", "david"),
        ("API deep page via cursor (manager)", f"/api/v1/leads?limit=100&cursor={encode_cursor(deep)}", "david"),
        ("API stage=sal filter", "/api/v1/leads?limit=100&stage=sal", "david"),
        ("API country=FR filter", "/api/v1/leads?limit=100&country=FR", "david"),
        ("API sales rep's queue view", "/api/v1/leads?limit=100", "julia"),
        ("API 10-row page (query count check)", "/api/v1/leads?limit=10", "david"),
    ]
    print(f"\n{args.db}: {total:,} leads, {args.repeats} requests per case")
    print(f"{'case':<40} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'p95/50ms':>9} {'peer/p95':>9}")
    for label, url, who in cases:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[who]}")
        med, p95, queries = measure(client, url, args.repeats)
        print(f"{label:<40} {med:>10.1f} {p95:>8.1f} {queries:>8} {p95 / 50:>9.2f} {155 / p95:>8.1f}x")
    html = Client()
    html.force_login(manager)
    med, p95, queries = measure(html, "/leads/", args.repeats // 2)
    print(f"{'HTML lead list, 50 rows (manager)':<40} {med:>10.1f} {p95:>8.1f} {queries:>8} {p95 / 50:>9.2f} "
          f"{155 / p95:>8.1f}x")


if __name__ == "__main__":
    main()
