"""Per-client rate limiting with fixed windows counted in the database.

Every gunicorn process (and every server behind a load balancer) sees the same counters,
because they live in the database: one row per (client, window), incremented by a single
`INSERT … ON CONFLICT … DO UPDATE SET hits = hits + 1 RETURNING hits`. That statement is
atomic on PostgreSQL and on SQLite (3.35+), so concurrent requests never lose a count and no
read-modify-write race exists. A client's rows from earlier windows are deleted when it opens
a new one, so the table holds about one row per active client.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from tandem import clock
from tandem.intake.models import RateWindow


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    hits: int
    limit: int
    retry_after: int  # seconds until the window closes (0 when allowed)


def rate_setting() -> tuple[int, int] | None:
    """(requests, seconds) from TANDEM_INTAKE_RATE_LIMIT ("50/10"), or None when "off"."""
    raw = (getattr(settings, "TANDEM_INTAKE_RATE_LIMIT", "") or "off").strip().lower()
    if raw in ("off", "0", "none"):
        return None
    try:
        requests, seconds = (int(part) for part in raw.split("/", 1))
    except ValueError:
        raise ImproperlyConfigured(f"TANDEM_INTAKE_RATE_LIMIT={raw!r}: use requests/seconds, e.g. 50/10") from None
    if requests < 1 or seconds < 1:
        raise ImproperlyConfigured("TANDEM_INTAKE_RATE_LIMIT: both numbers must be at least 1")
    return requests, seconds


def _increment(bucket: str, window_start: int) -> int:
    table = connection.ops.quote_name(RateWindow._meta.db_table)  # the model's own name; values are parameters
    sql = (f"INSERT INTO {table} (bucket, window_start, hits) VALUES (%s, %s, 1) "  # noqa: S608
           f"ON CONFLICT (bucket, window_start) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits")
    with connection.cursor() as cursor:
        cursor.execute(sql, [bucket, window_start])
        return int(cursor.fetchone()[0])


def rate_limit_hit(*, bucket: str) -> Verdict:
    """Count one request of `bucket`; allowed while the window's count stays within the limit."""
    setting = rate_setting()
    if setting is None:
        return Verdict(allowed=True, hits=0, limit=0, retry_after=0)
    limit, seconds = setting
    now = clock.now().timestamp()
    window_start = int(now // seconds * seconds)
    with transaction.atomic():
        hits = _increment(bucket, window_start)
        if hits == 1:
            RateWindow.objects.filter(bucket=bucket, window_start__lt=window_start).delete()
    if hits <= limit:
        return Verdict(allowed=True, hits=hits, limit=limit, retry_after=0)
    return Verdict(allowed=False, hits=hits, limit=limit, retry_after=max(1, math.ceil(window_start + seconds - now)))


def rate_windows_prune(*, older_than_seconds: int = 3600) -> int:
    """Delete windows that closed long ago (clients that never came back). Returns how many."""
    cutoff = int(clock.now().timestamp()) - older_than_seconds
    deleted, _ = RateWindow.objects.filter(window_start__lt=cutoff).delete()
    return deleted
