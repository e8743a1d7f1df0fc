"""Migration 0023 (periods) on a database that holds yearly data: every
existing report, figure and aggregate becomes the yearly one (period 0), the
recompute finds the stored aggregates already right, and the integrity check
now also matches a figure's period with its report's."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kpis.aggregation import aggregates_check, aggregates_recompute
from kpis.models import Aggregate, DataValue, Indicator, OrgUnit, YearlyReport

pytestmark = pytest.mark.schema_migration  # own process: see the Makefile's test target

BEFORE = [("kpis", "0022_orgunit_level_index")]
D = Decimal


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _aggregate(Aggregate, indicator, unit, year, value, *, method="entered", children=0, previous=None, pct=None):
    """A yearly aggregate as the engine before periods stored it."""
    return Aggregate.objects.create(
        indicator=indicator, org_unit=unit, year=year, value=value, method=method, children_count=children,
        expected_children=children, is_complete=True, previous_value=previous,
        change=None if previous is None else value - previous, change_pct=pct)


@pytest.fixture
def yearly_data_before_periods(transactional_db):
    """Reports, figures and aggregates written at 0022, through the models of that state."""
    old = _migrate(BEFORE)
    unit, sector, indicator = old.get_model("kpis", "OrgUnit"), old.get_model("kpis", "Sector"), \
        old.get_model("kpis", "Indicator")
    report, value, aggregate = old.get_model("kpis", "YearlyReport"), old.get_model("kpis", "DataValue"), \
        old.get_model("kpis", "Aggregate")
    p = unit.objects.create(code="P", name="Tỉnh P", level="province")
    a = unit.objects.create(code="A", name="Xã A", level="commune", parent=p)
    b = unit.objects.create(code="B", name="Xã B", level="commune", parent=p)
    s = sector.objects.create(code="S", name="Lĩnh vực S", position=1)
    x = indicator.objects.create(code="X", name="Chỉ tiêu X", sector=s, unit="hồ sơ", value_type="integer",
                                 aggregation="sum", entry_levels=["commune"])
    for year, figures in ((2024, {a: 10, b: 20}), (2025, {a: 15, b: 25})):
        for org_unit, figure in figures.items():
            r = report.objects.create(sector=s, org_unit=org_unit, year=year, status="approved",
                                      submitted_at=timezone.now(), approved_at=timezone.now())
            value.objects.create(report=r, indicator=x, org_unit=org_unit, year=year, value=figure)
    _aggregate(aggregate, x, a, 2024, D(10))
    _aggregate(aggregate, x, b, 2024, D(20))
    _aggregate(aggregate, x, p, 2024, D(30), method="rollup", children=2)
    _aggregate(aggregate, x, a, 2025, D(15), previous=D(10), pct=D(50))
    _aggregate(aggregate, x, b, 2025, D(25), previous=D(20), pct=D(25))
    _aggregate(aggregate, x, p, 2025, D(40), method="rollup", children=2, previous=D(30), pct=D("33.33333333"))
    # 0023 and every migration after it: the code under test reads the current schema.
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    yield


@pytest.mark.django_db(transaction=True)
def test_existing_yearly_data_becomes_period_zero_and_recomputes_to_the_same_figures(yearly_data_before_periods):
    assert YearlyReport.objects.count() == 4 and set(YearlyReport.objects.values_list("period", flat=True)) == {0}
    assert DataValue.objects.count() == 4 and set(DataValue.objects.values_list("period", flat=True)) == {0}
    assert Aggregate.objects.count() == 6 and set(Aggregate.objects.values_list("period", flat=True)) == {0}
    assert set(Indicator.objects.values_list("frequency", "time_aggregation")) == {("year", "")}
    assert aggregates_check() == (0, [])  # what was stored is what the engine with periods computes
    outcome = aggregates_recompute()
    assert outcome.changed == 0
    province = Aggregate.objects.get(org_unit__code="P", year=2025)
    assert (province.value, province.previous_value, province.period) == (40, 30, 0)


@pytest.mark.django_db(transaction=True)
def test_after_the_migration_a_figure_must_match_its_reports_period(yearly_data_before_periods):
    if connection.vendor != "postgresql":
        pytest.skip("the integrity trigger is PostgreSQL's")
    report = YearlyReport.objects.get(org_unit__code="A", year=2025)
    with pytest.raises(IntegrityError, match="period of report"), transaction.atomic():
        DataValue.objects.filter(report=report).update(period=201)
    unit = OrgUnit.objects.get(code="A")
    quarter = YearlyReport.objects.create(sector=report.sector, org_unit=unit, year=2025, period=201,
                                          status="approved", submitted_at=timezone.now(), approved_at=timezone.now())
    DataValue.objects.create(report=quarter, indicator=Indicator.objects.get(code="X"), org_unit=unit, year=2025,
                             period=201, value=3)  # a quarterly report beside the yearly one of the same year
    assert YearlyReport.objects.filter(org_unit=unit, year=2025).count() == 2
