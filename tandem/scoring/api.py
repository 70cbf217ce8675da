"""Scoring over HTTP: the rulebook (versions, export, import), a lead's explained score, recompute, predictive."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from tandem.core.scoring import RulesInvalid
from tandem.leads.selectors import lead_get_for_user
from tandem.people.access import require_permission
from tandem.scoring import rules as rulebook
from tandem.scoring import selectors, tasks
from tandem.scoring.models import PredictiveModel, RulesVersion
from tandem.scoring.training import predictive_train

router = Router(tags=["scoring"])


class ErrorOut(Schema):
    detail: str
    field: str | None = None
    problems: list[str] = []


class VersionOut(Schema):
    number: int
    created_at: datetime
    created_by_id: int | None
    note: str
    summary: list[str]


class VersionDetailOut(VersionOut):
    document: dict[str, Any]
    diff: str


class ImportIn(Schema):
    document: dict[str, Any] | None = None
    text: str | None = Field(None, description="YAML or JSON text of the rules document")
    format: Literal["yaml", "json"] = "yaml"
    note: str = ""


class ContributionOut(Schema):
    rule_id: str
    label: str
    points: int
    kind: str


class PredictionOut(Schema):
    target: str
    model_id: int
    probability: float
    factors: list[dict[str, Any]]


class ScoreOut(Schema):
    lead_id: int
    total: int
    fit: int
    engagement: int
    rules_version: int | None
    computed_at: datetime | None
    explanation: list[ContributionOut]
    predictions: list[PredictionOut]


class QueuedOut(Schema):
    task_id: str
    status: str


class PredictiveOut(Schema):
    id: int | None
    target: str
    status: str = Field(..., description="trained, refused (too little history) or untrained (never tried)")
    message: str
    trained_at: datetime | None
    examples: int
    positives: int
    negatives: int
    report: dict[str, Any]
    coefficients: list[tuple[str, float]] = []
    top_leads: list[dict[str, Any]] = []


class TrainIn(Schema):
    target: Literal["accepted", "won"] = "accepted"


@router.get("/rules", response=VersionDetailOut, summary="The scoring rulebook in force")
def current_rules(request: HttpRequest):
    require_permission(request.auth, "lead.view")
    return rulebook.rules_version_current()


@router.get("/rules/versions", response=list[VersionOut], summary="Every rules version, newest first")
def rules_versions(request: HttpRequest):
    require_permission(request.auth, "lead.view")
    return list(rulebook.rules_versions())


@router.get("/rules/versions/{number}", response=VersionDetailOut)
def rules_version(request: HttpRequest, number: int):
    require_permission(request.auth, "lead.view")
    return get_object_or_404(RulesVersion, number=number)


@router.get("/rules/export", summary="The rulebook in force as YAML or JSON (rules as code)")
def export_rules(request: HttpRequest, format: Literal["yaml", "json"] = "yaml"):  # noqa: A002 - the query name
    require_permission(request.auth, "lead.view")
    document = rulebook.rules_version_current().document
    content_type = "application/json" if format == "json" else "application/yaml"
    return HttpResponse(rulebook.rules_document_dump(document, fmt=format), content_type=content_type)


@router.post("/rules/import", response={201: VersionDetailOut, 422: ErrorOut},
             summary="Publish a new rules version from a document (scores follow on the next rescore)")
def import_rules(request: HttpRequest, payload: ImportIn):
    require_permission(request.auth, "scoring.change")
    try:
        if payload.document is not None:
            version = rulebook.rules_publish(document=payload.document, by=request.auth, note=payload.note)
        elif payload.text:
            version = rulebook.rules_import(text=payload.text, filename=f"upload.{payload.format}",
                                            by=request.auth, note=payload.note)
        else:
            raise RulesInvalid(["document: send either document (an object) or text (YAML or JSON)"])
    except RulesInvalid as exc:
        return Status(422, {"detail": str(exc), "field": "document", "problems": exc.problems})
    tasks.recompute_all.enqueue()
    return Status(201, version)


@router.get("/leads/{lead_id}", response=ScoreOut, summary="A lead's score: total, fit, engagement and why")
def lead_score(request: HttpRequest, lead_id: int):
    lead = lead_get_for_user(lead_id=lead_id, user=request.auth)
    return selectors.lead_score_view(lead=lead)


@router.post("/recompute", response={202: QueuedOut}, summary="Rescore every lead in the background")
def recompute(request: HttpRequest):
    require_permission(request.auth, "scoring.change")
    result = tasks.recompute_all.enqueue()
    return Status(202, {"task_id": str(result.id), "status": str(result.status)})


def _predictive_out(record: PredictiveModel) -> dict[str, Any]:
    out = {k: getattr(record, k) for k in ("id", "target", "status", "message", "trained_at", "examples",
                                           "positives", "negatives", "report")}
    if record.status == PredictiveModel.Status.TRAINED:
        out["coefficients"] = selectors.predictive_coefficients(record)
        out["top_leads"] = [{"lead_id": row["lead"].pk, "probability": row["probability"],
                             "factors": [{"feature": f.feature, "contribution": f.contribution}
                                         for f in row["factors"]]}
                            for row in selectors.predictive_top_leads(record=record)]
    return out


@router.get("/predictive", response=PredictiveOut,
            summary="The latest predictive model for a target: calibration, AUC, lift, factors (or why not trained)")
def predictive_report(request: HttpRequest, target: Literal["accepted", "won"] = "accepted"):
    require_permission(request.auth, "lead.view")
    record = selectors.predictive_latest(target=target)
    if record is None:
        return {"id": None, "target": target, "status": "untrained", "trained_at": None, "examples": 0,
                "positives": 0, "negatives": 0, "report": {},
                "message": "Not trained yet: the model retrains daily, or POST /scoring/predictive/train."}
    return _predictive_out(record)


@router.post("/predictive/train", response={201: PredictiveOut, 422: ErrorOut},
             summary="Train the predictive score now; refused (422, saying why) when history is too small")
def train(request: HttpRequest, payload: TrainIn):
    require_permission(request.auth, "scoring.train")
    record = predictive_train(target=payload.target, by=request.auth)
    if record.status == PredictiveModel.Status.REFUSED:
        return Status(422, {"detail": record.message, "field": "target"})
    return Status(201, _predictive_out(record))
