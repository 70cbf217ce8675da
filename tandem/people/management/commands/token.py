"""`tandem token create|list|revoke`: API tokens from the command line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tandem.people.models import ApiToken, User
from tandem.people.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="cli")
        create.add_argument("--scope", choices=["read", "write"], default="read")
        sub.add_parser("list")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"--user: no user {options['user']!r}")
            issued = api_token_create(user=user, name=options["name"], scope=options["scope"], by=user)
            self.stdout.write(issued.secret)
        elif action == "list":
            for t in ApiToken.objects.select_related("user"):
                state = "revoked" if t.revoked_at else "active"
                self.stdout.write(f"{t.prefix}…  {t.user.username:<10} {t.scope:<5} {state:<7} {t.name}")
        else:
            token = ApiToken.objects.select_related("user").filter(prefix=options["prefix"]).first()
            if token is None:
                raise CommandError(f"no token with prefix {options['prefix']!r}")
            api_token_revoke(token=token, by=token.user)
            self.stdout.write(f"Revoked {token.prefix}…")
