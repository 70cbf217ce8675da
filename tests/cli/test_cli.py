"""The `tandem` command: taxonomy as code, the demo generator, production settings."""

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from tandem.demo.generator import generate
from tandem.taxonomy.models import TaxonomyVersion

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_taxonomy_export_then_import_of_an_edited_file_makes_a_new_version(tmp_path, capsys):
    path = tmp_path / "taxonomy.yaml"
    call_command("taxonomy", "export", str(path))
    document = yaml.safe_load(path.read_text())
    document["reasons"].append({"code": "gone_quiet", "label": "Stopped answering"})
    document["stages"][2]["next"][1]["reasons"].append("gone_quiet")
    path.write_text(yaml.safe_dump(document))
    call_command("taxonomy", "import", str(path), "--note", "QBR agreement")
    version = TaxonomyVersion.objects.order_by("-number").first()
    assert (version.number, version.note) == (2, "QBR agreement")
    assert "reason gone_quiet: added" in version.summary


@pytest.mark.django_db
def test_importing_a_broken_taxonomy_names_the_problem_and_publishes_nothing(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"stages": [{"key": "a", "name": "A", "definition": "d", "owner_team": "marketing",
                                            "kind": "active", "order": 1, "next": [{"to": "b"}]}]}))
    with pytest.raises(CommandError, match=r"stages\[0\].next\[0\].to: unknown stage 'b'"):
        call_command("taxonomy", "import", str(path))
    assert TaxonomyVersion.objects.count() == 1


@pytest.mark.django_db
def test_a_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("stages:\n  - key: a\n    name: [unclosed\n")
    with pytest.raises(CommandError, match="line"):
        call_command("taxonomy", "import", str(path))


def _digest(seed: int) -> list:
    accounts, leads = generate(seed=seed, leads=300, until=datetime(2026, 6, 1, tzinfo=UTC))
    return [a.name for a in accounts[:20]] + [(lead.email, lead.stage, [(e.to_stage, e.at, e.reason) for e in lead.events])
                                               for lead in leads]


def test_the_generator_is_deterministic_for_a_seed():
    assert _digest(7) == _digest(7)
    assert _digest(7) != _digest(8)


def test_generated_journeys_only_make_moves_the_default_taxonomy_allows():
    from tandem.core.taxonomy import parse_taxonomy

    taxonomy = parse_taxonomy(yaml.safe_load((ROOT / "tandem/taxonomy/default_taxonomy.yaml").read_text()))
    _, leads = generate(seed=3, leads=2000, until=datetime(2026, 6, 1, tzinfo=UTC))
    moves = set()
    for lead in leads:
        times = [e.at for e in lead.events]
        assert times == sorted(times)
        for e in lead.events[1:]:
            transition = taxonomy.transition(e.from_stage, e.to_stage)
            assert transition is not None, (e.from_stage, e.to_stage)
            assert (transition.action == e.action) or (e.action == "reopen")
            assert not transition.reasons or e.reason in transition.reasons
            moves.add(e.action)
    assert {"accept", "reject", "recycle", "disqualify", "win", "lose", "reopen"} <= moves


@pytest.mark.django_db
def test_the_demo_company_loads_believable_history(capsys):
    from tandem.leads.models import Lead, StageEvent
    from tandem.opportunities.models import Opportunity

    call_command("generate", "--leads", "1500", "--seed", "11", "--until", "2026-06-01T00:00:00Z")
    assert Lead.objects.count() == 1500
    assert StageEvent.objects.filter(action="reject").exclude(reason_code="").exists()
    assert Opportunity.objects.filter(outcome="won").exists() and Opportunity.objects.filter(outcome="lost").exists()
    for lead in Lead.objects.all()[:200]:
        assert lead.stage == lead.stage_events.order_by("occurred_at", "id").last().to_stage


