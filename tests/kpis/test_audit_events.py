"""Each kind of event lands in the audit log with the real user, the real
client address (behind the documented proxy too) and the detail an inspector
needs, done the way a person would do it."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from kpis.models import AuditAction, AuditEvent, ReportStatus
from kpis.selectors import report_timeline
from kpis.services.reports import report_approve, report_create, report_submit, report_values_save

LOGIN = reverse("admin:login")
PASSWORD = "correct-horse-battery"  # tests.factories.make_user
CLIENT = "198.51.100.23"


@pytest.fixture
def behind_proxy(settings, client):
    """One nginx in front: it connects from 127.0.0.1 and appends the client's address."""
    settings.TRUSTED_PROXY_COUNT = 1
    client.defaults.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.9.9, {CLIENT}")
    return client


def events(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_sign_in_is_recorded_with_the_user_and_the_address_behind_the_proxy(world, behind_proxy):
    behind_proxy.post(LOGIN, {"username": "approver", "password": PASSWORD})
    [event] = events(AuditAction.LOGIN_SUCCEEDED)
    assert (event.user, event.username, event.address) == (world.users.approver, "approver", CLIENT)


def test_a_sign_in_without_a_proxy_records_the_connecting_address(world, client):
    client.post(LOGIN, {"username": "approver", "password": PASSWORD}, REMOTE_ADDR="192.0.2.44")
    [event] = events(AuditAction.LOGIN_SUCCEEDED)
    assert event.address == "192.0.2.44"


def test_failed_sign_ins_keep_the_name_as_typed_and_never_the_password(world, behind_proxy):
    behind_proxy.post(LOGIN, {"username": "approver", "password": "sai-mat-khau"})
    behind_proxy.post(LOGIN, {"username": "admin' OR 1=1", "password": "x"})
    failed = events(AuditAction.LOGIN_FAILED)
    assert [(e.username, e.address, e.user) for e in failed] == [
        ("approver", CLIENT, None), ("admin' OR 1=1", CLIENT, None)]
    assert not AuditEvent.objects.filter(detail__contains="sai-mat-khau").exists()
    assert not events(AuditAction.LOGIN_SUCCEEDED)


def test_a_lock_out_is_recorded(world, behind_proxy, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(3):
        behind_proxy.post(LOGIN, {"username": "staff", "password": "doan-mo"})
    [locked] = events(AuditAction.LOCKED_OUT)
    assert (locked.username, locked.address) == ("staff", CLIENT)
    assert "3" in locked.detail
    assert len(events(AuditAction.LOGIN_FAILED)) == 3
    # The right password is refused now, and the refusal is recorded too.
    behind_proxy.post(LOGIN, {"username": "staff", "password": PASSWORD})
    assert not events(AuditAction.LOGIN_SUCCEEDED)
    assert len(events(AuditAction.LOCKED_OUT)) == 2


def test_a_sign_out_is_recorded(world, behind_proxy):
    behind_proxy.force_login(world.users.viewer)
    behind_proxy.post(reverse("admin:logout"))
    [event] = events(AuditAction.LOGOUT)
    assert (event.user, event.address) == (world.users.viewer, CLIENT)


# --- the report workflow -----------------------------------------------------------------------


def entry(report) -> str:
    return reverse("admin:kpis_yearlyreport_change", args=[report.pk])


@pytest.fixture
def submitted(world):
    report = report_create(sector=world.telecom, org_unit=world.province, year=2020, user=world.users.staff)
    report_values_save(report=report, user=world.users.staff, values={"BTS": Decimal(120)})
    return report


def test_submit_approve_and_reopen_are_recorded_with_who_where_and_why(world, behind_proxy, submitted):
    behind_proxy.force_login(world.users.staff)
    behind_proxy.post(entry(submitted), {"action": "submit"})
    behind_proxy.force_login(world.users.approver)
    behind_proxy.post(entry(submitted), {"action": "approve"})
    behind_proxy.post(entry(submitted), {"action": "reopen", "reason": "Cập nhật số liệu quý IV"})
    rows = AuditEvent.objects.filter(object_type="kpis.YearlyReport").order_by("id").values_list(
        "action", "username", "address", "object_id", "detail")
    assert list(rows) == [
        ("report_submitted", "staff", CLIENT, str(submitted.pk), ""),
        ("report_approved", "approver", CLIENT, str(submitted.pk), ""),
        ("report_reopened", "approver", CLIENT, str(submitted.pk), "Cập nhật số liệu quý IV"),
    ]


def test_a_500_character_return_reason_is_kept_whole_everywhere(world, behind_proxy, submitted):
    report_submit(report=submitted, user=world.users.staff)
    reason = ("Số trạm BTS năm 2020 thấp hơn năm 2019 mà không có giải thích; đề nghị đối chiếu "
              "với báo cáo của các nhà mạng. ") * 6
    reason = reason[:500]
    assert len(reason) == 500
    behind_proxy.force_login(world.users.approver)
    behind_proxy.post(entry(submitted), {"action": "return", "reason": reason})
    [event] = events(AuditAction.REPORT_RETURNED)
    assert (event.detail, event.username, event.address) == (reason.strip(), "approver", CLIENT)
    submitted.refresh_from_db()
    assert submitted.status == ReportStatus.RETURNED and submitted.return_reason == reason.strip()
    assert report_timeline(submitted)[-1].reason == reason.strip()  # the history row, not cut at 100


def test_a_step_refused_by_the_rules_leaves_no_event(world, submitted):
    report_submit(report=submitted, user=world.users.staff)
    with pytest.raises(PermissionDenied):
        report_approve(report=submitted, user=world.users.staff)  # staff cannot approve
    assert not events(AuditAction.REPORT_APPROVED)


# --- the catalogue command ---------------------------------------------------------------------


def test_each_load_catalogue_run_is_one_event_with_a_summary(db, tmp_path):
    catalogue = tmp_path / "danh-muc.yaml"
    catalogue.write_text("sectors:\n  - code: TELECOM\n    name: Viễn thông\n"
                         "  - code: POSTAL\n    name: Bưu chính\n", encoding="utf-8")
    call_command("load_catalogue", str(catalogue))
    call_command("load_catalogue", str(catalogue))
    first, second = events(AuditAction.CATALOGUE_CHANGED)
    assert str(catalogue) in first.detail
    assert "sectors: tạo mới 2, cập nhật 0, không đổi 0" in first.detail
    assert "sectors: tạo mới 0, cập nhật 0, không đổi 2" in second.detail
    assert "Tài khoản máy chủ chạy lệnh" in first.detail


def test_a_failed_load_catalogue_run_changes_nothing_and_records_nothing(db, tmp_path):
    from django.core.management.base import CommandError

    catalogue = tmp_path / "hong.yaml"
    catalogue.write_text("sectors:\n  - name: thiếu mã\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_catalogue", str(catalogue))
    assert not AuditEvent.objects.exists()
