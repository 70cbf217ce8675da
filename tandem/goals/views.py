"""Goal pages: the list with a form to set one, and a goal's plan, progress, agreement and history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tandem.accounts.models import Segment
from tandem.goals import selectors, services
from tandem.goals.models import Goal
from tandem.leads.errors import LeadError
from tandem.people.access import require_permission
from tandem.people.models import User


def _people(team: str) -> list[User]:
    return list(User.objects.filter(team=team, is_active=True).order_by("username"))


@login_required
def goal_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "report.view")
    if request.method == "POST":
        post = request.POST
        try:
            goal = services.goal_create(
                by=request.user, name=post.get("name", ""), period=post.get("period", ""),
                target=post.get("target", ""), segment=post.get("segment", ""), currency=post.get("currency", "EUR"),
                marketing_owner_id=int(post["marketing_owner"]) if post.get("marketing_owner") else None,
                sales_owner_id=int(post["sales_owner"]) if post.get("sales_owner") else None,
                lookback_days=int(post.get("lookback_days") or 180), note=post.get("note", ""))
            messages.success(request, f"Goal “{goal.name}” set. Both owners now agree to it on its page.")
            return redirect("goals:detail", goal_id=goal.pk)
        except (LeadError, PermissionDenied, ValueError) as exc:
            messages.error(request, str(exc))
    return render(request, "goals/list.html", {
        "goals": selectors.goal_list(), "can_change": request.user.can("goal.change"), "segments": Segment.choices,
        "marketers": _people("marketing"), "sellers": _people("sales"), "form": request.POST})


@login_required
def goal_detail(request: HttpRequest, goal_id: int) -> HttpResponse:
    require_permission(request.user, "report.view")
    goal = get_object_or_404(Goal.objects.select_related("marketing_owner", "sales_owner"), pk=goal_id)
    plan = selectors.goal_plan(goal=goal)
    history = list(selectors.goal_history(goal=goal))
    user = request.user
    can_agree = {side: user.can("goal.agree") and (user.role in ("manager", "admin") or user.pk == owner)
                 for side, owner in (("marketing", goal.marketing_owner_id), ("sales", goal.sales_owner_id))}
    return render(request, "goals/detail.html", {
        "goal": goal, "plan": plan, "history": history, "can_agree": can_agree,
        "can_change": user.can("goal.change"), "can_commit": user.can("sla.commit"),
        "commit_available": services.sla_commitment_service() is not None,
        "chart": {"labels": [s.taken_on.isoformat() for s in history],
                  "won": [float(s.won_amount) for s in history], "target": [float(s.target) for s in history]}})


@login_required
@require_POST
def goal_agree(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = get_object_or_404(Goal, pk=goal_id)
    try:
        services.goal_agree(goal=goal, by=request.user, side=request.POST.get("side", ""))
        messages.success(request, "Agreed.")
    except (LeadError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    return redirect("goals:detail", goal_id=goal.pk)


@login_required
@require_POST
def goal_commit(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = get_object_or_404(Goal, pk=goal_id)
    try:
        commitment = services.goal_commit_mqls(goal=goal, by=request.user)
        messages.success(request, f"Marketing's commitment is set: {commitment.target_mqls} MQLs for {goal.period}.")
    except (LeadError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    return redirect("goals:detail", goal_id=goal.pk)


@login_required
@require_POST
def goal_snapshot(request: HttpRequest, goal_id: int) -> HttpResponse:
    require_permission(request.user, "goal.change")
    goal = get_object_or_404(Goal, pk=goal_id)
    services.goal_snapshot_take(goal=goal)
    messages.success(request, "Today's plan versus actual is recorded in the history.")
    return redirect("goals:detail", goal_id=goal.pk)


@login_required
@require_POST
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = get_object_or_404(Goal, pk=goal_id)
    post = request.POST
    changes = {k: post[k] for k in ("name", "target", "note") if k in post}
    if post.get("lookback_days"):
        changes["lookback_days"] = int(post["lookback_days"])
    try:
        services.goal_update(goal=goal, by=request.user, expected_version=int(post.get("version", 0)), **changes)
        messages.success(request, "Goal updated." + ("" if goal.agreed else ""))
    except (LeadError, PermissionDenied, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect("goals:detail", goal_id=goal.pk)
