"""The predictive score: history loaded from Tandem's own records, trained and evaluated by the core.

Outcomes (one per lead, its latest):

* target ``accepted``: Sales accepting a hand-off (tql → sal, positive); Sales rejecting it
  (tql → tal) or anyone recycling or disqualifying the lead after Marketing qualified it
  (from mql, tal, tql, sal or sql), negative. Decisions whose reason code is *procedural*
  (wrong territory, duplicate, existing customer, incomplete hand-off) say nothing about the
  lead and are left out: this is how rejection reasons feed back into scoring.
* target ``won``: opportunities closed won (positive) or lost (negative).

Features are what was known before the decision: country, industry, segment, source, origin,
seniority (from the title), employees and the number of Marketing touches before the decision.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

import numpy as np
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf

from tandem.audit.services import audit_record
from tandem.core import predictive
from tandem.core.predictive import Encoder, FeatureSpec, InsufficientHistory, Model
from tandem.leads.models import Lead, StageEvent
from tandem.opportunities.models import Opportunity
from tandem.scoring.epoch import EpochSeconds
from tandem.scoring.models import PredictiveModel
from tandem.taxonomy.selectors import taxonomy_current
from tandem.touchpoints.choices import MARKETING_CHANNELS
from tandem.touchpoints.models import Touchpoint

SPEC = FeatureSpec(numeric=("employees", "marketing_touches"),
                   categorical=("country", "industry", "segment", "source", "origin", "seniority"))
DECIDED_AFTER_MQL = ("mql", "tal", "tql", "sal", "sql")
MIN_PER_CLASS = 30
_C_LEVEL = ("chief", "ceo", "cto", "cfo", "coo", "cio", "cmo", "founder", "owner", "president")


def seniority(title: str | None) -> str | None:
    """A coarse level read from a job title: c-level, vp, director, manager, student or individual."""
    text = (title or "").casefold()
    if not text.strip():
        return None
    words = set(text.replace(",", " ").replace("/", " ").split())
    if "student" in text:
        return "student"
    if words & set(_C_LEVEL):
        return "c-level"
    if "vp" in words or "vice president" in text:
        return "vp"
    if words & {"head", "director"}:
        return "director"
    if words & {"manager", "lead"}:
        return "manager"
    return "individual"


def _procedural_codes() -> set[str]:
    _, taxonomy = taxonomy_current()
    return {r.code for r in taxonomy.reasons if r.procedural}


def outcomes(target: str) -> tuple[dict[int, bool], dict[int, int], Counter]:
    """Per lead: its outcome, the decision instant (epoch seconds), and the reasons counted as negatives."""
    if target == PredictiveModel.Target.WON:
        rows = (Opportunity.objects.filter(lead__isnull=False, outcome__in=["won", "lost"], closed_at__isnull=False)
                .order_by("closed_at").values_list("lead_id", "outcome", "reason_code", EpochSeconds("closed_at")))
        decided = {lead: (outcome == "won", at, reason) for lead, outcome, reason, at in rows}
    else:
        procedural = _procedural_codes()
        rows = (StageEvent.objects.filter(from_stage__in=DECIDED_AFTER_MQL,
                                          action__in=["accept", "reject", "recycle", "disqualify"])
                .exclude(action="accept", from_stage__in=["mql", "tal", "sal", "sql"])
                .exclude(reason_code__in=procedural)
                .order_by("occurred_at", "id")
                .values_list("lead_id", "action", "reason_code", EpochSeconds("occurred_at")))
        decided = {lead: (action == "accept", at, reason) for lead, action, reason, at in rows}
    labels = {lead: v[0] for lead, v in decided.items()}
    instants = {lead: v[1] for lead, v in decided.items()}
    reasons = Counter(v[2] or "(none)" for v in decided.values() if not v[0])
    return labels, instants, reasons


def feature_rows(lead_ids: list[int], before: dict[int, int] | None = None) -> dict[int, dict[str, Any]]:
    """Each lead's features; Marketing touches are counted before its decision instant when given."""
    rows = (Lead.objects.filter(pk__in=lead_ids)
            .annotate(c=Coalesce(NullIf(F("country"), Value("")), F("account__country")))
            .values_list("pk", "c", "account__industry", "account__segment", "source", "origin", "title",
                         "account__employees"))
    features = {pk: {"country": country or None, "industry": industry or None, "segment": segment or None,
                     "source": source or None, "origin": origin or None, "seniority": seniority(title),
                     "employees": employees, "marketing_touches": 0}
                for pk, country, industry, segment, source, origin, title, employees in rows}
    touches = (Touchpoint.objects.filter(lead_id__in=lead_ids, channel__in=list(MARKETING_CHANNELS))
               .values_list("lead_id", EpochSeconds("occurred_at")))
    for lead_id, at in touches:
        if lead_id in features and (before is None or at < before.get(lead_id, at + 1)):
            features[lead_id]["marketing_touches"] += 1
    return features


