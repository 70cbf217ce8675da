"""A person signs in, opens a lead and moves it, in Debian's Chromium."""

import pytest

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_sdr_signs_in_and_accepts_an_mql_from_the_lead_page(page, live_server, make_lead, make_user):
    sdr = make_user("sdr", username="sven")
    lead = make_lead("mql")
    sign_in(page, live_server, sdr.username)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    page.locator("form.move-accept button[type=submit]").click()
    page.wait_for_selector("text=Moved to tal.")
    assert page.locator(".stage-now .pill").inner_text() == "Tele-accepted lead (TAL)"
    assert page.locator(".timeline .tl-stage").first.inner_text().startswith(page.locator(".timeline time").first
                                                                            .inner_text())
    lead.refresh_from_db()
    assert (lead.stage, lead.owner_id) == ("tal", sdr.pk)


def test_a_reject_without_a_reason_is_refused_and_nothing_changes(page, live_server, make_lead, make_user):
    sdr = make_user("sdr", username="lina")
    lead = make_lead("mql")
    sign_in(page, live_server, sdr.username)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    form = page.locator("form.move-reject")
    form.locator("select").evaluate("el => el.removeAttribute('required')")  # get past the browser's own check
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#move-error")
    assert "reason code is required" in page.locator("#move-error").inner_text()
    lead.refresh_from_db()
    assert (lead.stage, lead.version) == ("mql", lead.version)
    assert lead.stage_events.count() == 3


def test_a_marketer_sees_no_accept_button_for_sales(page, live_server, make_lead, make_user):
    marketer = make_user("marketing", username="maria")
    lead = make_lead("tql")
    sign_in(page, live_server, marketer.username)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    assert page.locator("form.move-accept").count() == 0
    assert "No action is open to you" in page.content()
