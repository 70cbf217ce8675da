"""Importing accounts, keyed by normalised domain (or, without a domain, by name in any case).

An account that already exists is skipped, never changed; its id in the other system is
remembered, so later files can refer to it.
"""

from __future__ import annotations

from functools import partial

from django.db.models.functions import Lower

from tandem.accounts.models import Account
from tandem.accounts.normalize import normalize_domain, segment_for
from tandem.imports.cells import clip, country_code, parse_instant, parse_int
from tandem.imports.kinds import lookups
from tandem.imports.kinds.base import ChunkResult, Context, KindSpec, RowParser

SPEC = KindSpec("accounts", frozenset({"name", "domain", "industry", "employees", "country", "owner", "created_at",
                                       "external_id"}), required=(("name",),))


def parse_row(ctx: Context, row: dict[str, str]) -> tuple[dict, RowParser]:
    p = RowParser(row)
    p.require("name")
    values = {"name": p.get("name", partial(clip, length=200), ""),
              "domain": normalize_domain(p.get("domain", partial(clip, length=200), "")),
              "industry": p.get("industry", partial(clip, length=100), ""),
              "employees": p.get("employees", parse_int),
              "country": p.get("country", country_code, ""),
              "created_at": p.get("created_at", partial(parse_instant, tz=ctx.tz, formats=ctx.date_formats))}
    if values["created_at"] is not None and values["created_at"] > ctx.now:
        p.error("created_at", "in the future", row["created_at"])
    values["segment"] = segment_for(values["employees"])
    owner = lookups.user_for(ctx, row["owner"]) if row.get("owner") else None
    if row.get("owner") and owner is None:
        p.warnings.append(("owner", "no active user by this name; left unassigned", row["owner"]))
    values["owner_id"] = owner.pk if owner else None
    return values, p


def process(ctx: Context, rows: list[tuple[int, dict[str, str]]]) -> ChunkResult:
    result = ChunkResult()
    parsed: dict[str, tuple[int, dict, str]] = {}
    for line, row in rows:
        values, p = parse_row(ctx, row)
        if p.errors:
            result.fail(line, p.errors)
            continue
        for name, message, value in p.warnings:
            result.warn(line, name, message, value)
        key = f"domain:{values['domain']}" if values["domain"] else f"name:{values['name'].lower()}"
        if key in parsed:
            result.skip(line, key.split(":")[0], f"the same {key.split(':')[0]} as line {parsed[key][0]}")
            continue
        parsed[key] = (line, values, row.get("external_id", ""))
    existing = {f"domain:{d}": pk for d, pk in Account.objects.filter(
        domain__in=[v["domain"] for _, v, _ in parsed.values() if v["domain"]]).values_list("domain", "id")}
    existing.update({f"name:{n}": pk for n, pk in Account.objects.annotate(n=Lower("name")).filter(
        n__in=[v["name"].lower() for _, v, _ in parsed.values() if not v["domain"]], merged_into__isnull=True)
        .values_list("n", "id")})
    keys, new = [], []
    for key, (line, values, external_id) in parsed.items():
        if key in existing:
            result.skip(line, key.split(":")[0], f"an account with this {key.split(':')[0]} exists (id {existing[key]})")
            keys.append((external_id, existing[key]))
            continue
        created_at = values.pop("created_at") or ctx.now
        new.append((line, external_id, Account(**values, created_at=created_at, updated_at=ctx.now)))
        result.ok(line)
    made = Account.objects.bulk_create([a for _, _, a in new], batch_size=1000)
    keys += [(external_id, account.pk) for (_, external_id, _), account in zip(new, made, strict=True)]
    lookups.remember_keys(ctx, "account", [(k, pk) for k, pk in keys if k])
    result.counts["accounts"] += len(made)
    return result
