"""Reads of scores, the rulebook and the predictive model, shaped for the lead page, the API and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tandem.core.scoring import Rulebook
from tandem.leads.models import Lead
from tandem.scoring.models import LeadScore, PredictiveModel
from tandem.scoring.rules import rules_parsed
from tandem.scoring.training import feature_rows, model_from_json

OPEN_STAGES = ("inquiry", "aql", "mql", "tal", "tql", "sal", "sql", "recycled")


@dataclass(frozen=True)
class Contribution:
    rule_id: str
    label: str
    points: int
    kind: str  # fit | engagement


@dataclass(frozen=True)
class Prediction:
    target: str
    model_id: int
    probability: float
    factors: list[dict[str, Any]]


@dataclass(frozen=True)
class ScoreView:
    """A lead's score as stored, with each rule's label and points; the explanation sums to `total`."""

    lead_id: int
    total: int
    fit: int
    engagement: int
    rules_version: int | None
    computed_at: datetime | None
    explanation: list[Contribution] = field(default_factory=list)
    predictions: list[Prediction] = field(default_factory=list)


def _labelled(pairs: list[list[Any]], rules: Rulebook) -> list[Contribution]:
    fit = {r.id: r.label for r in rules.fit}
    engagement = {r.id: r.label for r in rules.engagement}
    return [Contribution(rule_id, fit.get(rule_id) or engagement.get(rule_id, rule_id), int(points),
                         "fit" if rule_id in fit else "engagement") for rule_id, points in pairs]


def lead_score_view(*, lead: Lead, with_predictions: bool = True) -> ScoreView:
    record = LeadScore.objects.filter(lead_id=lead.pk).first()
    predictions = lead_predictions(lead=lead) if with_predictions else []
    if record is None:
        return ScoreView(lead.pk, lead.score, 0, 0, None, None, [], predictions)
    return ScoreView(lead.pk, record.total, record.fit, record.engagement, record.rules_version, record.computed_at,
                     _labelled(record.explanation, rules_parsed(record.rules_version)), predictions)


def predictive_latest(*, target: str) -> PredictiveModel | None:
    """The latest training attempt for `target`, trained or refused."""
    return PredictiveModel.objects.filter(target=target).order_by("-trained_at", "-id").first()


def predictive_in_force(*, target: str) -> PredictiveModel | None:
    return (PredictiveModel.objects.filter(target=target, status=PredictiveModel.Status.TRAINED)
            .order_by("-trained_at", "-id").first())


def lead_predictions(*, lead: Lead, top: int = 5) -> list[Prediction]:
    """The lead's probability under each trained model, with the features that moved it most."""
    out = []
    row = None
    for target in PredictiveModel.Target.values:
        record = predictive_in_force(target=target)
        if record is None:
            continue
        row = row or feature_rows([lead.pk])[lead.pk]
        model = model_from_json(record.model)
        factors = [{"feature": f.feature, "value": f.value, "contribution": round(f.contribution, 4)}
                   for f in model.top_factors(row, top)]
        out.append(Prediction(target, record.pk, float(model.probabilities([row])[0]), factors))
    return out


def predictive_top_leads(*, record: PredictiveModel, limit: int = 15, pool: int = 2000) -> list[dict[str, Any]]:
    """Among the most recent open leads, those the model rates highest, with their top factors."""
    ids = list(Lead.objects.filter(stage__in=OPEN_STAGES, merged_into__isnull=True).order_by("-id")
               .values_list("pk", flat=True)[:pool])
    if not ids:
        return []
    rows = feature_rows(ids)
    model = model_from_json(record.model)
    ordered = [pk for pk in ids if pk in rows]
    probabilities = model.probabilities([rows[pk] for pk in ordered])
    best = sorted(zip(ordered, probabilities, strict=True), key=lambda p: -p[1])[:limit]
    leads = Lead.objects.in_bulk([pk for pk, _ in best])
    return [{"lead": leads[pk], "probability": float(p), "factors": model.top_factors(rows[pk], 3)}
            for pk, p in best]


def predictive_coefficients(record: PredictiveModel) -> list[tuple[str, float]]:
    names, coefficients = record.model["encoder"]["names"], record.model["coefficients"]
    return sorted(zip(names, coefficients, strict=True), key=lambda p: -abs(p[1]))
