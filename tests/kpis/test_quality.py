"""Warnings on implausible figures (docs/data-quality.md): the rules, the
selector that applies them to reports, and acknowledging a warning."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpis.models import AuditAction, AuditEvent, WarningAcknowledgement, WarningKind, YearlyReport
from kpis.quality import DEFAULT_MAX_CHANGE_RATIO, flat_check, is_flow, jump_check, modified_z_score
from kpis.quality_selectors import report_quality, reports_quality
from kpis.services.quality import warning_acknowledge
from kpis.services.reports import (
    report_approve,
    report_create,
    report_return,
    report_submit,
    report_values_save,
)
from tests.factories import IndicatorFactory, OrgUnitFactory, ValidationRuleFactory, put_values


def submitted(world, values, *, unit=None, year=2020):
    report = report_create(sector=world.telecom, org_unit=unit or world.province, year=year, user=world.users.staff)
    report_values_save(report=report, user=world.users.staff, values=values)
    return report_submit(report=report, user=world.users.staff)


def approved(world, values, *, unit=None, year=2019):
    return report_approve(report=submitted(world, values, unit=unit, year=year), user=world.users.approver)


def warnings_of(report, code=None):
    return [(w.indicator.code, w.kind) for row in report_quality(report) for w in row.open_warnings
            if code is None or w.indicator.code == code]


# --- The rules ------------------------------------------------------------------------------------


def test_modified_z_score_needs_a_sample_and_measures_robust_distance():
    assert modified_z_score(1.0, [0.0] * 4) is None
    assert modified_z_score(0.0, [0.0, 0.1, -0.1, 0.05, -0.05]) == 0
    assert modified_z_score(2.3, [0.0, 0.1, -0.1, 0.05, -0.05]) > 3.5


def test_jump_check_default_ratio_per_indicator_ratio_and_peers():
    assert jump_check(ratio=Decimal(10), own_ratios=[], peer_ratios=[]).threshold == DEFAULT_MAX_CHANGE_RATIO
    assert jump_check(ratio=Decimal("1.1"), own_ratios=[], peer_ratios=[]) is None
    assert jump_check(ratio=Decimal("0.2"), own_ratios=[], peer_ratios=[]) is not None
    assert jump_check(ratio=Decimal("1.6"), own_ratios=[], peer_ratios=[], max_change_ratio=Decimal("1.5"))
    steady = [Decimal("1.02"), Decimal("0.98"), Decimal("1.05"), Decimal("1.0"), Decimal("1.03")]
    assert jump_check(ratio=Decimal(10), own_ratios=steady, peer_ratios=[]).score > 3.5
    jumped = [Decimal(9), Decimal(10), Decimal(11), Decimal("10.5"), Decimal("9.5")]
    # Outside the unit's own history but in line with every peer: normal.
    assert jump_check(ratio=Decimal(10), own_ratios=steady, peer_ratios=jumped) is None


def test_flows_are_sub_annual_sums_and_yearly_summed_counts(world, quarterly):
    assert is_flow(quarterly) and is_flow(world.bts)
    assert not is_flow(world.coverage) and not is_flow(world.has_ioc)
    stock = IndicatorFactory(code="STOCK_Q", sector=world.telecom, frequency="quarter", time_aggregation="last")
    assert not is_flow(stock)
    assert flat_check(indicator=world.bts, current=Decimal(5), previous=Decimal(5))
    assert not flat_check(indicator=world.bts, current=Decimal(0), previous=Decimal(0))
    assert not flat_check(indicator=world.coverage, current=Decimal(5), previous=Decimal(5))


# --- Applied to reports ----------------------------------------------------------------------------


def test_a_figure_that_jumped_tenfold_warns_and_a_normal_one_does_not(world):
    approved(world, {"BTS": Decimal(900), "COVERAGE_PCT": Decimal(50)})
    report = submitted(world, {"BTS": Decimal(9000), "COVERAGE_PCT": Decimal(55)})
    assert warnings_of(report) == [("BTS", WarningKind.JUMP)]
    row = next(row for row in report_quality(report) if row.indicator.code == "BTS")
    assert row.previous == 900 and row.change == 8100
    assert row.change_text == "+8.100 (+900,0 %)"
    assert "Gấp 10 lần" in row.warnings[0].message


def test_a_fall_to_a_tiny_share_reads_as_that_share_never_as_zero_times(world):
    approved(world, {"BTS": Decimal(973)})
    report = submitted(world, {"BTS": Decimal(4)})
    message = report_quality(report)[0].warnings[0].message
    assert message.startswith("Gấp 0,0041 lần cùng kỳ năm trước (973)"), message
    approved(world, {"BTS": Decimal(400)}, year=2021)
    assert "Gấp 0,2 lần" in report_quality(submitted(world, {"BTS": Decimal(80)}, year=2022))[0].warnings[0].message


def test_a_per_indicator_ratio_is_stricter_than_the_default(world):
    world.coverage.max_change_ratio = Decimal("1.05")
    world.coverage.save()
    approved(world, {"COVERAGE_PCT": Decimal(50)})
    assert warnings_of(submitted(world, {"COVERAGE_PCT": Decimal(55)})) == [("COVERAGE_PCT", WarningKind.JUMP)]


def district_peers(world, count=5):
    return [OrgUnitFactory(code=f"P-X{n}", name=f"Huyện {n}", level="district", parent=world.province)
            for n in range(count)]


def test_a_jump_among_steady_peers_warns(world):
    peers = district_peers(world)
    put_values([(world.bts, unit, 2019, Decimal(100)) for unit in peers])
    put_values([(world.bts, unit, 2020, Decimal(100 + n)) for n, unit in enumerate(peers)], status="submitted")
    approved(world, {"BTS": Decimal(100)}, unit=world.d1)
    report = submitted(world, {"BTS": Decimal(250)}, unit=world.d1)  # 2.5×: under the default ratio
    assert warnings_of(report) == [("BTS", WarningKind.JUMP)]
    assert "điểm z hiệu chỉnh" in report_quality(report)[0].warnings[0].message


def test_peers_make_a_province_wide_jump_normal(world):
    peers = district_peers(world)
    put_values([(world.bts, unit, 2019, Decimal(100)) for unit in peers])
    put_values([(world.bts, unit, 2020, Decimal(1000 + 10 * n)) for n, unit in enumerate(peers)],
               status="submitted")
    approved(world, {"BTS": Decimal(100)}, unit=world.d1)
    assert warnings_of(submitted(world, {"BTS": Decimal(1000)}, unit=world.d1)) == []


def test_drafts_of_peers_do_not_count(world):
    peers = district_peers(world)
    put_values([(world.bts, unit, 2019, Decimal(100)) for unit in peers])
    put_values([(world.bts, unit, 2020, Decimal(1000)) for unit in peers], status="draft")
    approved(world, {"BTS": Decimal(100)}, unit=world.d1)
    assert warnings_of(submitted(world, {"BTS": Decimal(1000)}, unit=world.d1)) == [("BTS", WarningKind.JUMP)]


def test_a_flow_equal_to_last_year_warns_and_a_stock_does_not(world):
    approved(world, {"BTS": Decimal(906), "COVERAGE_PCT": Decimal("92.7")})
    report = submitted(world, {"BTS": Decimal(906), "COVERAGE_PCT": Decimal("92.7")})
    assert warnings_of(report) == [("BTS", WarningKind.FLAT)]


def test_a_broken_rule_warns_on_each_of_its_figures(world):
    report = submitted(world, {"BTS": Decimal(906), "COVERAGE_PCT": Decimal(50)})
    assert warnings_of(report) == []
    # Entry refuses a broken rule; a rule added later (or another sector's figure changed) breaks it afterwards.
    ValidationRuleFactory(code="BTS_COVERAGE", left="BTS", operator="<=", right="COVERAGE_PCT * 10",
                          message="Số trạm BTS quá nhiều so với độ phủ sóng")
    assert warnings_of(report) == [("BTS", WarningKind.RULE), ("COVERAGE_PCT", WarningKind.RULE)]
    warning = report_quality(report)[0].warnings[0]
    assert warning.rule_code == "BTS_COVERAGE" and "Số trạm BTS quá nhiều" in warning.message


# --- Acknowledging ------------------------------------------------------------------------------


@pytest.fixture
def jumped(world):
    approved(world, {"BTS": Decimal(900)})
    return submitted(world, {"BTS": Decimal(9000)})


def test_acknowledging_records_who_when_and_an_audit_event_and_closes_it(world, jumped):
    ack = warning_acknowledge(report=jumped, indicator=world.bts, kind=WarningKind.JUMP,
                              user=world.users.approver, note="Đã hỏi Sở: thêm trạm 5G")
    assert (ack.user, ack.value, ack.note) == (world.users.approver, Decimal(9000), "Đã hỏi Sở: thêm trạm 5G")
    assert ack.at is not None
    event = AuditEvent.objects.get(action=AuditAction.WARNING_ACKNOWLEDGED)
    assert event.username == "approver" and "BTS jump" in event.detail
    assert warnings_of(jumped) == []
    warning = report_quality(jumped)[0].warnings[0]
    assert warning.acknowledged_by == "approver" and warning.acknowledged_note == "Đã hỏi Sở: thêm trạm 5G"
    with pytest.raises(ValidationError):  # nothing left to acknowledge
        warning_acknowledge(report=jumped, indicator=world.bts, kind=WarningKind.JUMP, user=world.users.approver)


def test_a_changed_value_reopens_the_warning(world, jumped):
    warning_acknowledge(report=jumped, indicator=world.bts, kind=WarningKind.JUMP, user=world.users.approver)
    report_return(report=jumped, user=world.users.approver, reason="Sửa số trạm")
    report_values_save(report=jumped, user=world.users.staff, values={"BTS": Decimal(9500)})
    report = report_submit(report=jumped, user=world.users.staff)
    assert warnings_of(report) == [("BTS", WarningKind.JUMP)]


def test_only_a_reviewer_acknowledges(world, jumped):
    for user in (world.users.staff, world.users.viewer):
        with pytest.raises(PermissionDenied):
            warning_acknowledge(report=jumped, indicator=world.bts, kind=WarningKind.JUMP, user=user)
    assert not WarningAcknowledgement.objects.exists()


def test_warnings_do_not_block_approval(world, jumped):
    assert warnings_of(jumped)
    assert report_approve(report=jumped, user=world.users.approver).status == "approved"


def test_the_selector_costs_the_same_queries_for_one_report_or_many(world):
    ValidationRuleFactory(code="BTS_COVERAGE", left="BTS", operator="<=", right="COVERAGE_PCT * 10")
    approved(world, {"BTS": Decimal(900)})
    one = submitted(world, {"BTS": Decimal(9000)})
    peers = district_peers(world)
    put_values([(world.bts, unit, 2019, Decimal(100)) for unit in peers])
    put_values([(world.bts, unit, 2020, Decimal(100)) for unit in peers], status="submitted")
    many = [one, submitted(world, {"BTS": Decimal(5)}, unit=world.d1),
            submitted(world, {"BTS": Decimal(7)}, unit=world.d2)]
    many = list(YearlyReport.objects.select_related("org_unit", "sector").filter(pk__in=[r.pk for r in many]))
    with CaptureQueriesContext(connection) as single:
        reports_quality([r for r in many if r.org_unit_id == world.d1.pk])
    with CaptureQueriesContext(connection) as several:
        reports_quality(many)
    assert len(single) == len(several) == 5


def test_a_quarterly_flow_is_compared_with_the_same_quarter_a_year_earlier(world, quarterly):
    def quarter_report(year, value):
        report = report_create(sector=world.telecom, org_unit=world.province, year=year, period=201,
                               user=world.users.staff)
        report_values_save(report=report, user=world.users.staff, values={"NEW_SUBSCRIBERS": value})
        return report_submit(report=report, user=world.users.staff)

    report_approve(report=quarter_report(2019, Decimal(1200)), user=world.users.approver)
    report = quarter_report(2020, Decimal(1200))
    assert warnings_of(report) == [("NEW_SUBSCRIBERS", WarningKind.FLAT)]
    assert report_quality(report)[0].previous == 1200
