"""Finding the records a chunk refers to, with one query per kind of key and chunk (never one per row)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import connection

from tandem import clock
from tandem.accounts.models import Account
from tandem.core.taxonomy import Taxonomy
from tandem.imports.kinds.base import ChunkResult, Context
from tandem.imports.models import ExternalKey
from tandem.leads.models import Lead
from tandem.leads.normalize import normalize_email
from tandem.opportunities.models import Opportunity
from tandem.people.models import User
from tandem.taxonomy.selectors import taxonomy_current, taxonomy_parsed, taxonomy_versions

LEAD_KEYS = ("lead_email", "lead_external_id", "lead_id")
MAX_MERGE_HOPS = 20


def select_in(model: type, columns: str, key: str, values: Iterable[Any], where: str = "") -> list[tuple]:
    """SELECT columns FROM the model's table WHERE key IN values — one query per 10,000 values.

    Raw SQL: for the thousands of keys of a chunk, Django's IN lookup spends longer building the
    query than the database spends answering it.
    """
    values = list(values)
    table = connection.ops.quote_name(model._meta.db_table)
    found: list[tuple] = []
    with connection.cursor() as cursor:
        size = 10_000
        if connection.vendor == "sqlite":  # SQLite before 3.32 takes at most 999 parameters
            size = min(size, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        for start in range(0, len(values), size):
            part = values[start: start + size]
            if connection.vendor == "postgresql":
                test, params = f"{key} = ANY(%s)", [part]
            else:
                test, params = f"{key} IN ({', '.join(['%s'] * len(part))})", part
            cursor.execute(f"SELECT {columns} FROM {table} WHERE {test}{where}", params)  # noqa: S608
            found += cursor.fetchall()
    return found


def users(ctx: Context) -> dict[str, Any]:
    """Users by lower-case username, email and full name (loaded once per run)."""
    if "users" not in ctx.cache:
        index: dict[str, Any] = {}
        for user in User.objects.filter(is_active=True).order_by("-id"):
            for name in (user.get_full_name(), user.email, user.username):
                if name:
                    index[name.strip().lower()] = user
        ctx.cache["users"] = index
    return ctx.cache["users"]


def user_for(ctx: Context, text: str) -> Any:
    return users(ctx).get(text.strip().lower())


def taxonomy_at(ctx: Context) -> Callable[[datetime], tuple[int, Taxonomy]]:
    """The taxonomy in force at an instant, as taxonomy_in_force_at decides, without a query per call."""
    if "taxonomy_at" not in ctx.cache:
        versions = sorted(taxonomy_versions(), key=lambda v: v.number)
        parsed = [(v.created_at, v.number, taxonomy_parsed(v)) for v in versions]

        def at(instant: datetime) -> tuple[int, Taxonomy]:
            chosen = parsed[0]
            for entry in parsed:
                if entry[0] <= instant:
                    chosen = entry
            return chosen[1], chosen[2]

        ctx.cache["taxonomy_at"] = at
    return ctx.cache["taxonomy_at"]


def taxonomy_periods(ctx: Context) -> list[tuple[datetime | None, datetime | None, int, Taxonomy]]:
    """(from, until, number, taxonomy): when each version was in force; the first also covers all before it."""
    if "taxonomy_periods" not in ctx.cache:
        versions = sorted(taxonomy_versions(), key=lambda v: v.number)
        starts = [None] + [v.created_at for v in versions[1:]]
        ends = [v.created_at for v in versions[1:]] + [None]
        ctx.cache["taxonomy_periods"] = [(start, end, v.number, taxonomy_parsed(v))
                                         for start, end, v in zip(starts, ends, versions, strict=True)]
    return ctx.cache["taxonomy_periods"]


def current_taxonomy(ctx: Context) -> Taxonomy:
    if "taxonomy" not in ctx.cache:
        ctx.cache["taxonomy"] = taxonomy_current()[1]
    return ctx.cache["taxonomy"]


def stage_names(taxonomy: Taxonomy) -> dict[str, str]:
    """Accepted spellings of a stage (key or name, any case) -> key."""
    names = {s.key.lower(): s.key for s in taxonomy.stages}
    names.update({s.name.lower(): s.key for s in taxonomy.stages})
    return names


def _follow_merges(found: dict[Any, int]) -> dict[Any, tuple[int, int | None]]:
    """Lead ids -> (surviving lead id, its account id), following merged_into chains."""
    pending = set(found.values())
    survivor: dict[int, tuple[int, int | None]] = {}
    links: dict[int, int] = {}
    for _ in range(MAX_MERGE_HOPS):
        if not pending:
            break
        rows = Lead.objects.filter(pk__in=pending).values_list("id", "merged_into_id", "account_id")
        pending = set()
        for lead_id, merged_into, account_id in rows:
            if merged_into:
                links[lead_id] = merged_into
                pending.add(merged_into)
            else:
                survivor[lead_id] = (lead_id, account_id)
    out = {}
    for key, lead_id in found.items():
        hops = 0
        while lead_id in links and hops < MAX_MERGE_HOPS:
            lead_id, hops = links[lead_id], hops + 1
        if lead_id in survivor:
            out[key] = survivor[lead_id]
    return out


def leads_by_key(ctx: Context, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int | None]]:
    """(key field, value) -> (lead id, account id); merged leads resolve to their survivor."""
    return _follow_merges(lead_ids_by_key(ctx, keys))


def lead_ids_by_key(ctx: Context, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(key field, value) -> the id of the lead it names, merged or not."""
    wanted: dict[str, set[str]] = {"lead_email": set(), "lead_external_id": set(), "lead_id": set()}
    for name, value in keys:
        wanted[name].add(value)
    found: dict[tuple[str, str], int] = {}
    emails: dict[str, list[str]] = {}
    for value in wanted["lead_email"]:
        emails.setdefault(normalize_email(value), []).append(value)
    for email, lead_id in select_in(Lead, "email_normalized, id", "email_normalized", emails):
        found.update({("lead_email", value): lead_id for value in emails[email]})
    external = ExternalKey.objects.filter(namespace=ctx.namespace, kind="lead", key__in=list(wanted["lead_external_id"]))
    for key, object_id in external.values_list("key", "object_id"):
        found[("lead_external_id", key)] = object_id
    numbers = {int(v): v for v in wanted["lead_id"] if v.isdigit()}
    for lead_id in Lead.objects.filter(pk__in=list(numbers)).values_list("id", flat=True):
        found[("lead_id", numbers[lead_id])] = lead_id
    return found


