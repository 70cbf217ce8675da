"""The three levels on the hand-built ledger of conftest.py, against credit worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.attribution.conftest import credit

D = Decimal


def test_leads_sourced_counts_each_lead_created_in_the_period_with_its_touches_up_to_creation(ledger, report):
    payload = report("sourced")
    # A: paid_click, web_visit, form_fill (at creation; self-reported never a touch). B: event, form_fill. D: none.
    assert payload["totals"]["conversions"] == 3
    assert payload["untouched"]["conversions"] == 1  # D
    assert payload["totals"]["non_converting_journeys"] == 0
    assert credit(payload, "first_touch") == {"paid_click": 1, "event": 1}
    assert credit(payload, "last_touch") == {"form_fill": 2}
    linear = credit(payload, "linear")
    assert linear == pytest.approx({"paid_click": 1 / 3, "web_visit": 1 / 3, "form_fill": 1 / 3 + 1 / 2, "event": 0.5},
                                   abs=0.011)
    # W: A = first .3, lead creation (form_fill, last) .3, no opportunity (last) .3, the rest .1 to web_visit;
    #    B = event .3, form_fill .3 + .3, and .1 over both touches: event .35, form_fill .65.
    assert credit(payload, "w_shaped") == {"paid_click": 0.3, "web_visit": 0.1, "form_fill": 1.25, "event": 0.35}
    assert payload["totals"]["value"] == "0.00"


def test_pipeline_credits_each_opportunity_created_from_the_touches_before_it(ledger, report):
    payload = report("pipeline")
    # A1 (1000): paid_click, web_visit, form_fill, email_click, webinar. B1 (500): event, form_fill. E: no lead.
    assert (payload["totals"]["conversions"], payload["totals"]["value"]) == (3, "1700.00")
    assert payload["untouched"] == {"conversions": 1, "value": "200.00"}
    assert payload["totals"]["non_converting_journeys"] == 1  # C: touched in Q1, no opportunity
    assert credit(payload, "first_touch", "value") == {"paid_click": D("1000.00"), "event": D("500.00")}
    assert credit(payload, "last_touch", "value") == {"webinar": D("1000.00"), "form_fill": D("500.00")}
    assert credit(payload, "linear", "value") == {"paid_click": D("200.00"), "web_visit": D("200.00"),
                                                  "form_fill": D("450.00"), "email_click": D("200.00"),
                                                  "webinar": D("200.00"), "event": D("250.00")}
    # W on A1: first paid_click, lead creation form_fill, opportunity creation webinar (the last touch before it),
    # .05 each to web_visit and email_click. B1: event .35, form_fill .65 (both are milestones).
    assert credit(payload, "w_shaped", "value") == {"paid_click": D("300.00"), "web_visit": D("50.00"),
                                                    "form_fill": D("625.00"), "email_click": D("50.00"),
                                                    "webinar": D("300.00"), "event": D("175.00")}


def test_pipeline_markov_uses_the_non_converting_journey_and_matches_the_hand_solved_chain(ledger, report):
    payload = report("pipeline")
    # Chain: start → paid_click | event | email_click (C), form_fill → conversion or email_click, webinar →
    # conversion or null. P = 2/3; removal effects paid/web/event 3/8, form 3/4, email/webinar 1/2 (sum 23/8).
    # Value chain (conversion worth 500 after form_fill, 1000 after webinar): effects 1/3, 1/3, 1/3, 2/3, 2/3, 2/3.
    markov = credit(payload, "markov")
    assert markov == pytest.approx({"paid_click": 6 / 23, "web_visit": 6 / 23, "event": 6 / 23,
                                    "form_fill": 12 / 23, "email_click": 8 / 23, "webinar": 8 / 23}, abs=0.006)
    effects = {r["key"]: r["credit"]["markov"]["removal_effect"] for r in payload["rows"]}
    assert effects == pytest.approx({"paid_click": 3 / 8, "web_visit": 3 / 8, "event": 3 / 8, "form_fill": 3 / 4,
                                     "email_click": 1 / 2, "webinar": 1 / 2}, abs=1e-6)
    assert credit(payload, "markov", "value") == {"paid_click": D("166.67"), "web_visit": D("166.67"),
                                                  "event": D("166.67"), "form_fill": D("333.33"),
                                                  "email_click": D("333.33"), "webinar": D("333.33")}


def test_revenue_credits_each_deal_won_from_the_touches_before_the_close(ledger, report):
    payload = report("revenue")
    # A1 won 15 Mar: paid_click, web_visit, form_fill, email_click, webinar, event (20 Feb). B and C did not win.
    assert (payload["totals"]["conversions"], payload["totals"]["value"]) == (1, "1000.00")
    assert payload["totals"]["non_converting_journeys"] == 2
    assert credit(payload, "first_touch", "value") == {"paid_click": D("1000.00")}
    assert credit(payload, "last_touch", "value") == {"event": D("1000.00")}
    w = credit(payload, "w_shaped", "value")
    assert [w.pop(k) for k in ("paid_click", "form_fill", "webinar")] == [D("300.00")] * 3
    assert sorted(w.values()) == [D("33.33"), D("33.33"), D("33.34")]  # a third of 100.00 each, to the cent
    # Full path: first, lead creation, opportunity creation and the last touch before close 22.5% each.
    assert credit(payload, "full_path", "value") == {"paid_click": D("225.00"), "form_fill": D("225.00"),
                                                     "webinar": D("225.00"), "event": D("225.00"),
                                                     "web_visit": D("50.00"), "email_click": D("50.00")}


def test_every_model_credits_exactly_the_total_at_every_level_and_dimension(ledger, report):
    for level in ("sourced", "pipeline", "revenue"):
        totals = set()
        for dimension in ("channel", "campaign", "content"):
            payload = report(level, dimension, models="")
            touched = payload["totals"]["conversions"] - payload["untouched"]["conversions"]
            touched_value = D(payload["totals"]["value"]) - D(payload["untouched"]["value"])
            totals.add((payload["totals"]["conversions"], payload["totals"]["value"]))
            for model in [m["key"] for m in payload["models"] if not m["skipped"]]:
                rows = [r["credit"][model] for r in payload["rows"]]
                assert round(sum(c["conversions"] for c in rows), 6) == touched, (level, dimension, model)
                assert sum(D(c["value"]) for c in rows) == touched_value, (level, dimension, model)
        assert len(totals) == 1  # the same journeys whatever they are credited to


def test_the_same_journeys_credit_campaigns_and_untagged_touches_go_to_no_campaign(ledger, report):
    payload = report("sourced", "campaign")
    spring = str(ledger["spring"].pk)
    assert credit(payload, "first_touch") == {spring: 1, "": 1}
    assert {r["key"]: r["label"] for r in payload["rows"]}[""] == "(no campaign)"


def test_rep_activity_is_left_out_unless_asked_for(ledger, report):
    assert "call" not in {r["key"] for r in report("pipeline")["rows"]}
    with_reps = report("pipeline", include_rep_activity=True)
    assert with_reps["rows"] and "call" in {r["key"] for r in with_reps["rows"]}
    assert with_reps["totals"]["touches"] == report("pipeline")["totals"]["touches"] + 1


def test_a_segment_keeps_the_conversions_of_its_accounts(ledger, report):
    assert report("sourced", segment="mid")["totals"]["conversions"] == 2  # D's account is smb
    assert report("sourced", segment="smb")["totals"]["conversions"] == 1


def test_self_reported_answers_are_shown_beside_the_channels_they_name(ledger, report):
    said = report("pipeline")["self_reported"]
    assert {r["key"]: (r["conversions"], r["value"]) for r in said["rows"]} == {
        "paid_ads": (1, "1000.00"), "event": (1, "500.00"), "not_answered": (1, "200.00")}
    assert said["by_row"] == {"paid_click": {"conversions": 1, "value": "1000.00"},
                              "event": {"conversions": 1, "value": "500.00"}}
    sourced = report("sourced")["self_reported"]
    assert {r["key"] for r in sourced["rows"]} == {"paid_ads", "event", "word_of_mouth"}


def test_the_reporting_dashboard_gets_channel_credit_and_campaign_revenue(ledger):
    from tandem.attribution.selectors import campaign_revenue, channel_credit
    from tandem.core.periods import parse_period

    q1 = parse_period("2026-Q1")
    by_channel = channel_credit(start=q1.start, end=q1.end, model="first_touch")
    assert by_channel == {"Paid click": (1.0, 1000.0), "Event": (1.0, 500.0), "Web visit": (0.0, 0.0),
                          "Form fill": (0.0, 0.0), "Email click": (0.0, 0.0), "Webinar": (0.0, 0.0)}
    # W-shaped on A1 by campaign: only its first touch (30%) carries a campaign
    assert campaign_revenue(start=q1.start, end=q1.end) == {ledger["spring"].pk: D("300.00")}
