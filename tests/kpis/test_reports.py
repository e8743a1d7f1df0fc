import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction

from kpis.models import DataValue, ReportStatus
from kpis.selectors import report_entry_indicators
from kpis.services.reports import (
    ReportChangedError,
    report_approve,
    report_create,
    report_reopen,
    report_return,
    report_submit,
    report_values_save,
    report_values_save_and_submit,
    report_values_version,
)
from tests.factories import ValidationRuleFactory
from tests.workers import wait_for


@pytest.fixture
def report(world):
    return report_create(sector=world.telecom, org_unit=world.province, year=2020, user=world.users.staff)


def test_entry_lists_sector_indicators_entered_at_the_unit_level(world, report):
    codes = [i.code for i in report_entry_indicators(report)]
    assert codes == ["BTS", "COVERAGE_PCT", "HAS_IOC"]  # not derived, not another sector's
    district = report_create(sector=world.telecom, org_unit=world.d1, year=2020, user=world.users.staff)
    assert [i.code for i in report_entry_indicators(district)] == ["BTS"]


def test_full_workflow_records_who_and_when(world, report):
    users = world.users
    report_values_save(report=report, user=users.staff, values={"BTS": Decimal(939)})
    report = report_submit(report=report, user=users.staff)
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == users.staff
    report = report_approve(report=report, user=users.approver)
    assert report.status == ReportStatus.APPROVED
    assert report.approved_by == users.approver and report.approved_at is not None
    statuses = list(report.history.order_by("history_date").values_list("status", "history_user__username"))
    assert statuses == [("draft", "staff"), ("submitted", "staff"), ("approved", "approver")]


def test_approved_report_is_locked_until_reopened(world, report):
    users = world.users
    report_values_save(report=report, user=users.staff, values={"BTS": Decimal(939)})
    report_submit(report=report, user=users.staff)
    report_approve(report=report, user=users.approver)
    with pytest.raises(PermissionDenied):
        report_values_save(report=report, user=users.staff, values={"BTS": Decimal(940)})
    with pytest.raises(ValidationError):
        report_reopen(report=report, user=users.approver, reason="  ")
    report = report_reopen(report=report, user=users.approver, reason="Sai số trạm")
    assert report.status == ReportStatus.RETURNED and report.approved_at is None
    report_values_save(report=report, user=users.staff, values={"BTS": Decimal(940)})
    assert DataValue.objects.get(indicator=world.bts).value == 940


def test_submitted_report_is_read_only_and_can_be_returned_with_reason(world, report):
    users = world.users
    report_values_save(report=report, user=users.staff, values={"BTS": Decimal(939)})
    report_submit(report=report, user=users.staff)
    with pytest.raises(PermissionDenied):
        report_values_save(report=report, user=users.staff, values={"BTS": Decimal(1)})
    with pytest.raises(ValidationError) as error:
        report_return(report=report, user=users.approver, reason="")
    assert "reason" in error.value.message_dict
    report = report_return(report=report, user=users.approver, reason="Thiếu số liệu huyện")
    assert report.status == ReportStatus.RETURNED and report.return_reason == "Thiếu số liệu huyện"
    report_values_save(report=report, user=users.staff, values={"BTS": Decimal(940)})
    assert report_submit(report=report, user=users.staff).status == ReportStatus.SUBMITTED


@pytest.mark.parametrize("step", ["approve", "return", "reopen"])
def test_only_submitted_reports_can_be_approved_or_returned(world, report, step):
    with pytest.raises(ValidationError):
        if step == "approve":
            report_approve(report=report, user=world.users.approver)
        elif step == "return":
            report_return(report=report, user=world.users.approver, reason="x")
        else:
            report_reopen(report=report, user=world.users.approver, reason="x")


def test_empty_report_cannot_be_submitted(world, report):
    with pytest.raises(ValidationError, match="chưa có số liệu"):
        report_submit(report=report, user=world.users.staff)


def test_staff_cannot_approve_and_approver_cannot_enter(world, report):
    users = world.users
    report_values_save(report=report, user=users.staff, values={"BTS": Decimal(939)})
    report_submit(report=report, user=users.staff)
    with pytest.raises(PermissionDenied):
        report_approve(report=report, user=users.staff)
    other = report_create(sector=world.telecom, org_unit=world.d2, year=2020, user=users.staff)
    with pytest.raises(PermissionDenied):
        report_values_save(report=other, user=users.approver, values={"BTS": Decimal(1)})


def test_approver_cannot_approve_their_own_submission(world):
    both = world.users.approver
    both.groups.add(*world.users.staff.groups.all())
    from kpis.models import Assignment
    Assignment.objects.create(user=both, sector=world.telecom, org_unit=world.d2)
    from django.contrib.auth import get_user_model
    both = get_user_model().objects.get(pk=both.pk)
    report = report_create(sector=world.telecom, org_unit=world.d2, year=2020, user=both)
    report_values_save(report=report, user=both, values={"BTS": Decimal(5)})
    report_submit(report=report, user=both)
    with pytest.raises(ValidationError, match="tự duyệt"):
        report_approve(report=report, user=both)


