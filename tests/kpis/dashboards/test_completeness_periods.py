"""The completeness page by period: a quarter's expected reports are those of
the sectors that report quarterly, and the reports past their due date and not
approved are listed with who was reminded when; under a data cut-off the page
says which days the period covers, and its late list counts from the cut-off."""

import html
import re
from datetime import date

import pytest
from django.test import Client

from kpis.dashboards import selectors as s
from kpis.due_dates import due_dates_changed
from kpis.models import ReportDueDate, ReportDueRule, ReportStatus
from kpis.services.reminders import reminders_send
from tests.factories import IndicatorFactory, ReportingCutoffFactory, put_values
from tests.kpis.notifications.conftest import mail_settings, smtp  # noqa: F401 (the mail tests' fixtures)


@pytest.fixture
def quarterly(world):
    """Telecom reports a quarterly figure at the province and the districts; Q3 2025 reports are due
    on 15/10/2025 (the general quarterly rule), yearly ones on 15/01/2026."""
    world.online = IndicatorFactory(code="ONLINE_DOSSIERS", name="Hồ sơ trực tuyến", sector=world.telecom,
                                    frequency="quarter", time_aggregation="sum")
    ReportDueRule.objects.create(frequency="quarter", days_after_end=15)
    ReportDueDate.objects.create(year=2025, due_on=date(2026, 1, 15))
    put_values([(world.online, world.province, "2025-Q3", 1200)])  # approved
    put_values([(world.online, world.d1, "2025-Q3", 500)], status=ReportStatus.SUBMITTED)
    put_values([(world.bts, world.d1, 2025, 420)])  # a yearly report: not part of the quarter
    return world


def _text(response) -> str:
    """The page's words, without tags."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_a_quarter_expects_the_reports_of_the_sectors_that_report_quarterly(quarterly):
    w = quarterly
    data = s.completeness(w.province, 2025, 203, today=date(2025, 10, 20))
    assert [sector.code for sector in data.sectors] == ["TELECOM"]  # postal has no quarterly indicator
    assert {(row.unit.code, cell.status) for row in data.rows for cell in row.cells} == {
        ("P", ReportStatus.APPROVED), ("P-D1", ReportStatus.SUBMITTED), ("P-D2", "missing")}
    assert (data.total.expected, data.total.submitted, data.total.approved) == (3, 2, 1)
    # Late: past 15/10/2025 and not approved, the longest late first.
    assert [(late.unit.code, late.status, late.due_on, late.days_late) for late in data.late] == [
        ("P-D1", ReportStatus.SUBMITTED, date(2025, 10, 15), 5), ("P-D2", "missing", date(2025, 10, 15), 5)]
    assert [choice.value for choice in data.period_choices] == ["", "Q1", "Q2", "Q3", "Q4"]
    assert s.completeness(w.province, 2025, 203, today=date(2025, 10, 15)).late == []  # due today: not yet late


def test_the_year_keeps_its_sectors_and_its_own_due_date(quarterly):
    data = s.completeness(quarterly.province, 2025, today=date(2026, 1, 20))
    assert [sector.code for sector in data.sectors] == ["TELECOM", "POSTAL"]
    assert ("P-D1", ReportStatus.APPROVED) in {(row.unit.code, cell.status) for row in data.rows
                                               for cell in row.cells if cell.sector.code == "TELECOM"}
    assert {late.due_on for late in data.late} == {date(2026, 1, 15)}
    assert ("P-D1", "TELECOM") not in {(late.unit.code, late.sector.code) for late in data.late}  # approved


def test_the_page_lists_the_late_quarterly_reports_with_who_was_reminded(quarterly, smtp, settings):  # noqa: F811
    settings.PORTAL_PUBLIC = True
    settings.REMINDER_DAYS_BEFORE, settings.REMINDER_DAYS_AFTER = [], [3]
    for user in (quarterly.users.staff, quarterly.users.approver):
        user.email = f"{user.username}@example.gov.vn"
        user.save()
    reminders_send(today=date(2025, 10, 18))
    approver = Client(HTTP_ACCEPT_LANGUAGE="vi")
    approver.force_login(quarterly.users.approver)
    page = _text(approver.get("/completeness/?unit=P&year=2025&period=Q3"))
    assert "Tiến độ báo cáo Quý 3/2025 — Tỉnh Mẫu" in page
    assert "Báo cáo quá hạn (2)" in page
    late = page[page.index("Báo cáo quá hạn (2)"):page.index("Tỷ lệ theo lĩnh vực")]
    assert "Huyện Hai" in late and "15/10/2025" in late
    assert "staff 18/10/2025" in late  # staff were reminded of Huyện Hai's missing report
    assert "approver 18/10/2025" in late  # the approver, of Huyện Một's report waiting for approval
    assert "Bưu chính" not in page.split("Báo cáo quá hạn")[0]  # no postal column in the quarter's table
    # The whole code works too, and the year's page is as it was.
    assert "Tiến độ báo cáo Quý 3/2025" in _text(approver.get("/completeness/?unit=P&period=2025-Q3"))
    yearly = _text(approver.get("/completeness/?unit=P&year=2025"))
    assert "Tiến độ báo cáo năm 2025 — Tỉnh Mẫu" in yearly and "Bưu chính" in yearly
    public = _text(Client(HTTP_ACCEPT_LANGUAGE="vi").get("/completeness/?unit=P&year=2025&period=Q3"))
    assert "Báo cáo quá hạn (2)" in public and "staff 18/10/2025" not in public  # who was reminded: staff only


def test_a_period_that_is_not_one_is_refused(quarterly, settings):
    settings.PORTAL_PUBLIC = True
    response = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/completeness/?unit=P&year=2025&period=Q5")
    assert response.status_code == 400 and "Kỳ báo cáo" in response.content.decode()


def test_under_a_cutoff_the_page_states_the_periods_days_and_counts_late_from_them(quarterly, settings):
    settings.PORTAL_PUBLIC = True
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    page = _text(client.get("/completeness/?unit=P&year=2025&period=Q3"))
    assert "Số liệu từ ngày" not in page  # calendar periods: nothing to say, as before
    ReportingCutoffFactory()
    ReportingCutoffFactory(sector=quarterly.postal, cutoff_day=None, legal_basis="Thông tư 03/2015/TT-BTTTT")
    due_dates_changed()  # as the admin does on every edit (the page's cache key)
    data = s.completeness(quarterly.province, 2025, 203, today=date(2025, 10, 1))
    assert {(late.unit.code, late.due_on, late.days_late) for late in data.late} == {
        ("P-D1", date(2025, 9, 29), 2), ("P-D2", date(2025, 9, 29), 2)}  # 14/09 + 15 days
    page = _text(client.get("/completeness/?unit=P&year=2025&period=Q3"))
    assert "Tiến độ báo cáo Quý 3/2025 — Tỉnh Mẫu Số liệu từ ngày 15/06/2025 đến ngày 14/09/2025 " in page
    # The year's page names the sector that keeps calendar periods.
    yearly = _text(client.get("/completeness/?unit=P&year=2025"))
    assert ("Số liệu từ ngày 15/12/2024 đến ngày 14/12/2025; Bưu chính: từ ngày 01/01/2025 đến ngày "
            "31/12/2025 (thời gian chốt số liệu của báo cáo định kỳ).") in yearly
