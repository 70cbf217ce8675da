"""Report what the SLA engine recorded in an instance's database. Prints RESULT=<json>."""

from __future__ import annotations

import json

import django


def main() -> dict:
    django.setup()
    from django.db.models import Count

    from tandem.notifications.models import Notification
    from tandem.sla.models import SlaBreach, SlaTimer

    timers = list(SlaTimer.objects.values_list("id", "due_at", "breached_at"))
    late = [(b - d).total_seconds() for _, d, b in timers if b is not None]
    per_timer = SlaBreach.objects.values("timer_id").annotate(n=Count("id")).filter(n__gt=1).count()
    notes = Notification.objects.filter(event="sla_breach").values("key").annotate(n=Count("id"))
    return {"timers": len(timers), "breached": sum(1 for t in timers if t[2] is not None),
            "breach_rows": SlaBreach.objects.count(), "duplicate_breaches": per_timer,
            "breach_notifications": Notification.objects.filter(event="sla_breach").count(),
            "duplicate_notifications": sum(1 for n in notes if n["n"] > 1),
            "max_late_s": max(late) if late else None, "min_late_s": min(late) if late else None}


if __name__ == "__main__":
    print("RESULT=" + json.dumps(main()))
