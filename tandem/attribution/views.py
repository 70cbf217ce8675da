"""The Attribution page: every model side by side for a level, a dimension, a period and a segment."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.attribution.page import filter_context, page_context
from tandem.attribution.query import attribution_query
from tandem.attribution.services import attribution_result
from tandem.leads.errors import LeadInvalid
from tandem.people.access import require_permission

FIELDS = ("level", "dimension", "period", "from", "to", "segment", "include_rep_activity", "measure")


@login_required
def attribution_page(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "attribution.view")
    params = {k: v for k in FIELDS if (v := request.GET.get(k, "").strip())}
    context: dict = {"error": None}
    query = None
    try:
        query = attribution_query(level=params.get("level"), dimension=params.get("dimension"),
                                  start=params.get("from"), end=params.get("to"), period=params.get("period"),
                                  segment=params.get("segment"), include_rep_activity=params.get("include_rep_activity"))
        report = attribution_result(query=query)
        context.update(page_context(query, report.payload, measure=params.get("measure", "value"),
                                    cached=report.cached, computed_at=report.computed_at,
                                    compute_ms=report.compute_ms))
    except LeadInvalid as exc:
        context["error"] = f"{exc.field}: {exc}" if exc.field else str(exc)
        query = None
    partial = request.headers.get("HX-Request") == "true"
    context.update(filter_context(query, params), partial=partial)
    template = "attribution/partials/body.html" if partial else "attribution/page.html"
    return render(request, template, context, status=200 if context["error"] is None else 422)