def lead_key(row: dict[str, str], prefix: str = "lead") -> tuple[str, str] | None:
    for name in (f"{prefix}_email", f"{prefix}_external_id", f"{prefix}_id"):
        if row.get(name):
            return name.replace(prefix, "lead", 1), row[name]
    return None


def opportunities_by_key(ctx: Context, keys: Iterable[str]) -> dict[str, tuple[int, int | None]]:
    """External opportunity id -> (opportunity id, its lead id)."""
    ids = dict(ExternalKey.objects.filter(namespace=ctx.namespace, kind="opportunity", key__in=list(set(keys)))
               .values_list("object_id", "key"))
    rows = Opportunity.objects.filter(pk__in=list(ids)).values_list("id", "lead_id")
    return {ids[opportunity_id]: (opportunity_id, lead_id) for opportunity_id, lead_id in rows}


def accounts_found(wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(domain, name) -> the id of the account found by domain, else by name (any case); absent if none."""
    wanted = {w for w in wanted if w[0] or w[1]}
    by_domain = dict(select_in(Account, "domain, id", "domain", {d for d, _ in wanted if d}))
    names = {n.lower() for d, n in wanted if n and d not in by_domain}
    by_name: dict[str, int] = {}
    for lowered, account_id in sorted(select_in(Account, "LOWER(name), id", "LOWER(name)", names,
                                                where=" AND merged_into_id IS NULL"), key=lambda r: -r[1]):
        by_name[lowered] = account_id
    found = {}
    for domain, name in wanted:
        account_id = (by_domain.get(domain) if domain else None) or (by_name.get(name.lower()) if name else None)
        if account_id:
            found[(domain, name)] = account_id
    return found


def accounts_for(ctx: Context, wanted: Iterable[tuple[str, str]], result: ChunkResult) -> dict[tuple[str, str], int]:
    """(domain, name) -> account id: found by domain, else by name (any case), else created."""
    wanted = {w for w in wanted if w[0] or w[1]}
    out = accounts_found(wanted)
    create: dict[tuple[str, str], Account] = {}
    now = clock.now()
    for domain, name in wanted - set(out):
        key = (domain, "") if domain else ("", name.lower())
        if key not in create:
            create[key] = Account(name=(name or domain)[:200], domain=domain, created_at=now, updated_at=now)
    if create:
        made = Account.objects.bulk_create(list(create.values()))
        result.counts["accounts"] += len(made)
        index = dict(zip(create, (a.pk for a in made), strict=True))
        for domain, name in wanted - set(out):
            out[(domain, name)] = index[(domain, "") if domain else ("", name.lower())]
    return out


def remember_keys(ctx: Context, kind: str, pairs: Iterable[tuple[str, int]]) -> None:
    """Record other systems' ids for records (already known ids are left as they are)."""
    rows = [ExternalKey(namespace=ctx.namespace, kind=kind, key=key[:200], object_id=object_id, job_id=ctx.job_id)
            for key, object_id in pairs]
    if rows:
        ExternalKey.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


def current_taxonomy_keys() -> list[str]:
    return [stage.key for stage in taxonomy_current()[1].stages]
