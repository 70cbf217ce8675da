"""Reads of routing: policies, queues with members and rotation counts, decisions on a lead."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tandem.core.roles import TEAMS
from tandem.leads.models import Lead
from tandem.routing.models import Queue, QueueMember, QueueRotation, Region, RoutingDecision, RoutingPolicy
from tandem.routing.services import queue_reps
from tandem.taxonomy.selectors import taxonomy_current


def check_stage_and_team(stage: str | None, team: str) -> None:
    if team not in TEAMS:
        raise ValueError(f"team: must be one of {', '.join(TEAMS)}")
    if stage is not None and not taxonomy_current()[1].has_stage(stage):
        raise ValueError(f"stage: unknown stage {stage!r}")


def policies_all() -> QuerySet[RoutingPolicy]:
    return RoutingPolicy.objects.order_by("stage")


def queue_out(queue: Queue) -> dict[str, Any]:
    members = list(QueueMember.objects.filter(queue=queue).select_related("user"))
    rotation = QueueRotation.objects.filter(pk=queue.pk).first()
    return {"key": queue.key, "name": queue.name, "team": queue.team, "description": queue.description,
            "members": members, "counts": {str(k): int(v) for k, v in (rotation.counts if rotation else {}).items()}}


def queues_with_members() -> list[dict[str, Any]]:
    return [queue_out(q) for q in Queue.objects.order_by("team", "key")]


def queue_page_rows() -> list[dict[str, Any]]:
    """Each queue with the reps that would share its leads now (members, or the team's reps by default)."""
    from tandem.people.models import User

    rows = []
    for queue in Queue.objects.order_by("team", "key"):
        out = queue_out(queue)
        reps = queue_reps(queue)
        users = User.objects.in_bulk([r.id for r in reps])
        out["reps"] = [{"user": users[r.id], "weight": r.weight, "capacity": r.capacity, "available": r.available,
                        "assigned": out["counts"].get(str(r.id), 0)} for r in reps]
        out["default_members"] = not out["members"]
        out["team_name"] = queue.get_team_display()
        rows.append(out)
    return rows


def regions_all() -> QuerySet[Region]:
    return Region.objects.order_by("key")


def lead_decisions(*, lead: Lead) -> QuerySet[RoutingDecision]:
    return RoutingDecision.objects.filter(lead=lead).select_related("queue", "owner").order_by("-decided_at", "-id")
