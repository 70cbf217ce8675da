"""Loading what the scoring core needs: fit fields of leads (and their accounts) and their touches.

One query shape serves both one lead and a chunk of many, so a lead scored alone and in a
bulk pass sees exactly the same values. Fit field names are the ones rules may use:
lead fields, `employees`/`industry`/`segment` of the lead's account, and `account.<field>`.
`country` is the lead's country, or its account's when the lead has none.

Engagement counts the touches since the lead last entered a stage in `RESTART_STAGES`
(Recycled): a recycled lead starts its engagement afresh, so it re-qualifies on new interest,
not on the interest it was rejected with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db.models import F, Max, Min, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce, NullIf

from tandem.campaigns.models import Campaign
from tandem.core.scoring import Column, NumberColumn, Rulebook, TextColumn, Touch, TouchArrays
from tandem.leads.models import Lead, StageEvent
from tandem.scoring.epoch import EpochMicros, EpochSeconds
from tandem.scoring.models import LeadScore
from tandem.touchpoints.models import Touchpoint

#: Fit fields rules may name -> (ORM expression, is a number)
FIELDS: dict[str, tuple[Any, bool]] = {
    "title": (F("title"), False),
    "first_name": (F("first_name"), False),
    "last_name": (F("last_name"), False),
    "email": (F("email"), False),
    "phone": (F("phone"), False),
    "country": (Coalesce(NullIf(F("country"), Value("")), F("account__country")), False),
    "source": (F("source"), False),
    "self_reported_source": (F("self_reported_source"), False),
    "origin": (F("origin"), False),
    "consent_status": (F("consent_status"), False),
    "lawful_basis": (F("lawful_basis"), False),
    "account": (F("account__name"), False),
    "employees": (F("account__employees"), True),
    "industry": (F("account__industry"), False),
    "segment": (F("account__segment"), False),
    "account.name": (F("account__name"), False),
    "account.domain": (F("account__domain"), False),
    "account.industry": (F("account__industry"), False),
    "account.employees": (F("account__employees"), True),
    "account.segment": (F("account__segment"), False),
    "account.country": (F("account__country"), False),
}


def unknown_fields(rules: Rulebook) -> list[str]:
    """Problems for fit rules naming a field Tandem cannot load, by path (``fit[3].field``)."""
    known = ", ".join(sorted(FIELDS))
    return [f"fit[{i}].field: unknown field {r.field!r} (use one of {known})"
            for i, r in enumerate(rules.fit) if r.field not in FIELDS]


def _aliases(rules: Rulebook) -> dict[str, str]:
    return {name: f"f{i}" for i, name in enumerate(sorted({r.field for r in rules.fit}))}


def lead_fields(lead_id: int, rules: Rulebook) -> dict[str, Any]:
    """The fit fields the rules read, for one lead."""
    aliases = _aliases(rules)
    row = (Lead.objects.filter(pk=lead_id).annotate(**{a: FIELDS[n][0] for n, a in aliases.items()})
           .values(*aliases.values()).get())
    return {name: row[alias] for name, alias in aliases.items()}


def _campaign_names() -> dict[int, str]:
    return dict(Campaign.objects.values_list("id", "name"))


RESTART_STAGES = ("recycled",)
_DAWN = datetime(1, 1, 1, tzinfo=UTC)


def engagement_since(*, lead_ids: Iterable[int] | None = None, lo: int | None = None,
                     hi: int | None = None) -> dict[int, int]:
    """Lead id -> the instant (epoch µs) it last entered a restart stage; leads never there are absent.

    Touches count when they happened strictly after that instant.
    """
    events = StageEvent.objects.filter(to_stage__in=RESTART_STAGES)
    if lead_ids is not None:
        events = events.filter(lead_id__in=list(lead_ids))
    if lo is not None:
        events = events.filter(lead_id__gte=lo, lead_id__lt=hi)
    return dict(events.values("lead_id").annotate(at=Max(EpochMicros("occurred_at"))).values_list("lead_id", "at"))


def lead_touches(lead_id: int) -> list[Touch]:
    """The lead's touches since it last entered a restart stage (one query)."""
    restart = (StageEvent.objects.filter(lead_id=lead_id, to_stage__in=RESTART_STAGES).order_by("-occurred_at")
               .values("occurred_at")[:1])
    rows = (Touchpoint.objects.filter(lead_id=lead_id, occurred_at__gt=Coalesce(Subquery(restart), Value(_DAWN)))
            .values_list("channel", "campaign__name", EpochSeconds("occurred_at")))
    return [Touch(datetime.fromtimestamp(at, UTC), channel, campaign) for channel, campaign, at in rows]


