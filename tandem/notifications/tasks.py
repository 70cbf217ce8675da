"""Background deliveries: one attempt per task; the periodic job catches whatever is due."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver(delivery_id: int) -> str | None:
    from tandem.notifications.services import delivery_attempt

    return delivery_attempt(delivery_id=delivery_id)


@task()
def retry_due() -> int:
    from tandem.notifications.services import deliveries_retry_due

    return deliveries_retry_due()
