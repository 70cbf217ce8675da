"""A small company with history for the reporting tests: the demo generator's ledger (recycles, re-entries,
won and lost deals) plus campaigns and first touches, so every dimension has values."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

UNTIL = datetime(2026, 10, 1, tzinfo=UTC)
NOW = datetime(2026, 10, 1, 12, tzinfo=UTC)


@pytest.fixture
def now():
    from tandem import clock

    with clock.at_instant(NOW):
        yield NOW


@pytest.fixture
def company(db, now):
    """The demo company with 360 leads over 15 months, two campaigns and touches on most leads."""
    from tandem.campaigns.models import Campaign
    from tandem.demo.loader import demo_load
    from tandem.leads.models import Lead
    from tandem.touchpoints.models import Touchpoint

    demo_load(seed=11, leads=360, until=UNTIL)
    spring = Campaign.objects.create(name="Spring webinar", type="webinar", channel="webinar",
                                     actual_cost=Decimal("12000.00"), starts_on=datetime(2026, 3, 1).date(),
                                     ends_on=datetime(2026, 5, 31).date())
    fair = Campaign.objects.create(name="Trade fair", type="event", channel="event", actual_cost=Decimal("30000.00"),
                                   starts_on=datetime(2026, 6, 1).date(), ends_on=datetime(2026, 6, 3).date())
    rng = random.Random(5)
    touches = []
    for lead in Lead.objects.order_by("id").only("id", "created_at"):
        if rng.random() < 0.2:
            continue
        campaign = rng.choice([spring, fair, None])
        channel = campaign.channel if campaign else rng.choice(["web_visit", "paid_click", "referral"])
        touches.append(Touchpoint(lead_id=lead.pk, channel=channel, campaign=campaign,
                                  occurred_at=lead.created_at - timedelta(hours=rng.randint(1, 72)),
                                  recorded_at=lead.created_at, source="demo"))
    Touchpoint.objects.bulk_create(touches)
    return {"spring": spring, "fair": fair}


@pytest.fixture(autouse=True)
def _fresh_ledger_cache():
    """Each test starts without the process's held ledger (databases are rolled back between tests)."""
    from tandem.reporting.ledger_cache import forget

    forget()
    yield
    forget()
