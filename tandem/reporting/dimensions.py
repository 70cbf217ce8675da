"""The dimensions reports break down and filter by, each read from the lead as it is now.

Every dimension is a value of the lead itself, so a lead counts under exactly one value of each,
and distinct-lead figures per value are exact (tandem.core.rollup):

* segment: the segment of the lead's account (smb, mid, enterprise; blank without one);
* source: the source recorded on the lead (web, event, referral …);
* channel and campaign: those of the lead's first touchpoint (earliest occurred_at, then the
  lowest id), its originating touch, as campaigns count "sourced" leads;
* origin: mgl, tgl or sgl, fixed when the lead was created;
* owner: the lead's current owner (a user id; blank when nobody owns it);
* country: the lead's country, else its account's;
* team (a filter, not stored): the leads whose current owner is in the team.

So "Sven's funnel" is the history of the leads Sven owns now, and it follows a lead when it is
reassigned (the rollups re-aggregate its days). Opportunities take owner from the opportunity's
own owner, segment and country from the opportunity's account, and the rest from its lead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from tandem.accounts.models import Account
from tandem.leads.models import Lead
from tandem.reporting.choices import DIMENSIONS
from tandem.reporting.id_lists import id_chunks, in_sql
from tandem.touchpoints.models import Touchpoint


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def first_touch_sql(where: str = "") -> str:
    """SQL of (lead_id, channel, campaign_id) of each lead's first touchpoint (window function)."""
    t = _q(Touchpoint._meta.db_table)
    return (f"SELECT lead_id, channel, campaign_id FROM (SELECT lead_id, channel, campaign_id, ROW_NUMBER() OVER "  # noqa: S608
            f"(PARTITION BY lead_id ORDER BY occurred_at, id) AS n FROM {t} {where}) first_touch WHERE n = 1")


@dataclass(frozen=True, eq=False)
class LeadDims:
    """Per lead (sorted ids), the code of its value in each dimension; `labels[dim][code]` is the value."""

    lead_ids: np.ndarray
    codes: Mapping[str, np.ndarray]
    labels: Mapping[str, list[str]]

    def __len__(self) -> int:
        return int(self.lead_ids.size)

    def values_of(self, lead_id: int) -> dict[str, str]:
        i = int(np.searchsorted(self.lead_ids, lead_id))
        if i >= self.lead_ids.size or self.lead_ids[i] != lead_id:
            return {d: "" for d in DIMENSIONS}
        return {d: self.labels[d][int(self.codes[d][i])] for d in DIMENSIONS}

    def subset(self, lead_ids: Iterable[int]) -> LeadDims | None:
        """The same values for these leads only, or None when any of them is not held here."""
        ids = np.unique(np.fromiter((int(i) for i in lead_ids), dtype=np.int64))
        if ids.size == 0:
            return LeadDims(ids, {d: c[:0] for d, c in self.codes.items()}, self.labels)
        if self.lead_ids.size == 0:
            return None
        at = np.minimum(np.searchsorted(self.lead_ids, ids), self.lead_ids.size - 1)
        if not (self.lead_ids[at] == ids).all():
            return None
        return LeadDims(ids, {d: c[at] for d, c in self.codes.items()}, self.labels)

    def column(self, dim: str) -> np.ndarray:
        """Every lead's value in `dim`, as an object array aligned with `lead_ids`."""
        return np.asarray(self.labels[dim], dtype=object)[self.codes[dim]]

    def rows(self) -> Iterable[tuple]:
        """(lead_id, value per dimension …) for every lead, in DIMENSIONS order."""
        columns = [np.asarray(self.labels[d], dtype=object)[self.codes[d]] for d in DIMENSIONS]
        return zip(self.lead_ids.tolist(), *(c.tolist() for c in columns), strict=True)


def differing_leads(stored: LeadDims, current: LeadDims) -> list[int]:
    """Leads of `stored` whose value differs from `current` in any dimension (a lead missing there has "")."""
    ids = stored.lead_ids
    if ids.size == 0:
        return []
    if current.lead_ids.size:
        at = np.minimum(np.searchsorted(current.lead_ids, ids), current.lead_ids.size - 1)
        present = current.lead_ids[at] == ids
    else:
        at, present = np.zeros(ids.size, dtype=np.int64), np.zeros(ids.size, dtype=bool)
    differ = np.zeros(ids.size, dtype=bool)
    for dim in DIMENSIONS:
        now = current.column(dim)[at] if current.lead_ids.size else np.full(ids.size, "", dtype=object)
        differ |= stored.column(dim) != np.where(present, now, "")
    return ids[differ].tolist()


