"""Nobody approves a report they submitted or whose figures they entered or
changed, superusers included, through any door; ALLOW_SELF_APPROVAL relaxes
it for offices with one person per role."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from kpis.models import Assignment, ReportStatus
from kpis.services.reports import report_approve, report_create, report_submit, report_values_save


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def approver_who_enters(world):
    """The approver, also given the data-entry role for the province's telecom figures."""
    approver = world.users.approver
    approver.groups.add(*world.users.staff.groups.all())
    Assignment.objects.create(user=approver, sector=world.telecom, org_unit=world.province)
    return fresh(approver)


def new_report(world, user):
    return report_create(sector=world.telecom, org_unit=world.province, year=2020, user=user)


def test_an_approver_who_changed_a_figure_cannot_approve(world, approver_who_enters):
    staff = world.users.staff
    report = new_report(world, staff)
    report_values_save(report=report, user=staff, values={"BTS": Decimal(939)})
    report_values_save(report=report, user=approver_who_enters, values={"BTS": Decimal(940)})
    report_submit(report=report, user=staff)
    with pytest.raises(ValidationError, match="nhập hoặc sửa số liệu"):
        report_approve(report=report, user=approver_who_enters)


def test_a_change_overwritten_since_still_counts(world, approver_who_enters):
    staff = world.users.staff
    report = new_report(world, staff)
    report_values_save(report=report, user=approver_who_enters, values={"BTS": Decimal(1)})
    report_values_save(report=report, user=staff, values={"BTS": Decimal(939)})  # history remembers
    report_submit(report=report, user=staff)
    with pytest.raises(ValidationError, match="nhập hoặc sửa số liệu"):
        report_approve(report=report, user=approver_who_enters)


def test_a_superuser_cannot_approve_what_they_submitted(world):
    admin = world.users.admin
    report = new_report(world, world.users.staff)
    report_values_save(report=report, user=world.users.staff, values={"BTS": Decimal(939)})
    report_submit(report=report, user=admin)
    with pytest.raises(ValidationError, match="đã gửi duyệt"):
        report_approve(report=report, user=admin)
    assert report_approve(report=report, user=world.users.approver).status == ReportStatus.APPROVED


def test_a_superuser_cannot_approve_figures_they_entered(world):
    admin = world.users.admin
    report = new_report(world, admin)
    report_values_save(report=report, user=admin, values={"BTS": Decimal(939)})
    report_submit(report=report, user=world.users.staff)
    with pytest.raises(ValidationError, match="nhập hoặc sửa số liệu"):
        report_approve(report=report, user=admin)


def test_self_approval_can_be_allowed_for_a_tiny_office(world, settings):
    settings.ALLOW_SELF_APPROVAL = True
    admin = world.users.admin
    report = new_report(world, admin)
    report_values_save(report=report, user=admin, values={"BTS": Decimal(939)})
    report_submit(report=report, user=admin)
    assert report_approve(report=report, user=admin).status == ReportStatus.APPROVED


def test_the_admin_page_says_why_there_is_no_approve_button(world, client, approver_who_enters):
    staff = world.users.staff
    report = new_report(world, staff)
    report_values_save(report=report, user=approver_who_enters, values={"BTS": Decimal(939)})
    report_submit(report=report, user=staff)
    url = reverse("admin:kpis_yearlyreport_change", args=[report.pk])
    client.force_login(approver_who_enters)
    page = client.get(url).content.decode()
    assert 'value="approve"' not in page and 'value="return"' in page  # returning stays possible
    assert "Bạn đã nhập hoặc sửa số liệu của báo cáo này nên không thể tự duyệt" in page
    response = client.post(url, {"action": "approve"})
    assert response.status_code == 400 and "không thể tự duyệt" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    client.force_login(world.users.admin)  # another approver sees the button
    assert 'value="approve"' in client.get(url).content.decode()
