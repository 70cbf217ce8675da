"""Writes to leads: create, update, move through the lifecycle, assign, note. Each is atomic and audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F

from tandem import clock
from tandem.accounts.models import Account
from tandem.audit.services import audit_record, field_changes
from tandem.core import lifecycle
from tandem.core.lifecycle import Actor, Verdict
from tandem.leads.choices import ActorKind, ConsentStatus, LawfulBasis, Origin
from tandem.leads.errors import DuplicateLead, LeadInvalid, StaleVersion
from tandem.leads.models import Assignment, Lead, Note, StageEvent
from tandem.leads.normalize import normalize_email, normalize_phone
from tandem.leads.selectors import lead_facts
from tandem.taxonomy.selectors import taxonomy_current

EDITABLE_FIELDS = ("first_name", "last_name", "email", "phone", "title", "account_id", "country", "source",
                   "self_reported_source", "consent_status", "lawful_basis", "origin")
MAX_AUTO_STEPS = 10


@dataclass
class LeadData:
    """The fields of a lead as given by a person or a system. Stored as given; normalised copies beside."""

    email: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    title: str = ""
    account_id: int | None = None
    country: str = ""
    source: str = ""
    self_reported_source: str = ""
    origin: str = Origin.MGL
    consent_status: str = ConsentStatus.UNKNOWN
    lawful_basis: str = LawfulBasis.UNSPECIFIED
    extra: dict[str, Any] = field(default_factory=dict)


def actor_for(user: Any) -> Actor:
    return Actor.system() if user is None else Actor(role=user.role, team=user.team)


def _validate(values: dict[str, Any]) -> None:
    if "email" in values:
        email = normalize_email(values["email"])
        if not email or "@" not in email or email.startswith("@") or email.endswith("@"):
            raise LeadInvalid(f"{values['email']!r} is not an email address", field="email")
    country = values.get("country")
    if country and (len(country) != 2 or not country.isalpha()):
        raise LeadInvalid("use the two-letter ISO country code, e.g. DE", field="country")
    choices = {"origin": Origin.values, "consent_status": ConsentStatus.values, "lawful_basis": LawfulBasis.values}
    for name, allowed in choices.items():
        if name in values and values[name] not in allowed:
            raise LeadInvalid(f"must be one of {', '.join(allowed)}", field=name)
    if values.get("account_id") is not None and not Account.objects.filter(pk=values["account_id"]).exists():
        raise LeadInvalid(f"no account with id {values['account_id']}", field="account_id")


def _derived(values: dict[str, Any]) -> dict[str, Any]:
    derived = {}
    if "country" in values:
        derived["country"] = (values["country"] or "").upper()
    if "email" in values:
        derived["email_normalized"] = normalize_email(values["email"])
    if "phone" in values:
        derived["phone_normalized"] = normalize_phone(values["phone"], country=values.get("country") or "")
    return derived


def lead_create(*, data: LeadData, by: Any = None, at: datetime | None = None) -> Lead:
    """Create a lead in the taxonomy's initial stage, with its first stage event; then auto-advance."""
    if by is not None and not by.can("lead.create"):
        raise PermissionDenied("your role may not create leads")
    occurred = clock.check_past(at)
    values = {k: getattr(data, k) for k in EDITABLE_FIELDS}
    _validate(values)
    values.update(_derived(values))
    number, taxonomy = taxonomy_current()
    initial = taxonomy.stage(taxonomy.initial_stage)
    try:
        with transaction.atomic():
            lead = Lead.objects.create(**values, stage=initial.key, stage_entered_at=occurred, created_at=occurred,
                                       updated_at=clock.now(), owner=by if by is not None and by.role in
                                       ("sdr", "sales") else None)
            facts = lead_facts(lead)
            results = lifecycle.evaluate_all(initial.entry_criteria, facts)
            if not all(r.passed for r in results):
                failed = "; ".join(f"{r.criterion} ({r.detail})" for r in results if not r.passed)
                raise LeadInvalid(f"entry criteria for {initial.key} not met: {failed}", field="email")
            event = StageEvent.objects.create(
                lead=lead, from_stage="", to_stage=initial.key, action="create", occurred_at=occurred,
                actor=by, actor_kind=ActorKind.USER if by else ActorKind.SYSTEM,
                actor_team=by.team if by else "", criteria=[r.as_dict() for r in results], taxonomy_version=number,
            )
            audit_record(actor=by, action="lead.create", obj=lead,
                         changes={k: [None, v] for k, v in values.items() if v not in ("", None)})
            _stage_entered(lead, event)
            _rescore(lead, new=True)
            lead_auto_advance(lead=lead, at=occurred)
    except IntegrityError as exc:
        existing = Lead.objects.filter(email_normalized=values["email_normalized"]).values_list("id", flat=True).first()
        if existing is None:
            raise
        raise DuplicateLead(f"a lead with this email already exists (id {existing})", existing_id=existing) from exc
    lead.refresh_from_db()
    return lead


