"""A small hand-built ledger in Q1 2026 whose credit under each model is worked out by hand in the tests.

    lead A  created 10 Jan 10:00 (answer "Google ad")
            paid_click 5 Jan (campaign "Spring ads") · web_visit 8 Jan · form_fill 10 Jan 10:00 ·
            self_reported 10 Jan 10:00 · email_click 20 Jan · webinar 1 Feb · event 20 Feb
            opportunity A1 created 10 Feb, 1000.00, won 15 Mar
    lead B  created 1 Feb 09:00 (answer "Met you at a conference")
            event 25 Jan · form_fill 1 Feb 09:00
            opportunity B1 created 1 Mar, 500.00, open
    lead C  created 15 Dec 2025 (no answer)
            email_click 15 Jan · call by a rep 16 Jan · webinar 10 Feb        (no opportunity)
    lead D  created 5 Mar, no touch (answer "A colleague")
    opportunity E created 10 Mar, 200.00, without a lead
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest


def at(month: int, day: int, hour: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def ledger(db, make_account, make_user):
    from tandem.campaigns.services import campaign_create
    from tandem.leads.services import LeadData, lead_create
    from tandem.opportunities.services import opportunity_close, opportunity_create, opportunity_reasons
    from tandem.touchpoints.services import touchpoint_record

    account = make_account(segment="mid")
    other = make_account(segment="smb")
    rep = make_user("sdr")
    seller = make_user("sales")
    spring = campaign_create(by=None, name="Spring ads", type="paid search", channel="paid_click")

    def lead(name, created, answer="", account=account):
        return lead_create(data=LeadData(email=f"{name}@example.com", last_name=name, account_id=account.pk,
                                         self_reported_source=answer), at=created)

    a = lead("a", at(1, 10, 10), "Google ad")
    b = lead("b", at(2, 1, 9), "Met you at a conference")
    c = lead("c", at(12, 15, year=2025))
    d = lead("d", at(3, 5), "A colleague", account=other)

    def touch(who, channel, when, **extra):
        return touchpoint_record(lead=who, channel=channel, occurred_at=when, **extra)

    touch(a, "paid_click", at(1, 5), campaign=spring)
    touch(a, "web_visit", at(1, 8))
    touch(a, "form_fill", at(1, 10, 10))
    touch(a, "self_reported", at(1, 10, 10), content_item="Google ad")
    touch(a, "email_click", at(1, 20))
    touch(a, "webinar", at(2, 1))
    touch(a, "event", at(2, 20))
    touch(b, "event", at(1, 25))
    touch(b, "form_fill", at(2, 1, 9))
    touch(c, "email_click", at(1, 15))
    touch(c, "call", at(1, 16), actor=rep)
    touch(c, "webinar", at(2, 10))
    a1 = opportunity_create(by=seller, account=account, lead=a, name="A1", amount="1000.00", at=at(2, 10))
    opportunity_create(by=seller, account=account, lead=b, name="B1", amount="500.00", at=at(3, 1))
    opportunity_create(by=seller, account=account, name="E", amount="200.00", at=at(3, 10))
    opportunity_close(opportunity=a1, outcome="won", reason_code=opportunity_reasons("won")[0], by=seller,
                      at=at(3, 15))
    return {"a": a, "b": b, "c": c, "d": d, "spring": spring, "rep": rep, "total_pipeline": Decimal("1700.00")}


@pytest.fixture
def report():
    """report(level, dimension="channel", **options) -> the payload, computed through the cache."""
    from tandem.attribution.query import attribution_query
    from tandem.attribution.services import attribution_result

    def run(level: str, dimension: str = "channel", **options):
        options.setdefault("period", "2026-Q1")
        options.setdefault("models", "first_touch,last_touch,linear,w_shaped,full_path,markov")
        return attribution_result(query=attribution_query(level=level, dimension=dimension, **options)).payload

    return run


def credit(payload: dict, model: str, what: str = "conversions") -> dict[str, object]:
    """{row key: credit} of one model, leaving out rows with none."""
    out = {}
    for row in payload["rows"]:
        value = row["credit"][model][what]
        if (Decimal(value) if what == "value" else value) != 0:
            out[row["key"]] = Decimal(value) if what == "value" else value
    return out
