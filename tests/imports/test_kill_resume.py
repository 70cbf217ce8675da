"""A real `tandem import` process killed with SIGKILL leaves exactly its checkpointed prefix; re-running resumes.

The import runs as a subprocess on its own database (a SQLite file, or a scratch PostgreSQL
database when the suite runs on PostgreSQL). Test hooks make it sleep inside each chunk's
transaction (TANDEM_IMPORT_PAUSE_IN_CHUNK) or between chunks (TANDEM_IMPORT_PAUSE), so the kill
lands mid-transaction or between commits.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

ROWS = 400
CHUNK = 25
BAD_LINES = {40, 41, 230}  # a bad email, a bad country, a naive timestamp


def _write_csv(path: Path) -> dict[int, str]:
    """The file, and the email of each good row by line."""
    good = {}
    lines = ["email,first_name,last_name,country,created_at,stage,mql_at"]
    for line in range(2, ROWS + 2):
        email = f"person{line}@kill.example"
        if line == 40:
            lines.append(f"not-an-email-{line},Bad,Email,DE,2024-01-01T10:00:00Z,,")
        elif line == 41:
            lines.append(f"{email},Bad,Country,Atlantis,2024-01-01T10:00:00Z,,")
        elif line == 230:
            lines.append(f"{email},Naive,Time,DE,2024-01-01 10:00,,")
        else:
            lines.append(f"{email},Pat,Lee{line},DE,2024-01-01T10:00:00Z,mql,2024-02-01T09:00:00+01:00")
            good[line] = email
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return good


class Database:
    """A scratch database for the subprocess, and plain DB-API reads of it."""

    def __init__(self, tmp_path: Path):
        url = os.environ.get("DATABASE_URL", "")
        self.postgres = url.startswith("postgres")
        if self.postgres:
            self.server = url.rsplit("/", 1)[0]
            self.name = f"tandem_kill_{uuid.uuid4().hex[:10]}"
            self.url = f"{self.server}/{self.name}"
        else:
            self.path = tmp_path / "kill.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def create(self) -> None:
        if self.postgres:
            import psycopg

            with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.postgres:
            import psycopg

            with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def rows(self, sql: str) -> list[tuple]:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql).fetchall()
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            return conn.execute(sql).fetchall()


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[Database]:
    db = Database(tmp_path)
    db.create()
    try:
        yield db
    finally:
        db.drop()


def _env(db: Database, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    return {**env, "DATABASE_URL": db.url, "TANDEM_HOME": str(home), "DJANGO_SETTINGS_MODULE": "tandem.config.settings",
            **extra}


def _tandem(*args: str) -> list[str]:
    return [sys.executable, "-m", "tandem.cli", *args]


def _checkpoint(db: Database) -> int:
    try:
        found = db.rows("SELECT checkpoint_line FROM imports_importjob")
    except Exception:  # the job row is not written yet, or the file is locked for a moment
        return 0
    return found[0][0] if found else 0


def _import_and_kill(db: Database, csv: Path, home: Path, *, after_line: int, **pauses: str) -> None:
    process = subprocess.Popen(_tandem("import", str(csv), "--kind", "leads", "--sync", "--chunk-size", str(CHUNK)),
                               env=_env(db, home, **pauses), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _checkpoint(db) < after_line:
            assert process.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import made no progress"
            time.sleep(0.02)
        time.sleep(random.uniform(0, 0.2))  # noqa: S311 - anywhere inside the next chunk or pause
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def _assert_exact_prefix(db: Database, good: dict[int, str]) -> int:
    checkpoint = _checkpoint(db)
    emails = [row[0] for row in db.rows("SELECT email FROM leads_lead")]
    assert sorted(emails) == sorted(e for line, e in good.items() if line <= checkpoint)
    assert db.rows("SELECT count(*) FROM leads_stageevent")[0][0] == 2 * len(emails)  # created, then MQL
    assert all(line <= checkpoint for (line,) in db.rows("SELECT line FROM imports_importissue"))
    ok, failed = db.rows("SELECT rows_ok, rows_failed FROM imports_importjob")[0]
    assert (ok, failed) == (len(emails), len([b for b in BAD_LINES if b <= checkpoint]))
    return checkpoint


def test_an_import_killed_mid_chunk_and_between_chunks_resumes_without_loss_or_duplicates(tmp_path):
    good = _write_csv(tmp_path / "leads.csv")
    with scratch_database(tmp_path) as db:
        subprocess.run(_tandem("migrate", "-v0"), env=_env(db, tmp_path), check=True, timeout=120)

        # given an import killed while a chunk's transaction is open
        _import_and_kill(db, tmp_path / "leads.csv", tmp_path, after_line=4 * CHUNK,
                         TANDEM_IMPORT_PAUSE_IN_CHUNK="0.15")
        first = _assert_exact_prefix(db, good)
        assert CHUNK * 4 <= first < ROWS + 1

        # given the same command again, killed between two commits
        _import_and_kill(db, tmp_path / "leads.csv", tmp_path, after_line=first + 3 * CHUNK,
                         TANDEM_IMPORT_PAUSE="0.15")
        second = _assert_exact_prefix(db, good)
        assert second > first

        # when it runs to the end
        done = subprocess.run(_tandem("import", str(tmp_path / "leads.csv"), "--kind", "leads", "--sync"),
                              env=_env(db, tmp_path), capture_output=True, text=True, timeout=120)

        # then every good row is there once, every bad row is reported once, by line
        assert done.returncode == 0, done.stderr
        assert "resuming after line" in done.stdout
        assert _assert_exact_prefix(db, good) == ROWS + 1
        assert db.rows("SELECT count(*), count(DISTINCT email_normalized) FROM leads_lead")[0] == (len(good),) * 2
        assert sorted(line for (line,) in db.rows("SELECT DISTINCT line FROM imports_importissue")) == sorted(
            BAD_LINES)
        assert db.rows("SELECT status, count(*) FROM imports_importjob GROUP BY status") == [("done", 1)]