def _bump(lead: Lead, expected_version: int | None, **changes: Any) -> None:
    """Write `changes` only if the lead is still at the version we read; else StaleVersion."""
    version = lead.version if expected_version is None else expected_version
    updated = Lead.objects.filter(pk=lead.pk, version=version).update(
        **changes, version=F("version") + 1, updated_at=clock.now())
    if not updated:
        raise StaleVersion(f"the lead changed since version {version}; reload it and try again")


@transaction.atomic
def lead_update(*, lead: Lead, changes: dict[str, Any], by: Any, expected_version: int | None = None) -> Lead:
    if by is not None and not by.can("lead.update"):
        raise PermissionDenied("your role may not edit leads")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise LeadInvalid(f"cannot be edited here: {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    _validate(changes)
    values = {**changes, **_derived({**changes, "country": changes.get("country", lead.country)})}
    if "country" not in changes:
        values.pop("country", None)
    before = {k: getattr(lead, k) for k in values}
    try:
        _bump(lead, expected_version, **values)
    except IntegrityError as exc:
        raise DuplicateLead("another lead already has this email", existing_id=Lead.objects.filter(
            email_normalized=values.get("email_normalized")).values_list("id", flat=True).first() or 0) from exc
    lead.refresh_from_db()
    audit_record(actor=by, action="lead.update", obj=lead, changes=field_changes(before, values))
    _rescore(lead, advance=True)
    return lead


def _move(*, lead: Lead, verdict: Verdict, by: Any, kind: str, reason_code: str, note: str, at: datetime,
          number: int, expected_version: int | None) -> StageEvent:
    if at < lead.stage_entered_at:
        raise LeadInvalid(f"at: {at.isoformat()} is before the lead entered {lead.stage} "
                          f"({lead.stage_entered_at.isoformat()})", field="at")
    transition = verdict.transition
    new_owner = by if (transition.action == "accept" and by is not None and by.role in ("sdr", "sales")) else None
    changes: dict[str, Any] = {"stage": transition.to, "stage_entered_at": at}
    if new_owner is not None and new_owner.pk != lead.owner_id:
        changes["owner"] = new_owner
    _bump(lead, expected_version, **changes)
    event = StageEvent.objects.create(
        lead=lead, from_stage=lead.stage, to_stage=transition.to, action=transition.action, occurred_at=at,
        actor=by, actor_kind=kind, actor_team=by.team if by is not None else "", reason_code=reason_code or "",
        note=note or "", criteria=[r.as_dict() for r in verdict.criteria], taxonomy_version=number,
    )
    if "owner" in changes:
        Assignment.objects.create(lead=lead, from_owner_id=lead.owner_id, to_owner=new_owner, occurred_at=at, by=by,
                                  rule="accepted", explanation={"why": f"{new_owner} accepted the lead"})
    audit_record(actor=by, action=f"lead.{transition.action}", obj=lead,
                 changes={"stage": [lead.stage, transition.to], **({"reason_code": [None, reason_code]}
                                                                   if reason_code else {})})
    lead.refresh_from_db()
    _stage_entered(lead, event)
    return event


@transaction.atomic
def lead_advance_stage(*, lead: Lead, to_stage: str, by: Any, reason_code: str | None = None, note: str = "",
                       expected_version: int | None = None, at: datetime | None = None) -> StageEvent:
    """Move `lead` to `to_stage` if the taxonomy allows it, `by` may perform it and criteria hold."""
    if by is not None and not by.can("lead.move"):
        raise PermissionDenied("your role may not move leads")
    occurred = clock.check_past(at)
    if expected_version is not None and expected_version != lead.version:
        raise StaleVersion(f"the lead is at version {lead.version}, not {expected_version}; reload it")
    number, taxonomy = taxonomy_current()
    verdict = lifecycle.check_move(taxonomy, lead_facts(lead), from_stage=lead.stage, to_stage=to_stage,
                                   actor=actor_for(by), reason_code=reason_code)
    event = _move(lead=lead, verdict=verdict, by=by, kind=ActorKind.USER, reason_code=reason_code or "", note=note,
                  at=occurred, number=number, expected_version=expected_version)
    lead_auto_advance(lead=lead, at=occurred)
    return event


def lead_act(*, lead: Lead, action: str, by: Any, reason_code: str | None = None, note: str = "",
             expected_version: int | None = None, at: datetime | None = None) -> StageEvent:
    """Accept, reject, recycle or disqualify: the one transition out of the lead's stage for `action`."""
    _, taxonomy = taxonomy_current()
    transition = lifecycle.transition_for_action(taxonomy, lead.stage, action)
    return lead_advance_stage(lead=lead, to_stage=transition.to, by=by, reason_code=reason_code, note=note,
                              expected_version=expected_version, at=at)


def _rescore(lead: Lead, *, advance: bool = False, new: bool = False) -> None:
    """Keep the lead's score current after a field change (tandem.scoring; auto-advances when `advance`)."""
    from tandem.scoring.services import lead_rescore

    lead_rescore(lead=lead, advance=advance, new=new)


def _stage_entered(lead: Lead, event: StageEvent) -> None:
    """Scores, routing and SLA timers react to a stage entry, in the same transaction (tandem.scoring,
    tandem.routing, tandem.sla)."""
    from tandem.routing.services import lead_route
    from tandem.scoring.services import scoring_on_stage_event
    from tandem.sla.services import sla_on_stage_event

    scoring_on_stage_event(lead=lead, event=event)
    lead_route(lead=lead, event=event)
    sla_on_stage_event(lead=lead, event=event)


def lead_auto_advance(*, lead: Lead, at: datetime | None = None) -> list[StageEvent]:
    """Let the system move the lead while an automatic transition's criteria hold ("criteria met")."""
    events: list[StageEvent] = []
    for _ in range(MAX_AUTO_STEPS):
        lead.refresh_from_db()
        number, taxonomy = taxonomy_current()
        verdict = lifecycle.next_automatic(taxonomy, lead_facts(lead), lead.stage)
        if verdict is None:
            break
        events.append(_move(lead=lead, verdict=verdict, by=None, kind=ActorKind.SYSTEM, reason_code="",
                            note="criteria met", at=at or clock.now(), number=number, expected_version=None))
    return events


@transaction.atomic
def lead_assign(*, lead: Lead, owner: Any, by: Any, rule: str = "manual", explanation: dict | None = None,
                at: datetime | None = None) -> Assignment:
    occurred = clock.check_past(at)
    previous = lead.owner_id
    _bump(lead, None, owner=owner)
    assignment = Assignment.objects.create(lead=lead, from_owner_id=previous, to_owner=owner, occurred_at=occurred,
                                           by=by, rule=rule, explanation=explanation or {})
    audit_record(actor=by, action="lead.assign", obj=lead, changes={"owner": [previous, owner.pk if owner else None]})
    lead.refresh_from_db()
    return assignment


@transaction.atomic
def lead_note_add(*, lead: Lead, body: str, by: Any) -> Note:
    if by is not None and not by.can("lead.update"):
        raise PermissionDenied("your role may not add notes")
    if not body.strip():
        raise LeadInvalid("a note cannot be empty", field="body")
    note = Note.objects.create(lead=lead, author=by, body=body)
    audit_record(actor=by, action="lead.note", obj=lead, changes={"note": [None, note.pk]})
    return note
