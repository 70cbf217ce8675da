"""The public web form: no login, HTML or JSON, and its guards (honeypot, rate limit, body size, forged XFF)."""

from datetime import timedelta

import pytest

from tandem import clock

pytestmark = pytest.mark.django_db

FORM = {"email": "pat@example.com", "first_name": "Pat", "last_name": "Lee", "company": "Acme",
        "website": "https://acme.example", "country": "de", "title": "CTO",
        "self_reported_source": "A colleague told me", "utm_source": "linkedin", "utm_medium": "paid_social",
        "utm_campaign": "q2", "li_fat_id": "li-1", "consent": "on", "form": "contact",
        "page": "https://www.example.com/contact"}


def _stored():
    from tandem.leads.models import Lead
    from tandem.touchpoints.models import Touchpoint

    return Lead.objects.count(), Touchpoint.objects.count()


def test_a_browser_post_creates_the_lead_and_shows_a_thank_you_page(post_form):
    from tandem.leads.models import Lead
    from tandem.touchpoints.models import Touchpoint

    response = post_form(FORM)
    assert response.status_code == 201
    assert "Thank you" in response.content.decode()
    lead = Lead.objects.select_related("account").get()
    assert (lead.country, lead.account.domain, lead.self_reported_source, lead.source) == (
        "DE", "acme.example", "A colleague told me", "web")
    touch = Touchpoint.objects.get()
    assert (touch.channel, touch.source, touch.click_ids) == ("form_fill", "web_form", {"li_fat_id": "li-1"})
    assert touch.properties["form"] == "contact" and touch.properties["submitted"]["company"] == "Acme"


def test_a_script_posting_json_gets_json_and_learns_nothing_about_who_exists(post_form):
    first = post_form(FORM, as_json=True)
    again = post_form(FORM, as_json=True)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json() == {"status": "received"}
    assert _stored() == (1, 2)


def test_a_form_is_not_refused_for_a_missing_csrf_token(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/api/v1/intake/form", FORM).status_code == 201


def test_after_an_html_post_the_browser_is_sent_to_an_allowed_thank_you_page(post_form):
    response = post_form({**FORM, "redirect_to": "https://www.example.com/thanks?x=1"})
    assert response.status_code == 303
    assert response["Location"] == "https://www.example.com/thanks?x=1"


def test_the_configured_thank_you_url_is_the_default_redirect(post_form, settings):
    settings.TANDEM_INTAKE_THANK_YOU_URL = "https://www.example.com/merci"
    response = post_form(FORM)
    assert (response.status_code, response["Location"]) == (303, "https://www.example.com/merci")


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)",
                                    "http://www.example.com.evil.example/"])
def test_a_redirect_to_a_site_not_listed_is_refused_and_nothing_is_stored(post_form, target):
    response = post_form({**FORM, "redirect_to": target})
    assert response.status_code == 422
    assert "TANDEM_INTAKE_ORIGINS" in response.content.decode()
    assert _stored() == (0, 0)


@pytest.mark.parametrize("as_json", [False, True])
def test_a_filled_honeypot_gets_the_same_answer_and_nothing_is_stored(post_form, as_json):
    from tandem.intake.models import IdempotencyKey

    real = post_form({**FORM, "email": "real@example.com"}, as_json=as_json)
    bot = post_form({**FORM, "email": "bot@example.com", "fax_number": "555-0100"}, as_json=as_json, key="bot-1")
    assert bot.status_code == real.status_code == 201
    assert bot["Content-Type"] == real["Content-Type"]
    assert _stored() == (1, 1)
    assert not IdempotencyKey.objects.filter(key="bot-1").exists()


def test_the_fifty_first_request_in_ten_seconds_gets_429_with_retry_after(post_form):
    start = clock.now().replace(microsecond=0)
    window_start = start - timedelta(seconds=start.timestamp() % 10)
    with clock.at_instant(window_start + timedelta(seconds=3)):
        answers = [post_form({**FORM, "email": f"p{n}@example.com"}, as_json=True).status_code for n in range(50)]
        refused = post_form({**FORM, "email": "p50@example.com"}, as_json=True)
    assert answers == [201] * 50
    assert refused.status_code == 429
    assert refused["Retry-After"] == "7"
    assert _stored() == (50, 50)
    with clock.at_instant(window_start + timedelta(seconds=10)):
        assert post_form({**FORM, "email": "p51@example.com"}, as_json=True).status_code == 201


def test_a_forged_x_forwarded_for_does_not_escape_the_rate_limit(post_form, settings):
    settings.TANDEM_INTAKE_RATE_LIMIT = "5/60"
    answers = [post_form({**FORM, "email": f"x{n}@example.com"}, as_json=True,
                         HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(7)]
    assert answers == [201] * 5 + [429] * 2


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(post_form, settings):
    settings.TANDEM_INTAKE_RATE_LIMIT = "2/60"
    settings.TANDEM_TRUSTED_PROXIES = ["127.0.0.1"]
    answers = [post_form({**FORM, "email": f"y{n}@example.com"}, as_json=True,
                         HTTP_X_FORWARDED_FOR=f"1.1.1.1, 203.0.113.{n % 2}").status_code for n in range(6)]
    assert answers == [201, 201, 201, 201, 429, 429]


def test_a_body_over_64_kib_gets_413_before_it_is_read(client):
    response = client.generic("POST", "/api/v1/intake/form", b"{not json", content_type="application/json",
                              CONTENT_LENGTH=str(64 * 1024 + 1))
    assert response.status_code == 413
    assert _stored() == (0, 0)


def test_a_large_but_allowed_body_is_read(post_form):
    assert post_form({**FORM, "page": "p" * 1999, "padding": "x" * 60_000}).status_code == 201


def test_a_real_oversized_post_gets_413_and_stores_nothing(post_form):
    response = post_form({**FORM, "padding": "x" * (64 * 1024)})
    assert response.status_code == 413 and _stored() == (0, 0)


def test_a_bad_field_is_named_in_json_and_explained_on_a_page_for_a_browser(post_form):
    as_json = post_form({**FORM, "country": "Germany"}, as_json=True)
    assert as_json.status_code == 422 and as_json.json()["field"] == "country"
    as_html = post_form({**FORM, "country": "Germany"})
    assert as_html.status_code == 422 and "Please check the form" in as_html.content.decode()
    assert "country: use the two-letter country code, e.g. DE" in as_html.content.decode()
    assert _stored() == (0, 0)


def test_an_unsupported_content_type_gets_415(client):
    response = client.generic("POST", "/api/v1/intake/form", b"email=x", content_type="text/plain")
    assert response.status_code == 415


def test_an_allowed_site_may_post_json_with_fetch(client):
    preflight = client.options("/api/v1/intake/form", HTTP_ORIGIN="https://www.example.com",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://www.example.com"
    assert "Idempotency-Key" in preflight["Access-Control-Allow-Headers"]
    posted = client.post("/api/v1/intake/form", FORM, content_type="application/json",
                         HTTP_ORIGIN="https://www.example.com")
    assert posted["Access-Control-Allow-Origin"] == "https://www.example.com"


def test_another_site_gets_no_cors_permission(client):
    preflight = client.options("/api/v1/intake/form", HTTP_ORIGIN="https://evil.example")
    assert not preflight.has_header("Access-Control-Allow-Origin")


def test_the_form_answers_without_a_session_or_token(client):
    client.logout()
    assert client.post("/api/v1/intake/form", FORM).status_code == 201