def _encode(values: list[str]) -> tuple[np.ndarray, list[str]]:
    index: dict[str, int] = {"": 0}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int32, count=len(values))
    return codes, list(index)


def _lead_rows(lead_ids: list[int] | None) -> list[tuple]:
    lead, account = _q(Lead._meta.db_table), _q(Account._meta.db_table)
    select = (f"SELECT l.id, COALESCE(a.segment, ''), l.source, l.origin, COALESCE(l.owner_id, 0), "  # noqa: S608
              f"CASE WHEN l.country <> '' THEN l.country ELSE COALESCE(a.country, '') END "
              f"FROM {lead} l LEFT JOIN {account} a ON a.id = l.account_id")
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        if lead_ids is None:
            cursor.execute(select)
            return cursor.fetchall()
        for chunk in id_chunks(lead_ids):
            clause, params = in_sql("l.id", chunk)
            cursor.execute(f"{select} WHERE {clause}", params)
            rows += cursor.fetchall()
    return rows


def _first_touches(lead_ids: list[int] | None) -> dict[int, tuple[str, str]]:
    result: dict[int, tuple[str, str]] = {}
    with connection.cursor() as cursor:
        if lead_ids is None:
            cursor.execute(first_touch_sql())
            return {lead: (channel, str(campaign or "")) for lead, channel, campaign in cursor.fetchall()}
        for chunk in id_chunks(lead_ids):
            clause, params = in_sql("lead_id", chunk)
            cursor.execute(first_touch_sql(f"WHERE {clause}"), params)
            result.update({lead: (channel, str(campaign or "")) for lead, channel, campaign in cursor.fetchall()})
    return result


def _case(expression: str, values: list[str]) -> tuple[str, list[str]]:
    whens = " ".join(f"WHEN %s THEN {i}" for i in range(len(values)))
    return f"CASE {expression} {whens} ELSE -1 END", list(values)


def _all_lead_dims() -> LeadDims:
    """Every lead's values, read as integer codes aggregated by the database (a million leads in seconds)."""
    from tandem.reporting.fetch import int_columns

    country = "CASE WHEN e.country <> '' THEN e.country ELSE COALESCE(a.country, '') END"
    distinct = {
        "segment": [v or "" for v in Account.objects.order_by().values_list("segment", flat=True).distinct()] + [""],
        "source": [v or "" for v in Lead.objects.order_by().values_list("source", flat=True).distinct()],
        "origin": [v or "" for v in Lead.objects.order_by().values_list("origin", flat=True).distinct()],
        "country": [v or "" for v in Lead.objects.order_by().values_list("country", flat=True).distinct()]
        + [v or "" for v in Account.objects.order_by().values_list("country", flat=True).distinct()],
    }
    distinct = {k: sorted(set(v)) for k, v in distinct.items()}
    exprs, params = ["e.id", "COALESCE(e.owner_id, 0)"], []
    for name, expression in (("segment", "COALESCE(a.segment, '')"), ("source", "e.source"),
                             ("origin", "e.origin"), ("country", country)):
        sql, args = _case(expression, distinct[name])
        exprs.append(sql)
        params += args
    ids, owner, *encoded = int_columns(exprs, params, _q(Lead._meta.db_table),
                                       joins=f"LEFT JOIN {_q(Account._meta.db_table)} a ON a.id = e.account_id")
    if any((column < 0).any() for column in encoded):  # a value written meanwhile: read lead by lead instead
        return _slow_lead_dims(None)
    order = np.argsort(ids, kind="stable")
    ids, owner = ids[order], owner[order]
    codes, labels = {}, {}
    for name, column in zip(("segment", "source", "origin", "country"), encoded, strict=True):
        codes[name], labels[name] = _recode(distinct[name], column[order])
    owner_values, owner_codes = np.unique(owner, return_inverse=True)
    codes["owner"], labels["owner"] = _recode([str(v) if v else "" for v in owner_values.tolist()],
                                              owner_codes.reshape(-1))
    touches = _first_touches(None)
    for name, index in (("channel", 0), ("campaign", 1)):
        if touches:
            codes[name], labels[name] = _encode([touches[lead][index] if lead in touches else ""
                                                 for lead in ids.tolist()])
        else:
            codes[name], labels[name] = np.zeros(ids.size, dtype=np.int32), [""]
    return LeadDims(ids, codes, labels)


