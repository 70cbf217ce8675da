"""Importing history with its original instants: judged by the taxonomy then in force, back-dated correctly."""

import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from tandem.imports import services
from tandem.leads.models import Lead, StageEvent
from tandem.taxonomy.models import TaxonomyVersion
from tandem.taxonomy.services import taxonomy_default_document, taxonomy_publish
from tests.imports.ledger import write_ledger

pytestmark = pytest.mark.django_db
NO_STATUS = {"Lead Status": None}


def _events(email: str) -> list[tuple]:
    lead = Lead.objects.get(email_normalized=email)
    return [(e.from_stage, e.to_stage, e.action, e.historical) for e in lead.stage_events.order_by("occurred_at", "id")]


@pytest.fixture
def salesforce_leads(run_import, make_user):
    make_user("sdr", username="sven", first_name="Sven", last_name="Berg")
    return run_import("salesforce_leads.csv", "leads", preset="salesforce", timezone="America/Los_Angeles",
                      mapping=NO_STATUS)


def test_a_salesforce_lead_history_export_becomes_stage_events_at_their_edit_dates(salesforce_leads, run_import,
                                                                                 issues):
    job = run_import("salesforce_lead_history.csv", "stage-history", preset="salesforce",
                     timezone="America/Los_Angeles")
    # Created. and Lead Owner rows are not stage changes; the unknown Lead ID is refused by line and field
    assert (job.rows_ok, job.rows_skipped, job.rows_failed) == (3, 2, 1)
    assert issues(job, "error") == [(7, "error", "lead_external_id")]
    assert job.counts["rows_not_stage_changes"] == 2
    tim = Lead.objects.get(email_normalized="tim@w3.example")
    assert _events("tim@w3.example") == [("", "inquiry", "create", False),
                                         ("inquiry", "tal", "import", True),  # the source skips MQL
                                         ("tal", "tql", "advance", False)]
    last = tim.stage_events.order_by("occurred_at").last()
    assert (last.occurred_at, last.actor.username, last.actor_team) == (
        datetime(2024, 5, 10, 23, 15, tzinfo=UTC), "sven", "tele")
    assert (tim.stage, tim.stage_entered_at) == ("tql", last.occurred_at)


def test_a_historical_event_records_which_rule_it_broke_and_the_job_counts_it(salesforce_leads, run_import):
    job = run_import("salesforce_lead_history.csv", "stage-history", preset="salesforce",
                     timezone="America/Los_Angeles")
    flagged = StageEvent.objects.filter(historical=True)
    assert flagged.count() == 2 and job.rows_historical == 2
    checks = {c["criterion"]: c for c in flagged.first().criteria}
    assert not checks["source agrees with the ledger"]["passed"]
    assert "inquiry → tal is not allowed" in checks["allowed by taxonomy v1"]["detail"]


def test_each_move_is_judged_by_the_taxonomy_version_in_force_at_its_instant(run_import, tmp_path):
    # given v1 in force until June 2024, then v2 without the direct inquiry → MQL move
    document = taxonomy_default_document()
    inquiry = next(s for s in document["stages"] if s["key"] == "inquiry")
    inquiry["next"] = [t for t in inquiry["next"] if t["to"] != "mql"]
    taxonomy_publish(document=document, note="MQL only through AQL")
    TaxonomyVersion.objects.filter(number=1).update(created_at=datetime(2023, 1, 1, tzinfo=UTC))
    TaxonomyVersion.objects.filter(number=2).update(created_at=datetime(2024, 6, 1, tzinfo=UTC))
    leads = tmp_path / "leads.csv"
    leads.write_text("email,created_at\nmay@example.com,2024-05-01T00:00:00Z\njuly@example.com,2024-07-01T00:00:00Z\n")
    run_import(leads, "leads")
    history = tmp_path / "history.csv"
    history.write_text("lead_email,to_stage,at\nmay@example.com,mql,2024-05-02T00:00:00Z\n"
                       "july@example.com,mql,2024-07-02T00:00:00Z\n")

    # when the same move is imported before and after the change
    run_import(history, "stage-history")

    # then the May move is judged by v1 (allowed), the July one by v2 (historical)
    may, july = (StageEvent.objects.get(lead__email_normalized=e, to_stage="mql") for e in ("may@example.com",
                                                                                           "july@example.com"))
    assert (may.taxonomy_version, may.historical) == (1, False)
    assert (july.taxonomy_version, july.historical) == (2, True)


