"""A fresh Tandem database in its own directory, for tests that run the product in other processes.

File SQLite by default; a new PostgreSQL database beside the suite's when the suite runs with
DATABASE_URL=postgres://…. Migrated, then dropped afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def _admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


@contextmanager
def fresh_database(prefix: str = "tandem-test-") -> Iterator[dict[str, str]]:
    """The environment of a new, migrated instance: TANDEM_HOME, DATABASE_URL and production-like settings."""
    import psycopg

    home = Path(tempfile.mkdtemp(prefix=prefix))
    suite_url = os.environ.get("DATABASE_URL", "")
    pg_name = None
    if suite_url.startswith("postgres"):
        pg_name = f"tandem_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_admin_url(suite_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        database_url = urlunsplit(urlsplit(suite_url)._replace(path=f"/{pg_name}"))
    else:
        database_url = f"sqlite:///{home / 'tandem.sqlite3'}"
    env = {**os.environ, "TANDEM_HOME": str(home), "DJANGO_SETTINGS_MODULE": "tandem.config.settings",
           "DATABASE_URL": database_url, "LOG_LEVEL": "ERROR", "PYTHONPATH": str(ROOT)}
    for name in ("TANDEM_NOW", "TANDEM_NOW_SHIFT"):
        env.pop(name, None)
    try:
        subprocess.run([sys.executable, "-m", "tandem.cli", "migrate", "-v0"], env=env, cwd=ROOT, check=True,
                       timeout=300)
        yield env
    finally:
        if pg_name:
            with psycopg.connect(_admin_url(suite_url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)


def run_script(env: dict[str, str], script: Path, *args: str, timeout: int = 600) -> dict:
    """Run a Python script in the instance; it prints one line RESULT=<json>, which is returned."""
    done = subprocess.run([sys.executable, str(script), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"{script.name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return json.loads(done.stdout.split("RESULT=", 1)[1])
