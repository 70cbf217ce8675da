"""A deterministic demo company: the same seed and end date give the same records, byte for byte.

It simulates each lead's walk down the Demand Waterfall with the moves the default
taxonomy allows (acceptances, procedural rejections, recycles, disqualifications, won and
lost opportunities with reasons), so every generated stage event is a legal move. Owners
change as the default routing would change them (tandem.routing): an MQL goes to an SDR
as it enters (back to the SDR who had it before, if it comes back), a TQL to the account's
owner or an account executive, and a hand-off Sales sends back returns to its SDR. SDRs
decide on MQLs and follow them up in working hours (company.WORKING_HOURS), each at their
own pace (company.RESPONSE_PACE).
Plain Python (and tandem.core): no Django here; tandem.demo.loader writes the records.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tandem.core.business_time import Calendar, due_at
from tandem.demo import company as c

HOUR = 3600
DAY = 86400
WORKING = Calendar.build(c.WORKING_ZONE, c.WORKING_HOURS, [])


def after_working(start: int, seconds: float) -> int:
    """The instant `seconds` of working time after `start` (at least a minute: nobody acts at once)."""
    return int(due_at(datetime.fromtimestamp(start, UTC), timedelta(seconds=max(60, int(seconds))), WORKING)
               .timestamp())


@dataclass
class GenAccount:
    key: int
    name: str
    domain: str
    industry: str
    employees: int
    segment: str
    country: str
    owner: str | None


@dataclass
class GenEvent:
    from_stage: str
    to_stage: str
    action: str
    at: int
    actor: str | None  # username, or None for the system
    reason: str = ""


@dataclass
class GenOpportunity:
    name: str
    amount: Decimal
    created_at: int
    closed_at: int | None
    outcome: str
    reason: str
    owner: str


@dataclass
class GenTouch:
    channel: str
    at: int
    campaign: int | None = None  # index into company.CAMPAIGNS
    actor: str | None = None
    content_item: str = ""


@dataclass
class GenLead:
    key: int
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str
    account: int
    country: str
    source: str
    self_reported: str
    origin: str
    score: int
    created_at: int
    events: list[GenEvent] = field(default_factory=list)
    owners: list[tuple[int, str, str]] = field(default_factory=list)  # (at, username, rule)
    opportunity: GenOpportunity | None = None
    touches: list[GenTouch] = field(default_factory=list)

    @property
    def stage(self) -> str:
        return self.events[-1].to_stage


def _weighted(rng: random.Random, pairs) -> object:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def make_accounts(rng: random.Random, n: int) -> list[GenAccount]:
    sales = [s[0] for s in c.STAFF if s[3] == "sales"]
    accounts = []
    for key in range(n):
        segment, low, high, _ = _weighted(rng, [(s, s[3]) for s in c.SEGMENT_EMPLOYEES])
        word, kind = rng.choice(c.COMPANY_WORDS), rng.choice(c.COMPANY_KINDS)
        name = f"{word} {kind} {key + 1}" if key >= len(c.COMPANY_WORDS) * len(c.COMPANY_KINDS) else f"{word} {kind}"
        domain = f"{word}{kind}{key + 1}.example".lower()
        employees = int(low + (high - low) * rng.random() ** 2)
        owner = rng.choice(sales) if segment == "enterprise" and rng.random() < 0.7 else None
        accounts.append(GenAccount(key, name, domain, rng.choice(c.INDUSTRIES), employees, segment,
                                   _weighted(rng, c.COUNTRIES), owner))
    return accounts


class Journey:
    """Walks one lead down the waterfall, stopping at `until`."""

    def __init__(self, rng: random.Random, lead: GenLead, account: GenAccount, until: int):
        self.rng, self.lead, self.account, self.until = rng, lead, account, until
        self.t = lead.created_at
        self.sdrs = [s[0] for s in c.STAFF if s[3] == "sdr"]
        self.aes = [s[0] for s in c.STAFF if s[3] == "sales"]
        self.marketers = [s[0] for s in c.STAFF if s[3] == "marketing"]

    def _draw(self, lo: float, hi: float) -> int:
        return int(lo + (hi - lo) * self.rng.random() ** 1.5)

    def _step(self, lo: float, hi: float) -> bool:
        self.t += self._draw(lo, hi)
        return self.t <= self.until

    def _move(self, to: str, action: str, actor: str | None, reason: str = "") -> None:
        self.lead.events.append(GenEvent(self.lead.stage, to, action, self.t, actor, reason))

    def _route(self, at: int, who: str, rule: str) -> None:
        """Routing gives the lead to `who` at `at`; nothing is recorded when they own it already."""
        if not self.lead.owners or self.lead.owners[-1][1] != who:
            self.lead.owners.append((at, who, f"routing:{rule}"))

    def _previous(self, team: list[str]) -> str | None:
        """The last of `team` who owned the lead, if any."""
        return next((who for _, who, _ in reversed(self.lead.owners) if who in team), None)

    def run(self) -> None:
        lead, rng = self.lead, self.rng
        lead.events.append(GenEvent("", "inquiry", "create", lead.created_at, None))
        if lead.score < 30 or not self._step(HOUR, 3 * DAY):
            return
        self._move("aql", "advance", None)
        if lead.score < 50 or not self._step(HOUR, 5 * DAY):
            if lead.stage == "aql" and rng.random() < 0.25 and self._step(20 * DAY, 60 * DAY):
                self._move("recycled", "recycle", rng.choice(self.marketers), rng.choice(["not_ready", "no_response"]))
            return
        self._move("mql", "advance", None)
        comebacks = 0
        while self._tele() and lead.stage == "recycled" and comebacks < 2:
            # A recycled lead comes back as an MQL when it engages again, at most twice.
            if rng.random() > 0.3 or not self._step(30 * DAY, 120 * DAY):
                return
            self._move("mql", "reopen", None)
            comebacks += 1

    def _tele(self) -> bool:
        lead, rng = self.lead, self.rng
        entered, previous = self.t, self._previous(self.sdrs)
        delay = self._draw(10 * 60, 8.5 * HOUR)  # working time until the SDR decides
        drawn = rng.choice(self.sdrs)
        sdr = previous or drawn  # a lead that comes back returns to its SDR
        self._route(entered, sdr, "previous_owner" if previous else "tele_default")
        self.t = after_working(entered, delay)
        if self.t > self.until:  # still waiting at the end
            return False
        roll = rng.random()
        if lead.title == "Student" or roll < 0.07:
            self._move("disqualified", "disqualify", sdr, rng.choice(["student_or_job", "bad_data", "competitor"]))
            return True
        if roll < 0.25:
            self._move("recycled", "reject", sdr, rng.choice(["not_ready", "no_budget", "no_response", "not_icp"]))
            return True
        self._move("tal", "accept", sdr)
        return self._qualify(sdr)

    def _qualify(self, sdr: str) -> bool:
        rng = self.rng
        if not self._step(DAY, 12 * DAY):
            return False
        if rng.random() < 0.45 or not self.lead.phone:
            self._move("recycled", "recycle", sdr, rng.choice(["not_ready", "no_budget", "no_authority", "no_response"]))
            return True
        self._move("tql", "advance", sdr)
        return self._handoff(sdr)

    def _handoff(self, sdr: str) -> bool:
        rng = self.rng
        previous = self._previous(self.aes)
        drawn = self.account.owner or rng.choice(self.aes)
        ae = previous or drawn
        self._route(self.t, ae, "previous_owner" if previous else
                    "account_owner" if self.account.owner else "sales_default")
        pace = c.RESPONSE_PACE.get(ae, 1.0)
        if not self._step(HOUR * pace, 2 * DAY * pace):
            return False
        if rng.random() < 0.1:  # Sales sends it back, for a procedural reason only
            self._move("tal", "reject", ae, rng.choice(["wrong_territory", "incomplete_handoff", "duplicate"]))
            self._route(self.t, sdr, "previous_owner")
            if not self._step(DAY, 5 * DAY):
                return False
            self._move("tql", "advance", sdr)
            self._route(self.t, ae, "previous_owner")
            if not self._step(HOUR * pace, DAY * pace):
                return False
        self._move("sal", "accept", ae)
        return self._sell(ae)

    def _sell(self, ae: str) -> bool:
        rng = self.rng
        if not self._step(2 * DAY, 15 * DAY):
            return False
        if rng.random() < 0.35:
            if rng.random() < 0.6:
                self._move("recycled", "recycle", ae, rng.choice(["not_ready", "no_budget", "no_authority"]))
            else:
                self._move("disqualified", "disqualify", ae, rng.choice(["competitor", "not_icp", "bad_data"]))
            return True
        self._move("sql", "advance", ae)
        if not self._step(DAY, 10 * DAY):
            return False
        if rng.random() < 0.15:
            self._move("recycled", "recycle", ae, rng.choice(["not_ready", "no_budget"]))
            return True
        return self._opportunity(ae)

    def _opportunity(self, ae: str) -> bool:
        rng, lead = self.rng, self.lead
        low, high = c.SEGMENT_DEAL[self.account.segment]
        amount = Decimal(int(low + (high - low) * rng.random() ** 2) // 100 * 100)
        opened = self.t
        self._move("opportunity", "advance", ae)
        won = rng.random() < {"smb": 0.32, "mid": 0.27, "enterprise": 0.22}[self.account.segment]
        reason = rng.choice(["won_value", "won_relationship", "won_price"] if won else
                            ["lost_price", "lost_competitor", "lost_no_decision", "lost_features", "lost_timing"])
        name = f"{self.account.name} — {rng.choice(['Platform', 'Expansion', 'Pilot', 'Rollout'])}"
        closes = self._step(20 * DAY, 110 * DAY)
        lead.opportunity = GenOpportunity(name, amount, opened, self.t if closes else None,
                                          ("won" if won else "lost") if closes else "open", reason if closes else "", ae)
        if not closes:
            return False
        self._move("won" if won else "lost", "win" if won else "lose", ae, reason)
        return True


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _lead(rng: random.Random, key: int, account: GenAccount, start: int, span: int) -> GenLead:
    first, last = rng.choice(c.FIRST_NAMES), rng.choice(c.LAST_NAMES)
    source, _, answers = _weighted(rng, [(s, s[1]) for s in c.SOURCES])
    origin = "sgl" if source == "outbound" else ("tgl" if rng.random() < 0.08 else "mgl")
    created = start + int(span * rng.random() ** 0.85)  # more leads recently: the company is growing
    title = _weighted(rng, c.TITLES)
    score = int(min(100, max(0, rng.gauss(52 if account.segment != "smb" else 44, 20))))
    local = _ascii(f"{first}.{last}".lower().replace(" ", "").replace("ü", "ue"))
    phone = f"+49 30 {rng.randrange(1000000, 9999999)}" if rng.random() < 0.85 else ""
    return GenLead(key, first, last, f"{local}.{key}@{account.domain}", phone, title, account.key, account.country,
                   source, rng.choice(answers), origin, score, created)


def generate(*, seed: int, leads: int, until: datetime, months: int = 15) -> tuple[list[GenAccount], Iterator[GenLead]]:
    """Accounts, and a stream of leads with their journeys, ending at `until` (aware UTC)."""
    if until.tzinfo is None:
        raise ValueError("until must be timezone-aware")
    rng = random.Random(seed)
    accounts = make_accounts(rng, max(50, leads // 6))
    end = int(until.timestamp())
    span = months * 30 * DAY
    start = end - span

    def stream() -> Iterator[GenLead]:
        for key in range(leads):
            lead_rng = random.Random(seed * 1_000_003 + key)
            account = accounts[lead_rng.randrange(len(accounts))]
            lead = _lead(lead_rng, key, account, start, span)
            if lead.score >= 50 and not lead.phone and lead_rng.random() < 0.5:
                lead.phone = f"+49 40 {lead_rng.randrange(1000000, 9999999)}"
            Journey(lead_rng, lead, account, end).run()
            add_touches(lead_rng, lead, end)
            yield lead

    return accounts, stream()


def _marketing_touch(rng: random.Random, at: int) -> GenTouch:
    channel = rng.choice(("web_visit", "web_visit", "email_open", "email_click", "paid_click", "content_shared"))
    campaign = {"email_click": 6, "email_open": 6, "paid_click": rng.choice((3, 4)), "content_shared": 5}.get(channel)
    item = rng.choice(c.CONTENT_ITEMS) if channel in ("web_visit", "content_shared") else ""
    return GenTouch(channel, at, campaign, None, item)


def owner_at(lead: GenLead, at: int) -> str | None:
    """Who owned the lead at `at` (routing at that very instant included)."""
    return next((who for when, who, _ in reversed(lead.owners) if when <= at), None)


def add_touches(rng: random.Random, lead: GenLead, until: int) -> None:
    """Touches around the journey: research before the lead exists, the creating touch, nurture,
    reps' calls and emails after hand-offs, meetings in Sales, and marketing touches during deals."""
    created = lead.created_at
    for _ in range(rng.randrange(0, 4)):
        lead.touches.append(_marketing_touch(rng, created - rng.randrange(HOUR, 30 * DAY)))
    campaigns = c.SOURCE_CAMPAIGNS.get(lead.source)
    actor = lead.owners[0][1] if lead.source == "outbound" and lead.owners else None
    lead.touches.append(GenTouch(c.SOURCE_CHANNEL[lead.source], created, rng.choice(campaigns) if campaigns else None,
                                 actor, c.CONTENT_ITEMS[0] if lead.source == "content" else ""))
    if lead.self_reported:
        lead.touches.append(GenTouch("self_reported", created, None, None, lead.self_reported))
    for event in lead.events:
        if event.to_stage == "mql" and event.at < until:
            rep = owner_at(lead, event.at)  # the SDR it was routed to
            delay = rng.expovariate(1 / (1.5 * HOUR)) * c.RESPONSE_PACE.get(rep, 1.0)  # working time
            at = after_working(event.at, delay)
            # A follow-up that would come this late is never logged: the lead waits until it moves on.
            if rep and delay < c.FOLLOW_UP_FORGOTTEN_HOURS * HOUR and at < until:
                lead.touches.append(GenTouch(rng.choice(("call", "email_sent")), at, None, rep))
        if event.to_stage in ("sal", "sql") and event.actor and event.at + DAY < until:
            lead.touches.append(GenTouch("meeting", event.at + rng.randrange(HOUR, DAY), None, event.actor))
    end = lead.events[-1].at
    for _ in range(rng.randrange(0, 5)):
        at = created + rng.randrange(0, max(1, min(end, until) - created + 1))
        lead.touches.append(_marketing_touch(rng, at))
    lead.touches.sort(key=lambda t: t.at)
