"""Importing leads: one lead per row, keyed by normalised email, with its stage history.

Each new lead gets a creation event into the initial stage (at its create date, or the earliest
"entered" date if that is earlier), an event per "entered <stage>" date, and, when the row names
a stage the dates do not reach, a move into it at the row's latest date. Every move is judged
against the taxonomy in force at its instant (tandem.core.history). A row whose email already
belongs to a lead is skipped: an import never changes an existing lead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from tandem.accounts.models import Account
from tandem.accounts.normalize import normalize_domain
from tandem.core.history import Move, replay
from tandem.core.taxonomy import Taxonomy
from tandem.imports import bulk
from tandem.imports.cells import FieldError, choice, country_code, parse_instant, parse_int
from tandem.imports.kinds import history_rows, lookups
from tandem.imports.kinds.base import ChunkResult, Context, KindSpec, RowParser
from tandem.imports.phones import normalize_phone_fast
from tandem.leads.choices import ConsentStatus, LawfulBasis, Origin
from tandem.leads.models import Lead, StageEvent
from tandem.leads.normalize import normalize_email

SPEC = KindSpec("leads", frozenset({
    "email", "first_name", "last_name", "phone", "title", "company", "domain", "country", "source",
    "self_reported_source", "origin", "consent_status", "lawful_basis", "owner", "score", "stage", "status",
    "stage_entered_at", "created_at", "external_id"}), required=(("email",),), prefixes=("entered:",))
LENGTHS = {"first_name": 100, "last_name": 100, "phone": 50, "title": 150, "source": 100,
           "self_reported_source": 300, "company": 200, "domain": 200}


def _choices(choices: Any) -> dict[str, str]:
    return {**{v.lower(): v for v in choices.values}, **{str(label).lower(): v for v, label in choices.choices}}


CHOICES = {"origin": _choices(Origin), "consent_status": _choices(ConsentStatus),
           "lawful_basis": _choices(LawfulBasis)}


@dataclass
class ParsedLead:
    line: int
    values: dict[str, Any]
    company: str
    domain: str
    created_at: datetime | None
    entered: list[tuple[str, datetime, str]] = field(default_factory=list)  # (stage, at, field)
    final_stage: str = ""
    final_at: datetime | None = None
    external_id: str = ""
    owner: str = ""
    warnings: list[tuple[str, str, str]] = field(default_factory=list)


def _stage(ctx: Context, p: RowParser, name: str, taxonomy: Taxonomy) -> str:
    text = p.get(name)
    if not text:
        return ""
    table = ctx.values.get(name) or (lookups.stage_names(taxonomy) if name == "stage" else None)
    if table is None:
        p.error(name, "a lead status needs a preset (hubspot or salesforce) to translate it", text)
        return ""
    key = table.get(text.strip().lower())
    if key is None or (key and not taxonomy.has_stage(key)):
        if ctx.values.get(name):  # another system's value Tandem has no stage for: keep the row, say so
            p.warnings.append((name, f"{text!r} has no Tandem stage; ignored", text))
            return ""
        p.error(name, "not a stage of the taxonomy", text)
        return ""
    return key


def _final(stage: str, status: str, taxonomy: Taxonomy) -> str:
    """The lifecycle stage, unless the status names a detour or a stage further down the funnel."""
    if not status:
        return stage
    if not stage or taxonomy.stage(status).kind == "detour":
        return status
    return status if taxonomy.stage(status).order > taxonomy.stage(stage).order else stage


def parse_row(ctx: Context, line: int, row: dict[str, str], taxonomy: Taxonomy) -> ParsedLead | list[FieldError]:
    """One row as a lead (every field error of the row at once). Written for speed: it runs per row."""
    p = RowParser(row)
    get = row.get
    email = get("email", "")
    email_normalized = normalize_email(email)
    if not email_normalized or "@" not in email_normalized or email_normalized[0] == "@" \
            or email_normalized[-1] == "@" or len(email) > 254:
        p.error("email", "not an email address", email)
    values: dict[str, Any] = {"email": email, "email_normalized": email_normalized}
    for name, length in LENGTHS.items():
        text = get(name)
        if text:
            if len(text) > length:
                p.error(name, f"longer than {length} characters", text)
            values[name] = text
    country = get("country", "")
    if country:
        country = country.upper() if len(country) == 2 and country.isalpha() else p.get("country", country_code, "")
        values["country"] = country
    phone = values.get("phone")
    if phone:
        values["phone_normalized"] = normalize_phone_fast(phone, country=country)
    for name, allowed in CHOICES.items():
        if name in row:
            values[name] = p.get(name, partial(choice, allowed=allowed))
    if "score" in row:
        values["score"] = p.get("score", partial(parse_int, minimum=-(10**9)), 0)
    instant = ctx.cache.get("instant") or ctx.cache.setdefault(
        "instant", partial(parse_instant, tz=ctx.tz, formats=ctx.date_formats))
    now = ctx.now
    created_at = p.get("created_at", instant) if "created_at" in row else None
    if created_at is not None and created_at > now:
        p.error("created_at", f"{created_at.isoformat()} is in the future", row["created_at"])
    entered = []
    for name in ctx.cache["entered_fields"]:
        if name in row:
            at = p.get(name, instant)
            if at is not None:
                if at > now:
                    p.error(name, f"{at.isoformat()} is in the future", row[name])
                entered.append((name[8:], at, name))
    final_at = p.get("stage_entered_at", instant) if "stage_entered_at" in row else None
    if final_at is not None and final_at > now:
        p.error("stage_entered_at", f"{final_at.isoformat()} is in the future", row["stage_entered_at"])
    final = ""
    if "stage" in row or "status" in row:
        final = _final(_stage(ctx, p, "stage", taxonomy), _stage(ctx, p, "status", taxonomy), taxonomy)
    if p.errors:
        return p.errors
    company = values.pop("company", "")
    return ParsedLead(line=line, values=values, company=company, domain=_domain(ctx, values.pop("domain", "")),
                      created_at=created_at, entered=entered, final_stage=final, final_at=final_at,
                      external_id=get("external_id", ""), owner=get("owner", ""), warnings=p.warnings)


def _domain(ctx: Context, text: str) -> str:
    """normalize_domain, remembered: many leads share their company's domain."""
    if not text:
        return ""
    known = ctx.cache.setdefault("domains", {})
    if text not in known:
        if len(known) > 100_000:
            known.clear()
        known[text] = normalize_domain(text)
    return known[text]