def test_staff_of_other_sector_or_unit_cannot_create_or_edit(world, report):
    users = world.users
    with pytest.raises(PermissionDenied):
        report_create(sector=world.telecom, org_unit=world.province, year=2021, user=users.postal_staff)
    with pytest.raises(PermissionDenied):
        report_create(sector=world.telecom, org_unit=world.d2, year=2020, user=users.district_staff)
    with pytest.raises(PermissionDenied):
        report_values_save(report=report, user=users.postal_staff, values={"BTS": Decimal(1)})
    with pytest.raises(PermissionDenied):
        report_values_save(report=report, user=users.district_staff, values={"BTS": Decimal(1)})


def test_duplicate_report_is_refused_in_words(world, report):
    with pytest.raises(ValidationError, match="Đã có báo cáo"):
        report_create(sector=world.telecom, org_unit=world.province, year=2020, user=world.users.staff)


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("BTS", Decimal("-1"), "không được âm"),
        ("BTS", Decimal("1.5"), "số nguyên"),
        ("COVERAGE_PCT", Decimal("100.5"), "từ 0 đến 100"),
        ("COVERAGE_PCT", Decimal("99.55"), "chữ số thập phân"),
        ("HAS_IOC", Decimal("2"), "Có (1) hoặc Không (0)"),
    ],
)
def test_bad_values_are_rejected_on_their_field_and_nothing_is_written(world, report, code, value, message):
    with pytest.raises(ValidationError) as error:
        report_values_save(report=report, user=world.users.staff,
                           values={"BTS": Decimal(10), code: value} if code != "BTS" else {code: value})
    assert code in error.value.message_dict
    assert message in " ".join(error.value.message_dict[code])
    assert not DataValue.objects.exists()


def test_indicator_outside_the_report_is_refused(world, report):
    with pytest.raises(ValidationError) as error:
        report_values_save(report=report, user=world.users.staff, values={"POST_OFFICES": Decimal(3)})
    assert "POST_OFFICES" in error.value.message_dict


def test_cross_indicator_rule_names_the_left_field(world, report):
    ValidationRuleFactory(left="BTS", operator="<=", right="COVERAGE_PCT * 10",
                          message="BTS quá lớn so với độ phủ")
    with pytest.raises(ValidationError) as error:
        report_values_save(report=report, user=world.users.staff,
                           values={"BTS": Decimal(939), "COVERAGE_PCT": Decimal(50)})
    assert "BTS quá lớn" in error.value.message_dict["BTS"][0]
    assert "939" in error.value.message_dict["BTS"][0]
    report_values_save(report=report, user=world.users.staff,
                       values={"BTS": Decimal(400), "COVERAGE_PCT": Decimal(50)})
    assert DataValue.objects.count() == 2


def test_clearing_a_value_deletes_it_and_keeps_history(world, report):
    staff = world.users.staff
    report_values_save(report=report, user=staff, values={"BTS": Decimal(906)})
    report_values_save(report=report, user=staff, values={"BTS": Decimal(939)})
    report_values_save(report=report, user=staff, values={"BTS": None})
    assert not DataValue.objects.exists()
    history = list(DataValue.history.order_by("history_date").values_list("history_type", "value",
                                                                           "history_user__username"))
    assert history == [("+", Decimal(906), "staff"), ("~", Decimal(939), "staff"), ("-", Decimal(939), "staff")]


