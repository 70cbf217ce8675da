"""Merging two accounts: leads, deals and touches move to the survivor; the loser points at it."""

import pytest
from django.apps import apps
from django.db import models

pytestmark = pytest.mark.django_db


def _merge(survivor, loser, by):
    from tandem.identity.services import account_merge

    return account_merge(survivor=survivor, loser=loser, by=by)


def test_leads_opportunities_and_touchpoints_move_to_the_survivor_and_nothing_points_at_the_loser(
        make_account, lead_with_history, users):
    from tandem.accounts.models import Account

    survivor, loser = make_account(name="Acme"), make_account(name="ACME Inc.")
    lead_with_history(account=survivor)
    moving = lead_with_history(account=loser)
    result = _merge(survivor, loser, users["manager"])
    assert moving.__class__.objects.get(pk=moving.pk).account_id == survivor.pk
    assert result.moved["leads.Lead"] == 1 and result.moved["opportunities.Opportunity"] == 1
    assert result.moved["touchpoints.Touchpoint"] == 2
    for related in apps.get_models():
        for field in related._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is Account:
                assert not related._base_manager.filter(**{field.attname: loser.pk}).exists(), related
    assert Account.objects.get(pk=loser.pk).merged_into_id == survivor.pk


def test_the_survivor_takes_the_losers_domain_when_it_has_none(make_account, users):
    from tandem.accounts.models import Account

    survivor = make_account(name="Acme", domain="", industry="")
    loser = make_account(name="Acme", domain="acme.example", industry="Energy")
    result = _merge(survivor, loser, users["admin"])
    assert (result.survivor.domain, result.survivor.industry) == ("acme.example", "Energy")
    assert Account.objects.get(pk=loser.pk).domain == ""


def test_a_delivery_for_the_losers_domain_lands_on_the_survivor(make_account, users, settings):
    from tandem.intake.services import Submission, intake_receive

    survivor, loser = make_account(domain="acme.example"), make_account(domain="acme-group.example")
    _merge(survivor, loser, users["admin"])
    result = intake_receive(submission=Submission(email="kim@acme-group.example", domain="acme-group.example"),
                            source="webhook")
    assert result.lead.account_id == survivor.pk


def test_merging_accounts_is_audited(make_account, users):
    from tandem.audit.models import AuditEntry

    survivor, loser = make_account(), make_account()
    _merge(survivor, loser, users["marketing"])
    entry = AuditEntry.objects.get(action="account.merge")
    assert (entry.object_id, entry.changes["merged_account"]) == (str(survivor.pk), [None, loser.pk])
    assert AuditEntry.objects.filter(action="account.merged_into", object_id=str(loser.pk)).exists()


def test_a_stale_account_version_is_refused(make_account, users):
    from tandem.leads.errors import StaleVersion

    survivor, loser = make_account(), make_account()
    loser.version = 7
    with pytest.raises(StaleVersion):
        _merge(survivor, loser, users["admin"])