@pytest.mark.django_db
def test_the_demo_company_has_agreed_goals_marketings_commitments_and_an_sla_history():
    from tandem import clock
    from tandem.goals.models import Goal
    from tandem.goals.selectors import goal_plan
    from tandem.leads.models import Assignment, Lead
    from tandem.people.models import User
    from tandem.sla.models import MarketingCommitment, SlaBreach, SlaTimer
    from tandem.sla.selectors import queue_for_user, sla_compliance

    until = datetime(2026, 6, 1, tzinfo=UTC)
    call_command("generate", "--leads", "1500", "--seed", "11", "--until", until.isoformat())

    # a goal for the quarter the history ends in and for the one before, both agreed by their two owners
    goals = list(Goal.objects.order_by("period_start").select_related("marketing_owner", "sales_owner"))
    assert [g.period for g in goals] == ["2026-Q1", "2026-Q2"]
    assert all(g.agreed and (g.marketing_owner.username, g.sales_owner.username) == ("maria", "julia")
               for g in goals)
    # sized from what was won: Q1 narrowly missed (its final snapshot keeps it), Q2 on its way; a snapshot a week
    histories = [list(g.snapshots.order_by("taken_on")) for g in goals]
    final, today = histories[0][-1], histories[1][-1]
    assert len(histories[0]) == 12 + 1 and len(histories[1]) == 8 + 1  # weekly, then the last
    for history in histories:
        won = [s.won_amount for s in history]
        assert won == sorted(won) and won[0] < won[-1]
    assert final.taken_on == date(2026, 4, 1) and Decimal("0.8") * final.target < final.won_amount < final.target
    assert today.taken_on == until.date() and 0 < today.won_amount < today.target
    with clock.at_instant(until):
        assert goal_plan(goal=goals[1]).problem == ""

    # Marketing's commitment for each of the last six months, judged as the engine judges, and the current one
    commitments = list(MarketingCommitment.objects.order_by("period_start"))
    assert len(commitments) == 7 and {c.owner.username for c in commitments} == {"maria"}
    judged = [c.final_status for c in commitments[:-1]]
    assert set(judged) == {"met", "missed"} and commitments[-1].final_status == ""
    assert SlaBreach.objects.filter(kind="commitment").count() == judged.count("missed")

    # SLA timers of the last weeks: met and breached, with a speed to lead, per team and person
    report = sla_compliance(start=datetime(2026, 5, 1, tzinfo=UTC), end=until, group_by="team", now=until)
    assert report.total.met > 0 and report.total.breached > 0
    assert report.speed_to_lead.median_response_hours is not None and report.speed_to_lead.met > 0
    assert {r.key for r in report.rows} == {"tele", "sales"}
    assert SlaBreach.objects.filter(kind="timer").count() == SlaTimer.objects.filter(breached_at__isnull=False).count()
    assert queue_for_user(user=User.objects.get(username="sven"))  # weekend MQLs wait for Monday

    # every outcome follows from the ledger: a met timer stopped in time, on an action that qualifies
    owners: dict[int, list] = {}
    for lead_id, at, owner_id in Assignment.objects.order_by("occurred_at", "id").values_list(
            "lead_id", "occurred_at", "to_owner_id"):
        owners.setdefault(lead_id, []).append((at, owner_id))

    def owner_at(lead_id, at):
        return next((who for when, who in reversed(owners.get(lead_id, [])) if when <= at), None)

    for timer in SlaTimer.objects.select_related("policy", "stop_touch", "stop_event"):
        assert (timer.breached_at is not None) == (timer.stopped_at is not None and timer.stopped_at > timer.due_at
                                                   or timer.stopped_at is None and timer.due_at < until)
        if timer.stop_kind == "met" and timer.policy.stop == "touch":
            touch = timer.stop_touch
            assert touch.occurred_at == timer.stopped_at >= timer.started_at
            assert touch.actor_id == owner_at(timer.lead_id, touch.occurred_at)
        elif timer.stop_kind == "met":
            assert timer.stop_event.action in timer.policy.stop_actions
            assert timer.stop_event.occurred_at == timer.stopped_at
    # and the leads are left with the owners their history ends with
    for lead_id, owner_id in Lead.objects.values_list("id", "owner_id"):
        assert owner_id == owner_at(lead_id, until)


def test_production_settings_refuse_to_start_without_their_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="tandem.config.settings.production", TANDEM_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "tandem.cli", "check"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_fixed_clock_unless_enabled(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tandem.config.settings.production", "SECRET_KEY": "x" * 50,
           "ALLOWED_HOSTS": "tandem.example", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "TANDEM_NOW": "2026-03-27T09:00:00Z", "TANDEM_HOME": str(tmp_path)}
    env.pop("TANDEM_ALLOW_TIME_TRAVEL", None)
    refused = subprocess.run([sys.executable, "-m", "tandem.cli", "check"], env=env, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode != 0 and "does not allow time travel" in refused.stderr
    allowed = subprocess.run([sys.executable, "-m", "tandem.cli", "check"], capture_output=True, text=True,
                             env={**env, "TANDEM_ALLOW_TIME_TRAVEL": "true"}, timeout=60)
    assert allowed.returncode == 0, allowed.stderr
