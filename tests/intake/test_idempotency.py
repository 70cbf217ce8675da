"""Idempotency-Key (IETF draft): a retry replays the first answer; a reused key or a key in flight is refused."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from tandem import clock

pytestmark = pytest.mark.django_db

PAT = {"email": "pat@example.com", "first_name": "Pat", "last_name": "Lee"}


def _counts():
    from tandem.leads.models import Lead
    from tandem.touchpoints.models import Touchpoint

    return Lead.objects.count(), Touchpoint.objects.count()


def test_a_repeated_key_replays_the_original_response_and_stores_nothing_more(deliver):
    first = deliver(PAT, key="delivery-1")
    again = deliver(PAT, key="delivery-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert _counts() == (1, 1)


def test_the_key_may_be_sent_as_a_quoted_structured_field_string(deliver):
    first = deliver(PAT, key='"8e03978e-40d5-43e8-bc93-6894a57f9324"')
    again = deliver(PAT, key="8e03978e-40d5-43e8-bc93-6894a57f9324")
    assert again.content == first.content and _counts() == (1, 1)


def test_the_same_key_with_a_different_body_gets_422_and_stores_nothing(deliver):
    deliver(PAT, key="delivery-2")
    response = deliver({**PAT, "first_name": "Patricia"}, key="delivery-2")
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert _counts() == (1, 1)


def test_a_key_still_in_flight_gets_409(deliver):
    from tandem.intake.idempotency import idempotency_claim, request_fingerprint

    same = RequestFactory().generic("POST", "/api/v1/intake/webhook", json.dumps(PAT), content_type="application/json")
    idempotency_claim(scope="webhook", key="busy", fingerprint=request_fingerprint(same))  # another request holds it
    response = deliver(PAT, key="busy")
    assert response.status_code == 409
    assert "still being processed" in response.json()["detail"]
    assert _counts() == (0, 0)


def test_a_key_abandoned_in_flight_by_a_crashed_request_is_taken_over(deliver):
    from tandem.intake.idempotency import idempotency_claim
    from tandem.intake.models import IdempotencyKey

    idempotency_claim(scope="webhook", key="crashed", fingerprint="0" * 64)
    IdempotencyKey.objects.filter(key="crashed").update(created_at=clock.now() - timedelta(minutes=6))
    assert deliver(PAT, key="crashed").status_code == 201
    assert IdempotencyKey.objects.get(key="crashed").state == "done"


def test_a_failed_request_releases_its_key_so_the_corrected_retry_goes_through(deliver):
    assert deliver({"first_name": "No email"}, key="fix-me").status_code == 422
    assert deliver({"first_name": "No email"}, key="fix-me").status_code == 422  # not a replay: it ran again
    assert deliver({**PAT}, key="fix-me").status_code == 201


def test_keys_are_kept_72_hours_then_pruned_by_the_command(deliver, capsys):
    from tandem.intake.models import IdempotencyKey

    deliver(PAT, key="old")
    key = IdempotencyKey.objects.get(key="old")
    assert key.expires_at - key.created_at >= timedelta(hours=72)
    with clock.at_instant(clock.now() + timedelta(hours=71)):
        call_command("intake", "prune-keys")
    assert IdempotencyKey.objects.filter(key="old").exists()
    with clock.at_instant(clock.now() + timedelta(hours=72, seconds=1)):
        call_command("intake", "prune-keys")
    assert not IdempotencyKey.objects.filter(key="old").exists()
    assert "Deleted 1 expired idempotency key" in capsys.readouterr().out


def test_an_expired_key_that_was_not_yet_pruned_counts_as_new(deliver):
    from tandem.intake.models import IdempotencyKey

    deliver(PAT, key="reused-later")
    IdempotencyKey.objects.filter(key="reused-later").update(expires_at=clock.now() - timedelta(seconds=1))
    assert deliver({**PAT, "title": "CEO"}, key="reused-later").status_code == 200


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "ä-umlaut"])
def test_a_malformed_key_gets_400(deliver, key):
    response = deliver(PAT, headers={"HTTP_IDEMPOTENCY_KEY": key})
    assert response.status_code == 400 and _counts() == (0, 0)


def test_creating_a_lead_through_the_api_with_a_key_is_idempotent_per_token(api, tokens, client):
    from tandem.leads.models import Lead

    def create(token, key):
        return client.post("/api/v1/leads", {"email": "kim@example.com", "first_name": "Kim"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}",
                           HTTP_IDEMPOTENCY_KEY=key)

    first = create(tokens["marketing"]["write"], "lead-1")
    again = create(tokens["marketing"]["write"], "lead-1")
    assert (first.status_code, again.status_code) == (201, 201) and again.json() == first.json()
    other = create(tokens["manager"]["write"], "lead-1")  # another client's key space: it runs, and meets the lead
    assert other.status_code == 409 and other.json()["existing_id"] == first.json()["id"]
    assert Lead.objects.count() == 1


def test_the_stored_answer_of_an_api_create_is_the_same_json_as_without_a_key(client, tokens):
    def create(email, **headers):
        return client.post("/api/v1/leads", {"email": email}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {tokens['admin']['write']}", **headers)

    plain, keyed = create("a@example.com").json(), create("b@example.com", HTTP_IDEMPOTENCY_KEY="k").json()
    assert set(plain) == set(keyed)
    assert len(plain["created_at"]) == len(keyed["created_at"])


def test_the_worker_prunes_keys_every_six_hours(deliver):
    from tandem.intake.models import IdempotencyKey
    from tandem.intake.tasks import keys_prune
    from tandem.operations.schedule import periodic_jobs

    job = next(j for j in periodic_jobs() if j.name == "intake.prune_keys")
    assert job.every == timedelta(hours=6) and job.task == "tandem.intake.tasks.keys_prune"
    deliver(PAT, key="stale")
    IdempotencyKey.objects.filter(key="stale").update(expires_at=clock.now() - timedelta(seconds=1))
    assert keys_prune.call()["keys"] == 1
