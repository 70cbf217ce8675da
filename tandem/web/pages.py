"""Assembles what each page shows from selectors (reads only)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from tandem.core.roles import ROLE_NAMES, TEAM_NAMES
from tandem.leads import selectors as lead_selectors
from tandem.leads.models import Lead
from tandem.taxonomy import selectors as taxonomy_selectors


def stage_options() -> list[tuple[str, str]]:
    _, taxonomy = taxonomy_selectors.taxonomy_current()
    return [(s.key, s.name) for s in sorted(taxonomy.stages, key=lambda s: s.order)]


def overview(*, user: Any) -> dict[str, Any]:
    number, taxonomy = taxonomy_selectors.taxonomy_current()
    visible = lead_selectors.lead_visible_queryset(user=user)
    counts = dict(visible.values_list("stage").annotate(n=Count("id")).order_by())
    stages = [{"key": s.key, "name": s.name, "count": counts.get(s.key, 0), "kind": s.kind,
               "queue_team": TEAM_NAMES.get(s.queue_team, s.queue_team)}
              for s in sorted(taxonomy.stages, key=lambda s: s.order)]
    worked = taxonomy.stages_worked_by(user.team)
    queue = (visible.filter(stage__in=worked).select_related("account", "owner").order_by("stage_entered_at")[:15]
             if worked else Lead.objects.none())
    return {"stages": stages, "queue": queue, "taxonomy_version": number,
            "role_name": ROLE_NAMES.get(user.role, user.role), "team_name": TEAM_NAMES.get(user.team, user.team),
            "total": sum(counts.values())}


def lead_page(*, lead: Lead, user: Any) -> dict[str, Any]:
    _, taxonomy = taxonomy_selectors.taxonomy_current()
    return {
        "lead": lead,
        "stage": taxonomy.stage(lead.stage),
        "moves": lead_selectors.lead_available_moves(lead=lead, user=user),
        "timeline": lead_selectors.lead_timeline(lead=lead),
        "opportunities": list(lead.opportunities.all()),
        "can_note": user.can("lead.update"),
        **_handoff(lead),
    }


def _handoff(lead: Lead) -> dict[str, Any]:
    """The lead's explained score, SLA timers and routing decisions (tandem.scoring, .sla, .routing)."""
    from tandem.routing.selectors import lead_decisions
    from tandem.scoring.selectors import lead_score_view
    from tandem.sla.selectors import lead_open_timers

    return {"score_view": lead_score_view(lead=lead), "sla_timers": lead_open_timers(lead=lead),
            "routing": list(lead_decisions(lead=lead)[:3])}


def definitions() -> dict[str, Any]:
    number, taxonomy = taxonomy_selectors.taxonomy_current()
    stages = []
    for stage in sorted(taxonomy.stages, key=lambda s: s.order):
        nexts = [{"t": t, "name": taxonomy.stage(t.to).name,
                  "teams": ", ".join(TEAM_NAMES.get(x, x) for x in t.teams),
                  "reasons": [taxonomy.reason(c) for c in t.reasons]} for t in stage.next]
        stages.append({"stage": stage, "owner": TEAM_NAMES.get(stage.owner_team, stage.owner_team),
                       "queue": TEAM_NAMES.get(stage.queue_team, stage.queue_team), "next": nexts})
    from tandem.sla.selectors import policies_by_stage

    policies = policies_by_stage()
    for entry in stages:
        entry["sla"] = policies.get(entry["stage"].key, [])
    from tandem.reporting.definitions_page import TIME_RULES, metric_sections  # the metrics' definitions

    return {"stages": stages, "taxonomy": taxonomy, "number": number,
            "versions": taxonomy_selectors.taxonomy_versions()[:50],
            "metric_sections": metric_sections(), "time_rules": TIME_RULES}
