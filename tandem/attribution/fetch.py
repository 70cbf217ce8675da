"""Loading the ledger for attribution: touch rows and journey ends as numpy arrays.

Load, then compute: each loader is one query read with `values_list` into flat int64 arrays
(instants are whole epoch seconds computed by the database, label codes are computed by the
database where it can), never model instances. Money stays Decimal here; the engine gets floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import chain

import numpy as np
from django.db import connection
from django.db.models import BigIntegerField, Case, Expression, F, Func, Max, Min, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce

from tandem.campaigns.models import Campaign
from tandem.leads.models import Lead
from tandem.opportunities.models import Opportunity
from tandem.touchpoints.choices import REAL_TOUCH_CHANNELS, Channel
from tandem.touchpoints.models import Touchpoint

CHUNK = 20_000
ID_CHUNK = 250_000
CASE_MAX = 300  # content items numbered by the database up to this many distinct values
NO_CAMPAIGN = "(no campaign)"
NO_CONTENT = "(no content item)"


class EpochSeconds(Func):
    """A datetime column as whole seconds since the Unix epoch (UTC), floored, computed by the database."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
                           **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)",
                           **extra)


def int_rows(queryset: QuerySet, *columns: str | Expression, ids: tuple[int | None, int | None] | None = None
             ) -> np.ndarray:
    """Integer columns (field names or expressions, never NULL) of the rows as an (n, k) int64 array.

    The database reads the rows a chunk of ids at a time, in id order (SQLite left to itself would
    walk the occurred_at index and fetch rows at random), and joins each chunk's values into one
    text (group_concat, string_agg) that numpy parses: no Python object is made per row. Rows come
    in no particular order. `ids` bounds the ids read (default: the lowest and highest id the
    queryset selects). Other databases: plain `values_list`.
    """
    names = tuple(f"c{i}" for i in range(len(columns)))
    queryset = queryset.annotate(**{name: Cast(F(c) if isinstance(c, str) else c, BigIntegerField())
                                    for name, c in zip(names, columns, strict=True)})
    if connection.vendor not in ("sqlite", "postgresql"):
        flat = np.fromiter(chain.from_iterable(queryset.values_list(*names).iterator(chunk_size=CHUNK)),
                           dtype=np.int64)
        return flat.reshape(-1, len(names))
    low, high = ids if ids is not None else queryset.aggregate(low=Min("id"), high=Max("id")).values()
    if low is None or high is None:
        return np.zeros((0, len(names)), dtype=np.int64)
    joined = " || ',' || ".join(f"COALESCE(CAST(\"{n}\" AS TEXT), 'NULL')" for n in names)
    gather = f"string_agg({joined}, ',')" if connection.vendor == "postgresql" else f"group_concat({joined}, ',')"
    parts = []
    with connection.cursor() as cursor:
        for first in range(low - 1, high, ID_CHUNK):
            chunk = queryset.filter(id__gt=first, id__lte=first + ID_CHUNK).values_list(*names)
            sql, params = chunk.query.sql_with_params()
            cursor.execute(f"SELECT {gather} FROM ({sql}) AS chunk", params)  # noqa: S608 - names from the code
            text = cursor.fetchone()[0]
            if text and "NULL" in text:
                raise ValueError("attribution: a column came back NULL")
            if text:
                parts.append(np.fromstring(text, dtype=np.int64, sep=","))
    flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return flat.reshape(-1, len(names))


@dataclass(frozen=True, eq=False)
class TouchRows:
    """Touches in load order: lead ids, epoch seconds and a code into `keys` / `labels` (display names)."""

    lead: np.ndarray
    at: np.ndarray
    code: np.ndarray
    keys: tuple[str, ...]
    labels: tuple[str, ...]


def touch_queryset(*, start: datetime, end: datetime, include_rep_activity: bool) -> QuerySet[Touchpoint]:
    """Touches in [start, end) that marketing attribution models: never self-reported answers, and rep
    activity (a call, email or meeting made by a user) only when asked for."""
    touches = Touchpoint.objects.filter(occurred_at__gte=start, occurred_at__lt=end).exclude(
        channel=Channel.SELF_REPORTED)
    if not include_rep_activity:
        touches = touches.exclude(channel__in=sorted(REAL_TOUCH_CHANNELS), actor__isnull=False)
    return touches.order_by()


def touch_rows(*, start: datetime, end: datetime, dimension: str, include_rep_activity: bool) -> TouchRows:
    """The touches of [start, end), labelled by channel, campaign or content item."""
    touches = touch_queryset(start=start, end=end, include_rep_activity=include_rep_activity)
    touches = touches.annotate(t=EpochSeconds("occurred_at"))
    # the ids in the window, from the occurred_at index alone (no row is read)
    ids = tuple(Touchpoint.objects.filter(occurred_at__gte=start, occurred_at__lt=end).order_by()
                .aggregate(low=Min("id"), high=Max("id")).values())
    if dimension == "channel":
        codes = Case(*(When(channel=value, then=Value(i)) for i, value in enumerate(Channel.values)),
                     default=Value(-1), output_field=BigIntegerField())
        rows = _known(int_rows(touches, "lead_id", "t", codes, ids=ids))
        keys = tuple(Channel.values)
        return TouchRows(rows[:, 0], rows[:, 1], rows[:, 2], keys, tuple(str(Channel(k).label) for k in keys))
    if dimension == "campaign":
        rows = int_rows(touches, "lead_id", "t", Coalesce(F("campaign_id"), Value(0)), ids=ids)
        ids, code = np.unique(rows[:, 2], return_inverse=True)
        names = dict(Campaign.objects.filter(pk__in=[int(i) for i in ids if i]).values_list("id", "name"))
        keys = tuple(str(int(i)) if i else "" for i in ids)
        labels = tuple(names.get(int(i), f"campaign {int(i)}") if i else NO_CAMPAIGN for i in ids)
        return TouchRows(rows[:, 0], rows[:, 1], code.reshape(-1), keys, labels)
    return _content_rows(touches, ids)


