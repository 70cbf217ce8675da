"""Routing a lead to an owner when it enters a stage that a team must work, and re-routing after a breach.

Order of decisions for a lead entering a stage with a routing policy:

1. the lead is already owned by an active member of the policy's team: it stays (no routing);
2. it is owned by someone of another team and was owned before by someone of this team who is available
   (a hand-off sent back): back to them;
3. otherwise the policy's rules decide (tandem.core.routing.match_rule): the account owner, a
   territory queue, or the default queue; within a queue the quota method picks the rep
   (tandem.core.routing.choose_rep) from the queue's rotation counts.

Concurrency: the rotation row is advanced by compare-and-swap on its version number, retried on
conflict; no `select_for_update` (it does nothing on SQLite). A unique constraint allows one
routing decision per stage entry, so a lead is never routed twice for the same entry: a second
router's decision is refused, and the savepoint around it undoes its rotation count too.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F

from tandem import clock
from tandem.audit.services import audit_record
from tandem.core.routing import (
    Choice,
    Rep,
    RoutingFacts,
    choose_rep,
    match_rule,
    parse_routing_rules,
    rejoin_count,
)
from tandem.leads.models import Assignment, Lead, StageEvent
from tandem.leads.services import lead_assign
from tandem.people.models import User
from tandem.routing.models import Queue, QueueMember, QueueRotation, Region, RoutingDecision, RoutingPolicy

CLOSED_STAGES = ("won", "lost", "recycled", "disqualified")
TEAM_ROLES = {"tele": ("sdr",), "sales": ("sales",), "marketing": ("marketing",), "management": ("manager",)}
_CAS_ATTEMPTS = 200


class RoutingConflict(RuntimeError):
    """The queue's rotation kept changing under us; the caller may retry."""


def queue_people(queue: Queue, *, exclude: set[int] = frozenset()) -> tuple[list[Rep], dict[int, User]]:
    """The queue's members as the core sees them, and the users; without members, its team's reps (weight 1)."""
    members = list(QueueMember.objects.filter(queue=queue).select_related("user"))
    if members:
        return ([Rep(m.user_id, m.weight, m.capacity, m.active and m.user.is_active and not m.user.out_of_office
                     and m.user_id not in exclude) for m in members], {m.user_id: m.user for m in members})
    users = list(User.objects.filter(team=queue.team, role__in=TEAM_ROLES.get(queue.team, ()), is_active=True)
                 .order_by("pk"))
    return [Rep(u.pk, 1, None, not u.out_of_office and u.pk not in exclude) for u in users], {u.pk: u for u in users}


def queue_reps(queue: Queue, *, exclude: set[int] = frozenset()) -> list[Rep]:
    return queue_people(queue, exclude=exclude)[0]


def _open_leads(reps: list[Rep]) -> dict[int, int]:
    if all(rep.capacity is None for rep in reps):
        return {}
    rows = (Lead.objects.filter(owner_id__in=[r.id for r in reps], merged_into__isnull=True)
            .exclude(stage__in=CLOSED_STAGES).values("owner_id").annotate(n=Count("id")).order_by())
    return {row["owner_id"]: row["n"] for row in rows}


def _rotation(queue: Queue) -> QueueRotation:
    rotation = QueueRotation.objects.filter(pk=queue.pk).first()
    if rotation is None:
        try:
            with transaction.atomic():
                rotation = QueueRotation.objects.create(queue=queue)
        except IntegrityError:
            rotation = QueueRotation.objects.get(pk=queue.pk)
    return rotation


def queue_choose(queue: Queue, *, exclude: set[int] = frozenset(), reps: list[Rep] | None = None) -> Choice:
    """Pick the rep for the next lead and count it in the rotation (compare-and-swap, retried on conflict)."""
    reps = queue_reps(queue, exclude=exclude) if reps is None else reps
    open_leads = _open_leads(reps)
    for _ in range(_CAS_ATTEMPTS):
        rotation = _rotation(queue)
        counts = {int(k): int(v) for k, v in rotation.counts.items()}
        for rep in reps:  # back from absence: start at their share, not in debt
            if rep.available and rep.id in set(rotation.away):
                counts[rep.id] = rejoin_count(reps, counts, rep.id)
        choice = choose_rep(reps, counts, open_leads)
        if choice.rep_id is None:
            return choice
        counts[choice.rep_id] = counts.get(choice.rep_id, 0) + 1
        away = sorted(rep.id for rep in reps if not rep.available and rep.id not in exclude)
        swapped = QueueRotation.objects.filter(pk=queue.pk, version=rotation.version).update(
            counts={str(k): v for k, v in sorted(counts.items())}, away=away, version=F("version") + 1,
            assigned=F("assigned") + 1, updated_at=clock.now())
        if swapped:
            return choice
    raise RoutingConflict(f"queue {queue.key}: the rotation changed {_CAS_ATTEMPTS} times while choosing; retry")


