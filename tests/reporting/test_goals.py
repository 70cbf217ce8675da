"""Shared goals: the reverse waterfall from measured rates, progress in words, agreement, history, commitment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tandem.core import waterfall
from tandem.core.periods import Period, day_start
from tests.reporting import oracle

from .conftest import NOW


@pytest.fixture
def goal(company):
    from tandem.goals.services import goal_create
    from tandem.people.models import User

    return goal_create(by=User.objects.get(username="rita"), name="Q4 revenue", period="2026-Q4",
                       target="900000", marketing_owner_id=User.objects.get(username="maria").pk,
                       sales_owner_id=User.objects.get(username="julia").pk, lookback_days=240)


@pytest.mark.django_db
def test_the_plan_is_the_reverse_waterfall_of_rates_measured_over_the_look_back(goal):
    from tandem.core.pipeline import average_deal_size, win_rate
    from tandem.goals.selectors import goal_plan

    # given the rates and deal size measured independently from the ledger over the same look-back
    plan = goal_plan(goal=goal)
    end = day_start(NOW) + timedelta(days=1)
    lookback = Period.span(end - timedelta(days=240), end)
    measured = waterfall.measure_rates(oracle.ledger(), goal.plan_stages, lookback)
    deals = [o for o, _ in oracle.deal_values(oracle.lead_values())]
    expected = waterfall.reverse_waterfall(Decimal("900000"), goal.period_end, average_deal_size(deals, lookback).average,
                                           goal.plan_stages, measured.rates, measured.cycle_days,
                                           win_rate=win_rate(deals, lookback).rate)
    # then the plan asks for the same numbers by the same days
    assert plan.problem == ""
    assert [(s.stage, s.needed, s.deadline) for s in plan.steps] == \
        [(s.stage, s.needed, s.deadline) for s in expected.steps]
    assert plan.required_coverage == pytest.approx(expected.required_coverage)
    assert all(s.sentence for s in plan.steps)
    assert "more" in plan.step("won").sentence or "reached" in plan.step("won").sentence


@pytest.mark.django_db
def test_progress_counts_the_period_so_far_and_the_last_thirty_days(goal):
    from tandem.goals.selectors import goal_plan

    goal_plan_now = goal_plan(goal=goal)
    mql = goal_plan_now.step("mql")
    assert mql.achieved == 0  # Q4 starts on 1 October; the clock stands at 1 October noon, before any MQL
    assert mql.recent > 0


@pytest.mark.django_db
def test_only_each_sides_owner_or_a_manager_agrees_and_a_new_target_clears_both(goal, make_user):
    from django.core.exceptions import PermissionDenied

    from tandem.goals.services import goal_agree, goal_update
    from tandem.people.models import User

    with pytest.raises(PermissionDenied):
        goal_agree(goal=goal, by=User.objects.get(username="tom"), side="marketing")
    goal = goal_agree(goal=goal, by=User.objects.get(username="maria"), side="marketing")
    goal = goal_agree(goal=goal, by=User.objects.get(username="david"), side="sales")
    assert goal.agreed
    goal = goal_update(goal=goal, by=User.objects.get(username="rita"), expected_version=goal.version,
                       target="950000")
    assert not goal.agreed and goal.target == Decimal("950000")


@pytest.mark.django_db
def test_two_goals_for_the_same_period_and_segment_are_refused(goal):
    from tandem.goals.services import GoalConflict, goal_create

    with pytest.raises(GoalConflict):
        goal_create(by=None, name="again", period="2026-Q4", target="1")


@pytest.mark.django_db
def test_a_snapshot_a_day_keeps_the_history_of_plan_against_actual(goal):
    from tandem import clock
    from tandem.goals.selectors import goal_history
    from tandem.goals.services import goal_snapshot_take

    goal_snapshot_take(goal=goal)
    goal_snapshot_take(goal=goal)  # the same day: replaced, not added
    with clock.at_instant(NOW + timedelta(days=1)):
        goal_snapshot_take(goal=goal)
    history = list(goal_history(goal=goal))
    assert [h.taken_on for h in history] == [NOW.date(), (NOW + timedelta(days=1)).date()]
    assert {s["stage"] for s in history[0].steps} == set(goal.plan_stages)


@pytest.mark.django_db
def test_marketings_mql_commitment_is_set_from_the_plan_in_one_call(goal):
    from tandem.goals.selectors import goal_plan
    from tandem.goals.services import goal_commit_mqls
    from tandem.people.models import User
    from tandem.sla.models import MarketingCommitment

    commitment = goal_commit_mqls(goal=goal, by=User.objects.get(username="maria"))
    stored = MarketingCommitment.objects.get(pk=commitment.pk)
    assert stored.target_mqls == goal_plan(goal=goal).step("mql").needed
    assert (stored.period_start, stored.period_end) == (goal.period_start, goal.period_end)
    goal.refresh_from_db()
    assert goal.commitment_id == stored.pk


@pytest.mark.django_db
def test_coverage_takes_the_quota_from_the_goal_containing_the_period(goal, api, make_user):
    from tandem.people.services import api_token_create

    token = api_token_create(user=make_user("sales"), name="t", scope="read").secret
    data = api("GET", "/reports/coverage", token, query={"period": "2026-10"}).json()
    assert data["quota"] == "900000.00" and "Q4 revenue" in data["quota_source"]
    plan = api("GET", f"/goals/{goal.pk}/plan", token).json()
    assert data["required"] == pytest.approx(plan["required_coverage"], rel=1e-6)


@pytest.mark.django_db
def test_the_goal_pages_render_for_every_role(goal, client, users):
    for user in users.values():
        client.force_login(user)
        assert client.get("/goals/").status_code == 200
        page = client.get(f"/goals/{goal.pk}/")
        assert page.status_code == 200 and b"reverse waterfall" in page.content


@pytest.mark.django_db
def test_a_plan_as_of_an_earlier_day_counts_only_what_had_happened_by_then(company):
    from datetime import UTC, datetime

    from tandem.goals.selectors import goal_plan
    from tandem.goals.services import goal_create

    goal = goal_create(by=None, name="Q3 revenue", period="2026-Q3", target="900000", lookback_days=240)
    start, mid = datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 8, 15, tzinfo=UTC)
    won_by_mid = sum((o.amount for o, _ in oracle.deal_values(oracle.lead_values())
                      if o.outcome == "won" and o.closed_at is not None and start <= o.closed_at < mid), Decimal(0))
    earlier, later = goal_plan(goal=goal, as_of=mid), goal_plan(goal=goal)
    assert earlier.won_amount == won_by_mid < later.won_amount
    assert earlier.step("mql").achieved < later.step("mql").achieved
