"""Helpers for import tests: run a file through the import service, as the CLI --sync does."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def run_import(db):
    from tandem.imports.services import import_job_create, import_run

    def run(path: Path | str, kind: str, *, by=None, chunk_size: int | None = None, **options):
        path = FIXTURES / path if isinstance(path, str) else path
        job, _ = import_job_create(path=path, kind=kind, by=by, **options)
        return import_run(job=job, chunk_size=chunk_size)

    return run


@pytest.fixture
def issues():
    def of(job, level=None) -> list[tuple[int, str, str]]:
        rows = job.issues.order_by("line", "field")
        if level:
            rows = rows.filter(level=level)
        return [(i.line, i.level, i.field) for i in rows]

    return of
