"""Reminders around a report's due date: staff assigned to a report not yet
submitted get one mail listing them, approvers a digest of the reports
waiting; every reminder is recorded and the completeness page shows it."""

from datetime import date, timedelta

import pytest

from kpis.models import MailStatus, Reminder, ReminderKind, ReportDueDate, ReportStatus
from kpis.services import reports as report_services
from kpis.services.reminders import reminders_send
from tests.factories import put_values
from tests.smtp import body

DUE = date(2021, 1, 15)


@pytest.fixture
def addressed(world):
    for name in ("staff", "postal_staff", "district_staff", "approver", "leader"):
        user = getattr(world.users, name)
        user.email = f"{name}@example.gov.vn"
        user.save()
    ReportDueDate.objects.create(year=2020, due_on=DUE)
    return world


def _by_recipient(smtp) -> dict[str, str]:
    return {message["To"]: body(message) for message in smtp.messages}


def test_a_week_before_the_due_date_staff_get_their_missing_reports(addressed, smtp, settings):
    settings.REMINDER_DAYS_BEFORE, settings.REMINDER_DAYS_AFTER = [7], [3]
    w = addressed
    put_values([(w.bts, w.province, 2020, 900)], status=ReportStatus.APPROVED)
    assert reminders_send(today=DUE - timedelta(days=6)) == 0 and smtp.messages == []  # not a reminder day
    reminders_send(today=DUE - timedelta(days=7))
    mails = _by_recipient(smtp)
    # Telecom staff of the province and below: the two districts' telecom reports (the province's is approved).
    assert sorted(mails) == ["district_staff@example.gov.vn", "postal_staff@example.gov.vn", "staff@example.gov.vn"]
    assert "Viễn thông — Huyện Một — năm 2020 (chưa tạo): hạn nộp 15/01/2021, còn 7 ngày" in mails[
        "staff@example.gov.vn"]
    assert "Tỉnh Mẫu" not in mails["staff@example.gov.vn"]
    assert mails["postal_staff@example.gov.vn"].count("Bưu chính —") == 3
    assert "Huyện Hai" not in mails["district_staff@example.gov.vn"]
    subject = smtp.messages[0]["Subject"].strip()
    assert subject.startswith("Nhắc nộp") and "báo cáo chỉ tiêu chuyển đổi số" in subject
    recorded = Reminder.objects.filter(user=w.users.staff)
    assert sorted((r.org_unit.code, r.kind, r.status) for r in recorded) == [
        ("P-D1", ReminderKind.TO_SUBMIT, MailStatus.DELIVERED), ("P-D2", ReminderKind.TO_SUBMIT, MailStatus.DELIVERED)]

    reminders_send(today=DUE - timedelta(days=7))  # beat's next run the same day
    assert len(smtp.messages) == 3


def test_after_the_due_date_a_returned_report_is_chased_and_approvers_get_a_digest(addressed, smtp, settings):
    settings.REMINDER_DAYS_BEFORE, settings.REMINDER_DAYS_AFTER = [], [3]
    w = addressed
    put_values([(w.bts, w.d1, 2020, 420)], status=ReportStatus.SUBMITTED)
    report = w.d1.reports.get(year=2020, sector=w.telecom)
    report_services.report_return(report=report, user=w.users.approver, reason="Thiếu nguồn số liệu")
    put_values([(w.bts, w.d2, 2020, 519)], status=ReportStatus.SUBMITTED)
    reminders_send(today=DUE + timedelta(days=3))
    mails = _by_recipient(smtp)
    assert "Viễn thông — Huyện Một — năm 2020 (Bị trả lại): hạn nộp 15/01/2021, đã quá hạn 3 ngày" in mails[
        "district_staff@example.gov.vn"]
    digest = mails["approver@example.gov.vn"]
    assert "đang chờ anh/chị duyệt" in digest and "Viễn thông — Huyện Hai — năm 2020 (Đã gửi duyệt)" in digest
    assert "Huyện Hai" not in mails["staff@example.gov.vn"]  # submitted: nothing left for staff to do
    assert Reminder.objects.filter(user=w.users.approver, kind=ReminderKind.TO_APPROVE).count() == 1
    assert "leader@example.gov.vn" not in mails  # leaders are not assigned


def test_a_sector_with_its_own_due_date_is_not_chased_on_the_general_one(addressed, smtp, settings):
    settings.REMINDER_DAYS_BEFORE, settings.REMINDER_DAYS_AFTER = [7], []
    ReportDueDate.objects.create(year=2020, sector=addressed.postal, due_on=DUE + timedelta(days=30))
    reminders_send(today=DUE - timedelta(days=7))
    assert "postal_staff@example.gov.vn" not in _by_recipient(smtp)
    reminders_send(today=DUE + timedelta(days=23))
    assert "postal_staff@example.gov.vn" in _by_recipient(smtp)


def test_a_failed_reminder_is_recorded_and_sent_on_the_next_run(addressed, smtp_down, settings):
    settings.REMINDER_DAYS_BEFORE, settings.REMINDER_DAYS_AFTER = [7], []
    today = DUE - timedelta(days=7)
    assert reminders_send(today=today) == 0
    failed = Reminder.objects.filter(user=addressed.users.staff)
    assert {r.status for r in failed} == {MailStatus.FAILED}
    assert all("ConnectionRefusedError" in r.error for r in failed)
    smtp_down.start()
    assert reminders_send(today=today) > 0
    assert {r.status for r in Reminder.objects.all()} == {MailStatus.DELIVERED}
    assert Reminder.objects.filter(user=addressed.users.staff).count() == 3  # the same rows, now delivered


def test_the_completeness_page_shows_who_was_reminded_when_to_staff_only(addressed, smtp, settings, client):
    settings.REMINDER_DAYS_BEFORE, settings.REMINDER_DAYS_AFTER = [7], []
    url = "/completeness/?unit=P&year=2020"
    client.get(url)  # cached before the reminders: a new reminder must still show
    client.force_login(addressed.users.approver)
    before = client.get(url).content.decode()
    assert "Đã nhắc (ai, ngày)" in before and "08/01/2021" not in before
    reminders_send(today=DUE - timedelta(days=7))
    page = client.get(url).content.decode()
    assert "district_staff 08/01/2021" in page and "staff 08/01/2021" in page
    client.logout()
    public = client.get(url).content.decode()
    assert "Đã nhắc" not in public and "district_staff" not in public
