"""Scoring pages: the rulebook with its versions, importing a new version, and the predictive report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.core.scoring import RulesInvalid
from tandem.people.access import require_permission
from tandem.scoring import rules as rulebook
from tandem.scoring import selectors, tasks
from tandem.scoring.models import PredictiveModel
from tandem.scoring.training import predictive_train


@login_required
def rules_page(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "lead.view")
    version = rulebook.rules_version_current()
    _, rules = rulebook.rules_current()
    fit = [{"rule": r, "value": ", ".join(map(str, r.value)) if isinstance(r.value, tuple) else r.value}
           for r in rules.fit]
    context = {"version": version, "rules": rules, "fit": fit, "versions": rulebook.rules_versions()[:30],
               "yaml": rulebook.rules_document_dump(version.document),
               "can_change": request.user.can("scoring.change")}
    return render(request, "scoring/rules.html", context)


@login_required
@require_POST
def rules_import_view(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "scoring.change")
    upload = request.FILES.get("file")
    text = upload.read().decode("utf-8") if upload else request.POST.get("text", "")
    name = upload.name if upload else "pasted.yaml"
    try:
        version = rulebook.rules_import(text=text, filename=name, by=request.user, note=request.POST.get("note", ""))
    except RulesInvalid as exc:
        messages.error(request, "The rules were not published: " + "; ".join(exc.problems))
    except rulebook.RulesUnchanged as exc:
        messages.info(request, str(exc))
    else:
        tasks.recompute_all.enqueue()
        messages.success(request, f"Published rules version {version.number}; every lead is being rescored.")
    return redirect("scoring:rules")


@login_required
@require_POST
def recompute_view(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "scoring.change")
    tasks.recompute_all.enqueue()
    messages.success(request, "Rescoring every lead in the background.")
    return redirect("scoring:rules")


@login_required
def predictive_page(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "lead.view")
    target = request.GET.get("target", PredictiveModel.Target.ACCEPTED)
    if target not in PredictiveModel.Target.values:
        target = PredictiveModel.Target.ACCEPTED
    latest = selectors.predictive_latest(target=target)
    in_force = selectors.predictive_in_force(target=target)
    context = {"target": target, "targets": PredictiveModel.Target.choices, "latest": latest, "model": in_force,
               "can_train": request.user.can("scoring.train")}
    if in_force is not None:
        context["coefficients"] = selectors.predictive_coefficients(in_force)[:15]
        context["top_leads"] = selectors.predictive_top_leads(record=in_force)
    return render(request, "scoring/predictive.html", context)


@login_required
@require_POST
def train_view(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("target", PredictiveModel.Target.ACCEPTED)
    try:
        require_permission(request.user, "scoring.train")
        record = predictive_train(target=target, by=request.user)
    except (PermissionDenied, ValueError) as exc:
        messages.error(request, str(exc))
    else:
        level = messages.success if record.status == PredictiveModel.Status.TRAINED else messages.warning
        level(request, record.message)
    return redirect(f"/scoring/predictive/?target={target}")
