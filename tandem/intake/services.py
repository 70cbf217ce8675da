"""The front door's one write: a submission becomes a touchpoint on the person's lead.

A known person (same normalised email, an address merged into a lead, else the same phone
in E.164) gets a new touchpoint on the existing lead, never a second lead; blank fields of
that lead are filled from the submission, nothing a person typed earlier is overwritten. A new
person is created by inserting the lead: when two deliveries for the same new address race,
the unique constraint on Lead.email_normalized lets exactly one insert win; the other catches
the IntegrityError inside a savepoint (lead_create does), re-reads the winner and adds its
touchpoint there. Accounts are found or created by normalised domain the same way. This holds
on SQLite and PostgreSQL alike, whatever the isolation level. Every value is stored as given.
The touch's effect on the lead's score and SLA timers follows in the background (the worker),
so that a burst of deliveries is answered quickly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import F

from tandem import clock
from tandem.accounts.models import Account
from tandem.accounts.normalize import normalize_domain
from tandem.accounts.services import account_create
from tandem.audit.services import audit_record
from tandem.identity.selectors import account_resolve, lead_match
from tandem.leads.choices import ConsentStatus, LawfulBasis
from tandem.leads.errors import DuplicateLead, LeadInvalid
from tandem.leads.models import Lead
from tandem.leads.normalize import normalize_email, normalize_phone
from tandem.leads.services import LeadData, lead_create
from tandem.touchpoints.choices import Channel, TouchSource
from tandem.touchpoints.models import Touchpoint
from tandem.touchpoints.services import DuplicateTouchpoint, touchpoint_record

PERSON_FIELDS = ("email", "first_name", "last_name", "phone", "company", "domain", "country", "title",
                 "self_reported_source")
LEAD_SOURCE = {TouchSource.WEB_FORM: "web", TouchSource.WEBHOOK: "webhook"}


@dataclass(frozen=True)
class Submission:
    """What a web form or another system sent about one person and one interaction."""

    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    company: str = ""
    domain: str = ""
    country: str = ""
    title: str = ""
    self_reported_source: str = ""
    consent: bool | None = None
    channel: str = Channel.FORM_FILL
    occurred_at: datetime | None = None
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_term: str = ""
    utm_content: str = ""
    click_ids: dict[str, str] = field(default_factory=dict)
    content_item: str = ""
    external_id: str = ""
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IntakeResult:
    lead: Lead
    touchpoint: Touchpoint
    lead_created: bool
    duplicate: bool  # the sender's external_id was recorded before: nothing new was stored


def _account_id(sub: Submission) -> int | None:
    """The account for the submission's domain (found or created, race-safe), else by company name."""
    domain = normalize_domain(sub.domain)
    if domain:
        found = Account.objects.filter(domain=domain).first()
        if found is None:
            try:
                return account_create(by=None, name=sub.company if sub.company.strip() else domain, domain=domain).pk
            except LeadInvalid:  # another delivery created it first: the unique domain refused ours
                found = Account.objects.filter(domain=domain).first()
                if found is None:
                    raise
        return account_resolve(account=found).pk
    if sub.company.strip():
        found = (Account.objects.filter(name__iexact=sub.company.strip(), merged_into__isnull=True)
                 .order_by("id").first())
        return found.pk if found is not None else account_create(by=None, name=sub.company).pk
    return None


def _consent(sub: Submission) -> dict[str, str]:
    if sub.consent:
        return {"consent_status": ConsentStatus.GRANTED, "lawful_basis": LawfulBasis.CONSENT}
    return {}


def _create(sub: Submission, source: str) -> tuple[Lead, bool]:
    data = LeadData(email=sub.email, first_name=sub.first_name, last_name=sub.last_name, phone=sub.phone,
                    title=sub.title, account_id=_account_id(sub), country=sub.country.upper(),
                    source=LEAD_SOURCE.get(source, source), self_reported_source=sub.self_reported_source,
                    **_consent(sub))
    try:
        return lead_create(data=data, by=None), True
    except DuplicateLead as exc:  # the same person arrived at the same instant and won the insert
        return Lead.objects.get(pk=exc.existing_id), False


def _fill_blanks(lead: Lead, sub: Submission) -> None:
    """Give the known lead what it lacks; only fields still blank are written (no lost update)."""
    offered: dict[str, Any] = {name: getattr(sub, name) for name in
                               ("first_name", "last_name", "title", "self_reported_source")}
    offered["country"] = sub.country.upper()
    if sub.phone and not lead.phone:
        offered.update(phone=sub.phone, phone_normalized=normalize_phone(sub.phone, country=sub.country or lead.country))
    fills = {k: v for k, v in offered.items() if v and not getattr(lead, k)}
    still = {k: "" for k in fills if k != "phone_normalized"}
    if lead.account_id is None and (sub.domain or sub.company):
        fills["account_id"], still["account__isnull"] = _account_id(sub), True
    if sub.consent and lead.consent_status == ConsentStatus.UNKNOWN:
        fills["consent_status"], still["consent_status"] = ConsentStatus.GRANTED, ConsentStatus.UNKNOWN
    fills = {k: v for k, v in fills.items() if v is not None}
    if not fills:
        return
    if Lead.objects.filter(pk=lead.pk, **still).update(**fills, version=F("version") + 1, updated_at=clock.now()):
        audit_record(actor=None, action="lead.update", obj=lead, changes={k: [None, v] for k, v in fills.items()})
        for name, value in fills.items():
            setattr(lead, name, value)


def _submitted(sub: Submission) -> dict[str, Any]:
    given = {name: getattr(sub, name) for name in PERSON_FIELDS if getattr(sub, name)}
    if sub.consent is not None:
        given["consent"] = sub.consent
    return given


def intake_receive(*, submission: Submission, source: str) -> IntakeResult:
    """Record one delivery: find or create the person's lead, then append the touchpoint. Run atomically."""
    sub = submission
    email = normalize_email(sub.email)
    lead = lead_match(email_normalized=email, phone_normalized=normalize_phone(sub.phone, country=sub.country))
    created = False
    if lead is None:
        if not email:
            raise LeadInvalid("an email address is needed for a person we do not know yet", field="email")
        lead, created = _create(sub, source)
    if not created:
        _fill_blanks(lead, sub)
    properties = {**sub.properties, "submitted": _submitted(sub)}
    try:
        touch = touchpoint_record(
            lead=lead, channel=sub.channel, occurred_at=sub.occurred_at, utm_source=sub.utm_source,
            utm_medium=sub.utm_medium, utm_campaign=sub.utm_campaign, utm_term=sub.utm_term,
            utm_content=sub.utm_content, click_ids=sub.click_ids, content_item=sub.content_item, source=source,
            external_id=sub.external_id, properties=properties, by=None, follow_up="background")
    except DuplicateTouchpoint as exc:  # this external id was delivered before (or at the same instant)
        touch = Touchpoint.objects.select_related("lead").get(pk=exc.existing_id)
        return IntakeResult(lead=touch.lead, touchpoint=touch, lead_created=False, duplicate=True)
    return IntakeResult(lead=lead, touchpoint=touch, lead_created=created, duplicate=False)
