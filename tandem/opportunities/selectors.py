from __future__ import annotations

from django.db.models import QuerySet

from tandem.opportunities.models import Opportunity


def opportunity_list(*, outcome: str | None = None, owner_id: int | None = None, account_id: int | None = None,
                     after_id: int | None = None) -> QuerySet[Opportunity]:
    opportunities = Opportunity.objects.select_related("account", "owner", "lead")
    filters = {"outcome": outcome, "owner_id": owner_id, "account_id": account_id}
    opportunities = opportunities.filter(**{k: v for k, v in filters.items() if v})
    if after_id:
        opportunities = opportunities.filter(id__lt=after_id)
    return opportunities.order_by("-id")
