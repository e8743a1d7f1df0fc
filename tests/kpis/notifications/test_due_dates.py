"""Due dates per sector and frequency (kpis/due_dates.py): explicit dates for a
period win over the rules "due N days after the period ends"; yearly dates
entered before periods keep working; a data cut-off moves the end the rules
count from; the reminders follow the same rule for quarterly reports."""

from datetime import date

import pytest

from kpis.due_dates import DueDates
from kpis.models import MailStatus, Reminder, ReminderKind, ReportDueDate, ReportDueRule, ReportStatus
from kpis.periods import Period
from kpis.services.reminders import reminders_send
from tests.factories import IndicatorFactory, ReportingCutoffFactory, put_values
from tests.smtp import body


def test_a_yearly_due_date_as_entered_before_periods_is_the_yearly_reports_date(world):
    # Rows from before periods have no period: the migration gave them period 0, the year.
    ReportDueDate.objects.create(year=2020, due_on=date(2021, 1, 15))
    due = DueDates.load()
    assert due.due_on(world.telecom.pk, Period(2020)) == date(2021, 1, 15)
    assert due.due_on(world.telecom.pk, Period.parse("2020-Q4")) is None  # no quarterly date: never late
    assert due.due_on(world.telecom.pk, Period(2021)) is None


def test_a_quarterly_rule_gives_every_quarter_its_date(world):
    ReportDueRule.objects.create(frequency="quarter", days_after_end=15)
    due = DueDates.load()
    assert due.due_on(world.postal.pk, Period.parse("2025-Q3")) == date(2025, 10, 15)
    assert due.due_on(world.postal.pk, Period.parse("2025-Q4")) == date(2026, 1, 15)  # into the next year
    assert due.due_on(world.postal.pk, Period.parse("2025-H1")) is None  # another frequency


def test_explicit_dates_win_over_rules_and_a_sectors_own_over_every_sectors(world):
    ReportDueRule.objects.create(frequency="quarter", days_after_end=15)
    ReportDueRule.objects.create(frequency="quarter", sector=world.telecom, days_after_end=30)
    ReportDueDate.objects.create(year=2025, period=203, due_on=date(2025, 10, 20))  # a holiday moved it
    due = DueDates.load()
    assert due.due_on(world.telecom.pk, Period.parse("2025-Q2")) == date(2025, 7, 30)  # its own rule
    assert due.due_on(world.postal.pk, Period.parse("2025-Q2")) == date(2025, 7, 15)  # the general rule
    assert due.due_on(world.telecom.pk, Period.parse("2025-Q3")) == date(2025, 10, 20)  # the explicit date
    ReportDueDate.objects.create(year=2025, period=203, sector=world.telecom, due_on=date(2025, 11, 5))
    due = DueDates.load()
    assert due.due_on(world.telecom.pk, Period.parse("2025-Q3")) == date(2025, 11, 5)
    assert due.due_on(world.postal.pk, Period.parse("2025-Q3")) == date(2025, 10, 20)


def test_a_rule_counts_from_the_cutoff_when_one_applies(world):
    """Decree 09/2019/NĐ-CP: Q3's figures end on 14/09, so "5 days after the period" is 19/09, not 05/10."""
    ReportDueRule.objects.create(frequency="quarter", days_after_end=5)
    ReportDueRule.objects.create(frequency="year", days_after_end=5)
    ReportDueDate.objects.create(year=2025, period=202, due_on=date(2025, 7, 10))
    assert DueDates.load().due_on(world.telecom.pk, Period.parse("2025-Q3")) == date(2025, 10, 5)  # calendar
    ReportingCutoffFactory()
    due = DueDates.load()
    assert due.due_on(world.telecom.pk, Period.parse("2025-Q3")) == date(2025, 9, 19)
    assert due.due_on(world.telecom.pk, Period.parse("2025-Q4")) == date(2025, 12, 19)  # no longer in January
    assert due.due_on(world.telecom.pk, Period(2025)) == date(2025, 12, 19)
    assert due.due_on(world.telecom.pk, Period.parse("2025-Q2")) == date(2025, 7, 10)  # an explicit date stays
    # A sector keeping calendar periods keeps its calendar due dates.
    ReportingCutoffFactory(sector=world.postal, cutoff_day=None, legal_basis="Thông tư 03/2015/TT-BTTTT")
    due = DueDates.load()
    assert due.due_on(world.postal.pk, Period.parse("2025-Q3")) == date(2025, 10, 5)
    assert due.due_on(world.telecom.pk, Period.parse("2025-Q3")) == date(2025, 9, 19)