def model_to_json(model: Model) -> dict[str, Any]:
    return {"target": model.target, "intercept": model.intercept, "coefficients": list(model.coefficients),
            "l2": model.l2, "iterations": model.iterations, "positives": model.positives,
            "negatives": model.negatives,
            "encoder": {"numeric": [list(n) for n in model.encoder.numeric],
                        "categorical": [[name, list(levels), pooled] for name, levels, pooled in
                                        model.encoder.categorical],
                        "names": list(model.encoder.names)}}


def model_from_json(data: dict[str, Any]) -> Model:
    encoder = Encoder(numeric=tuple((n, float(m), float(s), bool(w)) for n, m, s, w in data["encoder"]["numeric"]),
                      categorical=tuple((n, tuple(levels), bool(p)) for n, levels, p in
                                        data["encoder"]["categorical"]),
                      names=tuple(data["encoder"]["names"]))
    return Model(data["target"], encoder, float(data["intercept"]), tuple(data["coefficients"]), float(data["l2"]),
                 int(data["iterations"]), int(data["positives"]), int(data["negatives"]))


def predictive_train(*, target: str = PredictiveModel.Target.ACCEPTED, by: Any = None,
                     min_per_class: int = MIN_PER_CLASS) -> PredictiveModel:
    """Train on the history; store the model and its held-out report, or the refusal with the counts."""
    if target not in PredictiveModel.Target.values:
        raise ValueError(f"target: must be one of {', '.join(PredictiveModel.Target.values)}")
    labels, instants, reasons = outcomes(target)
    lead_ids = sorted(labels)
    features = feature_rows(lead_ids, instants)
    lead_ids = [pk for pk in lead_ids if pk in features]
    rows, y = [features[pk] for pk in lead_ids], [labels[pk] for pk in lead_ids]
    rules_scores = np.array([s for _, s in sorted(Lead.objects.filter(pk__in=lead_ids).values_list("pk", "score"))],
                            dtype=np.float64)
    positives = sum(y)
    record = PredictiveModel(target=target, trained_by=by if getattr(by, "pk", None) else None,
                             examples=len(y), positives=positives, negatives=len(y) - positives)
    try:
        model, report = predictive.train_and_evaluate(rows, y, SPEC, rules_scores, target=target,
                                                      min_per_class=min_per_class)
    except InsufficientHistory as exc:
        record.status, record.message = PredictiveModel.Status.REFUSED, f"Not trained: {exc}."
    else:
        record.status = PredictiveModel.Status.TRAINED
        record.message = (f"Trained on {len(y)} leads ({positives} positive); held-out AUC {report.auc:.3f}"
                          + (f" against {report.rules_auc:.3f} for the rules score." if report.rules_auc is not None
                             else "."))
        record.model = model_to_json(model)
        record.report = {**asdict(report), "negative_reasons": dict(reasons.most_common()),
                         "features": {"numeric": list(SPEC.numeric), "categorical": list(SPEC.categorical)}}
    record.save(force_insert=True)
    audit_record(actor=by, action="scoring.predictive_train", obj=record,
                 changes={"status": [None, record.status], "examples": [None, record.examples]})
    return record
