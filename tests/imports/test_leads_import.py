"""Importing leads: presets with HubSpot's and Salesforce's real headers, mappings, natural keys, bad rows."""

from datetime import UTC, datetime

import pytest

from tandem.imports.models import ExternalKey, ImportJob
from tandem.leads.errors import LeadInvalid
from tandem.leads.models import Lead, StageEvent

pytestmark = pytest.mark.django_db


def _ledger(email: str) -> list[tuple]:
    lead = Lead.objects.get(email_normalized=email)
    return [(e.from_stage, e.to_stage, e.action, e.occurred_at, e.historical) for e in
            lead.stage_events.order_by("occurred_at", "id")]


def test_a_hubspot_contacts_export_becomes_leads_with_their_lifecycle_dates(run_import, issues):
    # given HubSpot's export, written in Berlin time; when imported with the preset
    job = run_import("hubspot_contacts.csv", "leads", preset="hubspot", timezone="Europe/Berlin")

    # then each contact is a lead whose stage history follows its "Became a … Date" columns, in UTC
    assert (job.status, job.rows_ok, job.rows_skipped, job.rows_failed) == ("done", 4, 1, 1)
    grace = Lead.objects.get(email_normalized="grace@navy.example")
    assert (grace.email, grace.country, grace.phone_normalized, grace.account.domain) == (
        "GRACE@navy.example", "US", "+12025550143", "navy.example")
    assert _ledger("grace@navy.example") == [
        ("", "inquiry", "create", datetime(2023, 11, 2, 7, tzinfo=UTC), False),
        ("inquiry", "mql", "advance", datetime(2023, 11, 20, 9, tzinfo=UTC), False),
        ("mql", "sql", "import", datetime(2023, 12, 4, 15, 30, tzinfo=UTC), True),  # HubSpot skips TAL to SAL
        ("sql", "opportunity", "advance", datetime(2024, 1, 8, 10, tzinfo=UTC), False),
        ("opportunity", "won", "win", datetime(2024, 3, 29, 16, 45, tzinfo=UTC), False),
    ]
    assert (grace.stage, grace.stage_entered_at) == ("won", datetime(2024, 3, 29, 16, 45, tzinfo=UTC))
    assert all(e.recorded_at > datetime(2026, 1, 1, tzinfo=UTC) for e in grace.stage_events.all())


def test_lifecycle_stage_and_lead_status_map_onto_the_taxonomy(run_import):
    run_import("hubspot_contacts.csv", "leads", preset="hubspot", timezone="Europe/Berlin")
    stages = dict(Lead.objects.values_list("email_normalized", "stage"))
    assert stages == {"ada@analytical.example": "mql",          # Marketing Qualified Lead, status New
                      "grace@navy.example": "won",              # Customer
                      "alan@bletchley.example": "recycled",     # Lead with status Bad Timing
                      "katherine@nasa.example": "sql"}          # SQL; Attempted to Contact is not further down


def test_bad_rows_are_reported_by_line_and_field_and_do_not_stop_the_good_ones(run_import, issues):
    job = run_import("hubspot_contacts.csv", "leads", preset="hubspot", timezone="Europe/Berlin")
    assert issues(job, "error") == [(5, "error", "country"), (5, "error", "created_at"), (5, "error", "email")]
    assert issues(job, "skipped") == [(7, "skipped", "email")]  # Ada again, in other case
    assert issues(job, "historical") == [(3, "historical", "entered:sql"), (4, "historical", "stage"),
                                         (6, "historical", "entered:sql")]
    assert job.rows_historical == 3
    assert "Marketing contact status" in job.message


def test_without_the_files_time_zone_naive_timestamps_are_refused_per_row(run_import, issues):
    job = run_import("hubspot_contacts.csv", "leads", preset="hubspot")
    assert job.rows_ok == 0
    assert (2, "error", "created_at") in issues(job, "error")
    assert Lead.objects.count() == 0


