"""Idempotency-Key (IETF httpapi draft): a retried request gets the original response, once.

How a request with a key goes:
1. **Claim** — insert the key as "in flight" in its own short transaction. The unique
   (scope, key) constraint decides any race: the loser of the insert reads the winner's row.
   Same key, different body (fingerprint) → 422; still in flight → 409; done → replay.
2. **Run** — the request's writes and the stored response commit in *one* transaction, so a
   key is "done" exactly when its effects are committed.
3. **Release** — if the request failed (an error response or an exception), the key is
   deleted, so the client may retry with the same key.

Keys are kept KEEP_FOR (72 hours, as senders retry for days); `tandem intake prune-keys`
deletes expired ones. A key left "in flight" by a crashed process is taken over after
ABANDONED_AFTER.

The claim and the completion run on every request with a key, so they are single hand-written
statements (the same on SQLite and PostgreSQL): the ORM spends more CPU composing them than
the database spends running them.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse

from tandem import clock
from tandem.intake.models import IdempotencyKey, KeyState
from tandem.leads.errors import LeadError

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=72)
ABANDONED_AFTER = timedelta(minutes=5)
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r'^"?([\x21\x23-\x7e]{1,255})"?$')  # an sf-string (quoted) or a bare token
_KEPT_HEADERS = ("Content-Type", "Location", "Retry-After")


class KeyInvalid(LeadError):
    status = 400
    field = HEADER


class KeyInFlight(LeadError):
    status = 409
    field = HEADER


class KeyReused(LeadError):
    status = 422
    field = HEADER


@dataclass(frozen=True)
class Claim:
    pk: int
    mark: str


def idempotency_key(request: HttpRequest) -> str | None:
    """The key sent, unquoted; None without the header; KeyInvalid if it is not a short printable string."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    match = _KEY.match(raw.strip())
    if not match:
        raise KeyInvalid(f"{HEADER} must be 1–255 printable characters, e.g. \"8e03978e-40d5-43e8-bc93-6894a57f9324\"")
    return match.group(1)


def request_fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


@contextmanager
def _committed_at_once() -> Iterator[None]:
    """A claim (or a release) commits on its own, at once, so that other requests see it.

    On PostgreSQL it commits without waiting for the disk (synchronous_commit off): a claim lost
    in a crash only means a retry runs the request again, and the request's own transaction,
    which completes the key, is durable and flushes the claim's record with it. Inside an
    enclosing transaction (the test suite) it is a savepoint.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _table() -> str:
    return connection.ops.quote_name(IdempotencyKey._meta.db_table)


def _instant(value) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _insert(scope: str, key: str, fingerprint: str, mark: str, now) -> int:
    sql = (f"INSERT INTO {_table()} (scope, key, fingerprint, state, claim, response_body, response_headers, "  # noqa: S608
           "created_at, expires_at) VALUES (%s, %s, %s, %s, %s, '', '{}', %s, %s) RETURNING id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [scope, key, fingerprint, KeyState.IN_FLIGHT, mark, _instant(now),
                             _instant(now + KEEP_FOR)])
        return int(cursor.fetchone()[0])


def _take_over(row: IdempotencyKey, fingerprint: str, now) -> Claim | None:
    mark = secrets.token_hex(16)
    taken = IdempotencyKey.objects.filter(pk=row.pk, claim=row.claim, state=row.state).update(
        fingerprint=fingerprint, state=KeyState.IN_FLIGHT, claim=mark, response_status=None, response_body="",
        response_headers={}, created_at=now, completed_at=None, expires_at=now + KEEP_FOR)
    return Claim(row.pk, mark) if taken else None


def idempotency_claim(*, scope: str, key: str, fingerprint: str) -> Claim | IdempotencyKey:
    """A Claim to go ahead, or the completed row to replay; KeyInFlight (409) or KeyReused (422)."""
    for _ in range(3):
        now = clock.now()
        mark = secrets.token_hex(16)
        try:
            with _committed_at_once():
                return Claim(_insert(scope, key, fingerprint, mark, now), mark)
        except IntegrityError:
            row = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if row is None:
            continue  # released between our insert and our read: try again
        abandoned = row.state == KeyState.IN_FLIGHT and row.created_at < now - ABANDONED_AFTER
        if row.expires_at <= now or abandoned:
            claim = _take_over(row, fingerprint, now)
            if claim is not None:
                return claim
            raise KeyInFlight("another request with this key is being processed; retry later")
        if row.fingerprint != fingerprint:
            raise KeyReused("this key was used with a different request; use a new key for a new request")
        if row.state == KeyState.IN_FLIGHT:
            raise KeyInFlight("a request with this key is still being processed; retry later")
        return row
    raise KeyInFlight("this key is contended; retry later")


def idempotency_complete(*, claim: Claim, response: HttpResponse) -> None:
    """Store the response; call inside the transaction that holds the request's writes."""
    headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
    sql = (f"UPDATE {_table()} SET state = %s, response_status = %s, response_body = %s, "  # noqa: S608
           "response_headers = %s, completed_at = %s WHERE id = %s AND claim = %s AND state = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [KeyState.DONE, response.status_code, response.content.decode(), json.dumps(headers),
                             _instant(clock.now()), claim.pk, claim.mark, KeyState.IN_FLIGHT])
        done = cursor.rowcount
    if not done:
        raise KeyInFlight("this key was taken over by another request; retry to see its result")


def idempotency_release(*, claim: Claim) -> None:
    with _committed_at_once():
        IdempotencyKey.objects.filter(pk=claim.pk, claim=claim.mark, state=KeyState.IN_FLIGHT).delete()


def replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(row.response_body, status=row.response_status)
    for name, value in row.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(request: HttpRequest, *, scope: str, run: Callable[[], HttpResponse]) -> HttpResponse:
    """Run `run` (which writes and returns the response) at most once per key of `scope`."""
    key = idempotency_key(request)
    if key is None:
        with transaction.atomic():
            return run()
    claimed = idempotency_claim(scope=scope, key=key, fingerprint=request_fingerprint(request))
    if isinstance(claimed, IdempotencyKey):
        return replay(claimed)
    try:
        with transaction.atomic():
            response = run()
            if response.status_code < 400:
                idempotency_complete(claim=claimed, response=response)
    except BaseException:
        idempotency_release(claim=claimed)
        raise
    if response.status_code >= 400:
        idempotency_release(claim=claimed)
    return response


def rendered(request: HttpRequest, body: Any, *, status: int) -> HttpResponse:
    """`body` rendered now by the one NinjaAPI, as any endpoint's result is (an idempotent run must
    hand back a finished response, so that the very bytes can be stored and replayed)."""
    from tandem.config.api import api  # imported late: the API module imports every router, this one's too

    return api.create_response(request, body, status=status)


def idempotency_keys_prune() -> int:
    """Delete keys past their expiry. Returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=clock.now()).delete()
    return deleted


def request_scope(request: HttpRequest) -> str:
    """The client an authenticated API request comes from: its token, else its signed-in user."""
    token = getattr(request, "api_token", None)
    if token is not None:
        return f"token:{token.pk}"
    return f"user:{request.auth.pk}"
