"""Imported history lands in its own days: the import's hook re-aggregates them, and the figures are the ledger's."""

from __future__ import annotations

import time

import pytest

from tests.imports.ledger import write_ledger
from tests.reporting.test_rollups_equal_the_ledger import assert_rows_are_a_full_recomputation


@pytest.fixture
def run_import(db):
    from tandem.imports.services import import_job_create, import_run

    def run(path, kind):
        job, _ = import_job_create(path=path, kind=kind, by=None)
        return import_run(job=job)

    return run


@pytest.mark.django_db
def test_an_imported_ledger_updates_the_rollups_through_the_hook(run_import, tmp_path, api, make_user):
    from tandem.demo.loader import demo_staff_create
    from tandem.people.services import api_token_create
    from tandem.reporting.models import RollupFill

    demo_staff_create()
    ledger = write_ledger(tmp_path, leads=500)
    run_import(ledger.leads_csv, "leads")
    runs_before = RollupFill.objects.get().runs
    started = time.perf_counter()
    run_import(ledger.history_csv, "stage-history")
    elapsed = time.perf_counter() - started
    # the hook re-aggregated at once: no periodic run was needed for the rows to be right
    assert RollupFill.objects.get().runs == runs_before + 1
    assert_rows_are_a_full_recomputation()
    assert elapsed < 30
    token = api_token_create(user=make_user("readonly"), name="r", scope="read").secret
    funnel = api("GET", "/reports/funnel", token, query={"period": "2025-12"}).json()
    from collections import Counter
    from datetime import UTC, datetime

    firsts = Counter()
    for lead in ledger.leads:
        seen = set()
        for e in lead.events:
            if datetime.fromtimestamp(e.at, UTC).strftime("%Y-%m") == "2025-12" and e.to_stage not in seen:
                seen.add(e.to_stage)
                firsts[e.to_stage] += 1
    assert {r["stage"]: r["entrants"] for r in funnel["rows"]} == {s: firsts.get(s, 0) for s in
                                                                  (r["stage"] for r in funnel["rows"])}
