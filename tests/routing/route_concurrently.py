"""Route many leads at once from many threads (each its own database connection) and report the outcome.

Run inside an instance's environment: python tests/routing/route_concurrently.py LEADS THREADS.
Every lead is offered to two threads, so two routers race for each entry. Prints RESULT=<json>.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time

import django

WEIGHTS = [1, 1.5, 2, 3, 5, 0.5, 2.5]


def main(n_leads: int, n_threads: int) -> dict:
    django.setup()
    from django.db import close_old_connections

    from tandem import clock
    from tandem.leads.models import Assignment, Lead, StageEvent
    from tandem.people.services import user_create
    from tandem.routing.models import Queue, QueueRotation, RoutingDecision
    from tandem.routing.services import lead_route, queue_members_set, routing_policy_set

    reps = [user_create(username=f"rep{i}", password="pw-long-enough-123", role="sdr") for i in range(len(WEIGHTS))]
    race = Queue.objects.create(key="race", name="Race", team="tele")
    queue_members_set(queue=race, by=None, members=[{"user_id": r.pk, "weight": w} for r, w in zip(reps, WEIGHTS, strict=True)])
    routing_policy_set(stage="mql", team="tele", by=None, rules=[{"id": "race", "kind": "default", "queue": "race"}])
    now = clock.now()
    leads = Lead.objects.bulk_create([Lead(email=f"l{i}@example.com", email_normalized=f"l{i}@example.com",
                                           stage="mql", stage_entered_at=now) for i in range(n_leads)])
    events = StageEvent.objects.bulk_create([StageEvent(lead=lead, from_stage="aql", to_stage="mql", action="advance",
                                                        occurred_at=now, taxonomy_version=1) for lead in leads])
    work: queue.Queue = queue.Queue()
    for lead, event in zip(leads, events, strict=True):
        work.put((lead.pk, event.pk))
        work.put((lead.pk, event.pk))  # a second router for the same entry
    errors: list[str] = []
    start = threading.Barrier(n_threads)

    def router() -> None:
        start.wait()
        while True:
            try:
                lead_id, event_id = work.get_nowait()
            except queue.Empty:
                break
            try:
                lead_route(lead=Lead.objects.get(pk=lead_id), event=StageEvent.objects.get(pk=event_id))
            except Exception as exc:  # noqa: BLE001 - reported to the test
                errors.append(f"{type(exc).__name__}: {exc}")
        close_old_connections()

    began = time.perf_counter()
    threads = [threading.Thread(target=router) for _ in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    counts = {str(r.pk): Lead.objects.filter(owner=r).count() for r in reps}
    per_lead = list(Assignment.objects.values_list("lead_id", flat=True))
    return {"weights": {str(r.pk): w for r, w in zip(reps, WEIGHTS, strict=True)}, "counts": counts, "errors": errors[:5],
            "error_count": len(errors), "assignments": len(per_lead), "assigned_leads": len(set(per_lead)),
            "decisions": RoutingDecision.objects.count(), "unowned": Lead.objects.filter(owner__isnull=True).count(),
            "rotation": QueueRotation.objects.get(queue=race).counts, "seconds": seconds}


if __name__ == "__main__":
    print("RESULT=" + json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
