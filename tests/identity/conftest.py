"""Identity fixtures: a lead with a full history, to merge."""

from __future__ import annotations

from datetime import timedelta

import pytest


@pytest.fixture
def lead_with_history(make_lead, make_user):
    """A lead with touchpoints, notes, an owner change and an opportunity, besides its stage events."""
    from tandem import clock
    from tandem.leads.services import lead_assign, lead_note_add
    from tandem.opportunities.services import opportunity_create
    from tandem.touchpoints.services import touchpoint_record

    def make(stage: str = "inquiry", **fields):
        lead = make_lead(stage, **fields)
        sdr = make_user("sdr")
        touchpoint_record(lead=lead, channel="web_visit", occurred_at=clock.now() - timedelta(days=3))
        touchpoint_record(lead=lead, channel="call", actor=sdr)
        lead_note_add(lead=lead, body=f"note on {lead.pk}", by=sdr)
        lead_assign(lead=lead, owner=sdr, by=make_user("manager"))
        opportunity_create(by=make_user("sales"), account=lead.account, lead=lead, name=f"Deal {lead.pk}",
                           amount="1000")
        lead.refresh_from_db()
        return lead

    return make
