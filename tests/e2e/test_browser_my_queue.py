"""An SDR works their queue in Debian's Chromium: live countdowns, one-click accept."""

import importlib
import re

import pytest
from django.apps import apps

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def handoff_defaults(transactional_db):
    """Transactional tests flush the seeded routing and SLA policies: seed them again."""
    for module in ("tandem.routing.migrations.0002_default_routing", "tandem.sla.migrations.0002_default_policies"):
        importlib.import_module(module).seed(apps, None)


def test_an_sdr_sees_live_countdowns_and_accepts_from_the_queue(page, live_server, make_lead, make_user,
                                                                 handoff_defaults):
    from tandem.leads.models import Lead
    from tandem.touchpoints.services import touchpoint_record

    sdr = make_user("sdr", username="sven")
    lead = make_lead()
    touchpoint_record(lead=lead, channel="form_fill")
    touchpoint_record(lead=lead, channel="webinar")
    assert Lead.objects.get(pk=lead.pk).owner == sdr
    sign_in(page, live_server, sdr.username)
    page.goto(f"{live_server.url}/sla/queue/")
    row = page.locator(f"tr[data-lead='{lead.pk}']").first
    countdown = row.locator("[data-due]")
    assert "UTC" in countdown.text_content() or "left" in countdown.text_content()  # server text, then the script's
    page.wait_for_function("el => / left$/.test(el.textContent)", arg=countdown.element_handle())
    assert re.fullmatch(r"(\d+ d \d+ h|\d+ h \d\d min|\d+ min|\d+ s) left", countdown.inner_text())
    row.locator("form:has(input[value='accept']) button").click()
    page.wait_for_selector("text=accept done; now TAL")
    assert Lead.objects.get(pk=lead.pk).stage == "tal"