def test_a_salesforce_lead_report_maps_lead_status_onto_stages_and_remembers_lead_ids(run_import, issues):
    job = run_import("salesforce_leads.csv", "leads", preset="salesforce", timezone="America/Los_Angeles")
    assert (job.rows_ok, job.rows_failed) == (4, 1)
    assert issues(job, "error") == [(6, "error", "email")]
    assert dict(Lead.objects.values_list("email_normalized", "stage")) == {
        "hedy@hopping.example": "mql", "margaret@apollo.example": "tal", "claude@bell.example": "disqualified",
        "tim@w3.example": "tql"}
    hedy = Lead.objects.get(email_normalized="hedy@hopping.example")
    assert hedy.created_at == datetime(2024, 5, 4, 17, 22, tzinfo=UTC)  # 10:22 AM Pacific daylight time
    assert ExternalKey.objects.get(namespace="salesforce", kind="lead", key="00Q5g00000AbCdEAA1").object_id == hedy.pk


def test_the_same_file_again_is_the_same_job_and_adds_nothing(run_import):
    first = run_import("hubspot_contacts.csv", "leads", preset="hubspot", timezone="Europe/Berlin")
    counts = (Lead.objects.count(), StageEvent.objects.count())
    again = run_import("hubspot_contacts.csv", "leads", preset="hubspot", timezone="Europe/Berlin")
    assert again.pk == first.pk and ImportJob.objects.count() == 1
    assert (Lead.objects.count(), StageEvent.objects.count()) == counts


def test_another_file_with_known_emails_skips_them_and_never_changes_the_lead(run_import, tmp_path, issues):
    run_import("hubspot_contacts.csv", "leads", preset="hubspot", timezone="Europe/Berlin")
    path = tmp_path / "more.csv"
    path.write_text("email,first_name,created_at\nADA@analytical.example,Augusta,2024-05-01T00:00:00Z\n"
                    "new@person.example,New,2024-05-01T00:00:00Z\n")
    job = run_import(path, "leads")
    assert (job.rows_ok, job.rows_skipped) == (1, 1)
    assert Lead.objects.get(email_normalized="ada@analytical.example").first_name == "Ada"
    assert "already exists" in job.issues.get(line=2).message


def test_a_mapping_renames_and_drops_columns(run_import, tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("E-Mail,Vorname,Notes,Erstellt\nlea@example.de,Lea,call back,2024-02-01T08:00:00+01:00\n")
    job = run_import(path, "leads", mapping={"E-Mail": "email", "Vorname": "first_name", "Erstellt": "created_at",
                                             "Notes": None})
    lead = Lead.objects.get()
    assert (lead.first_name, lead.created_at) == ("Lea", datetime(2024, 2, 1, 7, tzinfo=UTC))
    assert job.mapping == {"E-Mail": "email", "Vorname": "first_name", "Erstellt": "created_at"}
    assert job.message == ""


@pytest.mark.parametrize(("mapping", "message"), [
    ({"Vorname": "first_name"}, "no column maps to email"),
    ({"E-Mail": "e_mail_address"}, "not a field of a leads import"),
    ({"Missing": "email"}, "the file has no column"),
])
def test_a_mapping_that_cannot_work_is_refused_before_any_row(tmp_path, mapping, message):
    from tandem.imports.services import import_job_create

    path = tmp_path / "crm.csv"
    path.write_text("E-Mail,Vorname\nlea@example.de,Lea\n")
    with pytest.raises(LeadInvalid, match=message) as error:
        import_job_create(path=path, kind="leads", by=None, mapping={"E-Mail": None, **mapping})
    assert error.value.field == "mapping"


def test_stage_columns_named_like_the_taxonomy_are_understood_without_a_mapping(run_import, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("email,last_name,created_at,mql_at,tal_at\n"
                    "kim@example.com,Kim,2024-01-01T10:00:00Z,2024-01-03T10:00:00Z,2024-01-04T10:00:00Z\n")
    run_import(path, "leads")
    assert [(f, t, h) for f, t, _, _, h in _ledger("kim@example.com")] == [
        ("", "inquiry", False), ("inquiry", "mql", False), ("mql", "tal", False)]


def test_a_timestamp_in_the_future_is_refused(run_import, tmp_path, issues):
    path = tmp_path / "future.csv"
    path.write_text("email,created_at\nsoon@example.com,2999-01-01T00:00:00Z\n")
    job = run_import(path, "leads")
    assert issues(job) == [(2, "error", "created_at")]
