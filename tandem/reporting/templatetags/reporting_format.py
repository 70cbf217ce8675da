"""How report figures are shown on pages and in packs: shares as percentages, money with thousands, days."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()
DASH = "—"


@register.filter
def pct(value) -> str:
    """A fraction as a percentage with one decimal: 0.2534 -> 25.3%."""
    if value in (None, ""):
        return DASH
    return f"{float(value) * 100:.1f}%"


@register.filter
def num(value) -> str:
    if value in (None, ""):
        return DASH
    return f"{int(value):,}"


@register.filter
def money(value) -> str:
    """A decimal amount (as given by the serializer, a string) with thousands and cents: 12,000.50."""
    if value in (None, ""):
        return DASH
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


@register.filter
def money0(value) -> str:
    """Money rounded to whole units for tiles: 1,234,567."""
    if value in (None, ""):
        return DASH
    return f"{Decimal(str(value)):,.0f}"


@register.filter
def dec(value, places: int = 1) -> str:
    if value in (None, ""):
        return DASH
    return f"{float(value):,.{int(places)}f}"


@register.filter
def times(value) -> str:
    """A ratio as "3.2x"."""
    return DASH if value in (None, "") else f"{float(value):.1f}x"


ACRONYMS = {"cac": "CAC", "clv": "CLV", "roi": "ROI", "acv": "ACV", "sla": "SLA", "slas": "SLAs", "mql": "MQL",
            "mqls": "MQLs", "sal": "SAL", "sals": "SALs", "sql": "SQL", "sqls": "SQLs", "utm": "UTM", "p90": "P90",
            "id": "id"}


@register.filter
def words(name: str) -> str:
    """A column name for people: passed_on -> Passed on, cac -> CAC, roi_model -> ROI model."""
    parts = str(name).split("_")
    text = " ".join(ACRONYMS.get(p.lower(), p) for p in parts)
    return text[:1].upper() + text[1:]


@register.filter
def cell(value, column: str) -> str:
    """A table cell formatted by what its column holds (shares, money, days, counts)."""
    name = str(column)
    if value in (None, ""):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if any(k in name for k in ("share", "rate", "passed_on", "within")) and not name.endswith("_to_next_days"):
        return pct(value)
    if any(k in name for k in ("amount", "revenue", "cost", "cac", "clv", "acv", "deal", "quota", "pipeline",
                               "velocity", "remaining", "won_amount", "target")) and isinstance(value, str):
        return money(value)
    if isinstance(value, float):
        return dec(value, 2 if "coverage" in name or name in ("required", "roi") else 1)
    if isinstance(value, int):
        return num(value)
    return str(value)


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)


@register.simple_tag
def records(query: str, metric: str, **extra) -> str:
    """The URL of the records behind a figure: the filter's query, the metric and its options."""
    from urllib.parse import urlencode

    from django.urls import reverse

    params = urlencode({"metric": metric, **{k: v for k, v in extra.items() if v not in (None, "")}})
    return f"{reverse('reporting:records')}?{query}&{params}" if query else f"{reverse('reporting:records')}?{params}"


@register.simple_tag
def define(key: str) -> str:
    """A small link to a metric's definition on the Definitions page."""
    from django.urls import reverse
    from django.utils.html import format_html

    return format_html('<a class="def" href="{}#m-{}" title="How this is counted">?</a>', reverse("definitions"), key)
