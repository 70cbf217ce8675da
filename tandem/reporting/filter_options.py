"""The choices the report filters offer: values found in the rollups, campaigns, people and quick periods."""

from __future__ import annotations

from typing import Any

from tandem import clock
from tandem.accounts.models import Segment
from tandem.campaigns.models import Campaign
from tandem.core.periods import Period
from tandem.core.roles import TEAM_NAMES
from tandem.people.models import User
from tandem.reporting.models import StageRollup
from tandem.reporting.reads import active_generation
from tandem.touchpoints.choices import Channel


def _values(dimension: str) -> list[str]:
    return sorted(v for v in StageRollup.objects.filter(generation=active_generation(), dimension=dimension)
                  .values_list("value", flat=True).distinct() if v)


def filter_options() -> dict[str, Any]:
    return {
        "segments": Segment.choices,
        "sources": _values("source"),
        "countries": _values("country"),
        "channels": Channel.choices,
        "campaigns": list(Campaign.objects.order_by("name").values_list("id", "name")),
        "owners": list(User.objects.filter(is_active=True, role__in=("marketing", "sdr", "sales", "manager"))
                       .order_by("username").values_list("id", "username")),
        "teams": [(k, v) for k, v in TEAM_NAMES.items() if k != "management"],
        "origins": [("mgl", "MGL"), ("tgl", "TGL"), ("sgl", "SGL")],
    }


def quick_periods() -> list[tuple[str, str]]:
    """(label, title) of the periods people pick most: this and last month, quarter, year, week."""
    now = clock.now()
    month, quarter, year = (Period.of(k, now) for k in ("month", "quarter", "year"))
    week = Period.of("week", now)
    return [(month.label, "This month"), (month.previous().label, "Last month"), (quarter.label, "This quarter"),
            (quarter.previous().label, "Last quarter"), (year.label, "This year"), (week.label, "This week"),
            (week.previous().label, "Last week")]
