"""Imports, exports and campaigns in Debian's Chromium: upload a HubSpot export, export the filtered list."""

import csv
import io

import pytest

from tests.e2e.conftest import sign_in
from tests.imports.conftest import FIXTURES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_marketer_uploads_a_hubspot_export_and_reads_the_refused_row_by_line(page, live_server, make_user, settings,
                                                                             tmp_path):
    settings.TANDEM_IMPORT_DIR = str(tmp_path)
    make_user("marketing", username="maria")
    sign_in(page, live_server, "maria")
    page.goto(f"{live_server.url}/imports/")
    page.set_input_files("#id_file", str(FIXTURES / "hubspot_contacts.csv"))
    page.select_option("#id_preset", "hubspot")
    page.fill("#id_timezone", "Europe/Berlin")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#job-status .pill-job-done")
    rows = page.locator("#issues tbody tr")
    assert "not an email address" in rows.filter(has_text="email").first.inner_text()
    assert page.locator(".job-stat b").first.inner_text() == "4"  # rows imported
    page.goto(f"{live_server.url}/leads/?q=grace")
    page.locator("#lead-table a").first.click()
    assert "historical" in page.locator(".timeline").inner_text()


def test_the_lead_list_exports_what_its_filters_show(page, live_server, make_user, make_lead):
    make_user("marketing", username="mia")
    mql, _ = make_lead("mql"), make_lead("inquiry", email="formula@example.com", source="=HYPERLINK(1)")
    sign_in(page, live_server, "mia")
    page.goto(f"{live_server.url}/leads/")
    page.select_option("#f-stage", "mql")
    page.wait_for_function("document.querySelectorAll('#lead-table tbody tr').length == 1")
    with page.expect_download() as download:
        page.click("#export-leads")
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert [r["email"] for r in rows] == [mql.email]
