"""The lifecycle rules of the default Demand Waterfall, judged by the pure core."""

from pathlib import Path

import pytest
import yaml

from tandem.core import lifecycle
from tandem.core.lifecycle import Actor
from tandem.core.taxonomy import parse_taxonomy

DEFAULT = Path(__file__).resolve().parents[2] / "tandem" / "taxonomy" / "default_taxonomy.yaml"


@pytest.fixture(scope="module")
def taxonomy():
    return parse_taxonomy(yaml.safe_load(DEFAULT.read_text()))


FACTS = {"email": "a@b.example", "first_name": "A", "last_name": "B", "account": "Acme", "phone": "+4930",
         "title": "CTO", "score": 80}
SDR, SALES, MARKETING = Actor("sdr", "tele"), Actor("sales", "sales"), Actor("marketing", "marketing")
MANAGER = Actor("manager", "management")


def test_tele_may_accept_an_mql_and_acceptance_is_recorded_as_a_passed_criterion(taxonomy):
    verdict = lifecycle.check_move(taxonomy, FACTS, from_stage="mql", to_stage="tal", actor=SDR)
    assert verdict.action == "accept"
    assert [r.passed for r in verdict.criteria] == [True]


def test_marketing_cannot_accept_a_lead_on_sales_behalf(taxonomy):
    with pytest.raises(lifecycle.NotPermitted, match="only sales may accept"):
        lifecycle.check_move(taxonomy, FACTS, from_stage="tql", to_stage="sal", actor=MARKETING)


def test_a_manager_may_act_for_any_team(taxonomy):
    verdict = lifecycle.check_move(taxonomy, FACTS, from_stage="tql", to_stage="sal", actor=MANAGER)
    assert verdict.criteria[0].passed


@pytest.mark.parametrize(("source", "target"), [("inquiry", "sal"), ("mql", "won"), ("won", "mql"), ("sal", "tql")])
def test_a_move_the_taxonomy_does_not_allow_is_refused_and_names_the_allowed_ones(taxonomy, source, target):
    with pytest.raises(lifecycle.InvalidTransition, match="is not allowed") as err:
        lifecycle.check_move(taxonomy, FACTS, from_stage=source, to_stage=target, actor=MANAGER)
    assert err.value.field == "to_stage"


@pytest.mark.parametrize(("source", "target", "actor"), [("mql", "recycled", SDR), ("sal", "disqualified", SALES),
                                                          ("tql", "tal", SALES)])
def test_reject_recycle_and_disqualify_require_a_reason(taxonomy, source, target, actor):
    with pytest.raises(lifecycle.ReasonRequired):
        lifecycle.check_move(taxonomy, FACTS, from_stage=source, to_stage=target, actor=actor)


def test_sales_may_reject_a_handoff_only_for_procedural_reasons(taxonomy):
    with pytest.raises(lifecycle.InvalidReason):
        lifecycle.check_move(taxonomy, FACTS, from_stage="tql", to_stage="tal", actor=SALES, reason_code="no_budget")
    verdict = lifecycle.check_move(taxonomy, FACTS, from_stage="tql", to_stage="tal", actor=SALES,
                                   reason_code="wrong_territory")
    assert verdict.action == "reject"


def test_unmet_criteria_are_refused_with_each_criterion_explained(taxonomy):
    facts = {**FACTS, "score": 20, "account": None}
    with pytest.raises(lifecycle.CriteriaNotMet) as err:
        lifecycle.check_move(taxonomy, facts, from_stage="aql", to_stage="mql", actor=MARKETING)
    failed = {r.criterion for r in err.value.results if not r.passed}
    assert failed == {"has email, first_name, last_name, account", "score at least 50"}
    assert "missing account" in str(err.value)


def test_the_system_advances_a_lead_whose_next_criteria_hold(taxonomy):
    verdict = lifecycle.next_automatic(taxonomy, FACTS, "inquiry")
    assert verdict is not None and verdict.transition.to == "aql"
    assert lifecycle.next_automatic(taxonomy, {**FACTS, "score": 10}, "inquiry") is None


def test_the_system_may_not_make_a_manual_move(taxonomy):
    with pytest.raises(lifecycle.NotPermitted):
        lifecycle.check_move(taxonomy, FACTS, from_stage="mql", to_stage="tal", actor=Actor.system())


@pytest.mark.parametrize(("op", "actual", "expected", "passes"), [
    ("gte", 50, 50, True), ("gte", 49, 50, False), ("in", "at", ["DE", "AT", "CH"], True),
    ("not_in", "FR", ["DE"], True), ("contains", "VP of Sales", "vp", True), ("present", "", None, False),
    ("eq", None, "x", False), ("lt", "abc", 3, False),
])
def test_field_criteria_compare_as_documented(op, actual, expected, passes):
    from tandem.core.taxonomy import Criterion

    result = lifecycle.evaluate(Criterion(type="field", field="f", op=op, value=expected), {"f": actual},
                                accepted_by=None)
    assert result.passed is passes
