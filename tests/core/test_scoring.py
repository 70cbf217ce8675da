"""Rules scores: fit and decayed engagement, explanations that add up, single and bulk in agreement."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.scoring import (
    LeadFacts,
    NumberColumn,
    RulesInvalid,
    TextColumn,
    Touch,
    TouchArrays,
    encode_touches,
    parse_rules,
    round_half_up,
    score,
    score_bulk,
    score_bulk_detail,
)

NOW = datetime(2026, 3, 24, 12, tzinfo=UTC)
RULES = parse_rules({
    "half_life_days": 14,
    "fit": [
        {"id": "vp", "label": "Title contains VP", "field": "title", "op": "contains", "value": "VP",
         "points": 15},
        {"id": "large", "field": "employees", "op": "gte", "value": 200, "points": 10},
        {"id": "dach", "field": "country", "op": "in", "value": ["DE", "AT", "CH"], "points": 5},
        {"id": "small", "field": "employees", "op": "lte", "value": 10, "points": -10},
        {"id": "phone", "field": "phone", "op": "present", "points": 3},
        {"id": "saas", "field": "industry", "op": "equals", "value": "Software", "points": 4},
        {"id": "student", "field": "title", "op": "contains", "value": "student", "points": -20},
        {"id": "tier", "field": "tier", "op": "in", "value": [1, 2], "points": 6},
    ],
    "engagement": [
        {"id": "webinar", "channel": "webinar", "points": 10},
        {"id": "demo", "channel": "demo_request", "points": 25, "half_life_days": 7},
        {"id": "email", "channel": "email", "points": 1},
        {"id": "spring", "label": "Spring campaign", "campaign": "spring-2026", "points": 5},
    ],
})


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def explained(facts: LeadFacts) -> dict[str, int]:
    return {c.rule_id: c.points for c in score(facts, RULES, NOW).explanation}


@pytest.mark.parametrize(("fields", "expected"), [
    ({"title": "VP Sales", "employees": 250, "country": "DE"}, {"vp": 15, "large": 10, "dach": 5}),
    ({"title": "vp of marketing", "country": "ch"}, {"vp": 15, "dach": 5}),
    ({"title": "CTO", "employees": 200}, {"large": 10}),
    ({"employees": 10, "phone": "+49 30 1234"}, {"small": -10, "phone": 3}),
    ({"phone": "   "}, {}),
    ({"industry": "software"}, {"saas": 4}),
    ({"industry": "Software services"}, {}),
    ({"title": "Working student", "tier": 2}, {"student": -20, "tier": 6}),
    ({"tier": 3, "employees": None, "country": None}, {}),
    ({}, {}),
])
def test_each_fit_rule_that_matches_adds_its_points_and_is_named_in_the_explanation(fields, expected):
    assert explained(LeadFacts(fields)) == expected


@pytest.mark.parametrize(("age_days", "points"), [(0, 10), (7, 7), (14, 5), (28, 3), (42, 1), (120, 0)])
def test_a_webinar_touch_halves_every_fourteen_days_rounded_half_up(age_days, points):
    facts = LeadFacts({}, [Touch(days_ago(age_days), channel="webinar")])
    assert score(facts, RULES, NOW).engagement == points


def test_a_rule_with_its_own_half_life_decays_faster():
    facts = LeadFacts({}, [Touch(days_ago(7), channel="demo_request")])
    assert explained(facts) == {"demo": 13}


def test_a_touch_counts_for_its_channel_rule_and_its_campaign_rule():
    facts = LeadFacts({}, [Touch(days_ago(0), channel="webinar", campaign="Spring-2026")])
    assert explained(facts) == {"webinar": 10, "spring": 5}


def test_touches_in_the_future_count_at_full_points():
    facts = LeadFacts({}, [Touch(NOW + timedelta(days=3), channel="webinar")])
    assert score(facts, RULES, NOW).engagement == 10


def test_touches_are_summed_per_rule_before_rounding():
    facts = LeadFacts({}, [Touch(days_ago(14), channel="email")] * 3)
    assert explained(facts) == {"email": 2}


@pytest.mark.parametrize(("value", "rounded"), [
    (2.5, 3), (2.4999, 2), (-2.5, -2), (-2.5001, -3), (0.5, 1), (0, 0),
])
def test_rounding_is_half_up_towards_positive_infinity(value, rounded):
    assert round_half_up(np.array([value])).tolist() == [rounded]


def test_the_full_example_scores_and_explains_itself():
    facts = LeadFacts({"title": "VP Sales", "employees": 250, "country": "DE"},
                      [Touch(days_ago(14), channel="webinar", campaign="spring-2026"),
                       Touch(days_ago(1), "email")])
    result = score(facts, RULES, NOW)
    assert (result.total, result.fit, result.engagement) == (39, 30, 9)
    assert [(c.label, c.points) for c in result.explanation] == [
        ("Title contains VP", 15), ("employees gte 200", 10), ("country in [DE, AT, CH]", 5),
        ("channel webinar", 5), ("channel email", 1), ("Spring campaign", 3)]


def fit(**rule):
    return {"fit": [{"id": "a", "points": 1} | rule]}


@pytest.mark.parametrize(("document", "problem"), [
    (fit(field="title", op="greater", value=1), "fit[0].op: 'greater'"),
    (fit(field="employees", op="gte", value="200"), "fit[0].value: gte"),
    (fit(field="title", op="contains", value=""), "fit[0].value: contains"),
    (fit(field="country", op="in", value=[]), "fit[0].value: in"),
    (fit(field="country", op="in", value=["DE", 1]), "fit[0].value: in"),
    (fit(field="phone", op="present", value=1), "fit[0].value: 'present'"),
    ({"fit": [{"id": "a", "field": "title", "op": "present", "points": 1.5}]}, "fit[0].points"),
    ({"fit": [{"id": "a", "field": "title", "op": "present", "points": True}]}, "fit[0].points"),
    ({"fit": [{"id": "a", "op": "present", "points": 1}]}, "fit[0].field"),
    ({"fit": [{"field": "title", "op": "present", "points": 1}]}, "fit[0].id"),
    ({"fit": [{"id": "a", "field": "t", "op": "present", "point": 1}]}, "fit[0].point: unknown key"),
    ({"fit": ["title"]}, "fit[0]: expected a mapping"),
    ({"fit": {"id": "a"}}, "fit: expected a list"),
    ({"engagement": [{"id": "a", "points": 1}]}, "engagement[0]: give exactly one of channel or campaign"),
    ({"engagement": [{"id": "a", "channel": "web", "campaign": "x", "points": 1}]},
     "engagement[0]: give exactly"),
    ({"engagement": [{"id": "a", "channel": "web", "points": 1, "half_life_days": 0}]},
     "engagement[0].half_life_days"),
    ({"engagement": [{"id": "a", "channel": "web", "points": 1}, {"id": "b", "channel": "Web", "points": 2}]},
     "engagement[1].channel: 'web' already has a rule (engagement[0])"),
    ({"fit": [{"id": "a", "field": "t", "op": "present", "points": 1}],
      "engagement": [{"id": "a", "channel": "web", "points": 1}]},
     "engagement[0].id: 'a' is already used by fit[0]"),
    ({"half_life_days": -3}, "half_life_days: must be a positive number"),
    ({"fits": []}, "rules: unknown key 'fits'"),
])
def test_broken_rules_are_refused_naming_the_rule_index_and_field(document, problem):
    with pytest.raises(RulesInvalid) as raised:
        parse_rules(document)
    assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems


def test_every_problem_is_reported_at_once():
    with pytest.raises(RulesInvalid) as raised:
        parse_rules({"fit": [{"id": "a", "field": "x", "op": "nope", "points": 1},
                             {"id": "b", "field": "y", "op": "gte", "value": "z", "points": "1"}]})
    assert len(raised.value.problems) == 3


def test_a_numeric_rule_on_a_text_value_is_an_error_naming_the_rule():
    with pytest.raises(ValueError, match=r"fit\[1\] \(employees gte 200\): field 'employees' is text"):
        score(LeadFacts({"employees": "lots"}), RULES, NOW)


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="naive"):
        score(LeadFacts({}, [Touch(NOW, "email")]), RULES, datetime(2026, 3, 24))


def test_bulk_columns_must_have_one_entry_per_lead():
    touches = encode_touches([[], []])
    with pytest.raises(ValueError, match="one entry per lead"):
        score_bulk({"employees": NumberColumn(np.zeros(3))}, touches, RULES, NOW)


def test_bulk_needs_a_column_for_every_fit_field():
    with pytest.raises(ValueError, match="no column for field 'title'"):
        score_bulk({}, encode_touches([[]]), RULES, NOW)


def test_csr_offsets_are_checked():
    with pytest.raises(ValueError, match="offsets"):
        TouchArrays(np.array([0, 2]), np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64))


# --- single and bulk agree -------------------------------------------------------------------

TITLES = ["VP Sales", "Student", "CTO", "", "vp finance", "Head of IT"]
CHANNELS = ["webinar", "demo_request", "email", "Web", "WEBINAR"]
lead_fields = st.fixed_dictionaries({
    "title": st.none() | st.sampled_from(TITLES),
    "employees": st.none() | st.integers(0, 1000),
    "country": st.none() | st.sampled_from(["DE", "at", "FR", "US", ""]),
    "phone": st.none() | st.sampled_from(["+49", "", " "]),
    "industry": st.none() | st.sampled_from(["Software", "Retail"]),
    "tier": st.none() | st.integers(0, 4),
})
touch = st.builds(
    Touch,
    at=st.one_of(st.integers(-5, 200).map(lambda d: days_ago(d * 3.5)),
                 st.integers(-10**6, 10**8).map(lambda s: NOW - timedelta(seconds=s))),
    channel=st.none() | st.sampled_from(CHANNELS),
    campaign=st.none() | st.sampled_from(["spring-2026", "autumn"]),
)
leads = st.lists(st.tuples(lead_fields, st.lists(touch, max_size=12)), min_size=1, max_size=25)


def numbers(values):
    return NumberColumn(np.array([np.nan if v is None else v for v in values], dtype=float))


def bulk_inputs(batch):
    columns = {
        "title": TextColumn.encode([f["title"] for f, _ in batch]),
        "country": TextColumn.encode([f["country"] for f, _ in batch]),
        "phone": TextColumn.encode([f["phone"] for f, _ in batch]),
        "industry": TextColumn.encode([f["industry"] for f, _ in batch]),
        "employees": numbers([f["employees"] for f, _ in batch]),
        "tier": numbers([f["tier"] for f, _ in batch]),
    }
    return columns, encode_touches([t for _, t in batch])


@settings(max_examples=150, deadline=None)
@given(leads)
def test_single_and_bulk_scores_agree_exactly_and_explanations_sum_to_the_total(batch):
    columns, touches = bulk_inputs(batch)
    bulk = score_bulk(columns, touches, RULES, NOW)
    for i, (fields, lead_touches) in enumerate(batch):
        single = score(LeadFacts(fields, lead_touches), RULES, NOW)
        parts = (single.total, single.fit, single.engagement)
        assert parts == (bulk.total[i], bulk.fit[i], bulk.engagement[i])
        assert sum(c.points for c in single.explanation) == single.total


@settings(max_examples=60, deadline=None)
@given(st.lists(touch, min_size=1, max_size=8), st.integers(1, 400))
def test_more_recent_touches_never_score_lower(touches, days):
    older = [Touch(t.at - timedelta(days=days), t.channel, t.campaign) for t in touches]
    recent, later = score(LeadFacts({}, touches), RULES, NOW), score(LeadFacts({}, older), RULES, NOW)
    assert recent.engagement >= later.engagement


def test_bulk_scores_many_leads_in_chunks_the_same_as_one_by_one():
    rng = np.random.default_rng(3)
    n = 70_000
    counts = rng.integers(0, 4, n)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    at = int(NOW.timestamp()) - rng.integers(0, 90 * 86_400, offsets[-1])
    touches = TouchArrays(offsets, rng.integers(-1, 3, offsets[-1]), rng.integers(-1, 1, offsets[-1]), at,
                          ("webinar", "email", "demo_request"), ("spring-2026",))
    columns = {name: TextColumn(np.full(n, -1), ()) for name in ("title", "country", "phone", "industry")}
    columns |= {name: NumberColumn(np.full(n, np.nan)) for name in ("employees", "tier")}
    bulk = score_bulk(columns, touches, RULES, NOW)
    for i in (0, 1, 65_535, 65_536, n - 1):
        lead_touches = [Touch(datetime.fromtimestamp(int(at[j]), UTC),
                              touches.channels[c] if (c := touches.channel_codes[j]) >= 0 else None,
                              touches.campaigns[k] if (k := touches.campaign_codes[j]) >= 0 else None)
                        for j in range(offsets[i], offsets[i + 1])]
        assert score(LeadFacts({}, lead_touches), RULES, NOW).total == bulk.total[i]


@settings(max_examples=100, deadline=None)
@given(leads)
def test_bulk_detail_gives_every_lead_the_same_explanation_as_scoring_it_alone(batch):
    columns, touches = bulk_inputs(batch)
    detail = score_bulk_detail(columns, touches, RULES, NOW)
    bulk = score_bulk(columns, touches, RULES, NOW)
    assert (detail.scores.total == bulk.total).all()
    for i, (fields, lead_touches) in enumerate(batch):
        assert detail.explanation(RULES, i) == score(LeadFacts(fields, lead_touches), RULES, NOW).explanation
