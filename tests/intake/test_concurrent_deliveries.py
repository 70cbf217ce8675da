"""A "CRM" replays webhooks with retries and duplicates from many concurrent clients, against a real server.

The suite runs 1,000 deliveries of 200 people from 20 clients (on SQLite, and on PostgreSQL
with DATABASE_URL=postgres://…). The full check of the issue, 10,000 deliveries of 2,000 people
from 50 clients, is the same test with TANDEM_INTAKE_SCALE=10.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter

from tests.intake.instance import running_instance

SCALE = int(os.environ.get("TANDEM_INTAKE_SCALE", "1"))
PEOPLE, EVENTS, CLIENTS = 200 * SCALE, 1000 * SCALE, 20 if SCALE == 1 else 50


def _person(n: int) -> dict:
    return {"email": f"person{n}@example{n % 17}.com", "first_name": "Pat", "last_name": f"Lee{n}",
            "phone": f"+49 30 {1000000 + n}", "company": f"Company {n % 17}", "domain": f"example{n % 17}.com"}


def _spelling(person: dict, rng: random.Random) -> dict:
    """The same person as a sender might spell them: email case and spaces vary."""
    variant = dict(person)
    variant["email"] = rng.choice([person["email"], person["email"].upper(), f"  {person['email']} "])
    return variant


def _plan(rng: random.Random) -> tuple[list[dict], int]:
    """Sends: each event (distinct external_id) once, some retried with the same key (replays),
    some re-sent under a new key (a duplicate the ledger recognises). First arrivals race."""
    people = [_person(n) for n in range(PEOPLE)]
    events = []
    for n in range(EVENTS):
        person = people[n % PEOPLE]  # the first 2 × PEOPLE events bring every person twice, close together
        events.append({**_spelling(person, rng), "external_id": f"evt-{n}", "channel": "form_fill",
                       "utm_source": "crm", "self_reported_source": f"podcast {n % 5}"})
    sends = []
    for event in events:
        key = str(uuid.uuid4())
        sends.append({"payload": event, "key": key})
        if rng.random() < 0.2:
            sends.append({"payload": event, "key": key})  # a retry: must replay, not store again
        if rng.random() < 0.05:
            sends.append({"payload": event, "key": str(uuid.uuid4())})  # the same event under a new key
    head, tail = sends[: 2 * PEOPLE], sends[2 * PEOPLE:]
    rng.shuffle(tail)
    return head + tail, len(events)


def _client(instance, queue: list, lock: threading.Lock, outcomes: Counter, first: dict) -> None:
    conn = instance.connection()
    while True:
        with lock:
            if not queue:
                break
            send = queue.pop(0)
        for _ in range(200):  # a key still in flight answers 409: wait and retry, as the draft asks
            reply = instance.deliver(conn, send["payload"], key=send["key"])
            if reply.status != 409:
                break
            time.sleep(0.02)
        with lock:
            outcomes[reply.status] += 1
            if reply.status in (200, 201):
                body = reply.json()
                first.setdefault(send["payload"]["external_id"], body["touchpoint_id"])
                replayed = reply.headers.get("idempotent-replayed") == "true"
                outcomes["created"] += reply.status == 201 and not replayed
                outcomes["repeats"] += replayed or body["duplicate"]  # answered without storing anything
                if first[send["payload"]["external_id"]] != body["touchpoint_id"]:
                    outcomes["diverged"] += 1
    conn.close()


def test_concurrent_deliveries_yield_one_lead_per_person_and_lose_no_touchpoint():
    sends, events = _plan(random.Random(2026))
    outcomes: Counter = Counter()
    first: dict = {}
    with running_instance(workers=2, threads=8) as instance:
        queue, lock = list(sends), threading.Lock()
        clients = [threading.Thread(target=_client, args=(instance, queue, lock, outcomes, first))
                   for _ in range(CLIENTS)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=900)
        counts = instance.query(
            "{'leads': Lead.objects.count(), 'touchpoints': Touchpoint.objects.count(),"
            " 'distinct': Touchpoint.objects.values('external_id').distinct().count(),"
            " 'accounts': Account.objects.count()}",
            imports="from tandem.leads.models import Lead\nfrom tandem.touchpoints.models import Touchpoint\n"
                    "from tandem.accounts.models import Account")
        errors = instance.server_errors()
    answered = sum(v for k, v in outcomes.items() if isinstance(k, int))
    assert answered == len(sends)
    assert {k for k in outcomes if isinstance(k, int)} <= {200, 201}, outcomes
    assert errors == []
    assert counts["leads"] == PEOPLE
    assert counts["touchpoints"] == counts["distinct"] == events  # every distinct delivery, once
    assert outcomes["created"] == PEOPLE  # each person created exactly once (replays aside)
    assert outcomes["diverged"] == 0  # every answer about an event names the same touchpoint
    assert outcomes["repeats"] == len(sends) - events
    assert counts["accounts"] == 17


def test_the_rate_limit_holds_across_server_processes():
    from urllib.parse import urlencode

    with running_instance(workers=3, threads=4, env={"TANDEM_INTAKE_RATE_LIMIT": "20/60"}) as instance:
        if time.time() % 60 > 50:  # keep the burst inside one window
            time.sleep(61 - time.time() % 60)
        statuses: list[int] = []
        retry_after: set[str] = set()
        lock = threading.Lock()

        def burst(n: int) -> None:
            conn = instance.connection()  # one connection per client: the processes share the load
            for i in range(5):
                body = urlencode({"email": f"r{n}-{i}@example.com", "first_name": "R"}).encode()
                reply = instance.request(conn, "POST", "/api/v1/intake/form", body, {
                    "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
                    "X-Forwarded-For": f"198.51.100.{n}.{i}"})  # forged: must not split the limit
                with lock:
                    statuses.append(reply.status)
                    if reply.status == 429:
                        retry_after.add(reply.headers.get("retry-after", ""))
            conn.close()

        threads = [threading.Thread(target=burst, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        stored = instance.query("Lead.objects.count()", imports="from tandem.leads.models import Lead")
    assert sorted(statuses) == [201] * 20 + [429] * 10
    assert stored == 20
    assert retry_after and all(value.isdigit() and 1 <= int(value) <= 60 for value in retry_after)
