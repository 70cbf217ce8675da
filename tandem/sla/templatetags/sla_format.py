"""Display of SLA figures: business hours as "3 h 20 min", shares as percentages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def hours(value: float | None) -> str:
    """Business hours (a float) as "3 h 20 min", "45 min" or "—"."""
    if value is None:
        return "—"
    minutes = round(float(value) * 60)
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if m else f"{h} h"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{float(value) * 100:.0f}%"


@register.filter
def minutes_as_hours(value: int) -> str:
    """A policy's business minutes, as the business hours they are."""
    return hours(int(value) / 60)


@register.filter
def status_words(value: str) -> str:
    """A status code for people: at_risk -> At risk."""
    text = str(value or "").replace("_", " ")
    return text[:1].upper() + text[1:]
