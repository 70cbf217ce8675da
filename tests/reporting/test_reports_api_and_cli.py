"""The API and the CLI give the same figures byte for byte; filters, errors and the ledger path."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tandem.core.periods import parse_period
from tests.reporting import oracle

NAMES = ("funnel", "conversion", "time-in-stage", "velocity", "coverage", "sourcing", "sla", "reasons", "economics",
         "attribution", "goals")


@pytest.fixture
def admin_token(make_user):
    from tandem.people.services import api_token_create

    return api_token_create(user=make_user("admin"), name="reports", scope="read").secret


def _cli(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_cli_prints_exactly_the_api_body_for_every_report(company, api, admin_token, fmt):
    # given the same filter, asked of the API and of the CLI at the same instant
    for name in NAMES:
        query = {"period": "2026-Q3", "segment": "mid"}
        if fmt == "csv":
            query["format"] = "csv"
        # when
        response = api("GET", f"/reports/{name}", admin_token, query=query)
        printed = _cli(name, "--period", "2026-Q3", "--segment", "mid", f"--{fmt}")
        # then
        assert response.status_code == 200, response.content
        assert response.content.decode() == printed, name


@pytest.mark.django_db
def test_a_filter_on_two_dimensions_reads_the_ledger_and_still_matches_it(company, api, admin_token):
    full, values = oracle.ledger(), oracle.lead_values()
    leads = [lead for lead, v in values.items() if v["segment"] == "mid" and v["source"] == "web"]
    expected = oracle.funnel_figures(full, leads, parse_period("2026-08"))
    data = api("GET", "/reports/funnel", admin_token, query={"period": "2026-08", "segment": "mid",
                                                             "source": "web"}).json()
    assert data["meta"]["source"] == "ledger"
    for row in data["rows"]:
        assert (row["entrants"], row["entries"], row["exits"], row["opening"], row["closing"]) == \
            tuple(expected[row["stage"]][i] for i in (0, 3, 4, 5, 6))


@pytest.mark.django_db
def test_a_span_that_is_not_a_whole_period_counts_distinct_leads_from_the_ledger(company, api, admin_token):
    full = oracle.ledger()
    data = api("GET", "/reports/funnel", admin_token, query={"from": "2026-08-10", "to": "2026-09-20"}).json()
    period = parse_period("2026-08-10T00:00:00Z/2026-09-21T00:00:00Z")
    expected = oracle.funnel_figures(full, None, period)
    assert data["meta"]["source"] == "rollups+ledger"
    assert {r["stage"]: r["entrants"] for r in data["rows"]} == {k: v[0] for k, v in expected.items()}


@pytest.mark.django_db
def test_from_and_to_that_make_a_whole_month_read_as_that_month(company, api, admin_token):
    by_dates = api("GET", "/reports/funnel", admin_token, query={"from": "2026-03-01", "to": "2026-03-31"}).json()
    by_label = api("GET", "/reports/funnel", admin_token, query={"period": "2026-03"}).json()
    assert by_dates["meta"]["period"] == "2026-03" and by_dates["rows"] == by_label["rows"]


@pytest.mark.django_db
@pytest.mark.parametrize("query, field", [({"from": "2026-13-01"}, "from"), ({"period": "March"}, "period"),
                                          ({"owner": "nobody-here"}, "owner"), ({"from": "2026-03-05", "to": "2026-03-01"}, "to")])
def test_a_bad_filter_is_refused_naming_the_field(db, api, admin_token, query, field):
    response = api("GET", "/reports/funnel", admin_token, query=query)
    assert response.status_code == 422
    assert response.json()["field"] == field


@pytest.mark.django_db
def test_the_cli_refuses_a_bad_period_with_a_clear_message(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--period"):
        _cli("funnel", "--period", "sometime")


@pytest.mark.django_db
def test_the_cli_table_shows_the_same_entrants_as_the_json(company):
    import json

    data = json.loads(_cli("funnel", "--period", "2026-09", "--json"))
    table = _cli("funnel", "--period", "2026-09")
    sal = next(r for r in data["rows"] if r["stage"] == "sal")
    assert f"{sal['entrants']:,}" in table and "Sales-accepted" in table


@pytest.mark.django_db
def test_an_unknown_currency_mix_is_refused_rather_than_added_up(company, api, admin_token):
    from tandem.opportunities.models import Opportunity

    Opportunity.objects.filter(pk=Opportunity.objects.filter(outcome="won").order_by("closed_at").last().pk) \
        .update(currency="USD")
    last = Opportunity.objects.filter(currency="USD").get().closed_at
    period = f"{last.year}-{last.month:02d}"
    response = api("GET", "/reports/velocity", admin_token, query={"period": period})
    assert response.status_code == 422 and response.json()["field"] == "currency"
    ok = api("GET", "/reports/velocity", admin_token, query={"period": period, "currency": "USD"})
    assert ok.status_code == 200 and ok.json()["won"] == 1
