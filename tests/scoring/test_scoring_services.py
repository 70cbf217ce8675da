"""Scores stay current, explain themselves, and move leads forward when they qualify."""

from datetime import timedelta

import pytest

from tandem import clock
from tandem.leads.models import Lead, StageEvent
from tandem.leads.services import lead_update
from tandem.scoring.bulk import scores_recompute
from tandem.scoring.models import LeadScore
from tandem.scoring.rules import rules_current
from tandem.scoring.selectors import lead_score_view
from tandem.scoring.services import lead_rescore
from tandem.touchpoints.services import touchpoint_record

pytestmark = pytest.mark.django_db


def test_a_new_lead_is_scored_on_arrival_and_lead_score_equals_the_total(make_lead):
    # given a CTO at a 250-person German company with a phone number
    lead = make_lead()
    # then fit: C-level 8 + 200+ employees 4 + DACH 5 + phone 2 = 19, explained rule by rule
    record = LeadScore.objects.get(lead=lead)
    assert (record.total, record.fit, record.engagement) == (19, 19, 0)
    assert lead.score == 19 == Lead.objects.get(pk=lead.pk).score
    view = lead_score_view(lead=lead, with_predictions=False)
    assert [(c.rule_id, c.points) for c in view.explanation] == [
        ("title_chief", 8), ("size_mid", 4), ("home_market", 5), ("has_phone", 2)]
    assert sum(c.points for c in view.explanation) == view.total
    assert lead.stage == "inquiry"


def test_engagement_moves_a_lead_to_aql_and_mql_recording_the_criteria_that_fired(make_lead):
    lead = make_lead()
    touchpoint_record(lead=lead, channel="form_fill")
    lead.refresh_from_db()
    assert (lead.score, lead.stage) == (39, "aql")
    touchpoint_record(lead=lead, channel="webinar")
    lead.refresh_from_db()
    assert (lead.score, lead.stage) == (54, "mql")
    event = StageEvent.objects.filter(lead=lead, to_stage="mql").get()
    assert event.actor_kind == "system" and event.note == "criteria met"
    assert {"criterion": "score at least 50", "passed": True, "detail": "score is 54"} in event.criteria


def test_editing_a_field_rescores_the_lead(make_lead, users):
    lead = make_lead()
    lead = lead_update(lead=lead, changes={"title": "Working student"}, by=users["marketing"])
    assert lead.score == 19 - 8 - 30
    assert LeadScore.objects.get(lead=lead).total == lead.score


def test_engagement_decays_with_the_half_life_and_the_bulk_pass_agrees_with_scoring_one_lead(make_lead):
    lead = make_lead()
    touchpoint_record(lead=lead, channel="form_fill", occurred_at=clock.now() - timedelta(days=1))
    later = clock.now() + timedelta(days=30)
    summary = scores_recompute(now=later, advance=False)
    assert summary.leads == Lead.objects.count()
    record = LeadScore.objects.get(lead=lead)
    # 20 points a day old, then 30 more days at a 30-day half-life: 20 * 0.5 ** (31/30) = 9.78 -> 10
    assert record.engagement == 10
    bulk = (record.total, record.fit, record.engagement, record.explanation)
    single = lead_rescore(lead=lead, now=later, advance=False)
    assert bulk == (single.total, single.fit, single.engagement, single.explanation)
    assert Lead.objects.get(pk=lead.pk).score == record.total


def test_the_bulk_pass_advances_leads_whose_score_rose_past_a_threshold(make_lead):
    lead = make_lead()
    Lead.objects.filter(pk=lead.pk).update(score=0)
    from tandem.touchpoints.models import Touchpoint
    Touchpoint.objects.create(lead=lead, channel="form_fill", occurred_at=clock.now())  # behind the services' back
    summary = scores_recompute()
    lead.refresh_from_db()
    assert summary.advanced == 1 and lead.stage == "aql" and lead.score == 39


def test_the_default_rulebook_is_version_one_and_parses(db):
    number, rules = rules_current()
    assert number == 1 and len(rules.fit) == 11 and rules.half_life_days == 30


def test_rule_ids_with_quotes_and_backslashes_survive_the_bulk_write(make_lead, users):
    from tandem.scoring.rules import rules_publish

    rules_publish(document={"fit": [{"id": 'odd \\ "Größe"', "field": "title", "op": "present", "points": 7}]},
                  by=users["admin"])
    lead = make_lead()
    first = scores_recompute(advance=False)
    assert LeadScore.objects.get(lead=lead).explanation == [['odd \\ "Größe"', 7]]
    stamp = LeadScore.objects.get(lead=lead).computed_at
    scores_recompute(now=clock.now() + timedelta(hours=1), advance=False)
    assert LeadScore.objects.get(lead=lead).computed_at == stamp  # unchanged: not rewritten
    assert first.leads == Lead.objects.count()


def test_a_change_to_the_account_rescores_its_leads(make_lead, users, django_capture_on_commit_callbacks):
    from tandem.accounts.services import account_update

    lead = make_lead()
    with django_capture_on_commit_callbacks(execute=True):
        account_update(account=lead.account, by=users["marketing"], employees=5000, industry="Software")
    assert Lead.objects.get(pk=lead.pk).score == 19 + 3 + 3  # 1,000+ employees and a target industry


def test_a_recycled_lead_starts_its_engagement_afresh_and_requalifies_only_on_new_interest(make_lead, users):
    from tandem.leads.services import lead_act

    lead = make_lead()
    touchpoint_record(lead=lead, channel="form_fill")
    touchpoint_record(lead=lead, channel="webinar")
    lead.refresh_from_db()
    lead_act(lead=lead, action="reject", by=lead.owner, reason_code="not_ready")
    lead.refresh_from_db()
    assert (lead.stage, lead.score) == ("recycled", 19)  # the old touches no longer count
    touchpoint_record(lead=lead, channel="event")
    touchpoint_record(lead=lead, channel="referral")
    lead.refresh_from_db()
    assert (lead.stage, lead.score) == ("mql", 19 + 15 + 20)  # reopened on new interest
    summary = scores_recompute(advance=False)
    assert summary.changed == 0  # the bulk pass applies the same restart