def _recode(values: list[str], codes: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes into `values` as codes into labels that start with "" (the form LeadDims keeps)."""
    labels = [""] + [v for v in values if v != ""]
    position = np.array([labels.index(v) for v in values], dtype=np.int32)
    return position[codes] if codes.size else codes.astype(np.int32), labels


def lead_dims(lead_ids: Iterable[int] | None = None) -> LeadDims:
    """The current value of every dimension for these leads (None: every lead)."""
    return _all_lead_dims() if lead_ids is None else _slow_lead_dims(lead_ids)


def _slow_lead_dims(lead_ids: Iterable[int] | None) -> LeadDims:
    ids = None if lead_ids is None else sorted(set(int(i) for i in lead_ids))
    rows = sorted(_lead_rows(ids))
    touches = _first_touches(ids)
    columns: dict[str, list[str]] = {d: [] for d in DIMENSIONS}
    for lead_id, segment, source, origin, owner, country in rows:
        channel, campaign = touches.get(lead_id, ("", ""))
        values = {"segment": segment or "", "source": source or "", "channel": channel or "",
                  "campaign": campaign, "origin": origin or "", "owner": str(owner) if owner else "",
                  "country": country or ""}
        for d in DIMENSIONS:
            columns[d].append(values[d])
    codes, labels = {}, {}
    for d in DIMENSIONS:
        codes[d], labels[d] = _encode(columns[d])
    return LeadDims(np.array([r[0] for r in rows], dtype=np.int64), codes, labels)


def dims_from_rows(rows: Iterable[tuple]) -> LeadDims:
    """LeadDims from stored rows (lead_id, value per dimension in DIMENSIONS order)."""
    rows = sorted(rows)
    codes, labels = {}, {}
    for i, d in enumerate(DIMENSIONS, start=1):
        codes[d], labels[d] = _encode([r[i] for r in rows])
    return LeadDims(np.array([r[0] for r in rows], dtype=np.int64), codes, labels)


def _first_touch_leads(column: str, value: str) -> Q:
    sql = f"SELECT lead_id FROM ({first_touch_sql()}) ft WHERE ft.{column} = %s"  # noqa: S608 - value is a parameter
    param: object = int(value) if column == "campaign_id" else value
    return Q(pk__in=RawSQL(sql, (param,)))  # noqa: S611 - the value is a parameter


def lead_filter_q(values: Mapping[str, str | list[str]]) -> Q:
    """A Q on Lead selecting the leads with these dimension values (a list means any of them).

    The same definitions as `lead_dims`: a value "" selects the leads without one.
    """
    q = Q()
    for dim, wanted in values.items():
        options = wanted if isinstance(wanted, list) else [wanted]
        either = Q(pk__in=[])
        for value in options:
            either |= _one(dim, value)
        q &= either
    return q


def _one(dim: str, value: str) -> Q:
    if dim == "segment":
        return Q(account__segment=value) if value else Q(account__isnull=True) | Q(account__segment="")
    if dim in ("source", "origin"):
        return Q(**{dim: value})
    if dim == "owner":
        return Q(owner_id=int(value)) if value else Q(owner__isnull=True)
    if dim == "country":
        return Q(country=value) | Q(country="", account__country=value) if value else \
            Q(country="") & (Q(account__isnull=True) | Q(account__country=""))
    if dim in ("channel", "campaign"):
        column = "campaign_id" if dim == "campaign" else "channel"
        if value:
            return _first_touch_leads(column, value)
        sql = f"SELECT lead_id FROM ({first_touch_sql()}) ft WHERE ft.{column} IS NOT NULL"  # noqa: S608 - names only
        return ~Q(pk__in=RawSQL(sql, ()))  # noqa: S611 - no values in the SQL
    raise ValueError(f"unknown dimension {dim!r}; use one of: {', '.join(DIMENSIONS)}")
