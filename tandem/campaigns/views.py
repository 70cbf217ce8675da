"""Campaign pages: the list, one campaign against its goals, and the planning form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.campaigns import selectors, services
from tandem.campaigns.forms import CampaignForm
from tandem.campaigns.models import Campaign, CampaignStatus
from tandem.leads.errors import LeadError
from tandem.people.access import require_permission


def _campaign_or_404(request: HttpRequest, campaign_id: int) -> Campaign:
    try:
        return selectors.campaign_get(campaign_id=campaign_id, user=request.user)
    except Campaign.DoesNotExist:
        raise Http404("No such campaign") from None


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    campaigns = selectors.campaign_list(user=request.user, status=status, q=request.GET.get("q") or None)
    campaigns = campaigns.annotate(touchpoint_count=Count("touchpoints"))
    return render(request, "campaigns/list.html", {
        "campaigns": campaigns, "statuses": CampaignStatus.choices, "status": status or "",
        "q": request.GET.get("q", ""), "can_write": request.user.can("campaign.write"),
        "export_query": request.GET.urlencode()})


def _rows(results: selectors.CampaignResults) -> list[dict[str, Any]]:
    """One row per figure: the goal, and each counting with its share of the goal."""
    c = results.campaign
    sourced, touched = results.sourced.scorecard, results.touched.scorecard
    spec = [("Leads", "leads", c.goal_leads, False), ("MQLs", "mqls", c.goal_mqls, False),
            ("SALs", "sals", None, False), ("Pipeline (open + won)", "pipeline", c.goal_pipeline, True),
            ("Won revenue", "won_revenue", c.goal_revenue, True)]
    goal_key = {"leads": "leads", "mqls": "mqls", "pipeline": "pipeline", "won_revenue": "revenue"}
    rows = []
    for label, name, goal, money in spec:
        rows.append({"label": label, "goal": goal, "money": money,
                     "sourced": getattr(sourced.produced, name), "touched": getattr(touched.produced, name),
                     "sourced_pct": sourced.attainment.get(goal_key.get(name, "")),
                     "touched_pct": touched.attainment.get(goal_key.get(name, ""))})
    rows.append({"label": "Cost per lead", "goal": None, "money": True, "sourced": sourced.cost_per_lead,
                 "touched": touched.cost_per_lead})
    rows.append({"label": "Cost per MQL", "goal": None, "money": True, "sourced": sourced.cost_per_mql,
                 "touched": touched.cost_per_mql})
    return rows


@login_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    results = selectors.campaign_results(campaign=campaign)
    other = {**results.sourced.other_pipeline, **results.touched.other_pipeline}
    return render(request, "campaigns/detail.html", {
        "campaign": campaign, "results": results, "rows": _rows(results), "other_currencies": sorted(other),
        "can_write": request.user.can("campaign.write")})


def _save(request: HttpRequest, form: CampaignForm, campaign: Campaign | None) -> Campaign | None:
    try:
        if campaign is None:
            return services.campaign_create(by=request.user, **form.values())
        return services.campaign_update(campaign=campaign, by=request.user,
                                        expected_version=form.cleaned_data.get("version") or campaign.version,
                                        **form.values())
    except LeadError as exc:
        if exc.field and exc.field.removesuffix("_id") in form.fields:
            form.add_error(exc.field.removesuffix("_id"), str(exc))
        else:
            form.add_error(None, str(exc))
    return None


def _form_page(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    require_permission(request.user, "campaign.write")
    if request.method == "POST":
        form = CampaignForm(request.POST)
        if form.is_valid() and (saved := _save(request, form, campaign)) is not None:
            messages.success(request, f"Campaign “{saved.name}” saved.")
            return redirect("campaign_detail", campaign_id=saved.pk)
    elif campaign is not None:
        initial = {f: getattr(campaign, f) for f in CampaignForm.base_fields if hasattr(campaign, f)}
        form = CampaignForm(initial={**initial, "marketing_owner": campaign.marketing_owner_id,
                                     "sales_owner": campaign.sales_owner_id})
    else:
        form = CampaignForm(initial={"status": CampaignStatus.PLANNED})
    status = 422 if request.method == "POST" else 200
    return render(request, "campaigns/form.html", {"form": form, "campaign": campaign}, status=status)


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    try:
        return _form_page(request, None)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("campaign_list")


@login_required
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    try:
        return _form_page(request, campaign)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("campaign_detail", campaign_id=campaign.pk)


@login_required
@require_POST
def campaign_delete(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    try:
        services.campaign_delete(campaign=campaign, by=request.user,
                                 expected_version=int(request.POST.get("version") or campaign.version))
    except (LeadError, PermissionDenied) as exc:
        messages.error(request, str(exc))
        return redirect("campaign_detail", campaign_id=campaign.pk)
    messages.success(request, f"Campaign “{campaign.name}” deleted.")
    return redirect("campaign_list")
