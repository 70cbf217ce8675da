"""The shared dashboard in Chromium: each role sees the CLI's numbers, and a click lists exactly those records."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_company():
    from tandem.demo.loader import demo_load

    demo_load(seed=3, leads=220, until=datetime(2026, 10, 1, tzinfo=UTC))


def _cli_entrants(stage: str) -> int:
    out = io.StringIO()
    call_command("report", "funnel", "--period", "2026-09", "--json", stdout=out)
    return next(r["entrants"] for r in json.loads(out.getvalue())["rows"] if r["stage"] == stage)


@pytest.mark.parametrize("username", ["maria", "julia", "quinn"])
def test_a_role_sees_the_cli_figures_and_a_click_lists_the_records(page, live_server, demo_company, username):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, username, "tandem-demo")
    page.goto(f"{live_server.url}/reporting/?period=2026-09")
    expected = _cli_entrants("sal")
    link = page.locator('#h-funnel >> xpath=../.. >> a[href*="metric=funnel_entrants&stage=sal"]').first
    assert int(link.inner_text().replace(",", "")) == expected
    # the charts were drawn by the locally served Chart.js
    assert page.evaluate("typeof Chart") == "function"
    assert page.evaluate("document.getElementById('chart-funnel').width") > 0
    link.click()
    page.wait_for_url(re.compile(r".*/reporting/records/.*"))
    assert int(page.locator("#records-count").inner_text()) == expected
    assert page.locator("#records-table tbody tr[data-id]").count() == min(expected, 100)
    assert errors == []


def test_the_filters_redraw_the_dashboard_in_place(page, live_server, demo_company):
    sign_in(page, live_server, "david", "tandem-demo")
    page.goto(f"{live_server.url}/reporting/?period=2026-09")
    with page.expect_response(re.compile(r".*/reporting/\?.*segment=mid.*")):
        page.select_option("#f-segment", "mid")
    page.wait_for_function("document.querySelector('.dash-scope').innerText.includes('segment mid')")
    assert "segment=mid" in page.url
    assert page.evaluate("document.getElementById('chart-funnel').width") > 0


def test_the_print_layout_hides_the_filters(page, live_server, demo_company):
    sign_in(page, live_server, "rita", "tandem-demo")
    page.goto(f"{live_server.url}/reporting/?period=2026-09")
    page.emulate_media(media="print")
    assert page.locator(".report-filters").is_hidden()
    assert page.locator(".topbar").is_hidden()
    assert page.locator("#h-funnel").is_visible()
