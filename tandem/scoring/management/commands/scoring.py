"""`tandem scoring rules export|import FILE`, `tandem scoring recompute [--now ISO]`, `tandem scoring train`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tandem import clock
from tandem.core.scoring import RulesInvalid
from tandem.people.models import User
from tandem.scoring import rules as rulebook
from tandem.scoring.bulk import scores_recompute
from tandem.scoring.models import PredictiveModel
from tandem.scoring.training import predictive_train


class Command(BaseCommand):
    help = "Scoring rules as code, rescoring every lead, and training the predictive score."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        rules = sub.add_parser("rules", help="export or import the rulebook")
        rules.add_argument("action", choices=["export", "import"])
        rules.add_argument("file", help="path; '-' exports to standard output. .json for JSON, else YAML")
        rules.add_argument("--note", default="", help="why this version (import)")
        rules.add_argument("--as-user", help="username recorded as the author (import)")
        recompute = sub.add_parser("recompute", help="rescore every lead (decay, new rules)")
        recompute.add_argument("--now", help="score as of this ISO-8601 instant (default: the clock)")
        recompute.add_argument("--chunk", type=int, default=50_000, help="leads loaded per chunk")
        train = sub.add_parser("train", help="train the predictive score")
        train.add_argument("--target", choices=PredictiveModel.Target.values, default="accepted")

    def handle(self, *args, what: str, **options) -> None:
        getattr(self, f"_{what}")(**options)

    def _rules(self, *, action: str, file: str, note: str, as_user: str | None, **_) -> None:
        if action == "export":
            version = rulebook.rules_version_current()
            text = rulebook.rules_document_dump(version.document, fmt="json" if file.endswith(".json") else "yaml")
            if file == "-":
                self.stdout.write(text, ending="")
            else:
                Path(file).write_text(text, encoding="utf-8")
                self.stdout.write(f"Exported rules version {version.number} to {file}")
            return
        path = Path(file)
        if not path.exists():
            raise CommandError(f"{file}: no such file")
        user = User.objects.filter(username=as_user).first() if as_user else None
        if as_user and user is None:
            raise CommandError(f"--as-user: no user {as_user!r}")
        try:
            version = rulebook.rules_import(text=path.read_text(encoding="utf-8"), filename=path.name, by=user,
                                            note=note)
        except RulesInvalid as exc:
            raise CommandError(f"{file}: the rules are invalid:\n  " + "\n  ".join(exc.problems)) from exc
        except rulebook.RulesUnchanged as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Published rules version {version.number}: " + "; ".join(version.summary))
        self.stdout.write("Run `tandem scoring recompute` (or wait for the hourly decay job) to rescore every lead.")

    def _recompute(self, *, now: str | None, chunk: int, **_) -> None:
        at = clock.parse_instant(now, field="--now") if now else clock.now()
        columns = (TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())
        with Progress(*columns, console=None, transient=False) as progress:
            bar = progress.add_task("Rescoring leads", total=None)
            summary = scores_recompute(now=at, chunk_size=chunk,
                                       progress=lambda done, total: progress.update(bar, completed=done, total=total))
        self.stdout.write(f"Rescored {summary.leads} leads with rules version {summary.rules_version} in "
                          f"{summary.seconds:.1f} s ({summary.per_second:,.0f} leads/s): {summary.changed} scores "
                          f"changed, {summary.advanced} leads advanced automatically.")

    def _train(self, *, target: str, **_) -> None:
        record = predictive_train(target=target)
        if record.status == PredictiveModel.Status.REFUSED:
            raise CommandError(record.message)
        self.stdout.write(record.message)