def test_saving_the_same_values_writes_no_history(world, report):
    staff = world.users.staff
    report_values_save(report=report, user=staff, values={"BTS": Decimal(906)})
    counts = report_values_save(report=report, user=staff, values={"BTS": Decimal(906)})
    assert counts["unchanged"] == 1 and DataValue.history.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_version_check_waits_for_a_save_in_progress(world):
    """PostgreSQL: the second editor's check runs only once the first save has
    committed (it queues on the report's lock), so it sees that save."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    report = report_create(sector=world.telecom, org_unit=world.province, year=2020, user=world.users.staff)
    version = report_values_version(report)
    outcome = {}

    def second_editor():
        try:
            report_values_save(report=report, user=world.users.admin, values={"BTS": Decimal(1)},
                               base_version=version)
            outcome["result"] = "saved"
        except Exception as error:  # noqa: BLE001 - the test reports whatever happened
            outcome["result"] = error
        finally:
            connections.close_all()

    second = threading.Thread(target=second_editor)
    with transaction.atomic():
        report_values_save(report=report, user=world.users.staff, values={"BTS": Decimal(939)},
                           base_version=version)
        second.start()
        assert wait_for(lambda: waiting_on_a_lock() == 1, timeout=30), outcome
    second.join(timeout=30)
    assert isinstance(outcome["result"], ReportChangedError), outcome["result"]
    assert "khi bạn mở trang là (trống), nay đã lưu là 939" in " ".join(outcome["result"].messages)
    assert DataValue.objects.get().value == 939


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the view is frozen for the transaction
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def test_save_and_submit_refused_leaves_the_figures_as_they_were(world, report):
    report_values_save(report=report, user=world.users.staff, values={"BTS": Decimal(939)})
    with pytest.raises(ValidationError):  # clearing the only figure leaves nothing to submit
        report_values_save_and_submit(report=report, user=world.users.staff, values={"BTS": None})
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert DataValue.objects.get(report=report).value == 939


# -- reports of a period shorter than a year ---------------------------------------


def test_a_quarterly_report_holds_the_quarterly_indicators_and_the_yearly_report_the_yearly_ones(
        world, report, quarterly):
    quarter = report_create(sector=world.telecom, org_unit=world.province, year=2020, period=201,
                            user=world.users.staff)
    assert [i.code for i in report_entry_indicators(quarter)] == ["NEW_SUBSCRIBERS"]
    assert [i.code for i in report_entry_indicators(report)] == ["BTS", "COVERAGE_PCT", "HAS_IOC"]
    assert str(quarter) == "Viễn thông – Tỉnh Mẫu – Quý 1/2020" and str(report).endswith("– 2020")


def test_a_quarter_has_one_report_and_a_sector_without_quarterly_indicators_has_none(world, quarterly):
    report_create(sector=world.telecom, org_unit=world.province, year=2025, period=201, user=world.users.staff)
    with pytest.raises(ValidationError, match="Đã có báo cáo Viễn thông của Tỉnh Mẫu kỳ Quý 1/2025"):
        report_create(sector=world.telecom, org_unit=world.province, year=2025, period=201, user=world.users.staff)
    with pytest.raises(ValidationError, match="không có chỉ tiêu nào nhập theo quý"):
        report_create(sector=world.postal, org_unit=world.province, year=2025, period=201,
                      user=world.users.postal_staff)


def test_figures_of_a_quarter_are_stored_with_it_and_a_yearly_indicator_is_refused_by_the_period_rule(
        world, quarterly):
    quarter = report_create(sector=world.telecom, org_unit=world.province, year=2025, period=203,
                            user=world.users.staff)
    report_values_save(report=quarter, user=world.users.staff, values={"NEW_SUBSCRIBERS": Decimal(1200)})
    assert DataValue.objects.values_list("year", "period", "value").get() == (2025, 203, 1200)
    with pytest.raises(ValidationError) as refused:
        report_values_save(report=quarter, user=world.users.staff, values={"BTS": Decimal(1)})
    assert refused.value.message_dict == {
        "BTS": ["Số trạm BTS: Kỳ 2025-Q3 không hợp với tần suất “Năm”: cần một kỳ như 2025."]}


def test_an_approved_quarter_is_recomputed_and_rolled_up_and_the_year_waits_for_all_four(world, quarterly):
    from kpis.aggregation import stale_recompute
    from kpis.models import Aggregate

    def approve(unit, period, figure):
        report = report_create(sector=world.telecom, org_unit=unit, year=2025, period=period, user=world.users.staff)
        report_values_save_and_submit(report=report, user=world.users.staff, values={"NEW_SUBSCRIBERS": figure})
        report_approve(report=report, user=world.users.approver)

    def province(period):
        cell = Aggregate.objects.filter(indicator=quarterly, org_unit=world.province, year=2025, period=period).first()
        return cell and cell.value

    approve(world.d1, 201, Decimal(30))
    approve(world.d2, 201, Decimal(12))
    stale_recompute()
    assert province(201) == 42 and province(0) is None
    for period, figure in ((202, 40), (203, 50)):
        approve(world.d1, period, Decimal(figure))
        approve(world.d2, period, Decimal(1))
    approve(world.d1, 204, Decimal(60))
    stale_recompute()
    assert province(204) == 60
    # Huyện Hai's fourth quarter is missing: it has no year, so the province's year is incomplete.
    year = Aggregate.objects.get(indicator=quarterly, org_unit=world.province, year=2025, period=0)
    assert (year.value, year.is_complete) == (30 + 40 + 50 + 60, False)
    approve(world.d2, 204, Decimal(1))
    stale_recompute()
    # Each district's year is made from its four quarters, then the years roll up (docs/periods.md).
    assert province(0) == 30 + 40 + 50 + 60 + 12 + 1 + 1 + 1
    assert Aggregate.objects.get(indicator=quarterly, org_unit=world.province, year=2025, period=0).is_complete
