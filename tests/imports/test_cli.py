"""`tandem import` and its progress report; running it again resumes the same job."""

import io

import pytest
from django.core.management import CommandError, call_command

from tandem.imports.models import ImportJob
from tandem.leads.models import Lead
from tests.imports.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out)
    return out.getvalue()


def test_the_import_command_runs_a_file_with_a_preset_and_reports_rows_by_line():
    output = _run(str(FIXTURES / "hubspot_contacts.csv"), "--kind", "leads", "--preset", "hubspot",
                  "--timezone", "Europe/Berlin", "--sync", "--chunk-size", "2")
    assert "Status: Done — 4 imported, 1 skipped, 1 refused, 3 historical" in output
    assert "line 5 error email: not an email address ('not-an-email')" in output
    assert "6/6" in output  # the progress bar: rows done of rows in the file
    assert Lead.objects.count() == 4


def test_running_the_command_again_resumes_and_adds_nothing():
    path = str(FIXTURES / "salesforce_leads.csv")
    _run(path, "--kind", "leads", "--preset", "salesforce", "--timezone", "UTC", "--sync")
    output = _run(path, "--kind", "leads", "--preset", "salesforce", "--timezone", "UTC", "--sync")
    assert "already imported completely" in output
    assert (ImportJob.objects.count(), Lead.objects.count()) == (1, 4)


def test_a_mapping_is_given_as_json(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Mail,Name\nlea@example.de,Lea\n")
    _run(str(path), "--kind", "leads", "--mapping", '{"Mail": "email", "Name": "first_name"}', "--sync")
    assert Lead.objects.get().first_name == "Lea"


def test_without_sync_the_job_is_queued_for_the_worker(django_capture_on_commit_callbacks):
    output = _run(str(FIXTURES / "salesforce_leads.csv"), "--kind", "leads", "--preset", "salesforce",
                  "--timezone", "UTC", "--no-wait")
    assert "Queued" in output
    assert ImportJob.objects.get().status == "queued"


def test_a_mapping_without_an_email_column_stops_before_any_row(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Mail,Name\nlea@example.de,Lea\n")
    with pytest.raises(CommandError, match="mapping: no column maps to email"):
        _run(str(path), "--kind", "leads", "--sync")
