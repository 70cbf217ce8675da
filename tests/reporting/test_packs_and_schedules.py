"""The packs go out through SMTP on the admin's schedule, once per period, as HTML with the tables in CSV."""

from __future__ import annotations

import email
import socket
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - the aiosmtpd handler name
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()


@pytest.mark.django_db
def test_the_weekly_pack_goes_once_to_both_teams_with_its_tables_as_csv(company, smtp):
    from tandem.people.models import User
    from tandem.reporting.models import PackDelivery
    from tandem.reporting.packs import packs_send_due
    from tandem.reporting.services import schedule_update

    User.objects.filter(username__in=("maria", "julia")).update(email="team@example.com")
    schedule_update(kind="weekly", by=User.objects.get(username="rita"), weekday=3, hour_utc=7,
                    teams=["marketing", "sales"], extra_recipients="board@example.com")
    # before Thursday 07:00 nothing is due; after it, last week's pack goes out once
    assert packs_send_due(at=datetime(2026, 10, 1, 6, 59, tzinfo=UTC)) == []
    sent = packs_send_due(at=datetime(2026, 10, 1, 7, 0, tzinfo=UTC))
    assert packs_send_due(at=datetime(2026, 10, 1, 9, 0, tzinfo=UTC)) == []
    assert [d.period for d in sent] == ["2026-W39"] and sent[0].status == "sent"
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert "board@example.com" in recipients and any(r.endswith("tandem-demo.example") for r in recipients)
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "Weekly pipeline review" in message["Subject"] and "2026-W39" in message["Subject"]
    html = parts["text/html"].get_payload(decode=True).decode()
    assert "Funnel and drop-off" in html and "Pipeline velocity" in html
    attachments = [p.get_filename() for p in message.walk() if p.get_filename()]
    assert "funnel-rows.csv" in attachments
    assert PackDelivery.objects.get().csv["funnel-rows.csv"].startswith("stage,name,entrants")


@pytest.mark.django_db
def test_without_smtp_the_pack_is_kept_and_says_why(company, settings):
    from tandem.reporting.services import pack_send_now

    settings.EMAIL_HOST = ""
    delivery = pack_send_now(kind="monthly", period="2026-09", by=None)
    assert delivery.status == "stored" and "EMAIL_HOST" in delivery.error
    assert "Goals and the reverse waterfall" in delivery.html


@pytest.mark.django_db
def test_the_quarterly_pack_csv_matches_the_report_csv(company, settings):
    from tandem.core.periods import parse_period
    from tandem.reporting.filters import ReportFilter
    from tandem.reporting.packs import pack_build
    from tandem.reporting.selectors import report_data
    from tandem.reporting.serialize import table_csv, tables

    pack = pack_build(kind="quarterly", period=parse_period("2026-Q3"))
    data = report_data("velocity", ReportFilter.build(period=parse_period("2026-Q3")))
    (_, header, rows), = tables(data)
    assert pack.csv["velocity-summary.csv"] == table_csv(header, rows)


@pytest.mark.django_db
def test_only_the_admin_sets_a_schedule(db, users):
    from django.core.exceptions import PermissionDenied

    from tandem.reporting.services import schedule_update

    with pytest.raises(PermissionDenied):
        schedule_update(kind="weekly", by=users["manager"], enabled=False)
    assert schedule_update(kind="weekly", by=users["admin"], enabled=False).enabled is False


@pytest.mark.django_db
def test_the_packs_page_shows_schedules_to_everyone_and_forms_to_the_admin(db, client, users):
    client.force_login(users["sales"])
    page = client.get("/reporting/packs/")
    assert page.status_code == 200 and b"schedule_save" not in page.content
    client.force_login(users["admin"])
    assert b'name="hour_utc"' in client.get("/reporting/packs/").content
