"""Subscribers get the summary when their unit's year is approved (or on a
date an administrator sets), through a real SMTP server; a server that
refuses or is down loses nothing: the sending is recorded, retried and
delivered once the server takes it, and never twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kpis.aggregation import aggregates_recompute
from kpis.models import (
    MailStatus,
    ReportStatus,
    SendingTrigger,
    SummarySchedule,
    SummarySending,
    YearlyReport,
)
from kpis.services import reports as report_services
from kpis.services.mail import subscription_create, summary_mail_send, summary_mails_due, summary_sending_resend
from tests.factories import put_values
from tests.smtp import attachments, body


def _d1_figures(world, *, postal_status=ReportStatus.APPROVED):
    put_values([(world.bts, world.d1, 2020, 420)])
    put_values([(world.post_offices, world.d1, 2020, 12)], status=postal_status)
    aggregates_recompute()


def _sweep(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return summary_mails_due()


def test_the_summary_goes_out_when_the_last_report_of_the_year_is_approved(
        world, leader, smtp, eager_tasks, django_capture_on_commit_callbacks):
    subscription = subscription_create(user=leader, org_unit=world.d1)
    _d1_figures(world, postal_status=ReportStatus.SUBMITTED)
    assert _sweep(django_capture_on_commit_callbacks) == [] and smtp.messages == []  # postal still waits

    postal = YearlyReport.objects.get(org_unit=world.d1, sector=world.postal, year=2020)
    report_services.report_approve(report=postal, user=world.users.approver)
    assert _sweep(django_capture_on_commit_callbacks) == []  # the figures are being recomputed: wait
    aggregates_recompute()
    _sweep(django_capture_on_commit_callbacks)

    [message] = smtp.messages
    assert message["To"] == "lanhdao@example.gov.vn"
    assert message["Subject"].strip() == "Báo cáo tổng hợp chỉ tiêu chuyển đổi số năm 2020 — Huyện Một"
    [(name, pdf)] = attachments(message)
    assert name == "bao-cao-P-D1-2020.pdf" and pdf.startswith(b"%PDF")
    text = body(message)
    assert "báo cáo tổng hợp các chỉ tiêu chuyển đổi số năm 2020 của huyện Một" in text
    assert "vì đã đăng ký nhận báo cáo tổng hợp của huyện Một trên cổng" in text
    assert "https://chitieu.example.gov.vn/mail/unsubscribe/" in text
    assert message["List-Unsubscribe"].strip().startswith("<https://chitieu.example.gov.vn/mail/unsubscribe/")
    sending = SummarySending.objects.get()
    assert (sending.subscription, sending.year, sending.trigger, sending.status, sending.attempts) == (
        subscription, 2020, SendingTrigger.APPROVED, MailStatus.DELIVERED, 1)

    assert _sweep(django_capture_on_commit_callbacks) == []  # never twice
    assert len(smtp.messages) == 1 and SummarySending.objects.count() == 1


def test_a_year_approved_before_subscribing_waits_for_the_administrators_date(
        world, leader, smtp, eager_tasks, django_capture_on_commit_callbacks):
    _d1_figures(world)
    subscription_create(user=leader, org_unit=world.d1)
    assert _sweep(django_capture_on_commit_callbacks) == [] and smtp.messages == []
    SummarySchedule.objects.create(org_unit=world.d1, year=2020, send_on=timezone.localdate() + timedelta(days=1))
    assert _sweep(django_capture_on_commit_callbacks) == []  # not yet
    SummarySchedule.objects.update(send_on=timezone.localdate())
    _sweep(django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 1
    assert SummarySending.objects.get().trigger == SendingTrigger.SCHEDULED


def _later(django_capture_on_commit_callbacks) -> list[int]:
    """Beat's sweep once the back-off has passed."""
    SummarySending.objects.update(attempted_at=timezone.now() - timedelta(hours=1))
    return _sweep(django_capture_on_commit_callbacks)


def test_a_refused_sending_is_recorded_then_retried_and_delivered_once_the_server_accepts(
        world, leader, smtp, eager_tasks, django_capture_on_commit_callbacks):
    subscription_create(user=leader, org_unit=world.d1)
    _d1_figures(world)
    smtp.refuse(times=1)
    _sweep(django_capture_on_commit_callbacks)
    sending = SummarySending.objects.get()
    assert (sending.status, sending.attempts) == (MailStatus.FAILED, 1)
    assert "SMTPRecipientsRefused" in sending.error and "550" in sending.error and smtp.messages == []
    assert _later(django_capture_on_commit_callbacks) == [sending.pk]
    sending.refresh_from_db()
    assert (sending.status, sending.attempts) == (MailStatus.DELIVERED, 2) and len(smtp.messages) == 1
    assert _later(django_capture_on_commit_callbacks) == [] and len(smtp.messages) == 1  # never twice


def test_a_server_down_for_every_attempt_leaves_the_sending_failed_until_an_administrator_resends_it(
        world, leader, smtp_down, eager_tasks, django_capture_on_commit_callbacks, settings):
    settings.MAIL_RETRY_MAX = 2
    subscription_create(user=leader, org_unit=world.d1)
    _d1_figures(world)
    _sweep(django_capture_on_commit_callbacks)
    assert _later(django_capture_on_commit_callbacks) != []
    assert _later(django_capture_on_commit_callbacks) == []  # attempts used up
    sending = SummarySending.objects.get()
    assert (sending.status, sending.attempts) == (MailStatus.FAILED, 2)
    assert "ConnectionRefusedError" in sending.error
    smtp_down.start()
    with django_capture_on_commit_callbacks(execute=True):
        assert summary_sending_resend(sending=sending)
    sending.refresh_from_db()
    assert sending.status == MailStatus.DELIVERED and len(smtp_down.messages) == 1


def test_a_retry_lost_with_the_broker_is_found_by_the_sweep(
        world, leader, smtp_down, eager_tasks, django_capture_on_commit_callbacks):
    subscription_create(user=leader, org_unit=world.d1)
    _d1_figures(world)
    with django_capture_on_commit_callbacks(execute=False):  # recorded, but the message never reaches a worker
        [sending_id] = summary_mails_due()
    outcome = summary_mail_send(sending_id=sending_id)  # one attempt while the server is down
    assert outcome.sending.status == MailStatus.FAILED and outcome.retry_in == 60
    smtp_down.start()
    assert _later(django_capture_on_commit_callbacks) == [sending_id]
    assert SummarySending.objects.get().status == MailStatus.DELIVERED and len(smtp_down.messages) == 1


def test_a_subscriber_who_lost_the_permission_gets_nothing(
        world, leader, smtp, eager_tasks, django_capture_on_commit_callbacks):
    subscription_create(user=leader, org_unit=world.d1)
    leader.groups.clear()
    _d1_figures(world)
    _sweep(django_capture_on_commit_callbacks)
    sending = SummarySending.objects.get()
    assert sending.status == MailStatus.FAILED and sending.attempts == 1  # not retried
    assert "không còn quyền" in sending.error and smtp.messages == []


@pytest.mark.parametrize("attempts", [1, 2])
def test_back_off_doubles(settings, attempts):
    from kpis.services.mail import retry_countdown

    settings.MAIL_RETRY_BASE_SECONDS, settings.MAIL_RETRY_MAX = 300, 3
    assert retry_countdown(attempts) == 300 * 2 ** (attempts - 1)
    assert retry_countdown(3) is None
