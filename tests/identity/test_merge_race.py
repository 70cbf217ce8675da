"""Two people merging the same pair at once: one wins, the other gets 409 — on a real multi-process server.

Runs on a file SQLite database, and on PostgreSQL when the suite does (DATABASE_URL=postgres://…).
"""

from __future__ import annotations

import threading

from tests.intake.instance import running_instance

PAIRS = 12


def _lead(instance, conn, n: int) -> tuple[int, int]:
    lead_id = instance.deliver(conn, {"email": f"racer{n}@example.com", "first_name": "R", "last_name": str(n),
                                      "phone": f"+49 40 {2000000 + n}"}).json()["lead_id"]
    return lead_id, instance.api(conn, "GET", f"/leads/{lead_id}", "admin").json()["version"]


def _race(instance, bodies: list[dict]) -> list[int]:
    barrier, statuses = threading.Barrier(len(bodies)), [0] * len(bodies)

    def merge(i: int, role: str) -> None:
        conn = instance.connection()
        barrier.wait(timeout=30)
        reply = instance.api(conn, "POST", "/identity/leads/merge", role, bodies[i])
        statuses[i] = reply.status
        if reply.status == 409:
            print("409:", reply.json()["detail"])
        conn.close()

    threads = [threading.Thread(target=merge, args=(i, ("marketing", "manager")[i % 2])) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_of_two_simultaneous_merges_of_a_pair_one_wins_and_the_other_gets_409():
    with running_instance(workers=2, threads=4) as instance:
        conn = instance.connection()
        outcomes = []
        for n in range(PAIRS):
            (a, va), (b, vb) = _lead(instance, conn, 2 * n), _lead(instance, conn, 2 * n + 1)
            same = {"survivor_id": a, "loser_id": b, "survivor_version": va, "loser_version": vb}
            crossed = {"survivor_id": b, "loser_id": a, "survivor_version": vb, "loser_version": va}
            outcomes.append(sorted(_race(instance, [same, crossed if n % 2 else same])))
        merged = instance.query("list(Lead.objects.filter(merged_into__isnull=False).values_list('id', flat=True))",
                                imports="from tandem.leads.models import Lead")
        live = instance.query("Lead.objects.filter(merged_into__isnull=True).count()",
                              imports="from tandem.leads.models import Lead")
        errors = instance.server_errors()
    assert outcomes == [[200, 409]] * PAIRS
    assert len(merged) == PAIRS and live == PAIRS
    assert errors == []