def moves_for(ctx: Context, lead: ParsedLead, taxonomy: Taxonomy) -> list[Move]:
    dates = [at for _, at, _ in lead.entered] + [a for a in (lead.created_at, lead.final_at) if a]
    created = min(dates) if dates else ctx.now
    moves = [Move(taxonomy.initial_stage, created, from_stage="", key=(lead.line, "created_at", "", None))]
    moves += [Move(stage, at, key=(lead.line, name, "", None)) for stage, at, name in lead.entered]
    if lead.final_stage:
        at = lead.final_at or max(dates, default=created)
        note = "" if lead.final_at else history_rows.UNKNOWN_DATE_NOTE
        moves.append(Move(lead.final_stage, at, key=(lead.line, "stage", note, None)))
    return moves


def process(ctx: Context, rows: list[tuple[int, dict[str, str]]]) -> ChunkResult:
    """Parse each row and stream the valid new leads to the database as they are parsed.

    First, with one query each: which emails exist already, and which accounts the rows name.
    Then the rows are parsed one by one and each new lead is handed straight to executemany or
    COPY (PostgreSQL stores a row while the next is parsed). Accounts to create get reserved ids
    and are written after the leads (foreign keys are checked at commit).
    """
    result = ChunkResult()
    taxonomy = lookups.current_taxonomy(ctx)
    ctx.cache.setdefault("entered_fields", sorted(f for f in ctx.fields if f.startswith("entered:")))
    emails = {line: normalize_email(row.get("email", "")) for line, row in rows}
    existing = dict(lookups.select_in(Lead, "email_normalized, id", "email_normalized", set(emails.values())))
    wanted = {(_domain(ctx, row.get("domain", "")), row.get("company", "")) for line, row in rows
              if emails[line] not in existing}
    found = lookups.accounts_found(wanted)
    lookups.users(ctx), lookups.taxonomy_at(ctx)  # load now: no query may run while the rows stream (COPY)
    stream = _Stream(ctx, result, taxonomy, ids=bulk.reserve_ids(Lead, len(rows) - len(existing)),
                     account_ids=bulk.reserve_ids(Account, len(wanted) - len(found)), accounts=found)
    bulk.table(Lead).write(stream.tuples(rows, emails, existing))
    bulk.insert(Account, stream.new_accounts)
    result.counts["accounts"] += len(stream.new_accounts)
    result.counts["stage_events"] += history_rows.insert_creations(ctx, stream.plain_ids, taxonomy.initial_stage)
    bulk.insert(StageEvent, stream.events)
    result.counts["leads"] += stream.written
    lookups.remember_keys(ctx, "lead", stream.keys)
    return result


