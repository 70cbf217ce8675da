"""The SLA screens: a rep's queue by due time with one-click decisions, the manager's view, and Definitions."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from tandem import clock
from tandem.leads.models import Lead, StageEvent
from tandem.scoring.epoch import EpochMicros, EpochSeconds
from tandem.sla.models import SlaTimer
from tandem.touchpoints.models import Touchpoint
from tandem.touchpoints.services import touchpoint_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def mqls(make_lead, users):
    leads = []
    for _ in range(2):
        lead = make_lead()
        touchpoint_record(lead=lead, channel="form_fill")
        touchpoint_record(lead=lead, channel="webinar")
        leads.append(Lead.objects.get(pk=lead.pk))
    return leads


def test_my_queue_lists_my_leads_soonest_due_first_with_a_live_countdown(client, users, mqls):
    client.force_login(users["sdr"])
    page = client.get("/sla/queue/").content.decode()
    assert page.count('data-lead="') == 4  # two leads, two timers each
    dues = [t.due_at for t in SlaTimer.objects.order_by("due_at")]
    assert page.index(dues[0].strftime("%Y-%m-%d %H:%M")) < page.index(dues[-1].strftime("%Y-%m-%d %H:%M"))
    assert "data-due=" in page and "sla/countdown.js" in page


def test_one_click_accept_and_reject_with_a_reason_from_the_queue(client, users, mqls):
    client.force_login(users["sdr"])
    first, second = mqls
    reply = client.post(f"/sla/queue/{first.pk}/act/", {"action": "accept", "version": first.version})
    assert reply.status_code == 302
    assert Lead.objects.get(pk=first.pk).stage == "tal"
    client.post(f"/sla/queue/{second.pk}/act/", {"action": "reject", "version": second.version})
    assert Lead.objects.get(pk=second.pk).stage == "mql"  # no reason: refused
    client.post(f"/sla/queue/{second.pk}/act/", {"action": "reject", "version": second.version,
                                                 "reason_code": "no_budget"})
    rejected = StageEvent.objects.get(lead=second, action="reject")
    assert (rejected.to_stage, rejected.reason_code, rejected.actor) == ("recycled", "no_budget", users["sdr"])
    assert Lead.objects.get(pk=second.pk).stage == "recycled"
    assert SlaTimer.objects.get(lead=second, policy__key="tele_acceptance").stop_event == rejected


def test_logging_a_call_from_the_queue_stops_the_first_touch_timer(client, users, mqls):
    client.force_login(users["sdr"])
    client.post(f"/sla/queue/{mqls[0].pk}/touch/")
    assert Touchpoint.objects.filter(lead=mqls[0], channel="call", actor=users["sdr"]).exists()
    assert SlaTimer.objects.get(lead=mqls[0], policy__key="mql_first_touch").stop_kind == "met"


def test_the_manager_view_shows_open_breaches_and_commitments(client, users, mqls):
    due = SlaTimer.objects.filter(policy__key="mql_first_touch").order_by("due_at").first().due_at
    call_command("sla", "tick", "--now", (due.replace(microsecond=0)).isoformat().replace("+00:00", "Z"))
    call_command("sla", "tick", "--now", "2099-01-01T00:00:00Z")
    client.force_login(users["manager"])
    client.post("/sla/commitments/", {"month": clock.now().strftime("%Y-%m"), "segment": "", "target_mqls": 100,
                                      "min_acceptance_rate": "50"})
    page = client.get("/sla/").content.decode()
    assert "Open breaches" in page and mqls[0].full_name in page
    assert "100 MQLs" in page
    assert 'id="speed-to-lead"' in page


def test_definitions_show_the_slas_next_to_the_stage_they_govern(client, users):
    client.force_login(users["readonly"])
    page = client.get("/definitions/").content.decode()
    mql_card = page[page.index('id="stage-mql"'):page.index('id="stage-tal"')]
    assert "MQL: first real touch" in mql_card and "4 h business time" in mql_card
    assert "TAL: tele accepts or rejects" in mql_card
    tql_card = page[page.index('id="stage-tql"'):page.index('id="stage-sal"')]
    assert "SAL: Sales accepts or rejects" in tql_card and "16 h business time" in tql_card


def test_the_tick_command_reports_what_it_did(capsys, mqls):
    call_command("sla", "tick", "--now", "2099-01-01T00:00:00Z")
    assert "4 breached" in capsys.readouterr().out
    call_command("sla", "tick", "--now", "2099-01-01T00:01:00Z")
    assert "0 breached" in capsys.readouterr().out


def test_epoch_expressions_read_timestamps_exactly(make_lead):
    lead = make_lead()
    at = datetime(2026, 3, 2, 8, 0, 5, 123456, tzinfo=UTC)
    touch = Touchpoint.objects.create(lead=lead, channel="call", occurred_at=at)
    row = Touchpoint.objects.filter(pk=touch.pk).values_list(EpochSeconds("occurred_at"),
                                                              EpochMicros("occurred_at")).get()
    assert row == (1772438405, 1772438405123456)


def test_the_manager_view_counts_every_open_breach_and_lists_all_on_request(client, users, mqls, monkeypatch):
    from tandem.sla import selectors, views

    call_command("sla", "tick", "--now", "2099-01-01T00:00:00Z")
    total = selectors.breaches_open_count()
    assert total >= 2
    monkeypatch.setattr(views, "BREACHES_SHOWN", 1)
    client.force_login(users["manager"])
    page = client.get("/sla/").content.decode()
    assert f'href="#breaches">{total}</a>' in page
    assert f"Show all {total} open breaches" in page
    assert sum(page.count(lead.full_name) for lead in mqls) >= 1
    every = client.get("/sla/?breaches=all").content.decode()
    assert all(lead.full_name in every for lead in mqls) and "Show all" not in every
