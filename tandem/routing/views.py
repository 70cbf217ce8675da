"""The routing page: policies per stage, queues with their reps and rotation, regions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.core.roles import TEAM_NAMES
from tandem.people.access import require_permission
from tandem.routing import selectors


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "lead.view")
    policies = [{"policy": p, "team": TEAM_NAMES.get(p.team, p.team)} for p in selectors.policies_all()]
    context = {"policies": policies, "queues": selectors.queue_page_rows(), "regions": selectors.regions_all(),
               "can_change": request.user.can("routing.change")}
    return render(request, "routing/overview.html", context)
