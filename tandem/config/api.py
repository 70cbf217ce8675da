"""The one NinjaAPI: every router, the error format, and the OpenAPI schema at /api/v1/openapi.json."""

from __future__ import annotations

import importlib
import importlib.util

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tandem.clock import ClockRefused
from tandem.core.lifecycle import CriteriaNotMet, MoveRefused, NotPermitted
from tandem.core.taxonomy import TaxonomyInvalid
from tandem.leads.errors import DuplicateLead, LeadError
from tandem.people.auth import api_auth

api = NinjaAPI(
    title="Tandem API",
    version="1",
    description="One lead funnel, one rulebook, one set of numbers. Authenticate with `Authorization: Bearer "
    "<token>` (create tokens on the API tokens page or with `tandem token create`).",
    auth=api_auth,
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, detail: str, field: str | None = None, **extra) -> HttpResponse:
    body = {"detail": detail, "field": field, **extra}
    return api.create_response(request, body, status=status)


def _field_of(loc: list) -> str | None:
    """("body", "payload", "email") -> "email"; ("query", "limit") -> "limit"; items keep their index."""
    parts = [str(p) for p in loc[1:]]
    if len(parts) > 1 and parts[0] in ("payload", "filters", "query", "data"):
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(ValidationError)
def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _field_of(e.get("loc", [])), "message": e.get("msg", "")} for e in exc.errors]
    first = errors[0] if errors else {"field": None, "message": "invalid input"}
    return _error(request, 422, f"{first['field']}: {first['message']}", first["field"], errors=errors)


@api.exception_handler(LeadError)
def on_lead_error(request: HttpRequest, exc: LeadError) -> HttpResponse:
    extra = {"existing_id": exc.existing_id} if isinstance(exc, DuplicateLead) else {}
    return _error(request, exc.status, str(exc), exc.field, **extra)


@api.exception_handler(MoveRefused)
def on_move_refused(request: HttpRequest, exc: MoveRefused) -> HttpResponse:
    status = 403 if isinstance(exc, NotPermitted) else 422
    extra = {"criteria": [r.as_dict() for r in exc.results]} if isinstance(exc, CriteriaNotMet) else {}
    return _error(request, status, str(exc), exc.field, **extra)


@api.exception_handler(TaxonomyInvalid)
def on_taxonomy_invalid(request: HttpRequest, exc: TaxonomyInvalid) -> HttpResponse:
    return _error(request, 422, str(exc), "document", problems=exc.problems)


@api.exception_handler(ClockRefused)
def on_clock_refused(request: HttpRequest, exc: ClockRefused) -> HttpResponse:
    return _error(request, 403, str(exc), "at")


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "forbidden")


@api.exception_handler(ObjectDoesNotExist)
def on_missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return _error(request, 404, "not found")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "authentication required: send a valid token as 'Authorization: Bearer …'")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(ValueError)
def on_value_error(request: HttpRequest, exc: ValueError) -> HttpResponse:
    message = str(exc)
    field = message.split(":", 1)[0] if ":" in message and " " not in message.split(":", 1)[0] else None
    return _error(request, 422, message, field)


#: URL prefix -> the app whose `api.router` serves it. An app without an api module is skipped.
ROUTERS = {
    "/leads": "leads", "/accounts": "accounts", "/opportunities": "opportunities", "/taxonomy": "taxonomy",
    "/audit": "audit", "": "people", "/touchpoints": "touchpoints", "/campaigns": "campaigns", "/intake": "intake",
    "/identity": "identity", "/imports": "imports", "/scoring": "scoring", "/routing": "routing", "/sla": "sla",
    "/notifications": "notifications", "/attribution": "attribution", "/goals": "goals", "/reports": "reporting",
}


def _register() -> None:
    for prefix, app in ROUTERS.items():
        module = f"tandem.{app}.api"
        if importlib.util.find_spec(module) is not None:
            api.add_router(prefix, importlib.import_module(module).router)


_register()
