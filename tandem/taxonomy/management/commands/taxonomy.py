"""`tandem taxonomy export|import FILE`: definitions as code."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.core.taxonomy import TaxonomyInvalid
from tandem.people.models import User
from tandem.taxonomy import selectors, services


class Command(BaseCommand):
    help = "Export the taxonomy in force to a YAML/JSON file, or import one as a new version."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("file", help="path; '-' exports to standard output. .json for JSON, else YAML")
        parser.add_argument("--note", default="", help="why this version (import)")
        parser.add_argument("--as-user", help="username recorded as the author (import)")

    def handle(self, *args, action: str, file: str, note: str, as_user: str | None, **options) -> None:
        if action == "export":
            fmt = "json" if file.endswith(".json") else "yaml"
            text = services.taxonomy_document_dump(selectors.taxonomy_version_current().document, fmt=fmt)
            if file == "-":
                self.stdout.write(text, ending="")
            else:
                Path(file).write_text(text, encoding="utf-8")
                self.stdout.write(f"Exported version {selectors.taxonomy_version_current().number} to {file}")
            return
        path = Path(file)
        if not path.exists():
            raise CommandError(f"{file}: no such file")
        user = User.objects.filter(username=as_user).first() if as_user else None
        if as_user and user is None:
            raise CommandError(f"--as-user: no user {as_user!r}")
        try:
            version = services.taxonomy_import(text=path.read_text(encoding="utf-8"), filename=path.name, by=user,
                                               note=note)
        except TaxonomyInvalid as exc:
            raise CommandError(f"{file}: the taxonomy is invalid:\n  " + "\n  ".join(exc.problems)) from exc
        except services.TaxonomyUnchanged as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Published version {version.number}: " + "; ".join(version.summary))
