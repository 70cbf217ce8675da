"""HTML pages. Each view parses, calls one selector or service, and renders; htmx gets partials."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tandem.clock import ClockRefused
from tandem.core.lifecycle import CriteriaNotMet, MoveRefused
from tandem.leads import selectors as lead_selectors
from tandem.leads import services as lead_services
from tandem.leads.errors import LeadError
from tandem.leads.models import Lead
from tandem.people import selectors as people_selectors
from tandem.people import services as people_services
from tandem.taxonomy import selectors as taxonomy_selectors
from tandem.taxonomy.models import TaxonomyVersion
from tandem.web import pages
from tandem.web.forms import LeadFilterForm, MoveForm, NoteForm, TokenForm


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", pages.overview(user=request.user))


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cursor = filters.pop("cursor", None) or None
    try:
        page = lead_selectors.lead_list(user=request.user, limit=50, cursor=cursor,
                                        filters=lead_selectors.LeadFilter(**{k: v for k, v in filters.items() if v}))
    except ValueError as exc:
        messages.error(request, str(exc))
        page = lead_selectors.LeadPage(items=[], next_cursor=None)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {"form": form, "page": page, "stages": pages.stage_options(), "query": query.urlencode()}
    template = "web/partials/lead_rows.html" if _is_htmx(request) else "web/lead_list.html"
    return render(request, template, context)


def _lead_or_404(request: HttpRequest, lead_id: int) -> Lead:
    try:
        return lead_selectors.lead_get_for_user(lead_id=lead_id, user=request.user)
    except Lead.DoesNotExist:
        raise Http404("No such lead, or not in your queue") from None


@login_required
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead_or_404(request, lead_id)
    return render(request, "web/lead_detail.html", pages.lead_page(lead=lead, user=request.user))


@login_required
@require_POST
def lead_move(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead_or_404(request, lead_id)
    form = MoveForm(request.POST)
    error, criteria = None, []
    if not form.is_valid():
        error = "; ".join(f"{field}: {', '.join(errs)}" for field, errs in form.errors.items())
    else:
        data = form.cleaned_data
        try:
            lead_services.lead_advance_stage(lead=lead, to_stage=data["to_stage"], by=request.user,
                                             reason_code=data["reason_code"] or None, note=data["note"],
                                             expected_version=data["version"])
        except CriteriaNotMet as exc:
            error, criteria = str(exc), exc.results
        except (MoveRefused, LeadError, PermissionDenied, ClockRefused) as exc:
            error = str(exc)
        lead = _lead_or_404(request, lead_id) if error is None else lead
    context = {**pages.lead_page(lead=lead, user=request.user), "move_error": error, "move_criteria": criteria}
    if error is None:
        context["move_done"] = f"Moved to {lead.stage}."
    status = 200 if error is None else 422
    template = "web/partials/lead_panel.html" if _is_htmx(request) else "web/lead_detail.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def lead_note(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead_or_404(request, lead_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            lead_services.lead_note_add(lead=lead, body=form.cleaned_data["body"], by=request.user)
        except (LeadError, PermissionDenied) as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "A note cannot be empty.")
    return redirect("lead_detail", lead_id=lead.pk)


@login_required
def definitions(request: HttpRequest) -> HttpResponse:
    return render(request, "web/definitions.html", pages.definitions())


@login_required
def definitions_version(request: HttpRequest, number: int) -> HttpResponse:
    version = get_object_or_404(TaxonomyVersion, number=number)
    return render(request, "web/definitions_version.html", {"version": version,
                                                             "taxonomy": taxonomy_selectors.taxonomy_parsed(version)})


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    issued = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = people_services.api_token_create(user=request.user, name=form.cleaned_data["name"],
                                                      scope=form.cleaned_data["scope"])
            form = TokenForm()
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    context = {"form": form, "issued": issued, "tokens": people_selectors.api_token_list(user=request.user)}
    return render(request, "web/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(people_selectors.api_token_list(user=request.user), pk=token_id)
    people_services.api_token_revoke(token=token, by=request.user)
    messages.success(request, f"Token {token.prefix}… revoked.")
    return redirect("tokens")
