"""Reporting pages: the shared dashboard, the records behind a number, any report as tables, the packs.

Each view parses the filter, calls one selector and renders; htmx requests get the partial.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.leads.errors import LeadError
from tandem.people.access import require_permission
from tandem.reporting import records, selectors, services
from tandem.reporting.choices import PackKind, Weekday
from tandem.reporting.dashboard import dashboard_data
from tandem.reporting.filter_options import filter_options, quick_periods
from tandem.reporting.filters import ReportFilter, report_filter
from tandem.reporting.models import PackDelivery, ReportSchedule
from tandem.reporting.report_links import DEFINITIONS, linked_table
from tandem.reporting.rollups import fill_state
from tandem.reporting.serialize import tables

FILTER_KEYS = ("segment", "source", "channel", "campaign", "origin", "owner", "team", "country")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _filter(request: HttpRequest) -> ReportFilter:
    params = request.GET
    values = {k: params.get(k) or None for k in FILTER_KEYS}
    try:
        return report_filter(start=params.get("from") or None, end=params.get("to") or None,
                             period=params.get("period") or None, **values)
    except LeadError as exc:
        messages.error(request, f"{exc.field}: {exc}" if exc.field else str(exc))
        return report_filter()


def _filter_context(request: HttpRequest, f: ReportFilter, form_url: str) -> dict:
    """What the filter bar needs: the choices, the period picked (a custom one listed too) and the URL."""
    quick = quick_periods()
    chosen = "" if request.GET.get("from") or request.GET.get("to") else (request.GET.get("period")
                                                                          or quick[0][0])
    choices = [("", "Custom (from – to)", chosen == "")]
    choices += [(label, f"{title} · {label}", label == chosen) for label, title in quick]
    if chosen and chosen not in {label for label, _ in quick}:
        choices.append((chosen, f.period.title, True))
    return {"options": filter_options(), "period_choices": choices, "params": request.GET, "form_url": form_url}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "report.view")
    f = _filter(request)
    context = {**dashboard_data(f, stale_ok=True), **_filter_context(request, f, reverse("reporting:dashboard")),
               "fill": fill_state()}
    return render(request, "reporting/dashboard.html", context)


@login_required
def records_view(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "report.view")
    f = _filter(request)
    options = {k: request.GET.get(k) for k in ("stage", "from_stage", "to_stage", "cohort", "reached", "edge",
                                               "outcome", "reason", "by", "group") if request.GET.get(k)}
    metric = request.GET.get("metric", "")
    page = max(int(request.GET.get("page", "1") or 1), 1) if str(request.GET.get("page", "1")).isdigit() else 1
    selectors.rollups_fresh()
    try:
        found = records.records_find(metric=metric, f=f, options=options)
    except LeadError as exc:
        raise Http404(str(exc)) from None
    rows = records.records_page(records=found, user=request.user, offset=(page - 1) * records.PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    pages = (found.count + records.PAGE - 1) // records.PAGE
    return render(request, "reporting/records.html", {
        "found": found, "rows": rows, "has_figure": any(r.figure is not None for r in rows),
        "has_note": any(r.note for r in rows), "filter": f, "page": page, "pages": pages, "query": query.urlencode(),
        "metric": metric, "options": options, "back": f.query()})


@login_required
def report_view(request: HttpRequest, name: str) -> HttpResponse:
    require_permission(request.user, "report.view")
    if name not in selectors.REPORTS:
        raise Http404("no such report")
    f = _filter(request)
    try:
        data = selectors.report_data(name, f)
        problem = ""
    except LeadError as exc:
        data, problem = {}, str(exc)
    shown = [(t, [(h, DEFINITIONS.get(h)) for h in header], linked_table(name, t, header, rows, f))
             for t, header, rows in tables(data)] if data else []
    return render(request, "reporting/report.html", {
        "name": name, "data": data, "tables": shown, "problem": problem, "filter": f, "query": f.query(),
        "names": selectors.REPORT_NAMES, **_filter_context(request, f, reverse("reporting:report", args=[name]))})


@login_required
def packs_view(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "report.view")
    can_configure = request.user.can("report.configure")
    schedules = {s.kind: s for s in ReportSchedule.objects.all()}
    rows = [(kind, label, schedules.get(kind)) for kind, label in PackKind.choices]
    return render(request, "reporting/packs.html", {
        "schedules": rows, "deliveries": PackDelivery.objects.order_by("-created_at", "-id")[:50],
        "can_configure": can_configure, "weekdays": Weekday.choices, "teams": services.TEAMS})


@login_required
@require_POST
def schedule_save(request: HttpRequest, kind: str) -> HttpResponse:
    post = request.POST
    try:
        services.schedule_update(kind=kind, by=request.user, enabled=post.get("enabled") == "on",
                                 weekday=int(post.get("weekday", 0)), day_of_month=int(post.get("day_of_month", 1)),
                                 hour_utc=int(post.get("hour_utc", 7)), teams=post.getlist("teams"),
                                 extra_recipients=post.get("extra_recipients", ""), segment=post.get("segment", ""))
        messages.success(request, f"The {PackKind(kind).label.lower()} schedule is saved.")
    except (LeadError, PermissionDenied, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect("reporting:packs")


@login_required
@require_POST
def pack_send_view(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        delivery = services.pack_send_now(kind=kind, period=request.POST.get("period", ""), by=request.user,
                                          segment=request.POST.get("segment", ""),
                                          resend=request.POST.get("resend") == "on")
        messages.success(request, f"{delivery.get_kind_display()} {delivery.period}: {delivery.status}"
                                  + (f" ({delivery.error})" if delivery.error else ""))
    except (LeadError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    return redirect("reporting:packs")


@login_required
def pack_html(request: HttpRequest, pack_id: int) -> HttpResponse:
    require_permission(request.user, "report.view")
    return HttpResponse(get_object_or_404(PackDelivery, pk=pack_id).html, content_type="text/html; charset=utf-8")


@login_required
def pack_csv(request: HttpRequest, pack_id: int, name: str) -> HttpResponse:
    require_permission(request.user, "report.view")
    delivery = get_object_or_404(PackDelivery, pk=pack_id)
    if name not in delivery.csv:
        raise Http404("no such table")
    response = HttpResponse(delivery.csv[name], content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{delivery.kind}-{delivery.period}-{name}"'
    return response
