"""The predictive score learns from Sales' decisions and closed opportunities, and refuses thin history."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tandem import clock
from tandem.accounts.models import Account
from tandem.leads.models import Lead, StageEvent
from tandem.scoring.models import PredictiveModel
from tandem.scoring.selectors import lead_predictions
from tandem.scoring.training import predictive_train, seniority
from tandem.touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db


def history(n: int, *, procedural_rejects: int = 0) -> list[Lead]:
    """n leads handed to Sales: VPs at large companies accepted, students rejected, and a mixed middle."""
    now = clock.now()
    account_big = Account.objects.create(name="Big", employees=2000, industry="Software", country="DE")
    account_small = Account.objects.create(name="Small", employees=20, industry="Retail", country="FR")
    leads, events = [], []
    for i in range(n):
        good = i % 2 == 0
        lead = Lead(email=f"h{i}@example.com", email_normalized=f"h{i}@example.com", stage="sal" if good else "tal",
                    stage_entered_at=now, title="VP Sales" if good else ("Student" if i % 4 == 1 else "Analyst"),
                    account=account_big if good or i % 8 == 3 else account_small, source="web",
                    score=40 if good else 10)
        leads.append(lead)
    Lead.objects.bulk_create(leads)
    for i, lead in enumerate(leads):
        good = i % 2 == 0
        reason = "incomplete_handoff" if (not good and i < 2 * procedural_rejects) else ("" if good else "not_icp")
        action = "accept" if good else ("reject" if reason == "incomplete_handoff" else "recycle")
        events.append(StageEvent(lead=lead, from_stage="tql", to_stage="sal" if good else "tal", action=action,
                                 reason_code=reason, occurred_at=now - timedelta(days=1), taxonomy_version=1))
    StageEvent.objects.bulk_create(events)
    Touchpoint.objects.bulk_create([Touchpoint(lead=lead, channel="webinar", occurred_at=now - timedelta(days=3))
                                    for i, lead in enumerate(leads) if i % 2 == 0 or i % 8 == 3])
    return leads


def test_too_little_history_is_refused_saying_so_on_the_api_and_the_page(api, tokens, client, users):
    history(40)  # 20 accepted, 20 rejected: fewer than 30 of each
    reply = api("POST", "/scoring/predictive/train", tokens["manager"]["write"], json={"target": "accepted"})
    assert reply.status_code == 422
    assert reply.json()["detail"] == ("Not trained: not enough history to train: 20 positive and 20 negative "
                                      "outcomes; at least 30 of each are needed.")
    report = api("GET", "/scoring/predictive", tokens["sales"]["read"]).json()
    assert (report["status"], report["message"]) == ("refused", reply.json()["detail"])
    client.force_login(users["manager"])
    page = client.get("/scoring/predictive/").content.decode()
    assert "at least 30 of each are needed" in page


def test_procedural_rejections_are_left_out_of_the_history(db):
    history(100, procedural_rejects=15)
    record = predictive_train(target="accepted")
    assert (record.status, record.positives, record.negatives) == ("trained", 50, 35)
    assert record.report["negative_reasons"] == {"not_icp": 35}


def test_a_trained_model_reports_calibration_auc_lift_and_each_leads_top_factors(api, tokens, make_lead):
    history(120)
    reply = api("POST", "/scoring/predictive/train", tokens["admin"]["write"], json={"target": "accepted"})
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["status"] == "trained" and body["examples"] == 120
    assert body["report"]["auc"] > 0.9  # the outcome follows seniority and size closely
    assert body["report"]["rules_auc"] is not None
    assert [row["decile"] for row in body["report"]["calibration"]] == list(range(1, 11))
    assert sum(row["count"] for row in body["report"]["calibration"]) == body["report"]["examples"] == 24
    assert body["report"]["lift"]["model_lift"] >= 1
    assert body["coefficients"][0][0]  # names with their weights, largest first
    lead = make_lead()
    [prediction] = lead_predictions(lead=lead)
    assert 0 < prediction.probability < 1 and prediction.factors
    score = api("GET", f"/scoring/leads/{lead.pk}", tokens["admin"]["read"]).json()
    assert score["predictions"][0]["target"] == "accepted"


def test_won_and_lost_opportunities_train_their_own_model_and_the_command_refuses_thin_history(db):
    history(10)
    with pytest.raises(CommandError, match="not enough history"):
        call_command("scoring", "train", "--target", "won")
    assert PredictiveModel.objects.get(target="won").status == "refused"


@pytest.mark.parametrize(("title", "level"), [("VP Sales", "vp"), ("Chief Revenue Officer", "c-level"),
                                              ("CTO", "c-level"), ("Head of IT", "director"),
                                              ("Working Student", "student"), ("Analyst", "individual"),
                                              ("", None), ("Marketing Manager", "manager")])
def test_seniority_is_read_from_the_title(title, level):
    assert seniority(title) == level
