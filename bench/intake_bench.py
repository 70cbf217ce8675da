"""Intake throughput: signed webhook deliveries per second under concurrent clients, with latency percentiles.

Starts `tandem serve` (gunicorn) on loopback against a fresh PostgreSQL database, sends
DELIVERIES signed deliveries of PEOPLE people (each with an Idempotency-Key, as a CRM sends
them) from CLIENTS concurrent keep-alive connections, then checks the outcome (one lead per
person, one touchpoint per delivery, no server error) and drops the database.

    .venv/bin/python bench/intake_bench.py --database-url postgres://postgres@127.0.0.1:5432/postgres

Loopback only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tandem.intake.signatures import sign  # noqa: E402 - after the path is set

SECRET = "bench-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _create_database(url: str) -> tuple[str, str]:
    import psycopg

    name = f"tandem_bench_intake_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}")), name


def _drop_database(url: str, name: str) -> None:
    import psycopg

    try:
        with psycopg.connect(_admin_url(url), autocommit=True) as conn:
            conn.execute("SET statement_timeout = '20s'")
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exc:
        print(f"  (could not drop the benchmark database {name}: {exc}; drop it by hand)")


def _count(database_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
                for table in ("leads_lead", "touchpoints_touchpoint", "accounts_account")}


def _deliveries(people: int, deliveries: int) -> list[bytes]:
    bodies = []
    for n in range(deliveries):
        p = n % people
        bodies.append(json.dumps({
            "email": f"person{p}@company{p % 400}.example", "first_name": "Pat", "last_name": f"Lee{p}",
            "phone": f"+49 30 {1000000 + p}", "company": f"Company {p % 400}", "domain": f"company{p % 400}.example",
            "channel": "form_fill", "external_id": f"evt-{n}", "utm_source": "crm", "utm_medium": "email",
            "utm_campaign": f"wave-{n % 7}", "self_reported_source": "a colleague",
        }).encode())
    return bodies


def _client(port: int, work: list[bytes], lock: threading.Lock, latencies: list[float], statuses: dict) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while True:
        with lock:
            if not work:
                break
            body = work.pop()
        headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4()),
                   "X-Tandem-Signature": sign(SECRET, body, int(time.time()))}
        started = time.perf_counter()
        for attempt in (1, 2):  # one reconnect if the server closed an idle keep-alive connection
            try:
                conn.request("POST", "/api/v1/intake/webhook", body=body, headers=headers)
                reply = conn.getresponse()
                reply.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if attempt == 2:
                    raise
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            statuses[reply.status] = statuses.get(reply.status, 0) + 1
    conn.close()


def _run_load(port: int, bodies: list[bytes], clients: int) -> tuple[float, list[float], dict]:
    work, lock, latencies, statuses = list(reversed(bodies)), threading.Lock(), [], {}
    threads = [threading.Thread(target=_client, args=(port, work, lock, latencies, statuses)) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=1800)
    return time.perf_counter() - started, latencies, statuses


def _cpu_seconds(root: int) -> float:
    """User + system CPU time of a process and its children (the gunicorn master and workers), from /proc."""
    pids, total = {root}, 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == root:
                pids.add(int(entry.name))
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes (tandem serve --workers)")
    parser.add_argument("--threads", type=int, default=8, help="threads per process (tandem serve --threads)")
    parser.add_argument("--warmup", type=int, default=500, help="deliveries sent first and not measured")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("--database-url: this benchmark measures PostgreSQL")

    database_url, name = _create_database(args.database_url)
    home = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    env = {**os.environ, "DATABASE_URL": database_url, "TANDEM_HOME": str(home), "TANDEM_WEBHOOK_SECRETS": SECRET,
           "DJANGO_SETTINGS_MODULE": "tandem.config.settings", "LOG_LEVEL": "ERROR"}
    env.pop("TANDEM_NOW", None)
    env.pop("TANDEM_NOW_SHIFT", None)
    port, server = _free_port(), None
    log = home / "server.log"
    try:
        subprocess.run([sys.executable, "-m", "tandem.cli", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        with log.open("w") as out:
            server = subprocess.Popen([sys.executable, "-m", "tandem.cli", "serve", "--bind", f"127.0.0.1:{port}",
                                       "--workers", str(args.workers), "--threads", str(args.threads)],
                                      env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        warm = _deliveries(args.people, args.warmup)
        warm = [body.replace(b'"evt-', b'"warm-') for body in warm]
        _run_load(port, warm, args.clients)
        bodies = _deliveries(args.people, args.deliveries)
        load_before, cpu_before = os.getloadavg()[0], _cpu_seconds(server.pid)
        seconds, latencies, statuses = _run_load(port, bodies, args.clients)
        server_cpu, load_after = _cpu_seconds(server.pid) - cpu_before, os.getloadavg()[0]
        counts = _count(database_url)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        errors = [line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line] \
            if log.exists() else []
        shutil.rmtree(home, ignore_errors=True)
        _drop_database(args.database_url, name)

    ok = statuses.get(200, 0) + statuses.get(201, 0)
    print(f"PostgreSQL intake benchmark: {args.deliveries:,} signed deliveries of {args.people:,} people, "
          f"{args.clients} concurrent clients, tandem serve --workers {args.workers} --threads {args.threads}, "
          f"{os.cpu_count()} CPUs (server, database and clients share them)")
    print(f"  throughput   {len(latencies) / seconds:,.0f} deliveries/s ({seconds:.1f} s)")
    print(f"  latency      p50 {_percentile(latencies, 50) * 1000:.1f} ms · p95 {_percentile(latencies, 95) * 1000:.1f} ms"
          f" · p99 {_percentile(latencies, 99) * 1000:.1f} ms · max {max(latencies) * 1000:.1f} ms")
    print(f"  server CPU   {server_cpu:.1f} s in the gunicorn processes = {server_cpu / args.deliveries * 1000:.2f} ms "
          f"per delivery (PostgreSQL's and the clients' CPU not included)")
    print(f"  machine      load average {load_before:.1f} before, {load_after:.1f} after (1 min)")
    print(f"  answers      {statuses}  ({ok:,} ok, {len(errors)} server tracebacks)")
    print(f"  stored       {counts['leads_lead']:,} leads, {counts['touchpoints_touchpoint']:,} touchpoints "
          f"(incl. {args.warmup:,} warm-up), {counts['accounts_account']:,} accounts")
    expected_touches = args.deliveries + args.warmup
    good = ok == args.deliveries and counts["leads_lead"] == args.people and \
        counts["touchpoints_touchpoint"] == expected_touches and not errors
    print("  check        " + ("one lead per person, one touchpoint per delivery, no server error" if good
                              else "FAILED: see the counts above"))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
