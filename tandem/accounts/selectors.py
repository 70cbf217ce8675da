from __future__ import annotations

from django.db.models import QuerySet

from tandem.accounts.models import Account


def account_list(*, q: str | None = None, owner_id: int | None = None, after_id: int | None = None) -> QuerySet[Account]:
    accounts = Account.objects.filter(merged_into__isnull=True).select_related("owner")
    if q:
        accounts = accounts.filter(name__istartswith=q.strip())
    if owner_id:
        accounts = accounts.filter(owner_id=owner_id)
    if after_id:
        accounts = accounts.filter(id__lt=after_id)
    return accounts.order_by("-id")