class _Stream:
    """The valid new leads of a chunk, as tuples for the leads table, made one at a time."""

    def __init__(self, ctx: Context, result: ChunkResult, taxonomy: Taxonomy, *, ids: list[int],
                 account_ids: list[int], accounts: dict[tuple[str, str], int]):
        self.ctx, self.result, self.taxonomy = ctx, result, taxonomy
        self.plain_ids: list[int] = []
        self.events: list[dict] = []
        self.new_accounts: list[dict] = []
        self.keys: list[tuple[str, int]] = []
        self.written = 0
        self._ids, self._account_ids, self._accounts = ids, account_ids, dict(accounts)
        self._front, self._back = 0, len(ids) - 1  # plain leads take ids from the front: one block

    def tuples(self, rows: list[tuple[int, dict[str, str]]], emails: dict[int, str],
               existing: dict[str, int]) -> Iterator[tuple]:
        make = bulk.table(Lead).row_maker()
        first_line: dict[str, int] = {}
        for line, row in rows:
            email = emails[line]
            if email in existing:
                self.result.skip(line, "email", f"a lead with this email already exists (id {existing[email]})")
                if row.get("external_id"):
                    self.keys.append((row["external_id"], existing[email]))
                continue
            parsed = parse_row(self.ctx, line, row, self.taxonomy)
            if isinstance(parsed, list):
                self.result.fail(line, parsed)
                continue
            if email in first_line:
                self.result.skip(line, "email", f"the same email as line {first_line[email]}")
                continue
            first_line[email] = line
            yield make(self._lead(parsed))

    def _lead(self, parsed: ParsedLead) -> dict[str, Any]:
        ctx, result = self.ctx, self.result
        for name, message, value in parsed.warnings:
            result.warn(parsed.line, name, message, value)
        owner = lookups.users(ctx).get(parsed.owner.lower()) if parsed.owner else None
        if parsed.owner and owner is None:
            result.warn(parsed.line, "owner", "no active user by this username, email or name; left unassigned",
                        parsed.owner)
        row = {**parsed.values, "account_id": self._account(parsed.domain, parsed.company),
               "owner_id": owner.pk if owner else None, "updated_at": ctx.now}
        if _plain(parsed):
            row["id"], self._front = self._ids[self._front], self._front + 1
            self.plain_ids.append(row["id"])
            created = parsed.created_at or ctx.now
            row.update(stage=self.taxonomy.initial_stage, stage_entered_at=created, created_at=created)
            result.days.add(created.date())
        else:
            row["id"], self._back = self._ids[self._back], self._back - 1
            judged, _ = replay([], moves_for(ctx, parsed, self.taxonomy), lookups.taxonomy_at(ctx),
                               report_no_change=False)
            now = history_rows.current([], judged)
            row.update(stage=now.to_stage, stage_entered_at=now.at, created_at=judged[0].move.at)
            self.events += [history_rows.event_row(ctx, row["id"], j) for j in judged]
            history_rows.record(ctx, result, judged)
        if parsed.external_id:
            self.keys.append((parsed.external_id, row["id"]))
        self.written += 1
        result.ok(parsed.line)
        return row

    def _account(self, domain: str, company: str) -> int | None:
        """The account the row names: found, or new with a reserved id (written after the leads)."""
        if not domain and not company:
            return None
        key = (domain, company)
        if key not in self._accounts:
            same = (domain, "") if domain else ("", company.lower())
            if same not in self._accounts:
                self._accounts[same] = self._account_ids.pop()
                self.new_accounts.append({"id": self._accounts[same], "name": (company or domain)[:200],
                                          "domain": domain, "created_at": self.ctx.now, "updated_at": self.ctx.now})
            self._accounts[key] = self._accounts[same]
        return self._accounts[key]


def _plain(lead: ParsedLead) -> bool:
    """A lead whose only event is its creation (no stage dates, no stage named)."""
    return not lead.entered and not lead.final_stage
