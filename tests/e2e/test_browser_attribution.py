"""The Attribution page in Debian's Chromium: filters swap the report in place and the chart is drawn."""

import pytest

from tests.attribution.conftest import ledger  # noqa: F401 - the hand-built ledger, as a fixture
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("ledger")
def test_a_marketer_switches_level_and_reads_pipeline_credit_beside_what_buyers_said(page, live_server, make_user):
    make_user("marketing", username="maria")
    sign_in(page, live_server, "maria")
    page.goto(f"{live_server.url}/attribution/?period=2026-Q1")
    assert page.locator(".attr-scope strong").inner_text() == "Leads sourced · Q1 2026"
    assert page.locator("#a-measure").is_disabled()  # leads sourced have no value
    page.select_option("#a-level", "pipeline")
    page.wait_for_function("document.querySelector('.attr-scope strong').textContent.startsWith('Pipeline')")
    assert "level=pipeline" in page.url
    assert page.locator("#a-measure").input_value() == "value"  # swapped in with the report
    table = page.locator(".attr-table tfoot tr.total").inner_text()
    assert "1,700" in table
    # the chart is drawn once htmx has settled the swapped report
    page.wait_for_function("!!Chart.getChart(document.getElementById('chart-attribution-models'))", timeout=10_000)
    assert "Paid ads" in page.locator("#h-said").locator("xpath=../..").inner_text()
