"""The explainable predictive model: fitting, refusal on thin history, calibration, AUC, lift, factors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.predictive import (
    FeatureSpec,
    InsufficientHistory,
    auc,
    calibration,
    evaluate,
    fit_logistic,
    labels,
    top_rate,
    train,
    train_and_evaluate,
)

SPEC = FeatureSpec(numeric=("log_employees", "visits"), categorical=("country", "source"))


def history(n: int = 4000, seed: int = 5):
    """Leads whose win odds follow a known logistic model; the rules score only half knows it."""
    rng = np.random.default_rng(seed)
    log_employees = rng.normal(4.0, 1.0, n)
    visits = rng.poisson(3, n).astype(float)
    country = rng.choice(["DE", "FR", "US", "AT"], n, p=[0.4, 0.2, 0.3, 0.1])
    country[[10, 20, 30]] = "NZ"
    source = rng.choice(["web", "event", "partner"], n)
    logit = (-1.0 + 0.9 * (log_employees - 4.0) + 0.3 * (visits - 3)
             + 1.0 * (country == "DE") - 0.5 * (source == "web"))
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    rows = [{"log_employees": float(e), "visits": float(v), "country": str(c), "source": str(s)}
            for e, v, c, s in zip(log_employees, visits, country, source, strict=True)]
    for i in range(0, n, 97):
        rows[i]["visits"] = None
    rules = 10 * (log_employees > 4) + 5 * (country == "DE") + rng.integers(0, 3, n)
    return rows, won.tolist(), rules


ROWS, WON, RULES = history()


@pytest.fixture(scope="module")
def trained():
    return train_and_evaluate(ROWS, WON, SPEC, RULES)


def test_the_model_recovers_the_direction_and_size_of_known_effects(trained):
    model, _ = trained
    coefficients = dict(zip(model.encoder.names, model.coefficients, strict=True))
    assert coefficients["log_employees"] == pytest.approx(0.9, abs=0.15)
    assert coefficients["visits"] == pytest.approx(0.3 * math.sqrt(3), abs=0.15)
    assert coefficients["country = DE"] - coefficients["country = FR"] == pytest.approx(1.0, abs=0.25)
    assert coefficients["source = web"] < coefficients["source = event"]


def test_rare_levels_pool_into_other_and_missing_numbers_get_an_indicator(trained):
    model, _ = trained
    assert "country = NZ" not in model.encoder.names
    assert {"country = (other)", "visits missing"} <= set(model.encoder.names)


def test_the_report_shows_calibration_by_decile_auc_and_lift_against_the_rules_score(trained):
    _, report = trained
    held_out = sum(WON) // 5 + (len(WON) - sum(WON)) // 5
    assert report.examples == sum(row.count for row in report.calibration) == held_out
    assert [row.decile for row in report.calibration] == list(range(1, 11))
    means = [row.mean_predicted for row in report.calibration]
    assert means == sorted(means)
    assert all(abs(row.mean_predicted - row.actual_rate) < 0.15 for row in report.calibration)
    assert 0.7 < report.auc < 0.95 and report.rules_auc is not None and report.rules_auc < report.auc
    assert report.lift.model_lift > report.lift.rules_lift > 1
    assert report.lift.base_rate == pytest.approx(report.positives / report.examples)


def test_a_leads_top_factors_are_largest_first_and_add_up_to_its_log_odds(trained):
    model, _ = trained
    row = ROWS[1]
    factors = model.top_factors(row, top=50)
    sizes = [abs(f.contribution) for f in factors]
    assert sizes == sorted(sizes, reverse=True)
    assert model.intercept + sum(f.contribution for f in factors) == pytest.approx(model.log_odds([row])[0])
    assert len(model.top_factors(row, top=2)) == 2


def test_training_is_deterministic():
    first, second = train(ROWS[:1000], WON[:1000], SPEC), train(ROWS[:1000], WON[:1000], SPEC)
    assert first == second


@pytest.mark.parametrize(("won", "lost"), [(29, 100), (100, 29), (0, 500), (30, 0)])
def test_training_refuses_fewer_than_thirty_examples_of_either_outcome(won, lost):
    rows = [{"visits": float(i)} for i in range(won + lost)]
    with pytest.raises(InsufficientHistory) as raised:
        train(rows, [True] * won + [False] * lost, FeatureSpec(numeric=("visits",)))
    assert (raised.value.positives, raised.value.negatives, raised.value.minimum) == (won, lost, 30)
    assert f"{won} positive and {lost} negative" in str(raised.value)


def test_thirty_of_each_is_enough():
    rows = [{"visits": float(i % 7)} for i in range(60)]
    decisions = ["accepted"] * 30 + ["rejected"] * 30
    model = train(rows, decisions, FeatureSpec(numeric=("visits",)), target="accepted")
    assert (model.target, model.positives, model.negatives) == ("accepted", 30, 30)


@pytest.mark.parametrize(("outcome", "label"), [("won", 1), ("lost", 0), ("Accepted", 1), ("rejected", 0),
                                                 (True, 1), (False, 0)])
def test_outcomes_may_be_won_lost_or_accept_reject_decisions(outcome, label):
    assert labels([outcome]).tolist() == [label]


def test_an_unknown_outcome_is_refused():
    with pytest.raises(ValueError, match="'maybe'"):
        labels(["maybe"])


def test_a_text_in_a_numeric_feature_is_refused_naming_the_field():
    with pytest.raises(ValueError, match="field 'visits'"):
        train([{"visits": "many"}] * 60, [True, False] * 30, FeatureSpec(numeric=("visits",)))


def test_perfectly_separable_history_still_gives_finite_coefficients():
    x = np.concatenate([np.linspace(-2, -0.1, 40), np.linspace(0.1, 2, 40)])[:, None]
    y = (x[:, 0] > 0).astype(float)
    intercept, coefficients, iterations = fit_logistic(x, y, l2=1.0)
    assert np.all(np.isfinite(coefficients)) and iterations < 100 and coefficients[0] > 1


@pytest.mark.parametrize(("scores", "outcomes", "expected"), [
    ([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75),
    ([1, 2, 3, 4], [0, 0, 1, 1], 1.0),
    ([4, 3, 2, 1], [0, 0, 1, 1], 0.0),
    ([5, 5, 5, 5], [0, 1, 0, 1], 0.5),
    ([1, 2, 2, 3], [0, 0, 1, 1], 0.875),
])
def test_auc_is_the_rank_statistic_with_ties_counting_one_half(scores, outcomes, expected):
    assert auc(np.array(scores), np.array(outcomes)) == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=2, max_size=40)
       .filter(lambda pairs: 0 < sum(y for _, y in pairs) < len(pairs)))
def test_auc_equals_the_share_of_correctly_ordered_positive_negative_pairs(pairs):
    scores, outcomes = np.array([s for s, _ in pairs]), np.array([y for _, y in pairs])
    positives, negatives = scores[outcomes], scores[~outcomes]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    assert auc(scores, outcomes) == pytest.approx(wins / (len(positives) * len(negatives)))


def test_auc_needs_both_outcomes():
    with pytest.raises(ValueError, match="positive and one negative"):
        auc(np.array([1.0, 2.0]), np.array([1, 1]))


def test_a_tie_at_the_top_decile_cut_counts_at_the_tied_groups_mean_rate():
    scores = np.array([9] + [5] * 10 + [1] * 9)
    outcomes = np.array([1] + [1, 0] * 5 + [0] * 9)
    assert top_rate(scores, outcomes, share=0.1) == pytest.approx((1 + 0.5) / 2)


def test_calibration_cuts_sorted_predictions_into_near_equal_groups():
    predicted = np.linspace(0, 1, 25)
    rows = calibration(predicted, (predicted > 0.5).astype(float))
    assert [row.count for row in rows] == [3] * 5 + [2] * 5
    assert rows[0].actual_rate == 0 and rows[-1].actual_rate == 1


def test_evaluate_without_a_rules_score_reports_the_model_alone(trained):
    model, _ = trained
    report = evaluate(model, ROWS[:500], WON[:500])
    assert report.rules_auc is None and report.lift.rules_lift is None and report.lift.model_lift > 1
