"""The touchpoints API: a batch is checked item by item; reading pages a lead's touches newest first."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem import clock

pytestmark = pytest.mark.django_db


def _batch(api, token, items, **kwargs):
    return api("POST", "/touchpoints/batch", token, json={"items": items}, **kwargs)


def test_valid_items_are_stored_and_bad_ones_reported_by_index_and_field(api, tokens, make_lead):
    from tandem.touchpoints.models import Touchpoint

    lead = make_lead()
    future = (clock.now() + timedelta(days=1)).isoformat()
    items = [
        {"lead_id": lead.pk, "channel": "web_visit", "utm_source": "google"},
        {"lead_id": lead.pk, "channel": "carrier_pigeon"},
        {"lead_id": 999_999, "channel": "call"},
        {"channel": "call"},
        {"lead_email": lead.email.upper(), "channel": "email_click", "occurred_at": "2026-01-05T10:00:00Z"},
        {"lead_id": lead.pk, "channel": "call", "occurred_at": future},
        {"lead_id": lead.pk, "channel": "call", "occurred_at": "2026-01-05T10:00:00"},
        {"lead_id": lead.pk, "channel": "call", "chanel": "typo"},
        "not an object",
        {"lead_id": lead.pk, "channel": "meeting", "campaign_id": 424242},
    ]
    response = _batch(api, tokens["marketing"]["write"], items)
    assert response.status_code == 200
    body = response.json()
    assert (body["received"], body["created"]) == (10, 2)
    assert [i is not None for i in body["ids"]] == [True, False, False, False, True, False, False, False, False, False]
    assert {(e["index"], e["field"]) for e in body["errors"]} == {
        (1, "channel"), (2, "lead_id"), (3, "lead_id"), (5, "occurred_at"), (6, "occurred_at"), (7, "chanel"),
        (8, None), (9, "campaign_id")}
    assert Touchpoint.objects.filter(lead=lead).count() == 2
    assert Touchpoint.objects.get(pk=body["ids"][4]).occurred_at == clock.parse_instant("2026-01-05T10:00:00Z")


def test_thousands_of_items_are_checked_with_a_handful_of_reads_and_inserted_in_bulk(api, tokens, make_lead):
    from tandem.touchpoints.models import Touchpoint

    leads = [make_lead() for _ in range(20)]
    items = [{"lead_id": leads[n % 20].pk, "channel": "web_visit", "external_id": f"visit-{n}",
              "utm_source": "google", "click_ids": {"gclid": f"g{n}"}, "properties": {"path": f"/p/{n}"}}
             for n in range(5000)]
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        body = _batch(api, tokens["marketing"]["write"], items).json()
    elapsed = time.perf_counter() - started
    assert body["created"] == 5000 and body["errors"] == [] and None not in body["ids"]
    assert Touchpoint.objects.count() == 5000
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "touchpoints_touchpoint"')]
    assert len(queries) - len(inserts) < 25, len(queries) - len(inserts)
    assert len(inserts) <= 5000 / 40  # SQLite binds at most 999 values per statement; PostgreSQL takes 1,000 rows
    assert elapsed < 20


def test_a_batch_over_five_thousand_items_is_refused_whole(api, tokens, make_lead):
    lead = make_lead()
    response = _batch(api, tokens["admin"]["write"], [{"lead_id": lead.pk, "channel": "call"}] * 5001)
    assert response.status_code == 422 and response.json()["field"] == "items"


def test_an_external_id_already_recorded_or_repeated_in_the_batch_is_skipped(api, tokens, make_lead):
    from tandem.touchpoints.models import Touchpoint

    lead = make_lead()
    first = _batch(api, tokens["marketing"]["write"], [{"lead_id": lead.pk, "channel": "call", "external_id": "a"}])
    body = _batch(api, tokens["marketing"]["write"], [
        {"lead_id": lead.pk, "channel": "call", "external_id": "a"},
        {"lead_id": lead.pk, "channel": "call", "external_id": "b"},
        {"lead_id": lead.pk, "channel": "call", "external_id": "b"},
    ]).json()
    assert body["created"] == 1 and body["ids"][0] is None and body["ids"][2] is None
    assert [(s["index"], s["field"]) for s in body["skipped"]] == [(0, "external_id"), (2, "external_id")]
    assert str(first.json()["ids"][0]) in body["skipped"][0]["message"]
    assert Touchpoint.objects.count() == 2


def test_a_batch_records_who_sent_it(api, tokens, users, make_lead):
    from tandem.audit.models import AuditEntry
    from tandem.touchpoints.models import Touchpoint, TouchpointBatch

    lead = make_lead()
    body = _batch(api, tokens["sdr"]["write"], [{"lead_id": lead.pk, "channel": "call"}, {"channel": "x"}]).json()
    batch = TouchpointBatch.objects.get(pk=body["batch_id"])
    assert (batch.by, batch.received, batch.created, batch.rejected) == (users["sdr"], 2, 0, 2)
    assert batch.token_prefix.startswith("tdm_")
    assert AuditEntry.objects.filter(action="touchpoint.batch", object_id=str(batch.pk)).exists()
    assert not Touchpoint.objects.exists()  # the MQL-less inquiry lead is not in the SDR's queue


def test_an_sdr_can_record_on_a_lead_in_their_queue_and_name_themselves_as_actor(api, tokens, users, make_lead):
    from tandem.touchpoints.models import Touchpoint

    lead = make_lead("mql")
    body = _batch(api, tokens["sdr"]["write"],
                  [{"lead_id": lead.pk, "channel": "call", "actor_id": users["sdr"].pk}]).json()
    assert Touchpoint.objects.get(pk=body["ids"][0]).actor == users["sdr"]


def test_a_batch_sent_again_with_its_idempotency_key_is_replayed(client, tokens, make_lead):
    from tandem.touchpoints.models import Touchpoint

    lead = make_lead()

    def send():
        return client.post("/api/v1/touchpoints/batch", {"items": [{"lead_id": lead.pk, "channel": "call"}]},
                           content_type="application/json", HTTP_IDEMPOTENCY_KEY="batch-1",
                           HTTP_AUTHORIZATION=f"Bearer {tokens['marketing']['write']}")

    assert send().json() == send().json()
    assert Touchpoint.objects.count() == 1


def test_a_leads_touchpoints_page_newest_first_without_gaps_or_repeats(api, tokens, make_lead):
    from tandem.touchpoints.services import touchpoint_record

    lead, other = make_lead(), make_lead()
    same_instant = clock.now() - timedelta(hours=1)
    made = [touchpoint_record(lead=lead, channel="web_visit", occurred_at=same_instant if n % 3 else
                              same_instant - timedelta(minutes=n)).pk for n in range(10)]
    touchpoint_record(lead=other, channel="call")
    seen, cursor, pages = [], None, 0
    while True:
        page = api("GET", "/touchpoints", tokens["readonly"]["read"],
                   query={"lead_id": lead.pk, "limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [(item["occurred_at"], item["id"]) for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(i for _, i in seen) == sorted(made) and pages == 4
    assert seen == sorted(seen, reverse=True)


def test_touchpoints_of_a_lead_you_may_not_see_answer_404(api, tokens, make_lead):
    lead = make_lead("mql")  # in tele-qualification's queue
    assert api("GET", "/touchpoints", tokens["sales"]["read"], query={"lead_id": lead.pk}).status_code == 404
    assert api("GET", "/touchpoints", tokens["sdr"]["read"], query={"lead_id": lead.pk}).status_code == 200


def test_without_a_lead_the_list_holds_only_touches_of_visible_leads(api, tokens, make_lead):
    from tandem.touchpoints.services import touchpoint_record

    queue, hidden = make_lead("mql"), make_lead("sal")
    touchpoint_record(lead=queue, channel="call")
    touchpoint_record(lead=hidden, channel="meeting")
    items = api("GET", "/touchpoints", tokens["sdr"]["read"]).json()["items"]
    assert [i["lead_id"] for i in items] == [queue.pk]
    assert len(api("GET", "/touchpoints", tokens["manager"]["read"]).json()["items"]) == 2


def test_a_bad_cursor_is_refused_by_name(api, tokens):
    response = api("GET", "/touchpoints", tokens["admin"]["read"], query={"cursor": "bm9wZQ"})
    assert response.status_code == 422 and response.json()["field"] == "cursor"


def test_the_lead_timeline_holds_touchpoints_with_stage_events_and_notes_newest_first(api, tokens, make_lead,
                                                                                       client, users):
    from tandem.leads.services import lead_note_add
    from tandem.touchpoints.services import touchpoint_record

    lead = make_lead()
    touchpoint_record(lead=lead, channel="webinar", occurred_at=clock.now() - timedelta(days=2),
                      content_item="Funnel basics")
    touchpoint_record(lead=lead, channel="call")
    lead_note_add(lead=lead, body="Spoke to Pat", by=users["sdr"])
    kinds = [e["kind"] for e in api("GET", f"/leads/{lead.pk}/timeline", tokens["marketing"]["read"]).json()]
    assert kinds.count("touchpoint") == 2 and kinds[0] == "note"
    assert kinds[-1] == "touchpoint"  # the webinar came before the lead was created
    entries = api("GET", f"/leads/{lead.pk}/timeline", tokens["marketing"]["read"]).json()
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    assert "Webinar" in [e for e in entries if e["kind"] == "touchpoint"][-1]["summary"]
    client.force_login(users["marketing"])
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert page.count('class="tl tl-touchpoint"') == 2 and "Funnel basics" in page
