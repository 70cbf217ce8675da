"""A real Tandem instance for concurrency tests: its own database and `tandem serve` on loopback.

Concurrency cannot be tested on the suite's in-memory SQLite database (one shared connection),
so these tests start the product as it runs in production: gunicorn with several processes and
threads, on a fresh file SQLite database, or on a fresh PostgreSQL database when the suite
runs with DATABASE_URL=postgres://…. Everything is torn down afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tandem.intake.signatures import sign

SECRET = "whsec-live-0123456789"
ROOT = Path(__file__).resolve().parents[2]
_SETUP = """
import json
from tandem.people.services import api_token_create, user_create
tokens = {}
for role in ("marketing", "sdr", "sales", "manager", "admin"):
    user = user_create(username=f"live-{role}", password="pw-long-enough-123", role=role)
    tokens[role] = api_token_create(user=user, name="live", scope="write").secret
print("TOKENS=" + json.dumps(tokens))
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Instance:
    url: str
    port: int
    env: dict[str, str]
    tokens: dict[str, str]
    kind: str  # "sqlite" or "postgresql"
    log: Path

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, conn: http.client.HTTPConnection, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> Response:
        """One request on a kept-alive connection; reconnects once if the server closed it while idle."""
        for attempt in (1, 2):
            try:
                conn.request(method, path, body=body or None, headers=headers or {})
                reply = conn.getresponse()
                return Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read())
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def deliver(self, conn: http.client.HTTPConnection, payload: dict, *, key: str | None = None) -> Response:
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "X-Tandem-Signature": sign(SECRET, body, int(time.time()))}
        if key:
            headers["Idempotency-Key"] = key
        return self.request(conn, "POST", "/api/v1/intake/webhook", body, headers)

    def api(self, conn: http.client.HTTPConnection, method: str, path: str, role: str, payload=None) -> Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}", "Content-Type": "application/json"}
        body = json.dumps(payload).encode() if payload is not None else b""
        return self.request(conn, method, "/api/v1" + path, body, headers)

    def query(self, expression: str, imports: str = ""):
        """Evaluate a Python expression inside the instance (its settings and database); its JSON value."""
        code = f"import json\n{imports}\nprint('RESULT=' + json.dumps({expression}))"
        done = subprocess.run([sys.executable, "-m", "tandem.cli", "shell", "--no-imports", "-c", code],
                              env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
        return json.loads(done.stdout.split("RESULT=", 1)[1])

    def server_errors(self) -> list[str]:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if "Traceback" in line or "Internal Server Error" in line]


def _postgres_database(url: str) -> tuple[str, str]:
    """A fresh database beside the suite's: (its URL, its name)."""
    import psycopg

    name = f"tandem_live_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _drop_postgres(url: str, name: str) -> None:
    """Drop the instance's database; never hang the suite on it (a DROP waits for every backend of
    the cluster to acknowledge it, and another session stuck mid-COPY never does)."""
    import psycopg

    parts = urlsplit(url)
    try:
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
            conn.execute("SET statement_timeout = '20s'")
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exc:
        warnings.warn(f"could not drop the test instance's database {name}: {exc}", stacklevel=2)


@contextmanager
def running_instance(*, workers: int = 2, threads: int = 8, env: dict[str, str] | None = None) -> Iterator[Instance]:
    home = Path(tempfile.mkdtemp(prefix="tandem-live-"))
    suite_url = os.environ.get("DATABASE_URL", "")
    pg_name = None
    if suite_url.startswith("postgres"):
        database_url, pg_name = _postgres_database(suite_url)
    else:
        database_url = f"sqlite:///{home / 'tandem.sqlite3'}"
    environment = {**os.environ, "TANDEM_HOME": str(home), "DJANGO_SETTINGS_MODULE": "tandem.config.settings",
                   "DATABASE_URL": database_url, "TANDEM_WEBHOOK_SECRETS": SECRET, "LOG_LEVEL": "ERROR",
                   "TANDEM_INTAKE_RATE_LIMIT": "off", **(env or {})}
    for name in ("TANDEM_NOW", "TANDEM_NOW_SHIFT"):
        environment.pop(name, None)
    port = free_port()
    log = home / "server.log"
    server = None
    try:
        subprocess.run([sys.executable, "-m", "tandem.cli", "migrate", "-v0"], env=environment, cwd=ROOT,
                       check=True, timeout=300)
        setup = subprocess.run([sys.executable, "-m", "tandem.cli", "shell", "-c", _SETUP], env=environment,
                               cwd=ROOT, capture_output=True, text=True, check=True, timeout=120)
        tokens = json.loads(setup.stdout.split("TOKENS=", 1)[1])
        with log.open("w") as out:
            server = subprocess.Popen([sys.executable, "-m", "tandem.cli", "serve", "--bind", f"127.0.0.1:{port}",
                                       "--workers", str(workers), "--threads", str(threads)],
                                      env=environment, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        instance = Instance(url=f"http://127.0.0.1:{port}", port=port, env=environment, tokens=tokens,
                            kind="postgresql" if pg_name else "sqlite", log=log)
        _wait_until_up(instance, server)
        yield instance
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        if pg_name:
            _drop_postgres(suite_url, pg_name)
        shutil.rmtree(home, ignore_errors=True)


def _wait_until_up(instance: Instance, server: subprocess.Popen) -> None:
    for _ in range(150):  # at most 30 s
        if server.poll() is not None:
            raise RuntimeError(f"tandem serve exited: {instance.log.read_text(errors='replace')[-2000:]}")
        try:
            conn = instance.connection()
            if instance.request(conn, "GET", "/login/").status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("tandem serve did not answer within 30 s")
