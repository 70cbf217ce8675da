"""The database a benchmark runs on: its own PostgreSQL database (created if missing) or SQLite file, migrated."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def bench_database(db: str, *, postgres_name: str, sqlite_path: str | Path) -> None:
    """Point Django at the benchmark's database (BENCH_POSTGRES_URL overrides the PostgreSQL one) and migrate it."""
    if db == "postgres":
        import psycopg

        url = os.environ.get("BENCH_POSTGRES_URL", f"postgres://postgres@127.0.0.1:5432/{postgres_name}")
        server, name = url.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            if not conn.execute("select 1 from pg_database where datname=%s", [name]).fetchone():
                conn.execute(f'create database "{name}"')
        os.environ["DATABASE_URL"] = url
    else:
        path = Path(sqlite_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.config.settings"
    os.environ.setdefault("TANDEM_HOME", str(OUT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
