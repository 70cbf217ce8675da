"""The meeting-cadence packs: a weekly pipeline review, a monthly pack and a quarterly business review.

A pack covers the last complete UTC period of its kind (the week, month or quarter before the one
being sent in) and holds the same reports the API and the CLI give, rendered as HTML with one CSV
per table. The admin's `ReportSchedule` says when each goes out and to which teams; the worker's
periodic job sends each period's pack once (a unique row per kind, period and segment).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from tandem import clock
from tandem.core.periods import Period
from tandem.leads.errors import LeadInvalid
from tandem.people.models import User
from tandem.reporting.choices import PackKind
from tandem.reporting.filters import ReportFilter
from tandem.reporting.models import PackDelivery, ReportSchedule
from tandem.reporting.selectors import report_data
from tandem.reporting.serialize import table_csv, tables

logger = logging.getLogger(__name__)

KIND_PERIOD = {PackKind.WEEKLY: "week", PackKind.MONTHLY: "month", PackKind.QUARTERLY: "quarter"}
#: (report, title) per pack, in the order they appear.
SECTIONS = {
    PackKind.WEEKLY: (("funnel", "Funnel and drop-off"), ("velocity", "Pipeline velocity"),
                      ("coverage", "Pipeline coverage"), ("sla", "SLA compliance and speed to lead"),
                      ("reasons", "Rejection, recycle and win/loss reasons")),
    PackKind.MONTHLY: (("funnel", "Funnel and drop-off"), ("conversion", "Conversion by monthly cohort"),
                       ("velocity", "Pipeline velocity"), ("coverage", "Pipeline coverage"),
                       ("goals", "Goals and the reverse waterfall"), ("sourcing", "Sourced and influenced"),
                       ("sla", "SLA compliance and speed to lead"), ("reasons", "Reasons")),
    PackKind.QUARTERLY: (("funnel", "Funnel and drop-off"), ("conversion", "Conversion by monthly cohort"),
                         ("time-in-stage", "Time in stage"), ("velocity", "Pipeline velocity"),
                         ("coverage", "Pipeline coverage"), ("goals", "Goals and the reverse waterfall"),
                         ("sourcing", "Sourced and influenced"), ("economics", "CAC, CLV and campaign ROI"),
                         ("sla", "SLA compliance and speed to lead"), ("reasons", "Reasons")),
}


def pack_period(kind: str, at: datetime) -> Period:
    """The last complete period of the pack's kind before `at`."""
    return Period.of(KIND_PERIOD[kind], at).previous()


def send_instant(schedule: ReportSchedule, period: Period) -> datetime:
    """When the pack for `period` is due: the schedule's weekday (weekly) or day of month after the period ends."""
    end = period.end
    if schedule.kind == PackKind.WEEKLY:
        day = end + timedelta(days=(schedule.weekday - end.weekday()) % 7)
    else:
        day = end.replace(day=schedule.day_of_month)
    return day.replace(hour=schedule.hour_utc)


@dataclass(frozen=True)
class Pack:
    kind: str
    period: Period
    segment: str
    html: str
    csv: dict[str, str]


def pack_build(*, kind: str, period: Period, segment: str = "") -> Pack:
    """Every section's report for the period, as one HTML document and one CSV per table."""
    f = ReportFilter.build(period=period, segment=segment or None)
    sections, files = [], {}
    for name, title in SECTIONS[kind]:
        try:
            data = report_data(name, f)
        except LeadInvalid as exc:  # e.g. deals in several currencies: the section says why it is missing
            sections.append({"name": name, "title": title, "data": {}, "tables": [], "problem": str(exc)})
            continue
        found = tables(data)
        shown = [(table, header, [list(zip(row, header, strict=True)) for row in rows]) for table, header, rows in found]
        sections.append({"name": name, "title": title, "data": data, "tables": shown, "problem": ""})
        for table, header, rows in found:
            files[f"{name}-{table.replace('.', '-')}.csv"] = table_csv(header, rows)
    html = render_to_string("reporting/pack.html", {
        "kind": PackKind(kind).label, "period": period, "segment": segment, "sections": sections,
        "generated": clock.now(), "base_url": getattr(settings, "TANDEM_BASE_URL", ""), "query": f.query()})
    return Pack(kind, period, segment, html, files)


def recipients_for(schedule: ReportSchedule) -> list[str]:
    people = User.objects.filter(team__in=schedule.teams or ["marketing", "tele", "sales"], is_active=True) \
        .exclude(email="").values_list("email", flat=True)
    extra = [line.strip() for line in schedule.extra_recipients.splitlines() if "@" in line]
    return sorted(set(people) | set(extra))


def pack_deliver(*, kind: str, period: Period, segment: str = "", recipients: list[str]) -> PackDelivery | None:
    """Build and send one period's pack once; None if it was already made (by us or another worker)."""
    pack = pack_build(kind=kind, period=period, segment=segment)
    try:
        with transaction.atomic():
            delivery = PackDelivery.objects.create(kind=kind, period=period.label, segment=segment, html=pack.html,
                                                   csv=pack.csv, recipients=recipients)
    except IntegrityError:
        return None
    return pack_send(delivery=delivery)


def pack_send(*, delivery: PackDelivery) -> PackDelivery:
    """Email a stored pack (HTML body, CSV attachments) through the configured SMTP server."""
    if not delivery.recipients:
        status, error = "stored", "nobody to send it to (no addresses in the chosen teams)"
    elif not getattr(settings, "EMAIL_HOST", ""):
        status, error = "stored", "email is not configured (set EMAIL_HOST); the pack is kept here"
    else:
        title = f"Tandem {PackKind(delivery.kind).label}: {delivery.period}" + \
            (f" ({delivery.segment})" if delivery.segment else "")
        message = EmailMultiAlternatives(title, "This pack is HTML; the tables are attached as CSV.",
                                         settings.DEFAULT_FROM_EMAIL, delivery.recipients)
        message.attach_alternative(delivery.html, "text/html")
        for name, text in sorted(delivery.csv.items()):
            message.attach(name, text, "text/csv")
        try:
            message.send()
            status, error = "sent", ""
        except OSError as exc:
            status, error = "failed", f"{type(exc).__name__}: {exc}"[:500]
            logger.warning("pack %s %s not sent: %s", delivery.kind, delivery.period, exc)
    PackDelivery.objects.filter(pk=delivery.pk).update(status=status, error=error,
                                                       sent_at=clock.now() if status == "sent" else None)
    delivery.refresh_from_db()
    return delivery


def packs_send_due(*, at: datetime | None = None) -> list[PackDelivery]:
    """Send every enabled schedule's pack for its last complete period, once it is due."""
    now = at or clock.now()
    sent = []
    for schedule in ReportSchedule.objects.filter(enabled=True):
        period = pack_period(schedule.kind, now)
        if now < send_instant(schedule, period):
            continue
        if PackDelivery.objects.filter(kind=schedule.kind, period=period.label, segment=schedule.segment).exists():
            continue
        delivery = pack_deliver(kind=schedule.kind, period=period, segment=schedule.segment,
                                recipients=recipients_for(schedule))
        if delivery is not None:
            sent.append(delivery)
    return sent
