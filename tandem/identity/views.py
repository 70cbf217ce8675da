"""Identity pages: the likely duplicates, and a merge with a confirm step (htmx; plain pages without it)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from tandem.accounts.models import Account
from tandem.identity import selectors, services
from tandem.identity.errors import AlreadyMerged
from tandem.identity.survivorship import proposed_survivor
from tandem.leads.errors import LeadError
from tandem.leads.models import Lead
from tandem.taxonomy.selectors import taxonomy_current

PAGE = 25


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _stage_order():
    """How far along the funnel a lead is; a detour (recycled, disqualified) counts as least."""
    _, taxonomy = taxonomy_current()
    orders = {s.key: -1 if s.kind == "detour" else s.order for s in taxonomy.stages}
    return lambda lead: orders.get(lead.stage, 0)


@login_required
def duplicates(request: HttpRequest) -> HttpResponse:
    only = request.GET.get("reason") if request.GET.get("reason") in selectors.REASONS else None
    after = request.GET.get("after") or None if only else None
    progress = _stage_order()
    sections = []
    for reason in [only] if only else selectors.REASONS:
        groups = selectors.lead_duplicate_groups(user=request.user, reason=reason, limit=PAGE, after=after)
        rows = [{"group": g, "survivor": proposed_survivor(g.leads, progress)} for g in groups]
        sections.append({"reason": reason, "title": selectors.REASON_TEXT[reason], "rows": rows,
                         "next_after": groups[-1].key if len(groups) == PAGE else None})
    accounts = [] if only else [{"group": g, "survivor": proposed_survivor(g.accounts, lambda a: a.lead_count)}
                                for g in selectors.account_duplicate_groups(limit=PAGE)]
    return render(request, "identity/duplicates.html", {
        "sections": sections, "accounts": accounts, "only": only, "can_merge": request.user.can("lead.merge")})


def _lead(request: HttpRequest, value: str | None, field: str) -> Lead:
    try:
        return selectors.lead_get_for_merge(lead_id=int(value or ""), user=request.user, field=field)
    except (ValueError, Lead.DoesNotExist):
        raise Http404("No such lead") from None


def _account(value: str | None, field: str) -> Account:
    try:
        account = get_object_or_404(Account, pk=int(value or ""))
    except ValueError:
        raise Http404("No such account") from None
    if account.merged_into_id is not None:
        raise AlreadyMerged(f"account {account.pk} was merged into account {account.merged_into_id} meanwhile",
                            field=field)
    return account


def _render_confirm(request: HttpRequest, kind: str, preview, error: str | None = None,
                    status: int = 200) -> HttpResponse:
    template = "identity/partials/merge_confirm.html" if _is_htmx(request) else "identity/merge.html"
    return render(request, template, {"kind": kind, "p": preview, "error": error}, status=status)


def _announce(request: HttpRequest, result: services.MergeResult, what: str) -> None:
    effects = selectors.describe_moves(result.moved, result.dropped)
    moved = ", ".join(f"{e.count} {e.what}{' deleted' if e.dropped else ''}" for e in effects)
    messages.success(request, f"Merged {what}." + (f" Moved: {moved}." if moved else ""))


def _back_to_list(request: HttpRequest, plain_target: str) -> HttpResponse:
    """htmx: reload the duplicates list (the merged record has left it); a plain form post: `plain_target`."""
    if not _is_htmx(request):
        return redirect(plain_target)
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    target = reverse("identity_duplicates")
    if current.path == target and current.query:
        target = f"{target}?{current.query}"
    response = HttpResponse(status=200)
    response["HX-Redirect"] = target
    return response


@login_required
@require_http_methods(["GET", "POST"])
def lead_merge(request: HttpRequest) -> HttpResponse:
    if not request.user.can("lead.merge"):
        raise PermissionDenied("your role may not merge records")
    source = request.POST if request.method == "POST" else request.GET
    return _merge(request, "lead", source, lambda: (_lead(request, source.get("survivor"), "survivor_id"),
                                                    _lead(request, source.get("loser"), "loser_id")),
                  selectors.lead_merge_preview, services.lead_merge,
                  lambda r: (f"lead #{r.loser.pk} into #{r.survivor.pk} {r.survivor.full_name or r.survivor.email}",
                             reverse("lead_detail", args=[r.survivor.pk])))


@login_required
@require_http_methods(["GET", "POST"])
def account_merge(request: HttpRequest) -> HttpResponse:
    if not request.user.can("lead.merge"):
        raise PermissionDenied("your role may not merge records")
    source = request.POST if request.method == "POST" else request.GET
    return _merge(request, "account", source, lambda: (_account(source.get("survivor"), "survivor_id"),
                                                       _account(source.get("loser"), "loser_id")),
                  selectors.account_merge_preview, services.account_merge,
                  lambda r: (f"account #{r.loser.pk} into #{r.survivor.pk} {r.survivor.name}",
                             reverse("identity_duplicates")))


def _merge(request: HttpRequest, kind: str, source, pair, preview, merge, done) -> HttpResponse:
    """The merge page of either kind: GET shows what would move, POST merges the versions seen (409/422 in place)."""
    try:
        survivor, loser = pair()
    except AlreadyMerged as exc:
        return render(request, "identity/partials/merge_gone.html", {"detail": str(exc)}, status=409)
    if request.method == "GET":
        return _render_confirm(request, kind, preview(survivor=survivor, loser=loser))
    try:
        survivor.version, loser.version = int(source["survivor_version"]), int(source["loser_version"])
        result = merge(survivor=survivor, loser=loser, by=request.user)
    except (KeyError, ValueError):
        return _render_confirm(request, kind, preview(survivor=survivor, loser=loser),
                               "The form is missing the versions you saw; reload and try again.", 422)
    except LeadError as exc:
        survivor.refresh_from_db()
        loser.refresh_from_db()
        return _render_confirm(request, kind, preview(survivor=survivor, loser=loser), str(exc), exc.status)
    what, target = done(result)
    _announce(request, result, what)
    return _back_to_list(request, target)
