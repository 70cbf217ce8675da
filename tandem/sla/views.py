"""SLA pages: a rep's queue by due time (with one-click decisions) and the manager's overview."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem import clock
from tandem.clock import ClockRefused
from tandem.core.lifecycle import MoveRefused
from tandem.core.roles import TEAM_NAMES
from tandem.leads import selectors as lead_selectors
from tandem.leads import services as lead_services
from tandem.leads.errors import LeadError
from tandem.leads.models import Lead
from tandem.people.access import require_permission
from tandem.sla import selectors
from tandem.sla.commitments import commitments_current, month_bounds
from tandem.sla.forms import ActForm, CommitmentForm
from tandem.sla.services import commitment_create


def _lead_or_404(request: HttpRequest, lead_id: int) -> Lead:
    try:
        return lead_selectors.lead_get_for_user(lead_id=lead_id, user=request.user)
    except Lead.DoesNotExist:
        raise Http404("No such lead, or not in your queue") from None


@login_required
def my_queue(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "lead.view")
    timers = selectors.queue_for_user(user=request.user)
    moves_by_stage: dict[str, list] = {}
    rows = []
    for timer in timers:
        lead = timer.lead
        if lead.stage not in moves_by_stage:
            moves = lead_selectors.lead_available_moves(lead=lead, user=request.user)
            moves_by_stage[lead.stage] = [m for m in moves if m["action"] in ("accept", "reject", "disqualify",
                                                                              "advance")]
        rows.append({"timer": timer, "lead": lead, "moves": moves_by_stage[lead.stage]})
    context = {"rows": rows, "now": clock.now(), "team": TEAM_NAMES.get(request.user.team, request.user.team)}
    return render(request, "sla/queue.html", context)


@login_required
@require_POST
def queue_act(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Accept, reject (with a reason) or advance a lead from the queue: the same service as the lead page."""
    lead = _lead_or_404(request, lead_id)
    form = ActForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{f}: {', '.join(e)}" for f, e in form.errors.items()))
        return redirect("sla:queue")
    data = form.cleaned_data
    try:
        if data["action"] == "advance":
            lead_services.lead_advance_stage(lead=lead, to_stage=data["to_stage"], by=request.user,
                                             expected_version=data["version"])
        else:
            lead_services.lead_act(lead=lead, action=data["action"], by=request.user,
                                   reason_code=data["reason_code"] or None, expected_version=data["version"])
    except (MoveRefused, LeadError, PermissionDenied, ClockRefused) as exc:
        messages.error(request, f"{lead}: {exc}")
    else:
        lead.refresh_from_db()
        messages.success(request, f"{lead}: {data['action']} done; now {lead.stage.upper()}.")
    return redirect("sla:queue")


@login_required
@require_POST
def queue_touch(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Log a call with the lead (a real touch: it stops the first-touch timer when made by the owner)."""
    from tandem.touchpoints.services import touchpoint_record

    lead = _lead_or_404(request, lead_id)
    try:
        touchpoint_record(lead=lead, channel="call", actor=request.user, by=request.user, source="user",
                          content_item=request.POST.get("note", "")[:200])
    except (LeadError, PermissionDenied, ValueError) as exc:
        messages.error(request, f"{lead}: {exc}")
    else:
        messages.success(request, f"Call with {lead} logged.")
    return redirect("sla:queue")


BREACHES_SHOWN = 15


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "lead.view")
    now = clock.now()
    start, end = month_bounds(now.strftime("%Y-%m"))
    by_team = selectors.sla_compliance(start=start, end=end, group_by="team", now=now)
    by_policy = selectors.sla_compliance(start=start, end=end, group_by="policy", now=now)
    by_user = selectors.sla_compliance(start=start, end=end, group_by="user", now=now)
    commitments = commitments_current(now=now)
    show_all = request.GET.get("breaches") == "all"
    breaches = selectors.breaches_open(limit=1000 if show_all else BREACHES_SHOWN)
    context = {"now": now, "month": now.strftime("%B %Y"), "by_team": by_team, "by_policy": by_policy,
               "by_user": by_user, "breaches": breaches, "breaches_open": selectors.breaches_open_count(),
               "commitments": commitments,
               "at_risk": [c for c in commitments if (c.commitment.final_status or c.projection.status)
                           in ("at_risk", "missed")],
               "policies": selectors.policies_by_stage(), "form": CommitmentForm(initial={"month": now.strftime("%Y-%m")}),
               "can_commit": request.user.can("sla.commit")}
    return render(request, "sla/overview.html", context)


@login_required
@require_POST
def commitment_new(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "sla.commit")
    form = CommitmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{f}: {', '.join(e)}" for f, e in form.errors.items()))
        return redirect("sla:overview")
    data = form.cleaned_data
    start, end = month_bounds(data["month"])
    segment = data["segment"]
    try:
        commitment_create(name=f"{data['target_mqls']} MQLs {data['month']}" + (f" ({segment})" if segment else ""),
                          period_start=start, period_end=end, target_mqls=data["target_mqls"],
                          min_acceptance_rate=(data["min_acceptance_rate"] / Decimal(100)).quantize(Decimal("0.001")),
                          segment=segment, owner=request.user, by=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Commitment recorded; it is tracked live below.")
    return redirect("sla:overview")
