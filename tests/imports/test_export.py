"""Exports: the lists as CSV, guarded against formula injection, and an export imports back unchanged."""

import csv
import io

import pytest

from tandem.accounts.models import Account
from tandem.leads.models import Assignment, Lead, Note, StageEvent
from tandem.leads.services import LeadData, lead_create, lead_update
from tandem.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db
LEAD_FIELDS = ("email", "first_name", "last_name", "phone", "title", "country", "source", "self_reported_source",
               "origin", "stage", "stage_entered_at", "score", "consent_status", "lawful_basis", "created_at")


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://evil.example\")", "+49 30 123", "-2+3", "@SUM(A1:A9)",
                                     "\tindented", "\rreturn"])
def test_a_cell_a_spreadsheet_would_run_is_exported_with_a_leading_quote(api, tokens, make_account, payload):
    account = make_account(name=payload)
    lead_create(data=LeadData(email="eve@example.com", first_name=payload, title=payload, account_id=account.pk),
                by=None)
    row = _csv(api("GET", "/leads/export.csv", tokens["admin"]["read"]))[0]
    assert row["first_name"] == row["title"] == row["company"] == "'" + payload
    accounts = _csv(api("GET", "/accounts/export.csv", tokens["admin"]["read"]))
    assert accounts[0]["name"] == "'" + payload


def test_an_ordinary_cell_is_exported_as_it_is(api, tokens):
    lead_create(data=LeadData(email="o'brien@example.com", last_name="O'Brien = honest", country="IE"), by=None)
    row = _csv(api("GET", "/leads/export.csv", tokens["admin"]["read"]))[0]
    assert (row["email"], row["last_name"], row["country"]) == ("o'brien@example.com", "O'Brien = honest", "IE")


def test_the_lead_export_applies_the_lead_lists_filters_and_visibility(api, tokens, make_lead):
    mql, sal = make_lead("mql"), make_lead("sal")
    everyone = _csv(api("GET", "/leads/export.csv", tokens["marketing"]["read"]))
    assert {r["email"] for r in everyone} == {mql.email, sal.email}
    only_mql = _csv(api("GET", "/leads/export.csv", tokens["marketing"]["read"], query={"stage": "mql"}))
    assert [r["email"] for r in only_mql] == [mql.email]
    sales_queue = _csv(api("GET", "/leads/export.csv", tokens["sales"]["read"]))  # sales does not see MQLs
    assert [r["email"] for r in sales_queue] == [sal.email]


def _snapshot() -> list[tuple]:
    return sorted((*(getattr(lead, f) for f in LEAD_FIELDS), lead.account.name if lead.account else "",
                   lead.account.domain if lead.account else "", lead.owner.username if lead.owner else "")
                  for lead in Lead.objects.select_related("account", "owner"))


def test_an_export_of_leads_imports_into_an_empty_database_as_the_same_rows(api, tokens, make_lead, make_user,
                                                                          run_import, tmp_path):
    # given leads in several stages, with formula-like values, an owner and consent
    make_lead("mql")
    make_lead("tal")
    make_lead("inquiry", email="weird@example.com", source="=cmd|' /C calc'!A0", self_reported_source="@twitter")
    lead = make_lead("aql")
    owner = make_user("sales", username="julia")
    Lead.objects.filter(pk=lead.pk).update(owner=owner)
    lead_update(lead=Lead.objects.get(pk=lead.pk), changes={"consent_status": "granted", "lawful_basis": "consent"},
                by=None)
    before = _snapshot()
    exported = tmp_path / "leads.csv"
    response = api("GET", "/leads/export.csv", tokens["admin"]["read"])
    exported.write_bytes(b"".join(response.streaming_content))

    # when the database is emptied and the export imported
    for model in (StageEvent, Assignment, Note, Opportunity, Lead, Account):
        model.objects.all().delete()
    job = run_import(exported, "leads")

    # then the same leads are there, field for field
    assert (job.rows_ok, job.rows_failed, job.rows_skipped) == (4, 0, 0)
    assert _snapshot() == before


def test_the_export_command_writes_any_list(make_lead, tmp_path):
    from django.core.management import call_command

    make_lead("mql")
    out = tmp_path / "opps.csv"
    call_command("export", "--kind", "leads", "--filter", "stage=mql", "--output", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["stage"] for r in rows] == ["mql"]
    call_command("export", "--kind", "campaigns", "--output", str(out))
    assert out.read_text().startswith("id,name,type,channel")


def test_touchpoints_export_only_those_of_leads_the_user_may_see(api, tokens, make_lead):
    from datetime import UTC, datetime

    from tandem.touchpoints.models import Touchpoint

    mql, sal = make_lead("mql"), make_lead("sal")
    for lead in (mql, sal):
        Touchpoint.objects.create(lead=lead, channel="webinar", occurred_at=datetime(2024, 1, 1, tzinfo=UTC),
                                  properties={"room": "=A1"})
    rows = _csv(api("GET", "/touchpoints/export.csv", tokens["sales"]["read"]))
    assert [(r["lead_email"], r["channel"]) for r in rows] == [(sal.email, "webinar")]
    assert rows[0]["properties"] == '{"room": "=A1"}'
    assert len(_csv(api("GET", "/touchpoints/export.csv", tokens["marketing"]["read"]))) == 2
