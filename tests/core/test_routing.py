"""Fair weighted assignment (within ±1 of each rep's exact share) and ordered routing rules."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.routing import (
    Rep,
    RoutingFacts,
    RoutingRulesInvalid,
    choose_rep,
    match_rule,
    parse_routing_rules,
    rejoin_count,
)

SEVEN = [Rep(11, 5), Rep(12, 3), Rep(13, 2), Rep(14, 2), Rep(15, 1), Rep(16, 1), Rep(17, 0.5)]


def assign(reps: list[Rep], leads: int, counts: dict[int, int] | None = None, check=None) -> dict[int, int]:
    counts = dict(counts or {})
    for _ in range(leads):
        choice = choose_rep(reps, counts)
        counts[choice.rep_id] = counts.get(choice.rep_id, 0) + 1
        if check:
            check(counts)
    return counts


def within_quota(reps: list[Rep], counts: dict[int, int]) -> bool:
    total_weight = sum(Fraction(rep.weight) for rep in reps)
    n = sum(counts.values())
    for rep in reps:
        share = n * Fraction(rep.weight) / total_weight
        if not math.floor(share) <= counts.get(rep.id, 0) <= math.ceil(share):
            return False
    return True


def test_ten_thousand_leads_to_seven_weighted_reps_stay_within_one_of_the_exact_share_after_every_lead():
    def check(counts):
        assert within_quota(SEVEN, counts), counts

    counts = assign(SEVEN, 10_000, check=check)
    assert counts == {11: 3449, 12: 2069, 13: 1380, 14: 1380, 15: 689, 16: 689, 17: 344}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 12) | st.sampled_from([0.5, 1.5, 2.25, 0.1]), min_size=1, max_size=9),
       st.integers(1, 250))
def test_any_weights_stay_within_one_of_the_exact_share_after_every_lead(weights, leads):
    reps = [Rep(i, w) for i, w in enumerate(weights)]
    assign(reps, leads, check=lambda counts: _assert_within(reps, counts))


def _assert_within(reps, counts):
    assert within_quota(reps, counts), counts


def test_plain_smallest_next_count_per_weight_would_drift_more_than_one_lead():
    weights = [11, 1, 2, 7, 2, 1]
    counts, worst = [0] * len(weights), Fraction(0)
    for n in range(1, 301):
        i = min(range(len(weights)), key=lambda j: (Fraction(counts[j] + 1, weights[j]), j))
        counts[i] += 1
        gaps = (abs(counts[j] - Fraction(n * weights[j], sum(weights))) for j in range(len(weights)))
        worst = max(worst, *gaps)
    assert worst > 2
    reps = [Rep(i, w) for i, w in enumerate(weights)]
    assign(reps, 300, check=lambda c: _assert_within(reps, c))


@pytest.mark.parametrize(("reps", "expected"), [
    ([Rep(3), Rep(1), Rep(2)], 1),
    ([Rep(9, 2), Rep(1, 1)], 9),
    ([Rep(5, 1), Rep(4, 1, available=False)], 5),
])
def test_ties_go_to_the_smallest_rep_id_and_input_order_does_not_matter(reps, expected):
    assert choose_rep(reps, {}).rep_id == expected
    assert choose_rep(list(reversed(reps)), {}).rep_id == expected


@settings(max_examples=50, deadline=None)
@given(st.permutations(SEVEN), st.integers(0, 60))
def test_the_choice_depends_on_counts_and_weights_not_on_the_order_of_reps(reps, leads):
    counts = assign(SEVEN, leads)
    assert choose_rep(reps, counts).rep_id == choose_rep(SEVEN, counts).rep_id


def test_an_out_of_office_rep_is_skipped_and_the_explanation_says_so():
    reps = [Rep(1), Rep(2, available=False), Rep(3)]
    choice = choose_rep(reps, {1: 4, 3: 3})
    assert choice.rep_id == 3
    assert choice.skipped == ((2, "out of office"),)
    assert "rep 3 had 3 of 7 leads" in choice.reason


def test_a_rep_at_capacity_is_skipped_even_when_most_behind():
    reps = [Rep(1, capacity=5), Rep(2, capacity=50)]
    choice = choose_rep(reps, {1: 0, 2: 40}, open_leads={1: 5, 2: 40})
    assert choice.rep_id == 2
    assert choice.skipped == ((1, "at capacity (5 of 5 open leads)"),)


def test_when_every_rep_is_skipped_no_rep_is_chosen_and_each_skip_is_explained():
    reps = [Rep(1, available=False), Rep(2, weight=0), Rep(3, capacity=0)]
    choice = choose_rep(reps, {})
    assert (choice.rep_id, choice.rule) == (None, "none_eligible")
    reasons = [reason for _, reason in choice.skipped]
    assert reasons == ["out of office", "weight 0", "at capacity (0 of 0 open leads)"]


def test_the_standings_show_each_reps_count_and_share():
    choice = choose_rep([Rep(1, 3), Rep(2, 1)], {1: 4, 2: 0})
    assert choice.rep_id == 2
    assert [(s.rep_id, s.assigned, s.share, s.under_share) for s in choice.standings] == [
        (1, 4, 3.75, False), (2, 0, 1.25, True)]


def test_a_rep_back_from_absence_would_get_a_burst_unless_the_rejoin_count_is_recorded():
    reps = [Rep(1), Rep(2), Rep(3)]
    counts = {1: 150, 2: 150, 3: 0}
    burst = [choose_rep(reps, counts).rep_id for _ in range(3)]
    assert burst == [3, 3, 3]
    counts[3] = rejoin_count(reps, counts, 3)
    assert counts[3] == 150
    assert sorted(assign(reps, 3, counts).values()) == [151, 151, 151]


@pytest.mark.parametrize("reps", [[Rep(1), Rep(1)], [Rep(1, weight=-1)], [Rep(1, capacity=-2)]])
def test_broken_reps_are_refused(reps):
    with pytest.raises(ValueError, match="rep"):
        choose_rep(reps, {})


# --- routing rules -------------------------------------------------------------------------------

RULES = parse_routing_rules([
    {"id": "owner", "kind": "account_owner"},
    {"id": "dach-enterprise", "kind": "territory", "countries": ["DE", "AT", "CH"],
     "segments": ["enterprise"], "queue": "dach-ae"},
    {"id": "dach", "kind": "territory", "countries": ["DE", "AT", "CH"], "queue": "dach-sdr"},
    {"id": "emea", "kind": "territory", "regions": ["EMEA"], "queue": "emea"},
    {"id": "rest", "kind": "default", "queue": "inbound"},
])


@pytest.mark.parametrize(("facts", "rule", "owner", "queue"), [
    (RoutingFacts(country="DE", account_owner_id=42), "owner", 42, None),
    (RoutingFacts(country="de", segment="Enterprise"), "dach-enterprise", None, "dach-ae"),
    (RoutingFacts(country="AT", segment="smb"), "dach", None, "dach-sdr"),
    (RoutingFacts(country="FR", region="emea"), "emea", None, "emea"),
    (RoutingFacts(country="US", region="AMER"), "rest", None, "inbound"),
    (RoutingFacts(), "rest", None, "inbound"),
    (RoutingFacts(country="CH", account_owner_id=42, account_owner_available=False), "dach", None,
     "dach-sdr"),
])
def test_the_first_matching_rule_decides_where_the_lead_goes(facts, rule, owner, queue):
    match = match_rule(RULES, facts)
    assert (match.rule_id, match.owner_id, match.queue) == (rule, owner, queue)


def test_the_explanation_names_each_rule_passed_over_and_why():
    match = match_rule(RULES, RoutingFacts(country="CH", segment="smb", account_owner_id=42,
                                           account_owner_available=False))
    assert match.explanation == (
        "owner: account owner 42 is out of office",
        "dach-enterprise: segment 'smb' not in ['enterprise']",
        "dach: matched; queue dach-sdr",
    )


def test_without_a_default_rule_a_lead_may_match_nothing():
    rules = parse_routing_rules([{"id": "dach", "kind": "territory", "countries": ["DE"], "queue": "dach"}])
    match = match_rule(rules, RoutingFacts(country="US"))
    assert (match.rule_id, match.queue, match.explanation[-1]) == (None, None, "no rule matched")


@pytest.mark.parametrize(("rules", "problem"), [
    ([{"id": "x", "kind": "lottery", "queue": "q"}], "rules[0].kind: 'lottery'"),
    ([{"kind": "default", "queue": "q"}], "rules[0].id"),
    ([{"id": "t", "kind": "territory", "queue": "q"}], "rules[0]: a territory rule needs"),
    ([{"id": "t", "kind": "territory", "countries": ["DE"]}], "rules[0].queue"),
    ([{"id": "t", "kind": "territory", "countries": "DE", "queue": "q"}], "rules[0].countries"),
    ([{"id": "d", "kind": "default", "queue": "q", "countries": ["DE"]}], "rules[0]: only territory rules"),
    ([{"id": "d", "kind": "default", "queue": "q", "queues": "x"}], "rules[0].queues: unknown key"),
    ([{"id": "d", "kind": "default", "queue": "q"}, {"id": "o", "kind": "account_owner"}],
     "rules[1]: unreachable"),
    ([{"id": "o", "kind": "account_owner"}, {"id": "o", "kind": "default", "queue": "q"}],
     "rules[1].id: 'o'"),
    (["owner"], "rules[0]: expected a mapping"),
])
def test_broken_routing_rules_are_refused_naming_the_rule_and_field(rules, problem):
    with pytest.raises(RoutingRulesInvalid) as raised:
        parse_routing_rules(rules)
    assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems
