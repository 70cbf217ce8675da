"""Importing merges: (loser key, survivor key, at), carried out by the identity service in file order.

The merge itself (moving touchpoints, stage events, opportunities, notes and consent to the
survivor) belongs to tandem.identity.services.lead_merge. While that service is not installed,
valid rows wait: the job stops before the first of them with status "waiting", each reported,
and running the job again later resumes there. A pair already merged is skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import transaction

from tandem.clock import ClockRefused
from tandem.imports.cells import FieldError, parse_instant
from tandem.imports.kinds import lookups
from tandem.imports.kinds.base import ChunkResult, Context, KindSpec, RowParser
from tandem.leads.errors import LeadError
from tandem.leads.models import Lead

SPEC = KindSpec("merges", frozenset({"loser_email", "loser_external_id", "loser_id", "survivor_email",
                                     "survivor_external_id", "survivor_id", "at"}),
                required=(("loser_email", "loser_external_id", "loser_id"),
                          ("survivor_email", "survivor_external_id", "survivor_id")))
WAITING = "waiting for the identity service (tandem.identity.services.lead_merge is not installed yet)"


def merge_service() -> Callable[..., Any] | None:
    """tandem.identity.services.lead_merge, or None while it does not exist."""
    try:
        return importlib.import_module("tandem.identity.services").lead_merge
    except (ImportError, AttributeError):
        return None


def process(ctx: Context, rows: list[tuple[int, dict[str, str]]]) -> ChunkResult:
    result = ChunkResult()
    keys = {line: (lookups.lead_key(row, "loser"), lookups.lead_key(row, "survivor")) for line, row in rows}
    ids = lookups.lead_ids_by_key(ctx, [k for pair in keys.values() for k in pair if k])
    leads = Lead.objects.in_bulk(set(ids.values()))
    merge = merge_service()
    for line, row in rows:
        p = RowParser(row)
        at = p.get("at", partial(parse_instant, tz=ctx.tz, formats=ctx.date_formats))
        if at is not None and at > ctx.now:
            p.error("at", f"{at.isoformat()} is in the future", row["at"])
        found = []
        for role, key in zip(("loser", "survivor"), keys[line], strict=True):
            lead = leads.get(ids.get(key)) if key else None
            if lead is None and key:
                p.error(key[0].replace("lead", role, 1), f"no lead with {key[0].split('_', 1)[1]} {key[1]}", key[1])
            found.append(lead)
        loser, survivor = found
        if loser is not None and loser == survivor:
            p.error("survivor_email", "the loser and the survivor are the same lead")
        if p.errors:
            result.fail(line, p.errors)
        elif loser.merged_into_id is not None:
            result.skip(line, "loser", f"already merged into lead {loser.merged_into_id}")
        elif merge is None:
            result.wait(line, "", WAITING)
        else:
            _merge(ctx, result, merge, line, loser=loser, survivor=survivor, at=at)
    return result


def _merge(ctx: Context, result: ChunkResult, merge: Callable[..., Any], line: int, *, loser: Lead,
           survivor: Lead, at: Any) -> None:
    try:
        with transaction.atomic():
            merge(survivor=survivor, loser=loser, by=ctx.by, at=at)
    except (LeadError, PermissionDenied, ValueError, ObjectDoesNotExist, ClockRefused) as exc:
        result.fail(line, [_error(exc)])
        return
    result.counts["merges"] += 1
    result.days.add((at or ctx.now).date())
    result.ok(line)


def _error(exc: Exception) -> FieldError:
    return FieldError(getattr(exc, "field", None) or "loser", str(exc))