def routing_facts(lead: Lead, *, with_region: bool = True) -> RoutingFacts:
    account = lead.account
    country = lead.country or (account.country if account else "") or None
    region = None
    if country and with_region:
        region = next((r.key for r in Region.objects.all() if country.upper() in {c.upper() for c in r.countries}),
                      None)
    owner = account.owner if account and account.owner_id else None
    return RoutingFacts(country=country, region=region, segment=(account.segment or None) if account else None,
                        account_owner_id=owner.pk if owner else None,
                        account_owner_available=bool(owner and owner.is_active and not owner.out_of_office))


def _previous_owner(lead: Lead, team: str, exclude: set[int]) -> User | None:
    previous = (Assignment.objects.filter(lead=lead, to_owner__team=team, to_owner__is_active=True,
                                          to_owner__out_of_office=False).exclude(to_owner_id__in=exclude)
                .select_related("to_owner").order_by("-occurred_at", "-id").first())
    return previous.to_owner if previous else None


def _decide(lead: Lead, policy: RoutingPolicy, exclude: set[int], allow_previous: bool) -> dict[str, Any]:
    if allow_previous and lead.owner_id is not None and (  # owned by another team: a hand-off sent back
            previous := _previous_owner(lead, policy.team, exclude)) is not None:
        return {"rule_id": "previous_owner", "kind": "previous_owner", "owner": previous, "queue": None,
                "explanation": {"steps": [f"previous_owner: {previous} of {policy.team} owned the lead before"]}}
    rules = parse_routing_rules(policy.rules)
    needs_facts = any(rule.kind != "default" for rule in rules)  # a default-only policy reads nothing of the lead
    facts = routing_facts(lead, with_region=any(rule.regions for rule in rules)) if needs_facts else RoutingFacts()
    match = match_rule(rules, facts)
    decision = {"rule_id": match.rule_id or "", "kind": match.kind or "", "owner": None, "queue": None,
                "explanation": {"steps": list(match.explanation)}}
    if match.owner_id is not None and match.owner_id not in exclude:
        decision["owner"] = User.objects.get(pk=match.owner_id)
    elif match.queue is not None:
        queue = Queue.objects.filter(key=match.queue).first()
        if queue is None:
            decision["explanation"]["steps"].append(f"queue {match.queue!r} does not exist: nobody assigned")
            return decision
        reps, people = queue_people(queue, exclude=exclude)
        choice = queue_choose(queue, exclude=exclude, reps=reps)
        decision["queue"] = queue
        decision["owner"] = people[choice.rep_id] if choice.rep_id else None
        decision["explanation"].update(choice=choice.reason, skipped=[list(s) for s in choice.skipped],
                                       standings=[{"rep": s.rep_id, "assigned": s.assigned, "share": round(s.share, 3),
                                                   "under_share": s.under_share} for s in choice.standings])
    return decision


