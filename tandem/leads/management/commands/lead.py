"""`tandem lead create|move|act|show`: write lead events from the command line, optionally back-dated.

Every write goes through the same services as the API and the pages, acting as `--by USER`
(whose role and team decide what is allowed). `--at` back-dates the event where the
instance allows time travel; an instant in the future is refused.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from tandem import clock
from tandem.core.lifecycle import MoveRefused
from tandem.leads.errors import LeadError
from tandem.leads.models import Lead
from tandem.leads.services import LeadData, lead_act, lead_advance_stage, lead_create
from tandem.people.models import User


def _user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--by: no active user {username!r}")
    return user


def _lead(lead_id: int) -> Lead:
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        raise CommandError(f"no lead {lead_id}")
    return lead


class Command(BaseCommand):
    help = "Create leads and move them through the lifecycle from the command line."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a lead")
        for name in ("email", "first-name", "last-name", "phone", "title", "country", "source", "origin"):
            create.add_argument(f"--{name}", default="" if name != "origin" else "mgl", required=name == "email")
        create.add_argument("--account-id", type=int)
        move = sub.add_parser("move", help="move a lead to a stage")
        move.add_argument("lead_id", type=int)
        move.add_argument("--to", required=True, dest="to_stage")
        act = sub.add_parser("act", help="accept, reject, recycle or disqualify a lead")
        act.add_argument("lead_id", type=int)
        act.add_argument("verb", choices=["accept", "reject", "recycle", "disqualify"])
        for p in (move, act):
            p.add_argument("--reason", default=None)
            p.add_argument("--note", default="")
            p.add_argument("--version", type=int, help="refuse if the lead is no longer at this version")
        for p in (create, move, act):
            p.add_argument("--by", help="username acting (default: the system)")
            p.add_argument("--at", help="when it happened (ISO-8601 with offset; back-dating)")
        show = sub.add_parser("show", help="a lead and its stage history as JSON")
        show.add_argument("lead_id", type=int)

    def handle(self, *args, action: str, **o) -> None:
        if action == "show":
            self._show(_lead(o["lead_id"]))
            return
        try:
            at = clock.parse_instant(o["at"], field="--at") if o.get("at") else None
            by = _user(o.get("by"))
            if action == "create":
                data = LeadData(email=o["email"], first_name=o["first_name"], last_name=o["last_name"],
                                phone=o["phone"], title=o["title"], country=o["country"], source=o["source"],
                                origin=o["origin"], account_id=o["account_id"])
                lead = lead_create(data=data, by=by, at=at)
            elif action == "move":
                lead = _lead(o["lead_id"])
                lead_advance_stage(lead=lead, to_stage=o["to_stage"], by=by, reason_code=o["reason"],
                                   note=o["note"], expected_version=o["version"], at=at)
            else:
                lead = _lead(o["lead_id"])
                lead_act(lead=lead, action=o["verb"], by=by, reason_code=o["reason"], note=o["note"],
                         expected_version=o["version"], at=at)
        except (MoveRefused, LeadError, PermissionDenied, ValueError, clock.ClockRefused) as exc:
            field = getattr(exc, "field", None)
            raise CommandError(f"{field}: {exc}" if field else str(exc)) from exc
        self._show(Lead.objects.get(pk=lead.pk))

    def _show(self, lead: Lead) -> None:
        history = [{"from": e.from_stage, "to": e.to_stage, "action": e.action, "at": e.occurred_at.isoformat(),
                    "recorded_at": e.recorded_at.isoformat(), "by": e.actor.username if e.actor else "system",
                    "reason": e.reason_code} for e in lead.stage_events.select_related("actor").order_by("occurred_at",
                                                                                                         "id")]
        self.stdout.write(json.dumps({"id": lead.pk, "email": lead.email, "stage": lead.stage, "version": lead.version,
                                      "owner": lead.owner.username if lead.owner else None, "history": history},
                                     indent=2))
