"""The public front door over HTTP: the web form (no login) and the signed webhook.

Order of checks on the form: body size (413, before reading it) → rate limit per client
address (429 + Retry-After) → parse → honeypot (answer as if received, store nothing) →
fields (422) → Idempotency-Key → store. On the webhook: size → signature (401, nothing
written) → fields → Idempotency-Key → store. See docs/intake.md.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError

from tandem import clock
from tandem.intake import responses
from tandem.intake.client_address import client_address
from tandem.intake.idempotency import idempotent, rendered
from tandem.intake.rate_limit import rate_limit_hit
from tandem.intake.schemas import HONEYPOT, FormAck, FormIn, WebhookIn, WebhookOut, lift_click_ids
from tandem.intake.services import intake_receive
from tandem.intake.signatures import HEADER, SignatureInvalid, verify
from tandem.leads.errors import LeadError
from tandem.touchpoints.choices import TouchSource

router = Router(tags=["intake"])


class BadBody(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status


def _parse(request: HttpRequest) -> dict[str, Any]:
    kind = request.content_type or ""
    if kind == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadBody(400, f"the body is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise BadBody(422, "the body must be a JSON object")
        return data
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.POST.dict()
    raise BadBody(415, "send application/x-www-form-urlencoded, multipart/form-data or application/json")


def _first_error(exc: ValidationError) -> tuple[str | None, str, list[dict]]:
    errors = [{"field": ".".join(str(p) for p in e["loc"]) or None, "message": e["msg"].removeprefix("Value error, ")}
              for e in exc.errors()]
    first = errors[0]
    return first["field"], f"{first['field']}: {first['message']}", errors


def _form_body(json_schema: dict) -> dict:
    return {"requestBody": {"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": json_schema}, "application/json": {"schema": json_schema}}}}


@router.post("/form", auth=None, response={201: FormAck, 303: None},
             summary="Public web form: a person sends their details (no login; HTML form post or JSON)",
             openapi_extra=_form_body(FormIn.model_json_schema()))
def intake_form(request: HttpRequest):
    refused = responses.too_large(request)
    if refused is not None:
        return responses.with_cors(request, refused)
    address, html = client_address(request), responses.wants_html(request)
    verdict = rate_limit_hit(bucket=f"form:{address}")
    if not verdict.allowed:
        return responses.with_cors(request, responses.too_many(request, verdict))
    try:
        raw = _parse(request)
        if str(raw.get(HONEYPOT) or "").strip():
            redirect = responses.redirect_target("") if html else ""
            return responses.with_cors(request, responses.received(request, html=html, redirect=redirect))
        payload = FormIn.model_validate(lift_click_ids(raw))
        redirect = responses.redirect_target(payload.redirect_to) if html else ""

        def run() -> HttpResponse:
            intake_receive(submission=payload.submission(properties=payload.properties()),
                           source=TouchSource.WEB_FORM)
            return responses.received(request, html=html, redirect=redirect)

        response = idempotent(request, scope=f"form:{address}", run=run)
    except BadBody as exc:
        response = responses.problem(request, exc.status, str(exc), html=html)
    except ValidationError as exc:
        field, detail, errors = _first_error(exc)
        response = responses.problem(request, 422, detail, field, html=html, errors=errors)
    except LeadError as exc:
        response = responses.problem(request, exc.status, str(exc), exc.field, html=html)
    return responses.with_cors(request, response)


@router.api_operation(["OPTIONS"], "/form", auth=None, response={204: None},
                      summary="CORS preflight for sites in TANDEM_INTAKE_ORIGINS that post JSON with fetch()")
def intake_form_preflight(request: HttpRequest):
    return responses.preflight(request)


@router.post("/webhook", auth=None, response={200: WebhookOut, 201: WebhookOut},
             summary="Signed webhook: another system delivers a person and an interaction",
             description=f"Sign with `{HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + '.' + raw body)>`. "
             "Stale (more than 300 s), missing or bad signatures get 401 and nothing is written. "
             "201 when the delivery created a lead, 200 when the person was known (or the external_id seen).",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": WebhookIn.model_json_schema()}}}})
def intake_webhook(request: HttpRequest):
    refused = responses.too_large(request)
    if refused is not None:
        return refused
    try:
        verify(request.headers.get(HEADER), request.body, list(settings.TANDEM_WEBHOOK_SECRETS),
               now=clock.now().timestamp())
    except SignatureInvalid as exc:
        return JsonResponse({"detail": str(exc), "field": HEADER}, status=401)
    try:
        raw = _parse(request)
        payload = WebhookIn.model_validate(lift_click_ids(raw))
    except BadBody as exc:
        return JsonResponse({"detail": str(exc), "field": None}, status=exc.status)
    except ValidationError as exc:
        raise NinjaValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc

    def run() -> HttpResponse:
        fields = {"channel": payload.channel.value, "occurred_at": payload.occurred_at,
                  "external_id": payload.external_id, "properties": payload.properties}
        result = intake_receive(submission=payload.submission(**fields), source=TouchSource.WEBHOOK)
        body = {"lead_id": result.lead.pk, "touchpoint_id": result.touchpoint.pk,
                "lead_created": result.lead_created, "duplicate": result.duplicate}
        return rendered(request, body, status=201 if result.lead_created else 200)

    return idempotent(request, scope="webhook", run=run)