def test_a_back_dated_move_lands_in_its_place_and_the_stage_is_the_latest_event(run_import, tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("email,last_name,created_at,mql_at\nlee@example.com,Lee,2024-01-01T00:00:00Z,"
                     "2024-01-10T00:00:00Z\n")
    run_import(leads, "leads")
    history = tmp_path / "history.csv"
    history.write_text("lead_email,from_stage,to_stage,at,by\n"
                       "lee@example.com,inquiry,aql,2024-01-05T00:00:00Z,\n"
                       "lee@example.com,mql,tal,2024-01-12T00:00:00Z,tele\n")
    run_import(history, "stage-history")
    assert _events("lee@example.com") == [("", "inquiry", "create", False), ("inquiry", "aql", "advance", False),
                                          ("inquiry", "mql", "advance", False),  # as recorded before the import
                                          ("mql", "tal", "accept", False)]
    lead = Lead.objects.get()
    assert (lead.stage, lead.stage_entered_at, lead.version) == ("tal", datetime(2024, 1, 12, tzinfo=UTC), 2)


def test_history_already_in_the_ledger_is_skipped_so_nothing_is_counted_twice(run_import, tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("email,created_at\nlee@example.com,2024-01-01T00:00:00Z\n")
    run_import(leads, "leads")
    rows = "lead_email,to_stage,at\nlee@example.com,inquiry,2024-01-01T00:00:00Z\nlee@example.com,mql,2024-01-02T00:00:00Z\n"
    (tmp_path / "a.csv").write_text(rows)
    (tmp_path / "b.csv").write_text(rows.replace("\n", "\r\n"))  # another file, the same moves
    first, second = run_import(tmp_path / "a.csv", "stage-history"), run_import(tmp_path / "b.csv", "stage-history")
    assert (first.rows_ok, first.rows_skipped) == (1, 1)
    assert (second.rows_ok, second.rows_skipped) == (0, 2)
    assert StageEvent.objects.count() == 2


def test_the_ledger_changed_hook_gets_the_utc_days_the_import_touched(run_import, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(services, "ledger_changed", lambda days: calls.append(days))
    leads = tmp_path / "leads.csv"
    # 23:30 in New York on 1 March is 04:30 UTC on 2 March
    leads.write_text("email,created_at,mql_at\nny@example.com,2024-03-01T23:30:00-05:00,2024-03-05T12:00:00Z\n")
    run_import(leads, "leads")
    assert calls == [{date(2024, 3, 2), date(2024, 3, 5)}]


def test_a_hubspot_export_brings_became_dates_to_leads_imported_without_them(run_import):
    # given contacts imported without their stage columns
    dropped = {column: None for column in ("Lifecycle Stage", "Lead Status", "Became a Lead Date",
                                           "Became a Marketing Qualified Lead Date",
                                           "Became a Sales Qualified Lead Date", "Became an Opportunity Date",
                                           "Became a Customer Date")}
    run_import("hubspot_contacts.csv", "leads", preset="hubspot", timezone="Europe/Berlin", mapping=dropped)
    assert set(Lead.objects.values_list("stage", flat=True)) == {"inquiry"}

    # when the same export is imported as stage history
    job = run_import("hubspot_contacts.csv", "stage-history", preset="hubspot", timezone="Europe/Berlin")

    # then the Became dates are the leads' stage history; the row that is no lead is refused
    assert _events("grace@navy.example") == [("", "inquiry", "create", False), ("inquiry", "mql", "advance", False),
                                             ("mql", "sql", "import", True), ("sql", "opportunity", "advance", False),
                                             ("opportunity", "won", "win", False)]
    # the second contact with Ada's email says she became a lead again in April: kept, flagged historical
    assert _events("ada@analytical.example") == [("", "inquiry", "create", False), ("inquiry", "mql", "advance", False),
                                                 ("mql", "inquiry", "import", True)]
    assert sorted(job.issues.filter(level="error").values_list("line", "field")) == [(5, "lead_email"),
                                                                                   (5, "to_stage")]


def test_a_ledger_of_6000_leads_and_23000_events_imports_in_under_30_seconds_with_the_same_funnel(
        run_import, tmp_path):
    from tandem.demo.loader import demo_staff_create

    demo_staff_create()  # the people the history names, so each move's team is checked
    ledger = write_ledger(tmp_path, leads=6000)
    started = time.perf_counter()
    leads = run_import(ledger.leads_csv, "leads")
    history = run_import(ledger.history_csv, "stage-history")
    elapsed = time.perf_counter() - started

    assert elapsed < 30, f"{elapsed:.1f} s"
    assert (leads.rows_ok, history.rows_failed, history.rows_historical) == (6000, 0, 0)
    assert StageEvent.objects.count() == ledger.events
    # the funnel, computed independently from the generated ledger: entries per stage and month
    expected = Counter((e.to_stage, datetime.fromtimestamp(e.at, UTC).strftime("%Y-%m")) for g in ledger.leads
                       for e in g.events)
    imported = Counter((s, at.strftime("%Y-%m")) for s, at in StageEvent.objects.values_list("to_stage", "occurred_at"))
    assert imported == expected
    # every lead's stage is its latest event
    final = {g.email.lower(): (g.events[-1].to_stage, datetime.fromtimestamp(g.events[-1].at, UTC))
             for g in ledger.leads}
    assert {e: (s, at) for e, s, at in Lead.objects.values_list("email_normalized", "stage", "stage_entered_at")} == final
    assert set(history.days_touched) >= {(datetime.fromtimestamp(g.events[-1].at, UTC)).date().isoformat()
                                         for g in ledger.leads if len(g.events) > 1}
    assert timedelta(0) <= StageEvent.objects.latest("recorded_at").recorded_at - history.created_at
