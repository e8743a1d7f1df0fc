"""The approver's second pair of eyes in the admin: warnings and changes on the
approval page, acknowledging them, and the data-quality page."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.models import AuditAction, AuditEvent, ReportStatus, WarningAcknowledgement, WarningKind
from kpis.services.quality import warning_acknowledge
from kpis.services.reports import report_approve, report_create, report_submit, report_values_save
from tests.factories import OrgUnitFactory

DATA_QUALITY_URL = reverse("admin:kpis_yearlyreport_data_quality")


def change_url(report):
    return reverse("admin:kpis_yearlyreport_change", args=[report.pk])


def acknowledge_url(report):
    return reverse("admin:kpis_yearlyreport_acknowledge", args=[report.pk])


def submitted(world, values, *, unit=None, year=2020):
    report = report_create(sector=world.telecom, org_unit=unit or world.province, year=year, user=world.users.staff)
    report_values_save(report=report, user=world.users.staff, values=values)
    return report_submit(report=report, user=world.users.staff)


def approved(world, values, *, unit=None, year=2019):
    return report_approve(report=submitted(world, values, unit=unit, year=year), user=world.users.approver)


@pytest.fixture
def jumped(world):
    approved(world, {"BTS": Decimal(900), "COVERAGE_PCT": Decimal(50)})
    return submitted(world, {"BTS": Decimal(9000), "COVERAGE_PCT": Decimal(51)})


def test_approval_page_shows_changes_and_warnings_with_an_acknowledge_button(world, client, jumped):
    client.force_login(world.users.approver)
    html = client.get(change_url(jumped)).content.decode()
    assert "+8.100 (+900,0 %)" in html and "+1,0 (+2,0 %)" in html
    assert "Gấp 10 lần cùng kỳ năm trước (900)" in html
    assert f'value="{world.bts.pk}:jump"' in html and acknowledge_url(jumped) in html
    assert "Cảnh báo không ngăn việc duyệt" in html
    assert 'value="approve"' in html


def test_staff_see_warnings_but_no_acknowledge_button(world, client, jumped):
    client.force_login(world.users.staff)
    html = client.get(change_url(jumped)).content.decode()
    assert "Gấp 10 lần" in html and acknowledge_url(jumped) not in html


def test_approver_acknowledges_from_the_page(world, client, jumped):
    client.force_login(world.users.approver)
    response = client.post(acknowledge_url(jumped), {"acknowledge": f"{world.bts.pk}:jump",
                                                     f"note_{world.bts.pk}": "Thêm trạm 5G"})
    assert response.status_code == 302 and response.url == change_url(jumped)
    ack = WarningAcknowledgement.objects.get()
    assert (ack.user, ack.kind, ack.value, ack.note) == (world.users.approver, WarningKind.JUMP, 9000, "Thêm trạm 5G")
    assert AuditEvent.objects.filter(action=AuditAction.WARNING_ACKNOWLEDGED, username="approver").exists()
    html = client.get(change_url(jumped)).content.decode()
    assert "Đã xác nhận:" in html and "Thêm trạm 5G" in html
    assert f'value="{world.bts.pk}:jump"' not in html


def test_acknowledging_needs_csrf(world, jumped):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users.approver)
    response = client.post(acknowledge_url(jumped), {"acknowledge": f"{world.bts.pk}:jump"})
    assert response.status_code == 403 and not WarningAcknowledgement.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "staff", "leader"])
def test_who_may_not_approve_may_not_acknowledge(world, client, jumped, who):
    client.force_login(getattr(world.users, who))
    response = client.post(acknowledge_url(jumped), {"acknowledge": f"{world.bts.pk}:jump"})
    assert response.status_code == 403
    assert not WarningAcknowledgement.objects.exists()


def test_acknowledging_a_warning_that_is_not_there_changes_nothing(world, client, jumped):
    client.force_login(world.users.approver)
    client.post(acknowledge_url(jumped), {"acknowledge": f"{world.coverage.pk}:jump"})
    assert not WarningAcknowledgement.objects.exists()
    assert client.post(acknowledge_url(jumped), {"acknowledge": "x:y"}).status_code == 400
    assert client.get(acknowledge_url(jumped)).status_code == 405


def test_approving_is_not_blocked_by_open_warnings(world, client, jumped):
    client.force_login(world.users.approver)
    response = client.post(change_url(jumped), {"action": "approve"})
    assert response.status_code == 302
    jumped.refresh_from_db()
    assert jumped.status == ReportStatus.APPROVED


def test_data_quality_page_lists_open_warnings_and_hides_acknowledged_ones(world, client, jumped):
    client.force_login(world.users.approver)
    page = client.get(DATA_QUALITY_URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Viễn thông" in html and "Tỉnh Mẫu" in html and "Số trạm BTS" in html and change_url(jumped) in html
    warning_acknowledge(report=jumped, indicator=world.bts, kind=WarningKind.JUMP, user=world.users.approver)
    html = client.get(DATA_QUALITY_URL).content.decode()
    assert "Số trạm BTS" not in html and "Không có cảnh báo nào chưa xác nhận." in html


def test_data_quality_page_shows_only_reports_the_user_may_see(world, client, jumped):
    client.force_login(world.users.postal_staff)
    html = client.get(DATA_QUALITY_URL).content.decode()
    assert "Số trạm BTS" not in html


def test_data_quality_page_is_closed_to_anonymous_and_non_staff(world, client):
    assert client.get(DATA_QUALITY_URL).status_code == 302  # to the sign-in page
    world.users.viewer.is_staff = False
    world.users.viewer.save()
    client.force_login(world.users.viewer)
    assert client.get(DATA_QUALITY_URL).status_code in (302, 403)


def test_data_quality_page_costs_the_same_queries_for_more_reports(world, client, jumped):
    def district_jumped(n):
        unit = OrgUnitFactory(code=f"P-Y{n}", name=f"Huyện Y{n}", level="district", parent=world.province)
        approved(world, {"BTS": Decimal(10)}, unit=unit)
        submitted(world, {"BTS": Decimal(100)}, unit=unit)

    district_jumped(0)
    client.force_login(world.users.approver)
    client.get(DATA_QUALITY_URL)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get(DATA_QUALITY_URL)
    for n in range(1, 4):
        district_jumped(n)
    with CaptureQueriesContext(connection) as many:
        html = client.get(DATA_QUALITY_URL).content.decode()
    assert "Huyện Y0" in html and "Huyện Y3" in html
    assert len(many) == len(few)


def test_reports_list_links_to_the_data_quality_page(world, client):
    client.force_login(world.users.approver)
    html = client.get(reverse("admin:kpis_yearlyreport_changelist")).content.decode()
    assert DATA_QUALITY_URL in html


def test_a_rule_warning_hides_another_sectors_figure_the_approver_may_not_see(world, client):
    from kpis import roles
    from tests.factories import ValidationRuleFactory, make_user

    postal = report_create(sector=world.postal, org_unit=world.province, year=2020, user=world.users.postal_staff)
    report_values_save(report=postal, user=world.users.postal_staff, values={"POST_OFFICES": Decimal(4321)})
    report = submitted(world, {"BTS": Decimal(906)})
    ValidationRuleFactory(code="BTS_POST", left="BTS", operator=">=", right="POST_OFFICES",
                          message="Số trạm BTS không ít hơn số bưu cục")
    telecom_approver = make_user("telecom_approver", group=roles.APPROVER,
                                 assignments=[(world.telecom, world.province, True)])
    client.force_login(telecom_approver)
    html = client.get(change_url(report)).content.decode()
    assert "Số trạm BTS không ít hơn số bưu cục" in html
    assert "số liệu không được xem" in html and "4.321" not in html
    client.force_login(world.users.approver)  # every sector: sees the postal draft's figure
    assert "4.321" in client.get(change_url(report)).content.decode()


def test_approval_page_costs_the_same_queries_with_more_history_and_peers(world, client, jumped):
    client.force_login(world.users.approver)
    client.get(change_url(jumped))
    with CaptureQueriesContext(connection) as before:
        client.get(change_url(jumped))
    for year in range(2012, 2019):
        approved(world, {"BTS": Decimal(800 + year), "COVERAGE_PCT": Decimal(40)}, year=year)
    with CaptureQueriesContext(connection) as after:
        html = client.get(change_url(jumped)).content.decode()
    assert "điểm z hiệu chỉnh" in html  # now judged against seven years of its own history
    assert len(after) == len(before)


def test_data_quality_page_shows_one_year_at_a_time(world, client, jumped):
    client.force_login(world.users.approver)
    page = client.get(DATA_QUALITY_URL)
    assert page.context["year"] == 2020 and page.context["years"] == [2020, 2019]
    html = client.get(DATA_QUALITY_URL, {"year": "2019"}).content.decode()
    assert "Số trạm BTS" not in html and "Không có cảnh báo nào chưa xác nhận." in html
    assert client.get(DATA_QUALITY_URL, {"year": "abc"}).context["year"] == 2020
