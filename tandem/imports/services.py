"""Imports as resumable jobs: create a job for a file, run it chunk by chunk, report what became of each row.

All-or-resumable: each chunk is written in ONE transaction together with the job's checkpoint
(the last line committed), by a conditional UPDATE on the checkpoint it started from. Killed at
any point, the database holds exactly the rows up to the checkpoint; run again, the job resumes
after it. Two runs of one job cannot both commit the same chunk: the second finds the checkpoint
moved and stops. Natural keys (lead email, account domain, touchpoint source + external id,
other systems' ids) guard against duplicates from other files as well.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from tandem import clock
from tandem.audit.services import audit_record
from tandem.imports import bulk, files
from tandem.imports.choices import ImportKind, IssueLevel, JobStatus
from tandem.imports.kinds import kind_module
from tandem.imports.kinds.base import ChunkResult, Context, resolve_mapping, row_builder
from tandem.imports.kinds.lookups import current_taxonomy_keys
from tandem.imports.models import ImportIssue, ImportJob
from tandem.imports.presets import preset_for
from tandem.leads.errors import LeadError, LeadInvalid

logger = logging.getLogger(__name__)
CHUNK_SIZE = 5000


class ImportConflict(LeadError):
    """The file was already imported, or partly, with other options."""

    status = 409
    field = "file"


class ImportSuperseded(RuntimeError):
    """Another run of the same job committed first; this run stops."""


def ledger_changed(days: set[date]) -> None:
    """THE HOOK: called once an import has committed, with the UTC days whose ledger it changed.

    Imported events are back-dated: everything computed per day from the ledger (funnel
    rollups, and through them SLA, score and attribution figures) must be recomputed for these
    days. The rollups re-aggregate them here (tandem.reporting), at once; a failure there is logged and
    left to the next periodic rollup run, which finds the same changes in the ledger.
    """
    if days:
        logger.info("ledger changed on %d day(s), %s to %s", len(days), min(days), max(days))
        from tandem.reporting.services import reporting_ledger_changed

        try:
            reporting_ledger_changed(days)
        except Exception:
            logger.exception("the rollups could not re-aggregate the imported days; the next run will")
        from tandem.attribution.services import attribution_invalidate

        try:
            attribution_invalidate(days)
        except Exception:
            logger.exception("cached attribution reports could not be invalidated; their fingerprint will tell")


def _options(kind: str, preset: str, timezone: str, mapping: Any) -> None:
    if kind not in ImportKind.values:
        raise LeadInvalid(f"must be one of {', '.join(ImportKind.values)}", field="kind")
    if preset:
        try:
            preset_for(preset, kind)
        except ValueError as exc:
            raise LeadInvalid(str(exc).split(": ", 1)[1], field="preset") from None
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise LeadInvalid(f"unknown time zone {timezone!r} (use an IANA name such as Europe/Berlin)",
                              field="timezone") from None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and (v is None or isinstance(v, str))
                                                for k, v in mapping.items()):
        raise LeadInvalid('give a JSON object of "CSV header": "field" (null to drop a column)', field="mapping")


def import_job_create(*, path: Path, kind: str, by: Any, preset: str = "", mapping: dict | None = None,
                      timezone: str = "", file_name: str | None = None) -> tuple[ImportJob, bool]:
    """The job for this file and kind: a new one, or the existing one to resume (created is False)."""
    if by is not None and not by.can("import.run"):
        raise PermissionDenied("your role may not import data")
    mapping = mapping or {}
    _options(kind, preset, timezone, mapping)
    try:
        encoding, delimiter, header = files.sniff(path)
    except files.ImportFileError as exc:
        raise LeadInvalid(str(exc).split(": ", 1)[1], field="file") from None
    module = kind_module(kind)
    try:
        used, notes = resolve_mapping(header, module.SPEC, preset_for(preset, kind) if preset else None, mapping,
                                      current_taxonomy_keys())
    except ValueError as exc:
        raise LeadInvalid(str(exc).split(": ", 1)[1], field="mapping") from None
    sha256, size = files.fingerprint(path)
    options = {"preset": preset, "requested_mapping": mapping, "timezone": timezone}
    existing = ImportJob.objects.filter(sha256=sha256, kind=kind).first()
    if existing is not None:
        return _reuse(existing, options, used, path), False
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                kind=kind, mapping=used, namespace=preset or "csv", file_name=(file_name or path.name)[:255],
                file_path=str(path), sha256=sha256, size=size, encoding=encoding, delimiter=delimiter,
                message="; ".join(notes), created_by=by if by is not None and by.pk else None, **options)
            audit_record(actor=by, action="import.create", obj=job,
                         changes={"kind": [None, kind], "file": [None, job.file_name], "preset": [None, preset]})
    except IntegrityError:
        return _reuse(ImportJob.objects.get(sha256=sha256, kind=kind), options, used, path), False
    return job, True


def _reuse(job: ImportJob, options: dict, used: dict, path: Path) -> ImportJob:
    """The existing job for this file: resumed as it is, or started afresh with new options if nothing came in."""
    same = all(getattr(job, k) == v for k, v in options.items())
    changes: dict[str, Any] = {}
    if not same:
        if job.rows_ok or job.status == JobStatus.RUNNING:
            raise ImportConflict(f"this file was already imported as {job.kind} up to line {job.checkpoint_line} "
                                 f"(job {job.pk}, {job.rows_ok} rows in) with other options; run it again with the "
                                 f"same options to resume")
        # Nothing was imported (every row refused, say for a missing time zone): start again with the new options.
        job.issues.all().delete()
        changes = {**options, "mapping": used, "namespace": options["preset"] or "csv", "checkpoint_line": 1,
                   "rows_skipped": 0, "rows_failed": 0, "rows_historical": 0, "rows_waiting": 0, "counts": {},
                   "days_touched": [], "status": JobStatus.QUEUED, "message": "", "finished_at": None}
    if not Path(job.file_path).is_file():
        changes["file_path"] = str(path)
    if changes:
        ImportJob.objects.filter(pk=job.pk).update(**changes, updated_at=clock.now())
        job.refresh_from_db()
    return job


def _context(job: ImportJob) -> Context:
    preset = preset_for(job.preset, job.kind) if job.preset else None
    return Context(job_id=job.pk, sha256=job.sha256, namespace=job.namespace, file_name=job.file_name,
                   tz=ZoneInfo(job.timezone) if job.timezone else None,
                   date_formats=preset.date_formats if preset else (), values=preset.values if preset else {},
                   stage_fields=preset.stage_fields if preset else (), by=job.created_by, now=clock.now(),
                   fields=frozenset(job.mapping.values()))


def _pause(name: str) -> None:
    """Test hook: sleep where an import may be killed (seconds in the environment variable `name`)."""
    seconds = os.environ.get(name)
    if seconds:
        time.sleep(float(seconds))


def _save(job: ImportJob, rows: list[tuple[int, dict]], result: ChunkResult) -> ImportJob:
    last = rows[-1][0] if result.resume_before is None else max(result.resume_before - 1, job.checkpoint_line)
    outcomes = Counter(o for line, o in result.outcomes.items() if line <= last)
    lines = [line for line, _ in rows]
    ImportIssue.objects.filter(job=job, level=IssueLevel.WAITING, line__gte=lines[0], line__lte=lines[-1]).delete()
    issues = {(i.line, i.level, i.field[:60]): i for i in result.issues
              if i.line <= last or i.level == IssueLevel.WAITING}
    bulk.insert(ImportIssue, [{"job_id": job.pk, "line": line, "level": level, "field": name,
                               "message": i.message, "value": i.value} for (line, level, name), i in issues.items()])
    counts = Counter(job.counts)
    counts.update(result.counts)
    days = sorted(set(job.days_touched) | {d.isoformat() for d in result.days})
    waiting = result.resume_before is not None
    changes = {
        "checkpoint_line": last, "rows_ok": job.rows_ok + outcomes["ok"],
        "rows_skipped": job.rows_skipped + outcomes["skipped"], "rows_failed": job.rows_failed + outcomes["failed"],
        "rows_historical": job.rows_historical + len([h for h in result.historical if h <= last]),
        "rows_waiting": sum(1 for o in result.outcomes.values() if o == "waiting") if waiting else 0,
        "counts": dict(counts), "days_touched": days, "updated_at": clock.now(),
        "status": JobStatus.WAITING if waiting else JobStatus.RUNNING,
    }
    if not ImportJob.objects.filter(pk=job.pk, checkpoint_line=job.checkpoint_line).update(**changes):
        raise ImportSuperseded(f"import {job.pk}: another run committed past line {job.checkpoint_line}")
    for name, value in changes.items():
        setattr(job, name, value)
    return job


def _commit_chunk(job: ImportJob, module: Any, ctx: Context, rows: list[tuple[int, dict]]) -> ImportJob:
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                ctx.now, ctx.retrying = clock.now(), attempt > 1
                present = [(line, row) for line, row in rows if row]
                result = module.process(ctx, present) if present else ChunkResult()
                for line in (line for line, row in rows if not row):  # a blank line is no record
                    result.skip(line, "", "blank line", report=False)
                saved = _save(job, rows, result)
                _pause("TANDEM_IMPORT_PAUSE_IN_CHUNK")
            return saved
        except IntegrityError:
            # Another writer created a record with the same natural key meanwhile: look again, once.
            if attempt == 2:
                raise
            job.refresh_from_db()
    raise AssertionError("unreachable")


def _start(job: ImportJob) -> ImportJob:
    path = Path(job.file_path)
    changes: dict[str, Any] = {"status": JobStatus.RUNNING, "updated_at": clock.now()}
    if job.rows_total is None:
        changes["rows_total"] = files.count_rows(path, job.encoding, job.delimiter)
    if job.started_at is None:
        changes["started_at"] = clock.now()
    ImportJob.objects.filter(pk=job.pk).update(**changes)
    job.refresh_from_db()
    return job


def _fail(job: ImportJob, message: str) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message=message[:2000],
                                               updated_at=clock.now())
    job.refresh_from_db()
    return job


def import_run(*, job: ImportJob, chunk_size: int | None = None,
               progress: Callable[[ImportJob], None] | None = None) -> ImportJob:
    """Run (or resume) the job from its checkpoint to the end of the file."""
    job = ImportJob.objects.select_related("created_by").get(pk=job.pk)
    if job.status == JobStatus.DONE:
        return job
    module = kind_module(job.kind)
    try:
        job = _start(job)
        build = row_builder(files.sniff(Path(job.file_path))[2], job.mapping)
        ctx = _context(job)
        rows = files.rows_after(Path(job.file_path), job.encoding, job.delimiter, job.checkpoint_line)
        for chunk in files.chunks(rows, chunk_size or CHUNK_SIZE):
            job = _commit_chunk(job, module, ctx, [(line, build(cells)) for line, cells in chunk])
            if progress is not None:
                progress(job)
            if job.status == JobStatus.WAITING:
                return job
            _pause("TANDEM_IMPORT_PAUSE")
    except ImportSuperseded:
        logger.warning("import %s: another run is ahead; this one stops", job.pk)
        return ImportJob.objects.get(pk=job.pk)
    except files.ImportFileError as exc:
        return _fail(job, str(exc))
    except Exception as exc:
        logger.exception("import %s stopped after line %s", job.pk, job.checkpoint_line)
        return _fail(job, f"stopped after line {job.checkpoint_line}: {exc.__class__.__name__}: {exc}")
    return _finish(job)


def _finish(job: ImportJob) -> ImportJob:
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=clock.now(),
                                                   updated_at=clock.now())
        job.refresh_from_db()
        audit_record(actor=job.created_by, action="import.finish", obj=job, changes={
            "rows_ok": [None, job.rows_ok], "rows_skipped": [None, job.rows_skipped],
            "rows_failed": [None, job.rows_failed], "rows_historical": [None, job.rows_historical],
            **{f"created.{k}": [None, v] for k, v in sorted(job.counts.items())}})
    ledger_changed({date.fromisoformat(d) for d in job.days_touched})
    return job


def import_job_enqueue(*, job: ImportJob) -> None:
    """Run the job in the background once the current transaction commits."""
    from tandem.imports.tasks import import_job_run

    transaction.on_commit(lambda: import_job_run.enqueue(job_id=job.pk))
