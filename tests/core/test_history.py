"""Judging imported stage history against the taxonomy in force at each instant (pure, no database)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tandem.core.history import Known, Move, judge_move, latest, replay
from tandem.core.lifecycle import Actor
from tandem.core.taxonomy import parse_taxonomy

T0 = datetime(2024, 1, 1, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def taxonomy():
    import yaml

    import tandem

    path = Path(tandem.__file__).parent / "taxonomy" / "default_taxonomy.yaml"
    return parse_taxonomy(yaml.safe_load(path.read_text(encoding="utf-8")))


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def test_an_allowed_move_keeps_its_action_and_is_not_historical(taxonomy):
    judged = judge_move(taxonomy, 3, from_stage="mql", move=Move("tal", at(1), actor=Actor("sdr", "tele")))
    assert (judged.action, judged.historical, judged.taxonomy_version) == ("accept", False, 3)
    assert judged.checks[0].passed


@pytest.mark.parametrize(("from_stage", "to_stage", "actor", "reason", "broken"), [
    ("mql", "sql", None, "", "not allowed"),                                   # skips three stages
    ("mql", "tal", Actor("marketing", "marketing"), "", "only tele"),          # the wrong team accepts
    ("mql", "recycled", Actor("sdr", "tele"), "", "reason code is required"),  # a reject without a reason
    ("mql", "recycled", Actor("sdr", "tele"), "won_price", "is not a reason"),  # a reason of another move
    ("gone", "mql", None, "", "not in this taxonomy"),                         # a stage this version lacks
])
def test_a_move_that_breaks_todays_rules_is_historical_and_says_which_rule(taxonomy, from_stage, to_stage, actor,
                                                                           reason, broken):
    judged = judge_move(taxonomy, 1, from_stage=from_stage, move=Move(to_stage, at(1), actor=actor,
                                                                      reason_code=reason))
    assert judged.historical
    assert judged.action == "import"
    assert broken in judged.problems


def test_entry_criteria_are_not_rechecked_for_history(taxonomy):
    # aql needs a score of 30: history does not carry the score the lead had then
    judged = judge_move(taxonomy, 1, from_stage="inquiry", move=Move("aql", at(1)))
    assert (judged.action, judged.historical) == ("advance", False)


def test_a_lead_starts_in_the_initial_stage_or_its_first_event_is_historical(taxonomy):
    assert not judge_move(taxonomy, 1, from_stage="", move=Move("inquiry", at(0))).historical
    assert judge_move(taxonomy, 1, from_stage="", move=Move("mql", at(0))).historical


def test_a_source_that_disagrees_with_the_ledger_about_the_previous_stage_is_flagged(taxonomy):
    judged = judge_move(taxonomy, 1, from_stage="inquiry", move=Move("mql", at(1), from_stage="aql"))
    assert judged.historical
    assert "the source says it came from aql" in judged.problems


def test_replay_judges_moves_in_time_order_whatever_order_they_arrive_in(taxonomy):
    known = [Known("inquiry", at(0))]
    moves = [Move("tal", at(3), actor=Actor("sdr", "tele")), Move("mql", at(2))]
    judged, skipped = replay(known, moves, lambda instant: (1, taxonomy))
    assert [(j.from_stage, j.move.to_stage, j.historical) for j in judged] == [("inquiry", "mql", False),
                                                                              ("mql", "tal", False)]
    assert skipped == []


def test_a_back_dated_move_is_judged_against_the_stage_the_lead_was_in_at_that_instant(taxonomy):
    known = [Known("inquiry", at(0)), Known("mql", at(10)), Known("tal", at(12))]
    judged, _ = replay(known, [Move("aql", at(5))], lambda instant: (1, taxonomy))
    assert (judged[0].from_stage, judged[0].historical) == ("inquiry", False)
    assert latest(known, judged) == Known("tal", at(12))


def test_replay_skips_what_the_ledger_already_holds_and_moves_that_change_nothing(taxonomy):
    known = [Known("inquiry", at(0)), Known("mql", at(2))]
    moves = [Move("mql", at(2)), Move("mql", at(3)), Move("tal", at(4))]
    judged, skipped = replay(known, moves, lambda instant: (1, taxonomy))
    assert [j.move.to_stage for j in judged] == ["tal"]
    assert [s.why for s in skipped] == [f"already in the ledger: mql at {at(2).isoformat()}",
                                        f"the lead was already in mql at {at(3).isoformat()}"]


def test_each_move_is_judged_by_the_version_in_force_at_its_instant(taxonomy):
    versions = {True: (1, taxonomy), False: (2, taxonomy)}
    judged, _ = replay([Known("inquiry", at(0))], [Move("mql", at(1)), Move("tal", at(9))],
                       lambda instant: versions[instant < at(5)])
    assert [j.taxonomy_version for j in judged] == [1, 2]


def test_the_current_stage_is_the_latest_event_and_a_tie_goes_to_the_one_recorded_last(taxonomy):
    known = [Known("inquiry", at(0)), Known("mql", at(1))]
    judged, _ = replay(known, [Move("disqualified", at(1), reason_code="competitor")], lambda i: (1, taxonomy))
    assert latest(known, judged) == Known("disqualified", at(1))
    assert latest([], []) is None
