"""How the front door answers: JSON for programs, a small HTML page for people, CORS for embedding sites.

Errors keep the API's shape, {"detail", "field"}, and a browser that posted an HTML form gets
the same message as a page. Redirects go only to the sites in TANDEM_INTAKE_ORIGINS.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tandem.intake.rate_limit import Verdict
from tandem.leads.errors import LeadInvalid

CORS_HEADERS = "Content-Type, Idempotency-Key"


def origin_of(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}".lower()


def allowed_origins() -> set[str]:
    return {origin_of(o) for o in getattr(settings, "TANDEM_INTAKE_ORIGINS", [])} - {""}


def wants_html(request: HttpRequest) -> bool:
    """An HTML form post from a browser (not a script asking for JSON)."""
    kind = request.content_type or ""
    is_form = kind in ("application/x-www-form-urlencoded", "multipart/form-data")
    return is_form and "application/json" not in request.headers.get("Accept", "")


def redirect_target(requested: str) -> str:
    """Where to send the browser after an HTML post: `requested` if on an allowed site, else the default."""
    if not requested:
        return getattr(settings, "TANDEM_INTAKE_THANK_YOU_URL", "") or ""
    if origin_of(requested) not in allowed_origins():
        raise LeadInvalid("redirect_to: only to the sites listed in TANDEM_INTAKE_ORIGINS", field="redirect_to")
    return requested


def with_cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    origin = origin_of(request.headers.get("Origin", ""))
    if origin and origin in allowed_origins():
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Expose-Headers"] = "Retry-After, Idempotent-Replayed"
    response["Vary"] = "Origin"
    return response


def preflight(request: HttpRequest) -> HttpResponse:
    response = with_cors(request, HttpResponse(status=204))
    if response.has_header("Access-Control-Allow-Origin"):
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = CORS_HEADERS
        response["Access-Control-Max-Age"] = "86400"
    return response


def problem(request: HttpRequest, status: int, detail: str, field: str | None = None, *,
            html: bool = False, **extra) -> HttpResponse:
    if html:
        return render(request, "intake/problem.html", {"detail": detail, "field": field, "status": status},
                      status=status)
    return JsonResponse({"detail": detail, "field": field, **extra}, status=status)


def too_large(request: HttpRequest) -> HttpResponse | None:
    """413 before anything reads the body, when Content-Length is over TANDEM_INTAKE_MAX_BODY."""
    limit = settings.TANDEM_INTAKE_MAX_BODY
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return problem(request, 400, "Content-Length is not a number")
    if length > limit:
        return problem(request, 413, f"the body is {length} bytes; at most {limit} are accepted",
                       html=wants_html(request))
    return None


def too_many(request: HttpRequest, verdict: Verdict) -> HttpResponse:
    response = problem(request, 429, f"too many requests: at most {verdict.limit} per window; retry in "
                       f"{verdict.retry_after} s", html=wants_html(request), retry_after=verdict.retry_after)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def received(request: HttpRequest, *, html: bool, redirect: str) -> HttpResponse:
    """The answer to a good form post (and, identically, to a bot that filled the honeypot)."""
    if html and redirect:
        response = HttpResponse(status=303)
        response["Location"] = redirect
        return response
    if html:
        return render(request, "intake/thanks.html", status=201)
    return JsonResponse({"status": "received"}, status=201)
