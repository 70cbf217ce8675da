"""`tandem export --kind …`: write a list as CSV (to a file or stdout), guarded against formula injection."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.imports.exports import KINDS, export_lines
from tandem.people.models import User


class Command(BaseCommand):
    help = "Export leads, accounts, opportunities, touchpoints or campaigns as CSV."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
        parser.add_argument("--as", dest="username", help="export what this user may see (default: everything)")
        parser.add_argument("--filter", action="append", default=[], metavar="NAME=VALUE",
                            help="a list filter, e.g. stage=mql, country=DE, outcome=won (repeatable)")

    def handle(self, *args, kind: str, output: Path | None, username: str | None, filter: list[str],
               **options) -> None:
        user = None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"--as: no active user {username!r}")
        filters = {}
        for item in filter:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter: {item!r} is not NAME=VALUE")
            filters[name.strip()] = int(value) if name.strip().endswith("_id") and value.isdigit() else value
        lines = export_lines(kind=kind, user=user, filters=filters)
        if output is None:
            for text in lines:
                sys.stdout.write(text)
            return
        with open(output, "w", encoding="utf-8", newline="") as handle:
            for text in lines:
                handle.write(text)
        self.stderr.write(f"Wrote {output}")
