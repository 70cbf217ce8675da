"""Importing accounts, touchpoints, opportunities and merges: natural keys, original dates, bad rows by line."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tandem.accounts.models import Account
from tandem.campaigns.services import campaign_create
from tandem.imports.kinds import merges
from tandem.leads.models import Lead
from tandem.opportunities.models import Opportunity
from tandem.touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def contacts(run_import):
    return run_import("hubspot_contacts.csv", "leads", preset="hubspot", timezone="Europe/Berlin")


def test_hubspot_companies_become_accounts_keyed_by_domain(run_import, issues):
    job = run_import("hubspot_companies.csv", "accounts", preset="hubspot", timezone="Europe/Berlin")
    assert (job.rows_ok, job.rows_skipped, job.rows_failed) == (2, 1, 1)
    assert issues(job) == [(4, "skipped", "domain"), (5, "error", "name")]
    navy = Account.objects.get(domain="navy.example")
    assert (navy.name, navy.employees, navy.segment, navy.country) == ("US Navy Labs", 25000, "enterprise", "US")
    assert navy.created_at == datetime(2023, 9, 2, 6, tzinfo=UTC)


def test_touchpoints_keep_their_original_instant_and_join_their_campaign(contacts, run_import, issues):
    webinar = campaign_create(by=None, name="Spring webinar", type="webinar", channel="webinar")
    search = campaign_create(by=None, name="Spring search", type="paid search", channel="paid_click",
                             utm_campaign="spring-search")
    job = run_import("touchpoints.csv", "touchpoints")

    assert (job.rows_ok, job.rows_failed) == (4, 2)
    assert issues(job) == [(5, "error", "lead_email"), (6, "error", "channel"), (7, "warning", "campaign")]
    ada = Lead.objects.get(email_normalized="ada@analytical.example")
    click = Touchpoint.objects.get(lead=ada, channel="paid_click")
    assert (click.campaign, click.occurred_at, click.click_ids) == (search, datetime(2024, 1, 5, 8, tzinfo=UTC),
                                                                     {"gclid": "Cj0KCQ123"})
    assert click.recorded_at > click.occurred_at and click.source == "import"
    assert click.external_id == f"{job.sha256}:3"
    assert Touchpoint.objects.get(lead=ada, channel="webinar").campaign == webinar
    form = Touchpoint.objects.get(channel="form_fill")
    assert (form.occurred_at, form.properties, form.account_id) == (datetime(2023, 11, 1, 11, tzinfo=UTC),
                                                                     {"form": "contact-us"}, form.lead.account_id)
    assert job.days_touched == ["2023-11-01", "2024-01-05", "2024-01-20", "2024-02-10"]


def test_touchpoints_of_a_file_are_never_recorded_twice(contacts, run_import, tmp_path):
    first = run_import("touchpoints.csv", "touchpoints")
    copy = tmp_path / "touchpoints.csv"
    copy.write_bytes(first.file_path and open(first.file_path, "rb").read())
    again = run_import(copy, "touchpoints")
    assert again.pk == first.pk  # the same bytes: the same job, already done
    assert Touchpoint.objects.count() == 4


def test_salesforce_opportunities_come_with_amounts_dates_and_outcomes(run_import, issues):
    run_import("salesforce_leads.csv", "leads", preset="salesforce", timezone="America/Los_Angeles",
               mapping={"Lead Status": None})
    job = run_import("salesforce_opportunities.csv", "opportunities", preset="salesforce",
                     timezone="America/Los_Angeles")
    assert (job.rows_ok, job.rows_failed) == (3, 1)
    assert issues(job, "error") == [(5, "error", "amount")]
    won = Opportunity.objects.get(name="Apollo Guidance - Platform")
    assert (won.amount, won.currency, won.outcome, won.stage) == (Decimal("120000.00"), "USD", "won", "closed")
    assert (won.created_at, won.closed_at) == (datetime(2024, 5, 20, 7, tzinfo=UTC), datetime(2024, 6, 28, 7, tzinfo=UTC))
    assert won.lead.email_normalized == "margaret@apollo.example"
    assert won.account.name == "Apollo Guidance Inc"
    lost = Opportunity.objects.get(name="W3 Consortium - Pilot")
    assert (lost.outcome, lost.reason_code, lost.amount) == ("lost", "Price", Decimal("18500.50"))
    assert issues(job, "warning") == [(3, "warning", "reason_code")]  # "Price" is not a reason code of the taxonomy
    open_deal = Opportunity.objects.get(name="Frequency Hopping - Expansion")
    assert (open_deal.outcome, open_deal.stage, open_deal.expected_close_date, open_deal.closed_at) == (
        "open", "negotiation", date(2024, 9, 30), None)


def test_an_opportunity_history_export_moves_the_opportunitys_lead(run_import):
    run_import("salesforce_leads.csv", "leads", preset="salesforce", timezone="America/Los_Angeles",
               mapping={"Lead Status": None})
    run_import("salesforce_opportunities.csv", "opportunities", preset="salesforce", timezone="America/Los_Angeles")
    job = run_import("salesforce_opportunity_history.csv", "stage-history", preset="salesforce",
                     timezone="America/Los_Angeles")
    margaret = Lead.objects.get(email_normalized="margaret@apollo.example")
    assert [(e.to_stage, e.historical) for e in margaret.stage_events.order_by("occurred_at")] == [
        ("inquiry", False), ("opportunity", True), ("won", False)]
    assert (margaret.stage, margaret.stage_entered_at) == ("won", datetime(2024, 6, 28, 22, 30, tzinfo=UTC))
    assert job.counts["rows_not_stage_changes"] == 2


def test_opportunities_are_not_imported_twice_from_another_file(run_import, tmp_path):
    run_import("salesforce_leads.csv", "leads", preset="salesforce", timezone="America/Los_Angeles")
    first = run_import("salesforce_opportunities.csv", "opportunities", preset="salesforce",
                       timezone="America/Los_Angeles")
    count = Opportunity.objects.count()
    other = tmp_path / "again.csv"  # the same rows with Windows line ends: another file
    other.write_bytes(open(first.file_path, "rb").read().replace(b"\n", b"\r\n") + b"\r\n")
    job = run_import(other, "opportunities", preset="salesforce", timezone="America/Los_Angeles")
    assert job.pk != first.pk
    assert Opportunity.objects.count() == count == 3
    assert (job.rows_ok, job.rows_skipped, job.rows_failed) == (0, 4, 1)  # 3 known, 1 blank line; 1 bad amount


def test_merges_wait_for_the_identity_service_and_resume_once_it_is_there(contacts, run_import, tmp_path,
                                                                         monkeypatch, issues):
    from tandem.leads.services import LeadData, lead_create

    lead_create(data=LeadData(email="ada.duplicate@analytical.example"), by=None)
    monkeypatch.setattr(merges, "merge_service", lambda: None)

    # given no identity service: the job waits before the first merge, reporting each row
    job = run_import("merges.csv", "merges")
    assert (job.status, job.checkpoint_line, job.rows_waiting) == ("waiting", 1, 1)
    assert issues(job) == [(2, "waiting", "")]
    assert "identity service" in job.issues.get(line=2).message

    # when the service exists and the job runs again
    merged = []

    def lead_merge(*, survivor, loser, by, at=None):
        Lead.objects.filter(pk=loser.pk).update(merged_into=survivor)
        merged.append((loser.email, survivor.email, at))

    monkeypatch.setattr(merges, "merge_service", lambda: lead_merge)
    job = run_import("merges.csv", "merges")

    # then it merges, reports the unknown lead by line, and no longer waits
    assert job.status == "done"
    assert merged == [("ada.duplicate@analytical.example", "ada@analytical.example",
                       datetime(2024, 4, 2, 10, tzinfo=UTC))]
    assert issues(job) == [(3, "error", "loser_email")]
    assert (job.rows_ok, job.rows_failed, job.rows_waiting) == (1, 1, 0)


def test_a_touchpoint_already_recorded_under_the_files_natural_key_is_skipped(contacts, run_import):
    from tandem.imports.files import fingerprint
    from tests.imports.conftest import FIXTURES

    sha, _ = fingerprint(FIXTURES / "touchpoints.csv")
    ada = Lead.objects.get(email_normalized="ada@analytical.example")
    Touchpoint.objects.create(lead=ada, channel="webinar", occurred_at=datetime(2024, 1, 20, 16, tzinfo=UTC),
                              source="import", external_id=f"{sha}:2")  # as if line 2 were already in
    job = run_import("touchpoints.csv", "touchpoints")
    assert (job.rows_ok, job.rows_skipped) == (3, 1)
    assert Touchpoint.objects.filter(lead=ada, channel="webinar").count() == 1


def test_merges_are_carried_out_by_the_identity_service_at_their_original_instant(contacts, run_import):
    from tandem.leads.services import LeadData, lead_create

    duplicate = lead_create(data=LeadData(email="ada.duplicate@analytical.example"), by=None)
    job = run_import("merges.csv", "merges")
    duplicate.refresh_from_db()
    ada = Lead.objects.get(email_normalized="ada@analytical.example")
    assert (job.status, job.rows_ok, job.rows_failed) == ("done", 1, 1)
    assert duplicate.merged_into_id == ada.pk
    assert job.days_touched == ["2024-04-02"]
