"""XSS payloads go in through every door (web form, webhook, API) and come out as text in Chromium."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SECRET = "whsec-browser-test"


def _post(url: str, body: bytes, headers: dict) -> dict:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - the live test server on loopback
        return json.loads(reply.read())


def _embed_form(tandem_url: str) -> str:
    """The docs' copy-paste snippet, as a visitor's browser loads it from a customer's site."""
    from tests.intake.test_docs_examples import example

    snippet = example("embed-form").replace("https://tandem.example.com", tandem_url)
    return re.sub(r'\s*<input type="hidden" name="redirect_to"[^>]*>', "", snippet)  # Tandem's own thank-you page


def test_payloads_from_every_door_render_as_text_and_never_run(page, live_server, make_user, settings, tokens):
    from tandem import clock
    from tandem.intake.signatures import sign
    from tandem.leads.models import Lead

    settings.TANDEM_WEBHOOK_SECRETS = [SECRET]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # 1. the web form, filled in by a visitor in the browser
    page.set_content(_embed_form(live_server.url))
    for name, value in {"first_name": SCRIPT, "last_name": IMG, "email": "form@example.com", "phone": "+49 30 555",
                        "company": IMG, "title": SCRIPT, "self_reported_source": IMG}.items():
        page.fill(f"input[name={name}]", value)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Thank you")

    # 2. the signed webhook
    body = json.dumps({"email": "hook@example.com", "first_name": IMG, "last_name": SCRIPT, "phone": "+49 30 555",
                       "title": IMG, "utm_campaign": SCRIPT, "content_item": IMG,
                       "properties": {"note": SCRIPT}}).encode()
    hooked = _post(f"{live_server.url}/api/v1/intake/webhook", body, {
        "Content-Type": "application/json", "X-Tandem-Signature": sign(SECRET, body, int(clock.now().timestamp()))})

    # 3. the API: a lead, a touchpoint batch and a note
    auth = {"Content-Type": "application/json", "Authorization": f"Bearer {tokens['marketing']['write']}"}
    api_lead = _post(f"{live_server.url}/api/v1/leads", json.dumps(
        {"email": "api@example.com", "first_name": SCRIPT, "last_name": IMG, "title": SCRIPT}).encode(), auth)
    _post(f"{live_server.url}/api/v1/touchpoints/batch", json.dumps({"items": [
        {"lead_id": hooked["lead_id"], "channel": "webinar", "content_item": SCRIPT, "utm_source": IMG}]}).encode(),
        auth)
    _post(f"{live_server.url}/api/v1/leads/{hooked['lead_id']}/notes", json.dumps({"body": IMG + SCRIPT}).encode(),
          auth)

    form_lead = Lead.objects.get(email="form@example.com")
    assert (form_lead.first_name, form_lead.last_name, form_lead.title) == (SCRIPT, IMG, SCRIPT)  # as given
    Lead.objects.filter(pk=api_lead["id"]).update(phone="+49 30 555", phone_normalized=form_lead.phone_normalized)

    marketer = make_user("marketing", username="xss-maria")
    sign_in(page, live_server, marketer.username)
    views = {
        "lead list": "/leads/",
        "lead page (form)": f"/leads/{form_lead.pk}/",
        "lead page and timeline (webhook)": f"/leads/{hooked['lead_id']}/",
        "lead page (api)": f"/leads/{api_lead['id']}/",
        "duplicates": "/identity/duplicates/",
    }
    for name, path in views.items():
        page.goto(f"{live_server.url}{path}")
        for details in page.locator("details").all():
            details.evaluate("el => el.open = true")
        time.sleep(0.2)  # give any injected handler (an <img onerror>) the chance to fire
        text = page.locator("main").inner_text()
        assert SCRIPT in text and IMG in text, name
        assert page.locator("[onerror], img[src=x]").count() == 0, name  # no element was made from the text
        scripts = page.locator("script").evaluate_all("els => els.map(e => e.textContent)")
        assert not any("alert(1)" in script for script in scripts), name
    assert dialogs == []



def test_the_docs_fetch_example_posts_json_from_a_page(page, live_server):
    from tandem.leads.models import Lead
    from tests.intake.test_docs_examples import example

    page.goto(f"{live_server.url}/login/")  # a page of the same origin, as if the site were Tandem's own
    snippet = example("fetch").replace("https://tandem.example.com", live_server.url)
    status = page.evaluate(f"async () => {{ {snippet}; return response.status; }}")
    assert status == 201
    lead = Lead.objects.get(email="sam@example.com")
    assert (lead.self_reported_source, lead.consent_status) == ("A podcast", "granted")
