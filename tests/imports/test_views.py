"""The imports page: upload a file, see the job and its issues by line; only roles that may import see it."""

import pytest

from tests.imports.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def test_a_marketer_uploads_a_file_and_sees_its_issues_by_line(client, make_user, django_capture_on_commit_callbacks):
    client.force_login(make_user("marketing"))
    with open(FIXTURES / "hubspot_contacts.csv", "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/imports/", {"file": handle, "kind": "leads", "preset": "hubspot",
                                             "timezone": "Europe/Berlin", "mapping": ""})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Done" in page and "not an email address" in page and "Imported as historical (3)" in page
    listing = client.get("/imports/").content.decode()
    assert "hubspot_contacts.csv" in listing and "every 2s" not in listing  # nothing left to poll


def test_a_bad_time_zone_is_shown_on_the_form(client, make_user):
    client.force_login(make_user("admin"))
    with open(FIXTURES / "salesforce_leads.csv", "rb") as handle:
        response = client.post("/imports/", {"file": handle, "kind": "leads", "timezone": "Nowhere/Else"})
    assert response.status_code == 422
    assert "unknown time zone" in response.content.decode()


@pytest.mark.parametrize("role", ["sdr", "sales", "readonly"])
def test_roles_that_may_not_import_do_not_see_the_page(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get("/imports/").status_code == 404
    assert "Imports" not in client.get("/").content.decode()
