"""Click a number, see exactly the records it counts: the list's count is the figure, its ids the oracle's."""

from __future__ import annotations

import pytest

from tandem.core.conversion import stage_entries
from tandem.core.periods import parse_period
from tests.reporting import oracle


@pytest.fixture
def reader(make_user):
    from tandem.people.services import api_token_create

    return api_token_create(user=make_user("manager"), name="reader", scope="read").secret


def _records(api, token, **query) -> dict:
    response = api("GET", "/reports/records", token, query={"limit": 500, **query})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("label", ["2026-08", "2026-Q2", "2026-W36"])
def test_the_entrants_of_each_stage_are_exactly_the_leads_that_entered_it(company, api, reader, label):
    period = parse_period(label)
    funnel = {r["stage"]: r for r in api("GET", "/reports/funnel", reader, query={"period": label}).json()["rows"]}
    full = oracle.ledger()
    for stage in ("inquiry", "mql", "sal", "won"):
        found = _records(api, reader, period=label, metric="funnel_entrants", stage=stage)
        leads, _ = stage_entries(full, stage, period)
        assert found["count"] == funnel[stage]["entrants"] == len(set(leads.tolist()))
        if found["count"] <= 500:
            assert {r["id"] for r in found["items"]} == set(leads.tolist())


@pytest.mark.django_db
def test_stock_exits_and_entries_list_as_many_records_as_the_funnel_counts(company, api, reader):
    rows = {r["stage"]: r for r in api("GET", "/reports/funnel", reader, query={"period": "2026-07"}).json()["rows"]}
    for stage in ("aql", "tal", "opportunity"):
        closing = _records(api, reader, period="2026-07", metric="stage_stock", stage=stage, edge="closing")
        opening = _records(api, reader, period="2026-07", metric="stage_stock", stage=stage, edge="opening")
        exits = _records(api, reader, period="2026-07", metric="stage_exits", stage=stage)
        entries = _records(api, reader, period="2026-07", metric="stage_entries", stage=stage)
        assert (closing["count"], opening["count"], exits["count"], entries["count"]) == \
            (rows[stage]["closing"], rows[stage]["opening"], rows[stage]["exits"], rows[stage]["entries"])


@pytest.mark.django_db
def test_deal_figures_list_their_deals(company, api, reader):
    velocity = api("GET", "/reports/velocity", reader, query={"period": "2026-Q3"}).json()
    won = _records(api, reader, period="2026-Q3", metric="win_rate", outcome="won")
    lost = _records(api, reader, period="2026-Q3", metric="win_rate", outcome="lost")
    live = _records(api, reader, period="2026-Q3", metric="open_pipeline")
    assert (won["count"], lost["count"], live["count"]) == (velocity["won"], velocity["lost"], velocity["open_count"])
    assert won["kind"] == "opportunity"
    assert round(sum(r["figure"] for r in won["items"]), 2) == float(velocity["won_amount"])


@pytest.mark.django_db
def test_a_cohort_lists_its_entrants_and_those_that_reached_the_next_stage(company, api, reader):
    data = api("GET", "/reports/conversion", reader, query={"period": "2026-06"}).json()
    row = next(c for c in data["cohorts"] if c["from_stage"] == "mql" and c["to_stage"] == "tal")
    entered = _records(api, reader, period="2026-06", metric="cohort_conversion", from_stage="mql", to_stage="tal",
                       cohort="2026-06")
    reached = _records(api, reader, period="2026-06", metric="cohort_conversion", from_stage="mql", to_stage="tal",
                       cohort="2026-06", reached="yes")
    assert (entered["count"], reached["count"]) == (row["entered"], row["reached"])


@pytest.mark.django_db
def test_a_rep_sees_every_counted_record_but_not_the_people_outside_their_queue(company, api, make_user):
    from tandem.people.services import api_token_create

    sdr = api_token_create(user=make_user("sdr"), name="sdr", scope="read").secret
    found = _records(api, sdr, period="2026-08", metric="funnel_entrants", stage="sal")
    assert found["count"] > 0
    hidden = [r for r in found["items"] if not r["visible"]]
    assert hidden and all(r["title"] == f"Lead #{r['id']}" for r in hidden)


@pytest.mark.django_db
def test_an_unknown_metric_is_refused(db, api, reader):
    response = api("GET", "/reports/records", reader, query={"metric": "vibes"})
    assert response.status_code == 422 and response.json()["field"] == "metric"
