"""The imports API: upload a file (a background job), follow its status, read its issues by line."""

import pytest

from tests.imports.conftest import FIXTURES

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload(api, tokens, django_capture_on_commit_callbacks):
    """POST a fixture file; the job runs as the test settings' ImmediateBackend runs tasks, on commit."""
    def post(name: str, role: str = "marketing", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return api("POST", "/imports", tokens[role]["write"], json=fields,
                       files={"file": (name, (FIXTURES / name).read_bytes())})

    return post


def test_an_upload_is_a_job_whose_status_counts_and_issues_by_line_can_be_read(upload, api, tokens):
    response = upload("hubspot_contacts.csv", kind="leads", preset="hubspot", timezone="Europe/Berlin")
    assert response.status_code == 202
    job_id = response.json()["id"]

    job = api("GET", f"/imports/{job_id}", tokens["marketing"]["read"]).json()
    assert (job["status"], job["rows_total"], job["rows_ok"], job["rows_failed"]) == ("done", 6, 4, 1)
    assert job["counts"]["leads"] == 4 and job["rows_historical"] == 3
    assert {"line": 5, "level": "error", "field": "email", "message": "not an email address",
            "value": "not-an-email"} in job["issues"]
    assert job["issue_counts"] == {"error": 3, "skipped": 1, "historical": 3}
    errors = api("GET", f"/imports/{job_id}/issues", tokens["marketing"]["read"], query={"level": "error"}).json()
    assert sorted((i["line"], i["field"]) for i in errors) == [(5, "country"), (5, "created_at"), (5, "email")]


def test_the_same_file_again_answers_with_the_same_job_and_changes_nothing(upload):
    first = upload("salesforce_leads.csv", kind="leads", preset="salesforce", timezone="UTC")
    assert (first.status_code, first.json()["status"]) == (202, "queued")  # answered before the job runs
    again = upload("salesforce_leads.csv", "admin", kind="leads", preset="salesforce", timezone="UTC")
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["status"], again.json()["rows_ok"]) == (first.json()["id"], "done", 4)


def test_the_same_file_with_other_options_after_it_was_imported_is_a_conflict(upload):
    upload("salesforce_leads.csv", kind="leads", preset="salesforce", timezone="UTC")
    response = upload("salesforce_leads.csv", kind="leads", preset="salesforce", timezone="Europe/Berlin")
    assert response.status_code == 409
    assert response.json()["field"] == "file"


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": "people"}, "kind"),
    ({"kind": "leads", "preset": "pipedrive"}, "preset"),
    ({"kind": "leads", "timezone": "Mars/Olympus"}, "timezone"),
    ({"kind": "leads", "mapping": "{not json"}, "mapping"),
    ({"kind": "leads", "mapping": '{"Email": "electronic_mail"}'}, "mapping"),
])
def test_options_that_cannot_work_are_refused_with_the_field_named(upload, fields, field):
    response = upload("salesforce_leads.csv", **fields)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_a_waiting_job_can_be_resumed(upload, api, tokens, monkeypatch, django_capture_on_commit_callbacks):
    from tandem.imports.kinds import merges
    from tandem.leads.services import LeadData, lead_create

    monkeypatch.setattr(merges, "merge_service", lambda: None)
    upload("hubspot_contacts.csv", kind="leads", preset="hubspot", timezone="Europe/Berlin")
    lead_create(data=LeadData(email="ada.duplicate@analytical.example"), by=None)
    job = upload("merges.csv", kind="merges").json()
    assert api("GET", f"/imports/{job['id']}", tokens["admin"]["read"]).json()["status"] == "waiting"
    with django_capture_on_commit_callbacks(execute=True):
        response = api("POST", f"/imports/{job['id']}/resume", tokens["admin"]["write"])
    assert response.status_code == 202
    assert api("GET", f"/imports/{job['id']}", tokens["admin"]["read"]).json()["status"] == "waiting"


def test_a_file_whose_rows_were_all_refused_can_be_imported_again_with_other_options(upload, api, tokens):
    first = upload("salesforce_leads.csv", kind="leads", preset="salesforce").json()  # no time zone: all refused
    assert api("GET", f"/imports/{first['id']}", tokens["marketing"]["read"]).json()["rows_failed"] == 5
    again = upload("salesforce_leads.csv", kind="leads", preset="salesforce", timezone="America/Los_Angeles")
    assert again.status_code == 202 and again.json()["id"] == first["id"]
    job = api("GET", f"/imports/{first['id']}", tokens["marketing"]["read"]).json()
    assert (job["status"], job["rows_ok"], job["rows_failed"], job["timezone"]) == ("done", 4, 1, "America/Los_Angeles")
    assert [i["line"] for i in job["issues"] if i["level"] == "error"] == [6]