def lead_route(*, lead: Lead, event: StageEvent, cause: str = RoutingDecision.Cause.ENTRY,
               exclude: set[int] = frozenset()) -> RoutingDecision | None:
    """Route `lead`, which just entered `event.to_stage`; None when no policy applies or its team owns it."""
    policy = RoutingPolicy.objects.filter(stage=event.to_stage, enabled=True).first()
    if policy is None:
        return None
    if cause == RoutingDecision.Cause.ENTRY and lead.owner_id is not None and User.objects.filter(
            pk=lead.owner_id, team=policy.team, is_active=True).exists():
        return None
    with transaction.atomic(savepoint=False):
        try:  # one savepoint: if another router took this entry, its rotation count is undone with it
            with transaction.atomic():
                decision = _decide(lead, policy, set(exclude), allow_previous=cause == RoutingDecision.Cause.ENTRY)
                record = RoutingDecision.objects.create(
                    lead=lead, stage_event=event, cause=cause, stage=event.to_stage, decided_at=clock.now(),
                    **{k: decision[k] for k in ("rule_id", "kind", "queue", "owner", "explanation")})
        except IntegrityError:
            return RoutingDecision.objects.filter(stage_event=event, cause=cause).first()
        owner = decision["owner"]
        if owner is not None and owner.pk != lead.owner_id:
            rule = f"routing:{decision['rule_id'] or 'none'}"
            lead_assign(lead=lead, owner=owner, by=None, rule=rule[:100],
                        explanation={"decision": record.pk, "queue": decision["queue"].key if decision["queue"] else
                                     None, **decision["explanation"]})
            _notify(owner, lead, cause)
    return record


def _notify(owner: User, lead: Lead, cause: str) -> None:
    from tandem.notifications.services import notify

    event = "handoff" if cause == RoutingDecision.Cause.ENTRY else "assignment"
    title = (f"New lead in your queue: {lead}" if cause == RoutingDecision.Cause.ENTRY
             else f"Lead re-routed to you after an SLA breach: {lead}")
    notify(user=owner, event=event, title=title, body=f"{lead} ({lead.stage.upper()}) is now yours to work.",
           url=f"/leads/{lead.pk}/", lead=lead)


def lead_reroute(*, lead: Lead, event: StageEvent) -> RoutingDecision | None:
    """After a breach: route the lead again within its stage's policy, to someone other than its owner."""
    exclude = {lead.owner_id} if lead.owner_id else set()
    return lead_route(lead=lead, event=event, cause=RoutingDecision.Cause.REROUTE, exclude=exclude)


@transaction.atomic
def routing_policy_set(*, stage: str, team: str, rules: list[dict[str, Any]], enabled: bool = True,
                       by: Any) -> RoutingPolicy:
    """Replace the routing rules for `stage` (validated by the core first). Audited."""
    parse_routing_rules(rules)
    policy, created = RoutingPolicy.objects.get_or_create(stage=stage, defaults={
        "team": team, "rules": rules, "enabled": enabled, "updated_by": by})
    if not created:
        before = {"team": policy.team, "rules": policy.rules, "enabled": policy.enabled}
        RoutingPolicy.objects.filter(pk=policy.pk).update(team=team, rules=rules, enabled=enabled, updated_by=by,
                                                          version=F("version") + 1, updated_at=clock.now())
        policy.refresh_from_db()
        audit_record(actor=by, action="routing.policy_update", obj=policy,
                     changes={k: [before[k], getattr(policy, k)] for k in before if before[k] != getattr(policy, k)})
    else:
        audit_record(actor=by, action="routing.policy_create", obj=policy, changes={"stage": [None, stage]})
    return policy


@transaction.atomic
def queue_members_set(*, queue: Queue, members: list[dict[str, Any]], by: Any) -> list[QueueMember]:
    """Replace the queue's members (user_id, weight, capacity, active). Audited."""
    ids = [m["user_id"] for m in members]
    if len(set(ids)) != len(ids):
        raise ValueError("members: a user is listed twice")
    known = set(User.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if missing := [i for i in ids if i not in known]:
        raise ValueError(f"members: no user with id {missing[0]}")
    QueueMember.objects.filter(queue=queue).exclude(user_id__in=ids).delete()
    for m in members:
        QueueMember.objects.update_or_create(queue=queue, user_id=m["user_id"], defaults={
            "weight": m.get("weight", 1), "capacity": m.get("capacity"), "active": m.get("active", True)})
    audit_record(actor=by, action="routing.queue_members", obj=queue, changes={"members": [None, ids]})
    return list(QueueMember.objects.filter(queue=queue).select_related("user"))


@transaction.atomic
def queue_create(*, key: str, name: str, team: str, description: str = "", by: Any) -> Queue:
    queue = Queue.objects.create(key=key, name=name, team=team, description=description)
    audit_record(actor=by, action="routing.queue_create", obj=queue, changes={"key": [None, key]})
    return queue