@pytest.fixture
def quarterly(world):
    """Telecom also reports a quarterly figure; quarterly reports are due 15 days after the quarter."""
    for name in ("staff", "postal_staff", "district_staff", "approver"):
        user = getattr(world.users, name)
        user.email = f"{name}@example.gov.vn"
        user.save()
    world.online = IndicatorFactory(code="ONLINE_DOSSIERS", name="Hồ sơ trực tuyến", sector=world.telecom,
                                    frequency="quarter", time_aggregation="sum")
    ReportDueRule.objects.create(frequency="quarter", days_after_end=15)
    return world


def test_a_late_quarterly_report_is_reminded_three_days_after_its_due_date(quarterly, smtp, settings):
    settings.REMINDER_DAYS_BEFORE, settings.REMINDER_DAYS_AFTER = [], [3]
    w = quarterly
    put_values([(w.online, w.province, "2025-Q3", 1200)], status=ReportStatus.APPROVED)
    put_values([(w.online, w.d2, "2025-Q3", 300)], status=ReportStatus.DRAFT)
    assert reminders_send(today=date(2025, 10, 17)) == 0 and smtp.messages == []  # two days late: not a day
    reminders_send(today=date(2025, 10, 18))
    mails = {message["To"]: body(message) for message in smtp.messages}
    # Only telecom reports quarterly: postal staff are not reminded; the province's Q3 is approved.
    assert sorted(mails) == ["district_staff@example.gov.vn", "staff@example.gov.vn"]
    staff = mails["staff@example.gov.vn"]
    assert "Viễn thông — Huyện Một — Quý 3/2025 (chưa tạo): hạn nộp 15/10/2025, đã quá hạn 3 ngày" in staff
    assert "Viễn thông — Huyện Hai — Quý 3/2025 (Nháp): hạn nộp 15/10/2025, đã quá hạn 3 ngày" in staff
    assert "Tỉnh Mẫu" not in staff and "năm 2025" not in staff  # no yearly due date: yearly reports not chased
    recorded = sorted((r.org_unit.code, r.year, r.period, r.due_on, r.kind, r.status)
                      for r in Reminder.objects.filter(user=w.users.staff))
    assert recorded == [("P-D1", 2025, 203, date(2025, 10, 15), ReminderKind.TO_SUBMIT, MailStatus.DELIVERED),
                        ("P-D2", 2025, 203, date(2025, 10, 15), ReminderKind.TO_SUBMIT, MailStatus.DELIVERED)]
    reminders_send(today=date(2025, 10, 18))  # beat's next run the same day: nothing twice
    assert len(smtp.messages) == 2


def test_a_yearly_and_a_quarterly_report_due_the_same_day_are_told_apart(quarterly, smtp, settings):
    settings.REMINDER_DAYS_BEFORE, settings.REMINDER_DAYS_AFTER = [7], []
    ReportDueDate.objects.create(year=2024, due_on=date(2025, 1, 15))  # the yearly date; Q4 2024 by the rule
    reminders_send(today=date(2025, 1, 8))
    staff = {message["To"]: body(message) for message in smtp.messages}["district_staff@example.gov.vn"]
    assert "Viễn thông — Huyện Một — năm 2024 (chưa tạo): hạn nộp 15/01/2025, còn 7 ngày" in staff
    assert "Viễn thông — Huyện Một — Quý 4/2024 (chưa tạo): hạn nộp 15/01/2025, còn 7 ngày" in staff
    assert sorted(Reminder.objects.filter(user=quarterly.users.district_staff).values_list("year", "period")) == [
        (2024, 0), (2024, 204)]


def test_reminders_follow_the_cutoff(quarterly, smtp, settings):
    """Due 15 days after a quarter cut off on 14/09: 29/09/2025, so three days late on 02/10."""
    settings.REMINDER_DAYS_BEFORE, settings.REMINDER_DAYS_AFTER = [], [3]
    ReportingCutoffFactory()
    assert reminders_send(today=date(2025, 10, 18)) == 0  # the calendar date is no reminder day any more
    reminders_send(today=date(2025, 10, 2))
    staff = {message["To"]: body(message) for message in smtp.messages}["staff@example.gov.vn"]
    assert "Viễn thông — Huyện Một — Quý 3/2025 (chưa tạo): hạn nộp 29/09/2025, đã quá hạn 3 ngày" in staff
    assert set(Reminder.objects.values_list("period", "due_on")) == {(203, date(2025, 9, 29))}
