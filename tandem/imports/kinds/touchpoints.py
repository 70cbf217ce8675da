"""Importing touchpoints: interactions of existing leads, with their original `occurred_at`.

Each row becomes one touchpoint with source "import" and external id "<file SHA-256>:<line>", the
natural key that keeps a re-run of the same file from adding anything twice. It is recorded now
(`recorded_at`) and happened when the file says (`occurred_at`, never in the future). It joins a
campaign named in the row (by name or utm_campaign), or the campaign whose utm_campaign it carries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import Any

from tandem.campaigns.models import Campaign
from tandem.imports import bulk
from tandem.imports.bulk import Encoded
from tandem.imports.cells import FieldError, parse_instant
from tandem.imports.kinds import lookups
from tandem.imports.kinds.base import ChunkResult, Context, KindSpec, RowParser
from tandem.touchpoints.choices import Channel, TouchSource
from tandem.touchpoints.models import Touchpoint

SPEC = KindSpec("touchpoints", frozenset({
    "lead_email", "lead_external_id", "lead_id", "channel", "occurred_at", "campaign", "utm_source", "utm_medium",
    "utm_campaign", "utm_term", "utm_content", "content_item", "actor", "opportunity_external_id", "click_ids",
    "properties", "external_id", "source"}),
    required=(("lead_email", "lead_external_id", "lead_id"), ("channel",), ("occurred_at",)),
    prefixes=("click:", "property:"))
CHANNELS = {**{v: v for v in Channel.values}, **{str(label).lower(): v for v, label in Channel.choices}}
TEXT = {"utm_source": 200, "utm_medium": 200, "utm_campaign": 200, "utm_term": 200, "utm_content": 200,
        "content_item": 200}
LEAD_CACHE_LIMIT = 200_000
EMPTY = Encoded("{}")


def _json_object(text: str, name: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        raise FieldError(name, "not a JSON object", text) from None
    if not isinstance(value, dict):
        raise FieldError(name, "not a JSON object", text)
    return value


def _campaigns(ctx: Context) -> dict[str, int]:
    if "campaigns" not in ctx.cache:
        index: dict[str, int] = {}
        for pk, name, utm in Campaign.objects.values_list("id", "name", "utm_campaign").order_by("-id"):
            index[f"name:{name.lower()}"] = pk
            if utm:
                index[f"utm:{utm.lower()}"] = pk
        ctx.cache["campaigns"] = index
    return ctx.cache["campaigns"]


def _leads(ctx: Context, rows: list[tuple[int, dict[str, str]]]) -> dict[tuple[str, str], tuple[int, int | None]]:
    cache: dict = ctx.cache.setdefault("leads", {})
    if len(cache) > LEAD_CACHE_LIMIT:
        cache.clear()
    wanted = {k for _, row in rows if (k := lookups.lead_key(row)) and k not in cache}
    cache.update(lookups.leads_by_key(ctx, wanted))
    return cache


def parse_row(ctx: Context, row: dict[str, str], lead: tuple[int, int | None] | None) -> tuple[dict, RowParser]:
    """One row as a touchpoint (every field error at once). Written for speed: it runs per row."""
    p = RowParser(row)
    get = row.get
    if lead is None:
        key = lookups.lead_key(row)
        p.error(key[0], f"no lead with {key[0].split('_', 1)[1]} {key[1]}", key[1])
    values: dict[str, Any] = {}
    for name, length in TEXT.items():
        text = get(name)
        if text:
            if len(text) > length:
                p.error(name, f"longer than {length} characters", text)
            values[name] = text
    channel = CHANNELS.get(get("channel", "").lower())
    if channel is None:
        p.error("channel", f"must be one of {', '.join(Channel.values)}", get("channel", ""))
    values["channel"] = channel
    at = p.get("occurred_at", partial(parse_instant, tz=ctx.tz, formats=ctx.date_formats))
    if at is not None and at > ctx.now:
        p.error("occurred_at", f"{at.isoformat()} is in the future", row["occurred_at"])
    values["occurred_at"] = at
    if ctx.cache.setdefault("json_fields", any(f.startswith(("click", "propert", "external")) for f in ctx.fields)):
        _json_fields(p, row, values)
    campaigns = _campaigns(ctx)
    named = get("campaign", "").lower()
    utm = get("utm_campaign", "").lower()
    campaign = (campaigns.get(f"name:{named}") or campaigns.get(f"utm:{named}")) if named else None
    values["campaign_id"] = campaign or (campaigns.get(f"utm:{utm}") if utm else None)
    if named and campaign is None:
        p.warnings.append(("campaign", "no campaign by this name or utm_campaign; imported without one",
                           row["campaign"]))
    actor = lookups.user_for(ctx, row["actor"]) if get("actor") else None
    if get("actor") and actor is None:
        p.warnings.append(("actor", "no active user by this name; recorded without one", row["actor"]))
    values["actor_id"] = actor.pk if actor else None
    if lead is not None:
        values["lead_id"], values["account_id"] = lead
    return values, p


def _json_fields(p: RowParser, row: dict[str, str], values: dict[str, Any]) -> None:
    clicks = p.get("click_ids", _json_object, {})
    clicks.update({n.split(":", 1)[1]: v for n, v in row.items() if n.startswith("click:")})
    properties = p.get("properties", _json_object, {})
    properties.update({n.split(":", 1)[1]: v for n, v in row.items() if n.startswith("property:")})
    if row.get("external_id"):
        properties["source_external_id"] = row["external_id"]
    values.update(click_ids=clicks or EMPTY, properties=properties or EMPTY)


def process(ctx: Context, rows: list[tuple[int, dict[str, str]]]) -> ChunkResult:
    """Resolve the chunk's leads and opportunities (a query each), then stream the valid rows to the database."""
    result = ChunkResult()
    leads = _leads(ctx, rows)
    opportunities = lookups.opportunities_by_key(
        ctx, [row["opportunity_external_id"] for _, row in rows if row.get("opportunity_external_id")])
    done: set[str] = set()
    if ctx.retrying:  # the unique (source, external_id) refused a row: find which are there already
        done = {e for (e,) in lookups.select_in(Touchpoint, "external_id", "external_id",
                                                [f"{ctx.sha256}:{line}" for line, _ in rows],
                                                where=f" AND source = '{TouchSource.IMPORT}'")}
    _campaigns(ctx), lookups.users(ctx)  # load now: no query may run while the rows stream (COPY)
    written = bulk.table(Touchpoint).write(_tuples(ctx, result, rows, leads, opportunities, done), with_id=False)
    result.counts["touchpoints"] += written
    return result


def _tuples(ctx: Context, result: ChunkResult, rows: list[tuple[int, dict[str, str]]], leads: dict,
            opportunities: dict, done: set[str]) -> Iterator[tuple]:
    make = bulk.table(Touchpoint).row_maker()
    fixed = {"recorded_at": ctx.now, "source": TouchSource.IMPORT}
    days = result.days
    for line, row in rows:
        external = f"{ctx.sha256}:{line}"
        if external in done:
            result.skip(line, "", "already imported from this file")
            continue
        values, p = parse_row(ctx, row, leads.get(lookups.lead_key(row)))
        opportunity = opportunities.get(row["opportunity_external_id"]) if "opportunity_external_id" in row else None
        if "opportunity_external_id" in row and opportunity is None:
            p.warnings.append(("opportunity_external_id", "no such opportunity; imported without one",
                               row["opportunity_external_id"]))
        if p.errors:
            result.fail(line, p.errors)
            continue
        for name, message, value in p.warnings:
            result.warn(line, name, message, value)
        values.update(fixed, external_id=external, opportunity_id=opportunity[0] if opportunity else None)
        days.add(values["occurred_at"].date())
        result.ok(line)
        yield make(values)
