"""Writes the generated demo company into the database in bulk, in batches, with progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify

from tandem.accounts.models import Account
from tandem.campaigns.models import Campaign
from tandem.demo import company
from tandem.demo.agreements import Figures, agreements_load
from tandem.demo.generator import GenLead, generate
from tandem.demo.sla_history import SlaHistory
from tandem.leads.models import Assignment, Lead, StageEvent
from tandem.opportunities.models import Opportunity
from tandem.people.models import User
from tandem.taxonomy.selectors import taxonomy_current
from tandem.touchpoints.models import Touchpoint

BATCH = 2000
TEAM_OF_ROLE = {"marketing": "marketing", "sdr": "tele", "sales": "sales", "manager": "management",
                "admin": "management", "readonly": "management"}


@dataclass(frozen=True)
class LoadSummary:
    users: int
    accounts: int
    leads: int
    stage_events: int
    opportunities: int
    touchpoints: int = 0
    campaigns: int = 0
    goals: int = 0
    commitments: int = 0
    sla_timers: int = 0


UTM = {"paid_click": ("google", "cpc"), "email_click": ("newsletter", "email"), "email_open": ("newsletter", "email"),
       "content_shared": ("syndication", "content"), "webinar": ("webinar", "event"), "event": ("fair", "event")}


def demo_campaigns_create(users: dict[str, User], until: datetime, months: int = 15) -> list[Campaign]:
    """The demo's campaigns, planned jointly: a Marketing owner and a Sales owner each, budget and cost."""
    start = (until - timedelta(days=months * 30)).date()
    campaigns = []
    for i, (name, kind, channel, every, budget, sales_owner) in enumerate(company.CAMPAIGNS):
        runs = max(1, months // every)
        total = Decimal(budget * runs)
        campaigns.append(Campaign(
            name=name, type=kind, channel=channel, marketing_owner=users["maria" if i % 2 else "tom"],
            sales_owner=users[sales_owner], starts_on=start, ends_on=until.date(), budget=total,
            actual_cost=(total * Decimal(90 + (i * 7) % 21) / 100).quantize(Decimal("0.01")),
            target_segment=("enterprise" if "Enterprise" in name else "mid" if "CFO" in name else ""),
            goal_leads=runs * 120, goal_mqls=runs * 30, goal_pipeline=total * 6, goal_revenue=total * 2,
            status="active", utm_campaign=slugify(name), created_at=until, updated_at=until))
    return Campaign.objects.bulk_create(campaigns)


class DemoAlreadyLoaded(RuntimeError):
    pass


def demo_staff_create() -> dict[str, User]:
    """The demo company's people, one login per role, all with the published demo password."""
    password = make_password(company.DEMO_PASSWORD)
    users = {}
    for username, first, last, role, _ in company.STAFF:
        users[username], _ = User.objects.get_or_create(username=username, defaults={
            "first_name": first, "last_name": last, "role": role, "team": TEAM_OF_ROLE[role], "password": password,
            "email": f"{username}@tandem-demo.example", "is_staff": role == "admin", "is_superuser": role == "admin"})
    for username, *_, manager in company.STAFF:
        if manager:
            User.objects.filter(username=username).update(manager=users[manager])
    return users


def _ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _lead_row(gen: GenLead, account_ids: dict[int, int], users: dict[str, User]) -> Lead:
    created, last = _ts(gen.created_at), gen.events[-1]
    owner = users[gen.owners[-1][1]] if gen.owners else None
    return Lead(first_name=gen.first_name, last_name=gen.last_name, email=gen.email, email_normalized=gen.email.lower(),
                phone=gen.phone, phone_normalized=gen.phone.replace(" ", ""), title=gen.title,
                account_id=account_ids[gen.account], country=gen.country, source=gen.source,
                self_reported_source=gen.self_reported, origin=gen.origin, score=gen.score, stage=last.to_stage,
                stage_entered_at=_ts(last.at), created_at=created, updated_at=_ts(last.at), owner=owner,
                consent_status="granted" if gen.source in ("web", "webinar", "content") else "unknown",
                lawful_basis="consent" if gen.source in ("web", "webinar", "content") else "legitimate_interest")


def _touch_rows(gen: GenLead, lead: Lead, account_id: int, campaigns: list[Campaign], users: dict[str, User],
                opportunity: Opportunity | None) -> list[Touchpoint]:
    rows = []
    for t in gen.touches:
        campaign = campaigns[t.campaign] if t.campaign is not None else None
        source, medium = UTM.get(t.channel, ("", ""))
        in_deal = opportunity is not None and t.at >= gen.opportunity.created_at
        rows.append(Touchpoint(
            lead_id=lead.pk, account_id=account_id, opportunity=opportunity if in_deal else None, channel=t.channel,
            campaign=campaign, content_item=t.content_item, utm_source=source if campaign else "",
            utm_medium=medium if campaign else "", utm_campaign=campaign.utm_campaign if campaign else "",
            occurred_at=_ts(t.at), recorded_at=_ts(t.at), actor=users.get(t.actor) if t.actor else None,
            source="demo"))
    return rows


def _write_batch(batch: list[GenLead], account_ids: dict[int, int], users: dict[str, User], version: int,
                 campaigns: list[Campaign], history: SlaHistory | None = None) -> tuple[int, int, int]:
    leads = Lead.objects.bulk_create([_lead_row(g, account_ids, users) for g in batch])
    events, assignments, opportunities, touch_leads = [], [], [], []
    lead_events: list[list[StageEvent]] = []
    for gen, lead in zip(batch, leads, strict=True):
        mine = []
        for e in gen.events:
            actor = users.get(e.actor) if e.actor else None
            mine.append(StageEvent(
                lead_id=lead.pk, from_stage=e.from_stage, to_stage=e.to_stage, action=e.action, occurred_at=_ts(e.at),
                recorded_at=_ts(e.at), actor=actor, actor_kind="user" if actor else "system",
                actor_team=actor.team if actor else "", reason_code=e.reason, taxonomy_version=version,
                note="" if actor else ("criteria met" if e.action != "create" else "")))
        events += mine
        lead_events.append(mine)
        previous = None
        for at, username, rule in gen.owners:
            routed = rule.startswith("routing:")  # the system routed it; otherwise the rep took it
            assignments.append(Assignment(lead_id=lead.pk, from_owner=previous, to_owner=users[username],
                                          occurred_at=_ts(at), recorded_at=_ts(at),
                                          by=None if routed else users[username], rule=rule))
            previous = users[username]
        if gen.opportunity:
            o = gen.opportunity
            opportunities.append(Opportunity(
                account_id=account_ids[gen.account], lead_id=lead.pk, name=o.name, amount=o.amount, currency="EUR",
                outcome=o.outcome, reason_code=o.reason, owner=users[o.owner], created_at=_ts(o.created_at),
                closed_at=_ts(o.closed_at) if o.closed_at else None, updated_at=_ts(o.closed_at or o.created_at),
                stage="closed" if o.closed_at else "proposal",
                expected_close_date=_ts(o.closed_at or o.created_at + 60 * 86400).date()))
        touch_leads.append((gen, lead, opportunities[-1] if gen.opportunity else None))
    StageEvent.objects.bulk_create(events, batch_size=5000)
    Assignment.objects.bulk_create(assignments, batch_size=5000)
    Opportunity.objects.bulk_create(opportunities, batch_size=5000)
    lead_touches = [_touch_rows(gen, lead, account_ids[gen.account], campaigns, users, opp)
                    for gen, lead, opp in touch_leads]
    touches = [row for rows in lead_touches for row in rows]
    Touchpoint.objects.bulk_create(touches, batch_size=5000)
    if history is not None:
        for gen, lead, mine, rows in zip(batch, leads, lead_events, lead_touches, strict=True):
            history.add(lead.pk, [(_ts(at), users[who].pk) for at, who, _ in gen.owners], mine, rows)
    return len(events), len(opportunities), len(touches)


def demo_load(*, seed: int, leads: int, until: datetime, progress: Callable[[int], None] | None = None,
              agreements: bool = False, phase: Callable[[str], None] | None = None) -> LoadSummary:
    """Load the demo company. Refuses if leads already exist (load into an empty database).

    With `agreements` it also gets the teams' shared goals, Marketing's MQL commitments and the SLA
    history of its last weeks (tandem.demo.agreements), as `tandem demo` and `tandem generate` load it.
    """
    if Lead.objects.exists():
        raise DemoAlreadyLoaded("this database already holds leads; the demo loads into an empty database")
    users = demo_staff_create()
    figures = Figures() if agreements else None
    history = SlaHistory(until=until, leads=leads) if agreements else None
    version, _ = taxonomy_current()
    gen_accounts, stream = generate(seed=seed, leads=leads, until=until)
    with transaction.atomic():
        created = Account.objects.bulk_create([
            Account(name=a.name, domain=a.domain, industry=a.industry, employees=a.employees, segment=a.segment,
                    country=a.country, owner=users.get(a.owner) if a.owner else None,
                    created_at=_ts(int(until.timestamp()) - 500 * 86400), updated_at=until)
            for a in gen_accounts], batch_size=5000)
    account_ids = {g.key: a.pk for g, a in zip(gen_accounts, created, strict=True)}
    campaigns = demo_campaigns_create(users, until)
    n_events = n_opps = n_touches = done = 0
    batch: list[GenLead] = []
    for gen in stream:
        batch.append(gen)
        if figures is not None:
            figures.add(gen)
        if len(batch) == BATCH:
            with transaction.atomic():
                e, o, t = _write_batch(batch, account_ids, users, version, campaigns, history)
            n_events, n_opps, n_touches, done, batch = n_events + e, n_opps + o, n_touches + t, done + len(batch), []
            if progress:
                progress(done)
    if batch:
        with transaction.atomic():
            e, o, t = _write_batch(batch, account_ids, users, version, campaigns, history)
        n_events, n_opps, n_touches, done = n_events + e, n_opps + o, n_touches + t, done + len(batch)
        if progress:
            progress(done)
    summary = LoadSummary(len(users), len(created), done, n_events, n_opps, n_touches, len(campaigns))
    if figures is None or history is None:
        return summary
    if phase:
        phase("Goals, commitments, SLA history")
    loaded = agreements_load(figures=figures, history=history, users=users, until=until, seed=seed)
    return replace(summary, goals=loaded.goals, commitments=loaded.commitments, sla_timers=loaded.sla.timers)
