"""The dashboard, report and records pages: the same numbers for every role, each linked, in few queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core.roles import ROLES


def _sal_entrants(api, token) -> int:
    rows = api("GET", "/reports/funnel", token, query={"period": "2026-09"}).json()["rows"]
    return next(r["entrants"] for r in rows if r["stage"] == "sal")


@pytest.mark.django_db
def test_every_role_sees_the_same_dashboard_numbers_as_the_api(company, client, users, tokens, api):
    sal = _sal_entrants(api, tokens["readonly"]["read"])
    link = re.compile(r'href="/reporting/records/\?period=2026-09&amp;metric=funnel_entrants&amp;stage=sal">([\d,]+)<')
    for role in ROLES:
        client.force_login(users[role])
        page = client.get("/reporting/", {"period": "2026-09"})
        assert page.status_code == 200
        found = link.search(page.content.decode())
        assert found and int(found.group(1).replace(",", "")) == sal, role


@pytest.mark.django_db
def test_every_number_on_the_dashboard_links_to_its_records_or_its_definition(company, client, users):
    client.force_login(users["manager"])
    html = client.get("/reporting/", {"period": "2026-09"}).content.decode()
    # figures are anchors: a number printed outside a link would be a figure nobody can check
    body = html[html.index('id="dashboard-body"'):]
    numbers_in_links = re.findall(r'<a [^>]*href="/reporting/records/[^"]*"[^>]*>[^<]*\d', body)
    assert len(numbers_in_links) >= 35
    for stage in ("inquiry", "mql", "tal", "sal", "sql", "won"):
        assert f"metric=funnel_entrants&amp;stage={stage}" in body
        assert f"metric=stage_stock&amp;stage={stage}&amp;edge=closing" in body
    assert body.count('href="/definitions/#m-') > 20


@pytest.mark.django_db
def test_the_dashboard_makes_a_bounded_number_of_queries(company, client, users):
    client.force_login(users["marketing"])
    client.get("/reporting/", {"period": "2026-09"})  # the first view fills the caches
    with CaptureQueriesContext(connection) as first:
        client.get("/reporting/", {"period": "2026-09"})
    with CaptureQueriesContext(connection) as filtered:
        client.get("/reporting/", {"period": "2026-09", "segment": "mid"})
        client.get("/reporting/", {"period": "2026-09", "segment": "mid"})
    assert len(first.captured_queries) < 120
    assert len(filtered.captured_queries) < 2 * 200


@pytest.mark.django_db
def test_htmx_filters_get_the_dashboard_body(company, client, users):
    client.force_login(users["sdr"])
    page = client.get("/reporting/", {"period": "2026-09", "segment": "smb"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and b'id="dashboard-body"' in page.content and b"segment smb" in page.content


@pytest.mark.django_db
def test_the_records_page_lists_as_many_rows_as_the_figure(company, client, users, tokens, api):
    sal = _sal_entrants(api, tokens["readonly"]["read"])
    client.force_login(users["sales"])
    page = client.get("/reporting/records/", {"period": "2026-09", "metric": "funnel_entrants", "stage": "sal"})
    html = page.content.decode()
    assert f'<span class="records-count" id="records-count">{sal}</span>' in html
    assert html.count("<tr data-id=") == min(sal, 100)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["funnel", "conversion", "velocity", "coverage", "reasons", "goals", "sla"])
def test_each_report_page_renders_its_tables(company, client, users, name):
    client.force_login(users["readonly"])
    page = client.get(f"/reporting/reports/{name}/", {"period": "2026-Q3"})
    assert page.status_code == 200 and (b"<table" in page.content or b"Nothing to show" in page.content)


@pytest.mark.django_db
def test_the_definitions_page_explains_each_metric_and_the_rules_of_time(db, client, users):
    from tandem.core.definitions import METRICS

    client.force_login(users["readonly"])
    html = client.get("/definitions/").content.decode()
    for m in METRICS:
        assert f'id="m-{m.key}"' in html
    for phrase in ("Periods are UTC", "When a stay starts and ends", "Recycled re-entries", "Merged leads"):
        assert phrase in html


def _aql_on_page(html: str) -> int:
    found = re.search(r'href="/reporting/records/\?period=2026-09&amp;metric=funnel_entrants&amp;stage=aql">([\d,]+)<',
                      html)
    return int(found.group(1).replace(",", ""))


@pytest.mark.django_db
def test_a_costly_dashboard_shows_its_last_figures_marked_while_the_worker_recomputes_them(
        company, client, users, settings, monkeypatch, api, tokens):
    from datetime import UTC, datetime

    from tandem.leads.models import Lead, StageEvent
    from tandem.reporting import dashboard

    settings.TANDEM_DASHBOARD_STALE_SECONDS = 120
    monkeypatch.setattr(dashboard, "STALE_AFTER_MS", 0)  # every dashboard counts as costly here
    monkeypatch.setattr(dashboard, "_refresh_asked", {})
    client.force_login(users["manager"])
    before = _aql_on_page(client.get("/reporting/", {"period": "2026-09"}).content.decode())

    # one new event in September
    lead = Lead.objects.filter(stage="inquiry").order_by("id").first()
    StageEvent.objects.create(lead=lead, from_stage="inquiry", to_stage="aql", action="advance", taxonomy_version=1,
                              occurred_at=datetime(2026, 9, 20, 10, tzinfo=UTC), actor_kind="system")

    # the page shows the last figures, says so, and has the worker (inline in tests) recompute them
    behind = client.get("/reporting/", {"period": "2026-09"}).content.decode()
    assert "figures as of" in behind and _aql_on_page(behind) == before
    fresh = client.get("/reporting/", {"period": "2026-09"}).content.decode()
    assert "figures as of" not in fresh and _aql_on_page(fresh) == before + 1
    # the API never reads behind
    rows = api("GET", "/reports/funnel", tokens["readonly"]["read"], query={"period": "2026-09"}).json()["rows"]
    assert next(r["entrants"] for r in rows if r["stage"] == "aql") == before + 1


@pytest.mark.django_db
def test_the_dashboard_never_reads_behind_when_turned_off_or_after_a_large_change(company, client, users, settings,
                                                                                 monkeypatch):
    from datetime import UTC, datetime

    from tandem.leads.models import Lead, StageEvent
    from tandem.reporting import dashboard

    monkeypatch.setattr(dashboard, "STALE_AFTER_MS", 0)
    monkeypatch.setattr(dashboard, "STALE_MAX_CHANGES", 1)
    client.force_login(users["manager"])
    before = _aql_on_page(client.get("/reporting/", {"period": "2026-09"}).content.decode())
    leads = list(Lead.objects.filter(stage="inquiry").order_by("id")[:3])

    def one_more(lead):
        StageEvent.objects.create(lead=lead, from_stage="inquiry", to_stage="aql", action="advance",
                                  taxonomy_version=1, occurred_at=datetime(2026, 9, 20, 10, tzinfo=UTC),
                                  actor_kind="system")

    one_more(leads[0])  # turned off (the test settings): computed at once
    assert _aql_on_page(client.get("/reporting/", {"period": "2026-09"}).content.decode()) == before + 1
    settings.TANDEM_DASHBOARD_STALE_SECONDS = 120
    one_more(leads[1])
    one_more(leads[2])  # more rows than the bound: computed at once
    page = client.get("/reporting/", {"period": "2026-09"}).content.decode()
    assert "figures as of" not in page and _aql_on_page(page) == before + 3