def _content_rows(touches: QuerySet[Touchpoint], ids: tuple) -> TouchRows:
    """Content items are free text: numbered by the database when there are few, else by a dict here."""
    items = list(Touchpoint.objects.order_by().values_list("content_item", flat=True).distinct()[:CASE_MAX + 1])
    if len(items) <= CASE_MAX:
        items.sort()
        codes = Case(*(When(content_item=value, then=Value(i)) for i, value in enumerate(items)),
                     default=Value(-1), output_field=BigIntegerField())
        rows = _known(int_rows(touches, "lead_id", "t", codes, ids=ids))
        return TouchRows(rows[:, 0], rows[:, 1], rows[:, 2], tuple(items), tuple(k or NO_CONTENT for k in items))
    index: dict[str, int] = {}
    lead, at, code = [], [], []
    for lead_id, t, item in touches.values_list("lead_id", "t", "content_item").iterator(chunk_size=CHUNK):
        lead.append(lead_id)
        at.append(t)
        code.append(index.setdefault(item, len(index)))
    keys = tuple(index)
    return TouchRows(np.array(lead, dtype=np.int64), np.array(at, dtype=np.int64), np.array(code, dtype=np.int64),
                     keys, tuple(k or NO_CONTENT for k in keys))


def _known(rows: np.ndarray) -> np.ndarray:
    """Rows whose label code is known (a channel outside the choices, say, is left out)."""
    return rows if not rows.size or rows[:, 2].min() >= 0 else rows[rows[:, 2] >= 0]


@dataclass(frozen=True)
class EndRows:
    """The conversions of a level: one row each, money as Decimal, answers as given."""

    lead: np.ndarray  # -1: an opportunity without a lead
    at: np.ndarray
    amounts: list[Decimal]
    currencies: list[str]
    answers: list[str]
    lead_created: np.ndarray
    opportunity_created: np.ndarray | None


def _lead_rows(start: datetime, end: datetime, segment: str) -> EndRows:
    leads = Lead.objects.filter(merged_into__isnull=True, created_at__gte=start, created_at__lt=end)
    if segment:
        leads = leads.filter(account__segment=segment)
    rows = list(leads.order_by("id").annotate(t=EpochSeconds("created_at"))
                .values_list("id", "t", "self_reported_source").iterator(chunk_size=CHUNK))
    lead = np.array([r[0] for r in rows], dtype=np.int64)
    at = np.array([r[1] for r in rows], dtype=np.int64)
    return EndRows(lead, at, [Decimal("0")] * len(rows), [""] * len(rows), [r[2] for r in rows], at, None)


def _opportunity_rows(start: datetime, end: datetime, segment: str, level: str) -> EndRows:
    if level == "pipeline":
        opportunities = Opportunity.objects.filter(created_at__gte=start, created_at__lt=end)
        instant = "created_at"
    else:
        opportunities = Opportunity.objects.filter(outcome="won", closed_at__gte=start, closed_at__lt=end)
        instant = "closed_at"
    if segment:
        opportunities = opportunities.filter(account__segment=segment)
    rows = list(opportunities.order_by("id").annotate(
        t=EpochSeconds(instant), made=EpochSeconds("created_at"),
        lead_made=Coalesce(EpochSeconds("lead__created_at"), Value(0), output_field=BigIntegerField()),
        who=Coalesce(F("lead_id"), Value(-1), output_field=BigIntegerField()),
    ).values_list("who", "t", "amount", "currency", "lead_made", "made", "lead__self_reported_source")
        .iterator(chunk_size=CHUNK))
    column = list(zip(*rows, strict=True)) if rows else [()] * 7
    return EndRows(np.array(column[0], dtype=np.int64), np.array(column[1], dtype=np.int64), list(column[2]),
                   list(column[3]), [a or "" for a in column[6]], np.array(column[4], dtype=np.int64),
                   np.array(column[5], dtype=np.int64))


def end_rows(*, level: str, start: datetime, end: datetime, segment: str) -> EndRows:
    """Leads created (sourced), opportunities created (pipeline) or won (revenue) in [start, end)."""
    if level == "sourced":
        return _lead_rows(start, end, segment)
    return _opportunity_rows(start, end, segment, level)


def segment_leads(segment: str) -> np.ndarray:
    """Sorted ids of the (unmerged) leads whose account is in `segment`."""
    ids = Lead.objects.filter(merged_into__isnull=True, account__segment=segment).order_by("id")
    return np.fromiter(ids.values_list("id", flat=True).iterator(chunk_size=CHUNK), dtype=np.int64)
