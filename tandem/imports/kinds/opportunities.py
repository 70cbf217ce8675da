"""Importing opportunities with their created, expected close and closed dates, outcome and reason.

Keyed by the other system's id when the file has one, else by (account, name, created_at): an
opportunity already there is skipped. Its account is found by name or domain (created when
missing), or is its lead's account. Importing an opportunity does not move its lead: the lead's
stages come from its own history.
"""

from __future__ import annotations

from functools import partial

from tandem.accounts.normalize import normalize_domain
from tandem.imports.cells import FieldError, choice, clip, parse_date, parse_decimal, parse_instant
from tandem.imports.kinds import lookups
from tandem.imports.kinds.base import ChunkResult, Context, KindSpec, RowParser
from tandem.opportunities.models import Opportunity, OpportunityStage, Outcome

SPEC = KindSpec("opportunities", frozenset({
    "name", "amount", "account", "account_domain", "lead_email", "lead_external_id", "lead_id", "currency", "stage",
    "deal_stage", "outcome", "reason_code", "owner", "created_at", "expected_close_date", "closed_at",
    "external_id"}), required=(("name",), ("amount",)))
STAGES = {v: v for v in OpportunityStage.values}
OUTCOMES = {v: v for v in Outcome.values}
DEAL_STAGES = {**{v: v for v in ("discovery", "proposal", "negotiation", "won", "lost")}}


def _currency(text: str, name: str) -> str:
    code = text.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise FieldError(name, "use a three-letter ISO 4217 code, e.g. EUR", text)
    return code


def _reason(ctx: Context, p: RowParser, outcome: str) -> str:
    text = p.get("reason_code", default="")
    if not text or outcome == Outcome.OPEN:
        return ""
    taxonomy = lookups.current_taxonomy(ctx)
    code = text.strip().lower().replace(" ", "_")
    if taxonomy.reason(code) is not None:
        return code
    if len(text) > 50:
        p.warnings.append(("reason_code", "not a reason code of the taxonomy and too long to keep; left empty", text))
        return ""
    p.warnings.append(("reason_code", "not a reason code of the taxonomy; kept as given", text))
    return text


def parse_row(ctx: Context, row: dict[str, str]) -> tuple[dict, RowParser]:
    p = RowParser(row)
    instant = partial(parse_instant, tz=ctx.tz, formats=ctx.date_formats)
    values = {"name": p.get("name", partial(clip, length=200), ""), "amount": p.get("amount", parse_decimal),
              "currency": p.get("currency", _currency, "EUR"),
              "expected_close_date": p.get("expected_close_date", partial(parse_date, formats=ctx.date_formats))}
    if row.get("deal_stage"):
        deal = p.get("deal_stage", partial(choice, allowed=ctx.values.get("deal_stage") or DEAL_STAGES))
        stage, outcome = (OpportunityStage.CLOSED, deal) if deal in ("won", "lost") else (deal, Outcome.OPEN)
    else:
        outcome = p.get("outcome", partial(choice, allowed=OUTCOMES), Outcome.OPEN)
        stage = p.get("stage", partial(choice, allowed=STAGES), OpportunityStage.DISCOVERY)
    values.update(stage=OpportunityStage.CLOSED if outcome in ("won", "lost") else stage, outcome=outcome)
    created = p.get("created_at", instant)
    closed = p.get("closed_at", instant)
    if outcome == Outcome.OPEN and closed is not None:  # an open deal's close date is the expected one
        values["expected_close_date"] = values["expected_close_date"] or closed.date()
        closed = None
    if outcome in ("won", "lost") and closed is None and "closed_at" not in p.row:
        p.error("closed_at", "required for a won or lost opportunity")
    for name, at in (("created_at", created), ("closed_at", closed)):
        if at is not None and at > ctx.now:
            p.error(name, f"{at.isoformat()} is in the future", row.get(name, ""))
    if created and closed and closed < created:
        p.error("closed_at", "before the opportunity was created", row.get("closed_at", ""))
    values.update(created_at=created, closed_at=closed, reason_code=_reason(ctx, p, outcome))
    owner = lookups.user_for(ctx, row["owner"]) if row.get("owner") else None
    if row.get("owner") and owner is None:
        p.warnings.append(("owner", "no active user by this name; left unassigned", row["owner"]))
    values["owner_id"] = owner.pk if owner else None
    return values, p


def process(ctx: Context, rows: list[tuple[int, dict[str, str]]]) -> ChunkResult:
    result = ChunkResult()
    leads = lookups.leads_by_key(ctx, [k for _, row in rows if (k := lookups.lead_key(row))])
    known = lookups.opportunities_by_key(ctx, [row["external_id"] for _, row in rows if row.get("external_id")])
    wanted_accounts = {(normalize_domain(row.get("account_domain", "")), row.get("account", "")) for _, row in rows}
    accounts = lookups.accounts_for(ctx, wanted_accounts, result)
    candidates: list[tuple[int, dict, dict, RowParser]] = []
    for line, row in rows:
        values, p = parse_row(ctx, row)
        key = lookups.lead_key(row)
        lead = leads.get(key) if key else None
        if key and lead is None:
            p.error(key[0], f"no lead with {key[0].split('_', 1)[1]} {key[1]}", key[1])
        account_id = accounts.get((normalize_domain(row.get("account_domain", "")), row.get("account", ""))) or (
            lead[1] if lead else None)
        if account_id is None:
            p.error("account", "required: an account name or domain, or a lead that has an account")
        if p.errors:
            result.fail(line, p.errors)
            continue
        if row.get("external_id") in known:
            result.skip(line, "external_id", f"already imported (opportunity {known[row['external_id']][0]})")
            continue
        values.update(created_at=values["created_at"] or ctx.now, account_id=account_id,
                      lead_id=lead[0] if lead else None)
        candidates.append((line, row, values, p))
    existing = set(Opportunity.objects.filter(
        account_id__in={v["account_id"] for _, _, v, _ in candidates},
        name__in={v["name"] for _, _, v, _ in candidates}).values_list("account_id", "name", "created_at"))
    new: list[tuple[str, Opportunity]] = []
    for line, row, values, p in candidates:
        natural = (values["account_id"], values["name"], values["created_at"])
        if natural in existing:
            result.skip(line, "name", "an opportunity with this account, name and created_at exists")
            continue
        existing.add(natural)
        for name, message, value in p.warnings:
            result.warn(line, name, message, value)
        new.append((row.get("external_id", ""), Opportunity(**values, updated_at=ctx.now)))
        result.days |= {at.date() for at in (values["created_at"], values["closed_at"]) if at}
        result.ok(line)
    made = Opportunity.objects.bulk_create([o for _, o in new], batch_size=1000)
    lookups.remember_keys(ctx, "opportunity", [(k, o.pk) for (k, _), o in zip(new, made, strict=True) if k])
    result.counts["opportunities"] += len(made)
    return result
