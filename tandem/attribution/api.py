"""Attribution over HTTP: `GET /attribution` returns the report the Attribution page shows.

The body is the report's JSON text exactly as `tandem attribution --from … --to … --json` prints it
(both go through tandem.attribution.services.attribution_result and the one serializer);
`X-Tandem-Cache: hit` says it came from the cache.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from tandem.attribution.query import attribution_query
from tandem.attribution.services import attribution_result
from tandem.people.access import require_permission

router = Router(tags=["attribution"])


class AttributionQueryIn(Schema):
    level: str = Field("sourced", description="sourced (leads created), pipeline (opportunities created) or "
                                              "revenue (opportunities won).")
    dimension: str = Field("channel", description="channel, campaign or content.")
    from_: str | None = Field(None, alias="from", description="First UTC day, YYYY-MM-DD (inclusive).")
    to: str | None = Field(None, description="Last UTC day, YYYY-MM-DD (inclusive).")
    period: str | None = Field(None, description="Or a period: 2026-Q1, 2026-03, 2026 (default: this quarter).")
    segment: str | None = Field(None, description="Account segment: smb, mid or enterprise (default: all).")
    models: str | None = Field(None, description="Comma-separated model names (default: the nine main models).")
    include_rep_activity: bool = Field(False, description="Count calls, emails and meetings made by reps.")
    lookback_days: int | None = Field(None, description="Touches older than this before a conversion are "
                                                        "ignored (default 365).")
    half_life_hours: float | None = Field(None, description="Time decay half-life (default 168).")
    order: int | None = Field(None, description="Markov chain order, 1–4 (default 1).")
    currency: str | None = Field(None, description="Count only conversions in this currency (needed when "
                                                   "the period has several).")


class CellOut(Schema):
    conversions: float
    share: float
    value: str = Field(..., description="Decimal, in the report currency, to the cent.")
    removal_effect: float | None = None
    standard_error: float | None = None


class RowOut(Schema):
    key: str
    label: str
    credit: dict[str, CellOut]


class ModelOut(Schema):
    key: str
    label: str
    explanation: str
    note: str
    skipped: str | None


class AttributionOut(Schema):
    level: dict
    dimension: dict
    period: dict
    segment: str | None
    options: dict
    currency: str | None
    other_currencies: dict[str, int]
    totals: dict
    untouched: dict
    models: list[ModelOut]
    rows: list[RowOut]
    self_reported: dict


@router.get("", response={200: AttributionOut}, summary="Credit by channel, campaign or content under each model")
def get_attribution(request: HttpRequest, q: Query[AttributionQueryIn]):
    require_permission(request.auth, "attribution.view")
    query = attribution_query(level=q.level, dimension=q.dimension, start=q.from_, end=q.to, period=q.period,
                              segment=q.segment, models=q.models, include_rep_activity=q.include_rep_activity,
                              lookback_days=q.lookback_days, half_life_hours=q.half_life_hours, order=q.order,
                              currency=q.currency)
    report = attribution_result(query=query)
    response = HttpResponse(report.text, content_type="application/json")
    response["X-Tandem-Cache"] = "hit" if report.cached else "miss"
    return response
