"""What changed in the ledger since the rollups last read it, and so which days to re-aggregate.

Change feeds, each read by id past its watermark (ids are indexed, so a scan is cheap):

* stage events: a new event at instant t changes its lead's rows from t's day on; an event
  appended after the lead's others changes only its own day. Ids missing below the head when it
  was read (a transaction not yet committed, on PostgreSQL) are kept as gaps and looked at again,
  so an event that commits late is not missed;
* merges (tandem.identity): the loser's events moved to the survivor keep their ids, so the
  merge record says which lead's days to re-aggregate (all the survivor's days);
* assignments, audit entries (lead, account and opportunity edits) and touchpoints: a lead's
  dimension values may have changed (owner, source, segment, first touch …); its rows are then
  moved from the old values to the new ones without re-aggregating its days;
* days noted by imports through the hook (DirtyDay).
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Max

from tandem import clock
from tandem.audit.models import AuditEntry
from tandem.leads.models import Assignment, Lead, StageEvent
from tandem.opportunities.models import Opportunity
from tandem.reporting.fetch import event_days
from tandem.reporting.id_lists import id_chunks, in_q
from tandem.reporting.models import DirtyDay, RollupFill
from tandem.touchpoints.models import Touchpoint

GAP_WINDOW = 200_000  # in-flight transactions only hold recent ids: look for gaps among the last ones
GAP_TTL = timedelta(hours=1)  # a gap still empty after this is a rolled-back transaction, not a late one


def merge_model():
    """tandem.identity's MergeRecord, when that app provides it."""
    if importlib.util.find_spec("tandem.identity.models") is None:
        return None
    from tandem.identity import models as identity_models

    return getattr(identity_models, "MergeRecord", None)


@dataclass
class Watermarks:
    event_id: int = 0
    gaps: list[list] = field(default_factory=list)
    merge_id: int = 0
    assignment_id: int = 0
    audit_id: int = 0
    touch_id: int = 0

    def as_json(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict) -> Watermarks:
        return cls(**data)

    @classmethod
    def of(cls, fill: RollupFill) -> Watermarks:
        return cls(fill.event_id, list(fill.gaps or []), fill.merge_id, fill.assignment_id, fill.audit_id,
                   fill.touch_id)

    def heads(self) -> tuple:
        """What says whether anything moved: every feed's head (gaps aside)."""
        return self.event_id, self.merge_id, self.assignment_id, self.audit_id, self.touch_id


def watermarks_now() -> Watermarks:
    """The current head of every feed (read before the data, so nothing written meanwhile is skipped)."""
    def top(model) -> int:
        return model.objects.aggregate(top=Max("id"))["top"] or 0

    merges = merge_model()
    return Watermarks(event_id=top(StageEvent), merge_id=top(merges) if merges else 0,
                      assignment_id=top(Assignment), audit_id=top(AuditEntry), touch_id=top(Touchpoint))


def missing_ranges(present: list[int], low: int, high: int) -> list[list[int]]:
    """The ranges of ids in (low, high] that are not in `present` (sorted)."""
    ranges, expected = [], low + 1
    for i in present:
        if i > expected:
            ranges.append([expected, i - 1])
        expected = max(expected, i + 1)
    if expected <= high:
        ranges.append([expected, high])
    return ranges


def gaps_after(old: Watermarks, head: Watermarks) -> tuple[list[tuple[int, datetime]], list[list]]:
    """Events that committed into an old gap (late), and the gaps still open below the new head."""
    now = clock.now()
    late: list[tuple[int, datetime]] = []
    still: list[list] = []
    for first, last, noted in old.gaps:
        rows = list(StageEvent.objects.filter(id__gte=first, id__lte=last).order_by("id")
                    .values_list("id", "lead_id", "occurred_at"))
        late += [(lead, at) for _, lead, at in rows]
        if datetime.fromisoformat(noted) > now - GAP_TTL:
            still += [[a, b, noted] for a, b in missing_ranges([r[0] for r in rows], first - 1, last)]
    low = max(old.event_id, head.event_id - GAP_WINDOW)
    present = list(StageEvent.objects.filter(id__gt=low, id__lte=head.event_id).order_by("id")
                   .values_list("id", flat=True))
    still += [[a, b, now.isoformat()] for a, b in missing_ranges(present, low, head.event_id)]
    return late, still


@dataclass
class Plan:
    days: set[date] = field(default_factory=set)
    deal_days: set[date] = field(default_factory=set)
    dim_candidates: set[int] = field(default_factory=set)
    dirty: list[date] = field(default_factory=list)


def _new_events(old: Watermarks, head: Watermarks) -> list[tuple[int, datetime]]:
    fresh = list(StageEvent.objects.filter(id__gt=old.event_id, id__lte=head.event_id)
                 .values_list("lead_id", "occurred_at"))
    late, head.gaps = gaps_after(old, head)
    return fresh + late


def _audited(old: Watermarks, head: Watermarks) -> dict[str, set[int]]:
    touched: dict[str, set[int]] = defaultdict(set)
    rows = AuditEntry.objects.filter(id__gt=old.audit_id, id__lte=head.audit_id,
                                     object_type__in=("lead", "account", "opportunity")) \
        .values_list("object_type", "object_id")
    for kind, object_id in rows:
        if object_id.isdigit():
            touched[kind].add(int(object_id))
    return touched


def plan_changes(old: Watermarks, head: Watermarks) -> Plan:
    """Days to re-aggregate and leads whose dimensions may have changed, between two sets of watermarks."""
    plan = Plan()
    earliest: dict[int, datetime] = {}
    for lead_id, at in _new_events(old, head):
        earliest[lead_id] = min(at, earliest.get(lead_id, at))
    plan.days |= event_days(earliest, since=earliest)
    plan.dim_candidates |= set(earliest)
    merges = merge_model()
    if merges is not None:
        pairs = merges.objects.filter(id__gt=old.merge_id, id__lte=head.merge_id, kind="lead") \
            .values_list("survivor_id", "loser_id")
        survivors = {s for s, _ in pairs}
        plan.days |= event_days(survivors)
        plan.dim_candidates |= survivors | {loser for _, loser in pairs}
    plan.dim_candidates |= set(Assignment.objects.filter(id__gt=old.assignment_id, id__lte=head.assignment_id)
                               .values_list("lead_id", flat=True))
    plan.dim_candidates |= set(Touchpoint.objects.filter(id__gt=old.touch_id, id__lte=head.touch_id)
                               .values_list("lead_id", flat=True))
    audited = _audited(old, head)
    plan.dim_candidates |= audited["lead"]
    if audited["account"]:
        plan.dim_candidates |= set(Lead.objects.filter(account_id__in=audited["account"]).values_list("id", flat=True))
    changed_opps = Opportunity.objects.filter(id__in=audited["opportunity"]) | \
        Opportunity.objects.filter(account_id__in=audited["account"])
    plan.deal_days |= {at.astimezone(UTC).date() for at in changed_opps.exclude(closed_at=None)
                       .values_list("closed_at", flat=True)}
    plan.dirty = list(DirtyDay.objects.values_list("day", flat=True))
    plan.days |= set(plan.dirty)
    plan.deal_days |= set(plan.dirty)
    return plan


def deal_days_of_leads(lead_ids: set[int]) -> set[date]:
    """Closing days of these leads' opportunities (their lead-derived dimensions changed)."""
    days: set[date] = set()
    for chunk in id_chunks(lead_ids):
        days |= {at.astimezone(UTC).date() for at in Opportunity.objects.filter(in_q("lead_id", chunk))
                 .exclude(closed_at=None).values_list("closed_at", flat=True)}
    return days
