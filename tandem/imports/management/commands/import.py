"""`tandem import FILE --kind …`: import a CSV file as a resumable job, with a progress bar.

Thin: it creates (or finds) the job for the file and runs it here (--sync) or in the worker.
Running the same command again resumes the job after its last committed line.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tandem.imports import selectors, services
from tandem.imports.choices import ACTIVE_STATUSES, ImportKind, JobStatus
from tandem.imports.models import ImportJob
from tandem.imports.presets import PRESET_NAMES
from tandem.leads.errors import LeadError
from tandem.people.models import User


def _mapping(text: str | None) -> dict:
    if not text:
        return {}
    if text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise CommandError(f"--mapping: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise CommandError('--mapping: give an object of "CSV header": "field"')
    return value


class Command(BaseCommand):
    help = "Import a CSV file (leads, accounts, touchpoints, opportunities, stage history or merges)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("--preset", choices=PRESET_NAMES, default="")
        parser.add_argument("--mapping", help='JSON {"CSV header": "field"} (null drops a column), or @file.json')
        parser.add_argument("--timezone", default="", help="time zone of timestamps without an offset, "
                                                           "e.g. Europe/Berlin")
        parser.add_argument("--sync", action="store_true", help="run here, not in the worker")
        parser.add_argument("--no-wait", action="store_true", help="queue the job and return at once")
        parser.add_argument("--chunk-size", type=int, default=services.CHUNK_SIZE)
        parser.add_argument("--as", dest="username", help="the user the import is recorded for (default: system)")
        parser.add_argument("--show-issues", type=int, default=20, help="issues to list at the end (default 20)")

    def handle(self, *args, file: Path, kind: str, preset: str, mapping: str | None, timezone: str, sync: bool,
               no_wait: bool, chunk_size: int, username: str | None, show_issues: int, **options) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        by = None
        if username:
            by = User.objects.filter(username=username, is_active=True).first()
            if by is None:
                raise CommandError(f"--as: no active user {username!r}")
        try:
            job, created = services.import_job_create(path=file.resolve(), kind=kind, by=by, preset=preset,
                                                      mapping=_mapping(mapping), timezone=timezone)
        except LeadError as exc:
            raise CommandError(f"{exc.field}: {exc}") from None
        console = Console(file=getattr(self.stdout, "_out", None), soft_wrap=True)
        console.print(f"Import {job.pk}: {job.kind} from {job.file_name}"
                      + ("" if created else f" (resuming after line {job.checkpoint_line})"))
        if job.status == JobStatus.DONE:
            console.print("This file was already imported completely; nothing to do.")
        elif sync:
            job = self._run(job, chunk_size, console)
        else:
            services.import_job_enqueue(job=job)
            if no_wait:
                console.print("Queued; the worker (tandem worker) runs it.")
                return
            job = self._follow(job, console)
        self._report(job, console, show_issues)
        if job.status == JobStatus.FAILED:
            raise CommandError(f"import {job.pk} failed: {job.message}")

    def _bar(self, console: Console) -> Progress:
        return Progress(TextColumn("[bold]Importing"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"),
                        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=console)

    def _run(self, job: ImportJob, chunk_size: int, console: Console) -> ImportJob:
        with self._bar(console) as bar:
            task = bar.add_task("rows", total=job.rows_total, completed=job.rows_done, rate="")
            started, first = time.monotonic(), job.rows_done

            def progress(current: ImportJob) -> None:
                rate = (current.rows_done - first) / max(time.monotonic() - started, 1e-9)
                bar.update(task, total=current.rows_total, completed=current.rows_done, rate=f"{rate:,.0f} rows/s")

            return services.import_run(job=job, chunk_size=chunk_size, progress=progress)

    def _follow(self, job: ImportJob, console: Console) -> ImportJob:
        console.print("Queued for the worker (tandem worker); following it — Ctrl+C stops following, "
                      "not the import.")
        with self._bar(console) as bar:
            task = bar.add_task("rows", total=job.rows_total, completed=job.rows_done, rate="")
            while True:
                job.refresh_from_db()
                bar.update(task, total=job.rows_total, completed=job.rows_done, rate=job.get_status_display())
                if job.status not in ACTIVE_STATUSES:
                    return job
                time.sleep(0.5)

    def _report(self, job: ImportJob, console: Console, show: int) -> None:
        console.print(f"Status: [bold]{job.get_status_display()}[/bold] — {job.rows_ok} imported, "
                      f"{job.rows_skipped} skipped, {job.rows_failed} refused, {job.rows_historical} historical, "
                      f"{job.rows_waiting} waiting; last line committed: {job.checkpoint_line}")
        if any(job.counts.values()):
            console.print("Created: " + ", ".join(f"{v} {k}" for k, v in sorted(job.counts.items()) if v))
        if job.message:
            console.print(f"Note: {job.message}", markup=False)
        issues = list(selectors.import_issues(job=job, limit=show)) if show else []
        for issue in issues:
            console.print(f"  line {issue.line} {issue.level} {issue.field}: {issue.message}"
                          + (f" ({issue.value!r})" if issue.value else ""), markup=False)
        total = sum(selectors.import_issue_counts(job=job).values())
        if total > len(issues):
            console.print(f"  … {total - len(issues)} more: GET /api/v1/imports/{job.pk}/issues or /imports/{job.pk}/")