def _window_touches(lo: int, hi: int, since: dict[int, int]) -> list[tuple[int, str, int | None, int]]:
    """(lead id, channel, campaign id, epoch s) of the window's touches, without those before a restart."""
    touches = Touchpoint.objects.filter(lead_id__gte=lo, lead_id__lt=hi).order_by("lead_id")
    if not since:
        return list(touches.values_list("lead_id", "channel", "campaign_id", EpochSeconds("occurred_at")))
    rows = touches.values_list("lead_id", "channel", "campaign_id", EpochSeconds("occurred_at"),
                               EpochMicros("occurred_at"))
    return [r[:4] for r in rows if r[0] not in since or r[4] > since[r[0]]]


@dataclass(frozen=True)
class Chunk:
    """A run of leads in id order: their ids, current scores and stages, fit columns and touches, and their
    stored score records as (explanation JSON text, rules version) by lead id."""

    ids: np.ndarray
    scores: np.ndarray
    stages: list[str]
    columns: dict[str, Column]
    touches: TouchArrays
    stored: dict[int, tuple[str, int]]


def _column(values: Sequence[Any], numeric: bool) -> Column:
    if numeric:
        return NumberColumn(np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64))
    return TextColumn.encode(list(values))


def _touch_arrays(ids: np.ndarray, rows: list[tuple[int, str, int | None, int]],
                  campaigns: dict[int, str]) -> TouchArrays:
    if not rows:
        return TouchArrays(np.zeros(len(ids) + 1, np.int64), np.empty(0, np.int64), np.empty(0, np.int64),
                           np.empty(0, np.int64))
    lead_ids, channels, campaign_ids, at = zip(*rows, strict=True)
    position = np.searchsorted(ids, np.fromiter(lead_ids, np.int64, len(rows)))
    keep = (position < len(ids)) & (ids[np.minimum(position, len(ids) - 1)] == np.asarray(lead_ids))
    channel_index: dict[str, int] = {}
    channel_codes = np.fromiter((channel_index.setdefault(c, len(channel_index)) for c in channels), np.int64,
                                len(rows))
    campaign_names = tuple(campaigns.values())
    campaign_code = {cid: i for i, cid in enumerate(campaigns)}
    campaign_codes = np.fromiter((campaign_code.get(c, -1) if c else -1 for c in campaign_ids), np.int64, len(rows))
    counts = np.bincount(position[keep], minlength=len(ids))
    return TouchArrays(
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        channel_codes=channel_codes[keep], campaign_codes=campaign_codes[keep],
        at_s=np.fromiter(at, np.int64, len(rows))[keep], channels=tuple(channel_index), campaigns=campaign_names,
    )


def lead_chunks(rules: Rulebook, *, size: int = 50_000, lead_ids: Iterable[int] | None = None):
    """Yield Chunks of live (unmerged) leads in id order, by windows of `size` ids (each at most `size` leads).

    Windows of the primary key keep every query an index range scan, whatever the planner's
    statistics say; touches are loaded per window too.
    """
    aliases = _aliases(rules)
    campaigns = _campaign_names()
    leads = Lead.objects.filter(merged_into__isnull=True)
    if lead_ids is not None:
        leads = leads.filter(pk__in=list(lead_ids))
    bounds = leads.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return
    leads = leads.annotate(**{a: FIELDS[n][0] for n, a in aliases.items()})
    for lo in range(bounds["lo"], bounds["hi"] + 1, size):
        window = {"pk__gte": lo, "pk__lt": lo + size}
        rows = list(leads.filter(**window).order_by("pk").values_list("pk", "score", "stage", *aliases.values()))
        if not rows:
            continue
        ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        since = engagement_since(lo=lo, hi=lo + size)
        touch_rows = _window_touches(lo, lo + size, since)
        columns = {name: _column([r[3 + i] for r in rows], FIELDS[name][1]) for i, name in enumerate(aliases)}
        stored = {lead: (text, version) for lead, text, version in LeadScore.objects.filter(
            lead_id__gte=lo, lead_id__lt=lo + size).values_list("lead_id", Cast("explanation", TextField()),
                                                                "rules_version")}
        yield Chunk(ids, np.fromiter((r[1] for r in rows), np.int64, len(rows)), [r[2] for r in rows], columns,
                    _touch_arrays(ids, touch_rows, campaigns), stored)
