"""`tandem generate`: load the deterministic demo company (or a larger one for benchmarks)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from tandem import clock
from tandem.demo.loader import DemoAlreadyLoaded, demo_load


def load_with_progress(*, seed: int, leads: int, until_text: str | None, stdout) -> None:
    until = clock.parse_instant(until_text, field="--until") if until_text else clock.now().replace(
        hour=0, minute=0, second=0, microsecond=0)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("Loading demo company", total=leads)

        phases = []

        def next_phase(name: str) -> None:
            progress.update(task, completed=leads)
            phases.append(progress.add_task(name, total=None))  # no count to show: the bar pulses meanwhile

        try:
            summary = demo_load(seed=seed, leads=leads, until=until, agreements=True, phase=next_phase,
                                progress=lambda done: progress.update(task, completed=done))
        except DemoAlreadyLoaded as exc:
            raise CommandError(str(exc)) from exc
        for phase in phases:
            progress.update(phase, total=1, completed=1)
    stdout.write(f"Loaded {summary.leads} leads, {summary.stage_events} stage events, {summary.touchpoints} "
                 f"touchpoints, {summary.accounts} accounts, {summary.opportunities} opportunities, "
                 f"{summary.campaigns} campaigns (seed {seed}, history until {until:%Y-%m-%d}); {summary.goals} "
                 f"shared goals, {summary.commitments} MQL commitments, {summary.sla_timers} SLA timers.")


class Command(BaseCommand):
    help = "Load the deterministic demo company into an empty database."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--leads", type=int, default=20000)
        parser.add_argument("--until", help="end of the generated history (ISO-8601, default: today 00:00 UTC)")

    def handle(self, *args, seed: int, leads: int, until: str | None, **options) -> None:
        if leads < 1:
            raise CommandError("--leads must be at least 1")
        load_with_progress(seed=seed, leads=leads, until_text=until, stdout=self.stdout)
