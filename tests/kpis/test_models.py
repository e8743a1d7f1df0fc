"""Invariants the database itself keeps, whatever code (or SQL) writes."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Q

from kpis.models import DataValue, Indicator, OrgUnit, Target, YearlyReport
from kpis.services.reports import report_create, report_values_save


def assert_refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.fixture
def report(world):
    return report_create(sector=world.telecom, org_unit=world.province, year=2020, user=world.users.staff)


def test_one_value_per_indicator_unit_and_year(world, report):
    report_values_save(report=report, user=world.users.staff, values={"BTS": Decimal(939)})
    assert_refused(lambda: DataValue.objects.create(report=report, indicator=world.bts,
                                                    org_unit=world.province, year=2020, value=1))


def test_derived_indicator_cannot_have_entered_values(world, report):
    assert_refused(lambda: DataValue.objects.create(report=report, indicator=world.derived,
                                                    org_unit=world.province, year=2020, value=1))


def test_value_must_match_its_report(world, report):
    assert_refused(lambda: DataValue.objects.create(report=report, indicator=world.bts,
                                                    org_unit=world.d1, year=2020, value=1))
    assert_refused(lambda: DataValue.objects.create(report=report, indicator=world.bts,
                                                    org_unit=world.province, year=2021, value=1))
    assert_refused(lambda: DataValue.objects.create(report=report, indicator=world.post_offices,
                                                    org_unit=world.province, year=2020, value=1))


def test_every_row_a_statement_writes_is_checked(world, report):
    """The check runs once per statement over the rows it wrote (an import writes
    thousands at once): one wrong row among right ones is refused, and so is an
    update that moves a figure away from its report."""
    assert_refused(lambda: DataValue.objects.bulk_create([
        DataValue(report=report, indicator=world.bts, org_unit=world.province, year=2020, value=1),
        DataValue(report=report, indicator=world.coverage, org_unit=world.province, year=2020, value=1),
        DataValue(report=report, indicator=world.derived, org_unit=world.province, year=2020, value=1)]))
    assert not DataValue.objects.exists()
    report_values_save(report=report, user=world.users.staff, values={"BTS": Decimal(939)})
    assert_refused(lambda: DataValue.objects.filter(report=report).update(org_unit=world.d1))
    assert_refused(lambda: DataValue.objects.filter(report=report).update(year=2021))
    assert_refused(lambda: DataValue.objects.filter(report=report).update(indicator=world.derived))
    DataValue.objects.filter(report=report).update(value=940)
    assert DataValue.objects.get().value == 940


def test_indicator_with_values_cannot_become_derived_or_move_sector(world, report):
    report_values_save(report=report, user=world.users.staff, values={"BTS": Decimal(939)})
    assert_refused(lambda: Indicator.objects.filter(pk=world.bts.pk).update(
        formula="COVERAGE_PCT * 2", aggregation="", entry_levels=[]))
    assert_refused(lambda: Indicator.objects.filter(pk=world.bts.pk).update(sector=world.postal))


def test_entered_xor_derived(world):
    assert_refused(lambda: Indicator.objects.create(code="BOTH", name="x", sector=world.telecom,
                                                    value_type="integer", aggregation="sum", formula="BTS"))
    assert_refused(lambda: Indicator.objects.create(code="NEITHER", name="x", sector=world.telecom,
                                                    value_type="integer", aggregation="", formula=""))
    assert_refused(lambda: Indicator.objects.create(code="DERIVED_ENTERED", name="x", sector=world.telecom,
                                                    value_type="integer", aggregation="", formula="BTS",
                                                    entry_levels=["province"]))


def test_codes_are_unique(world):
    assert_refused(lambda: Indicator.objects.create(code="BTS", name="again", sector=world.telecom,
                                                    value_type="integer", aggregation="sum"))
    assert_refused(lambda: OrgUnit.objects.create(code="P", name="again", level="province"))


def test_unknown_choices_are_refused(world):
    assert_refused(lambda: Indicator.objects.create(code="X", name="x", sector=world.telecom,
                                                    value_type="integr", aggregation="sum"))
    assert_refused(lambda: OrgUnit.objects.create(code="X", name="x", level="hamlet"))


def test_report_states_carry_their_facts(world, report):
    assert_refused(lambda: YearlyReport.objects.filter(pk=report.pk).update(status="approved"))
    assert_refused(lambda: YearlyReport.objects.filter(pk=report.pk).update(status="submitted"))
    assert_refused(lambda: YearlyReport.objects.filter(pk=report.pk).update(status="returned"))
    assert_refused(lambda: YearlyReport.objects.create(sector=world.telecom, org_unit=world.province,
                                                       year=2020))


def test_target_rules(world):
    Target.objects.create(indicator=world.bts, org_unit=world.province, year=2025, operator=">=", value=1000)
    assert_refused(lambda: Target.objects.create(indicator=world.bts, org_unit=world.province, year=2025,
                                                 operator=">=", value=5))
    assert_refused(lambda: Target.objects.create(indicator=world.bts, org_unit=world.d1, year=2025,
                                                 operator=">=", value=5, baseline_year=2025))
    assert_refused(lambda: Target.objects.create(indicator=world.bts, org_unit=world.d1, year=2024,
                                                 operator="!=", value=5))


def test_org_unit_cannot_be_its_own_parent_or_end_before_it_starts(world):
    assert_refused(lambda: OrgUnit.objects.filter(pk=world.d1.pk).update(parent=world.d1))
    assert_refused(lambda: OrgUnit.objects.create(code="NEW", name="x", level="commune",
                                                  valid_from=2025, valid_to=2024))


def test_parent_cycle_is_caught_by_clean(world):
    from django.core.exceptions import ValidationError
    world.province.parent = world.d1
    with pytest.raises(ValidationError):
        world.province.full_clean()


def test_org_unit_validity_years(world):
    merged = OrgUnit.objects.create(code="OLD", name="Huyện cũ", level="district", valid_to=2024)
    assert merged.is_active_in(2024) and not merged.is_active_in(2025)
    assert OrgUnit.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=2025)).filter(code="OLD").count() == 0
