"""`tandem lead`: the same rules as the API, from the command line, with back-dating."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def _run(*args) -> dict:
    out = StringIO()
    call_command("lead", *args, stdout=out)
    return json.loads(out.getvalue())


def test_a_back_dated_lead_is_created_and_accepted_at_the_given_instants(make_user, make_account):
    make_user("marketing", username="maria")
    make_user("sdr", username="sven")
    account = make_account()
    lead = _run("create", "--email", "Grace@Example.com", "--first-name", "Grace", "--last-name", "Hopper",
                "--account-id", str(account.pk), "--by", "maria", "--at", "2026-03-02T08:00:00Z")
    assert lead["history"][0]["at"] == "2026-03-02T08:00:00+00:00"
    from tandem.leads.models import Lead

    Lead.objects.filter(pk=lead["id"]).update(score=70)
    moved = _run("move", str(lead["id"]), "--to", "mql", "--by", "maria", "--at", "2026-03-02T09:00:00Z")
    accepted = _run("act", str(lead["id"]), "accept", "--by", "sven", "--at", "2026-03-02T10:30:00+01:00")
    assert moved["stage"] == "mql" and accepted["stage"] == "tal" and accepted["owner"] == "sven"
    assert accepted["history"][-1]["at"] == "2026-03-02T09:30:00+00:00"


def test_a_refused_move_names_the_field_and_exits_with_an_error(make_lead, make_user):
    make_user("sdr", username="omar")
    lead = make_lead("mql")
    with pytest.raises(CommandError, match="reason_code: a reason code is required"):
        call_command("lead", "act", str(lead.pk), "reject", "--by", "omar")


def test_an_event_in_the_future_is_refused(make_lead, make_user):
    make_user("sdr", username="lina")
    lead = make_lead("mql")
    with pytest.raises(CommandError, match="in the future"):
        call_command("lead", "act", str(lead.pk), "accept", "--by", "lina", "--at", "2099-01-01T00:00:00Z")
