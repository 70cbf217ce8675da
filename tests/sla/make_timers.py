"""Create leads with open SLA timers due at chosen instants, in an instance's database. Prints RESULT=<json>.

python tests/sla/make_timers.py COUNT FIRST_DUE_IN_S SPREAD_S  (due instants spread evenly from now + FIRST)
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import django


def main(count: int, first_s: float, spread_s: float) -> dict:
    django.setup()
    from tandem import clock
    from tandem.leads.models import Lead, StageEvent
    from tandem.people.services import user_create
    from tandem.sla.models import SlaPolicy, SlaTimer

    manager = user_create(username="boss", password="pw-long-enough-123", role="manager")
    rep = user_create(username="rep", password="pw-long-enough-123", role="sdr")
    rep.manager = manager
    rep.save(update_fields=["manager"])
    policy = SlaPolicy.objects.get(key="mql_first_touch")
    now = clock.now()
    leads = Lead.objects.bulk_create([Lead(email=f"t{i}@example.com", email_normalized=f"t{i}@example.com",
                                           stage="mql", stage_entered_at=now, owner=rep) for i in range(count)])
    events = StageEvent.objects.bulk_create([StageEvent(lead=lead, from_stage="aql", to_stage="mql", action="advance",
                                                        occurred_at=now, taxonomy_version=1) for lead in leads])
    step = spread_s / max(count - 1, 1)
    SlaTimer.objects.bulk_create([
        SlaTimer(policy=policy, lead=lead, start_event=event, stage="mql", team="tele", responsible=rep,
                 started_at=now, due_at=now + timedelta(seconds=first_s + i * step))
        for i, (lead, event) in enumerate(zip(leads, events, strict=True))])
    return {"created": count, "now": now.isoformat()}


if __name__ == "__main__":
    print("RESULT=" + json.dumps(main(int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]))))
