"""The domain rules of kpis/rules.py, and that every reader (pages, exports,
charts, the summary text, the recompute engine) applies the same one."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import product

import pytest
from django.db import connection
from django.utils import timezone, translation

from kpis.aggregation import aggregates_recompute, aggregation_state
from kpis.aggregation.version import data_version
from kpis.dashboards import presentation as p
from kpis.dashboards import selectors as dashboard_selectors
from kpis.export import selectors as export_selectors
from kpis.export.charts import comparison_chart
from kpis.export.summary import summary_paragraphs
from kpis.models import (
    Aggregate,
    Aggregation,
    Milestone,
    MilestoneStatus,
    RecomputeRun,
    ReportStatus,
    Target,
    ValueType,
    YearlyReport,
)
from kpis.rules import (
    OPEN_MILESTONE_STATUSES,
    applicable_target,
    applicable_target_year_sql,
    indicator_is_level,
    is_behind,
    is_level,
    milestone_is_open,
    milestone_is_overdue,
    report_status_symbol,
)
from tests.factories import IndicatorFactory, put_values

ISSUED = date(2021, 1, 13)


# --- which target applies to a year --------------------------------------------------------


@dataclass
class _Target:
    year: int


TARGET_YEAR_SETS = [(), (2020,), (2020, 2025), (2025, 2020), (2018, 2022, 2030), (2021, 2021 + 1)]
YEARS = range(2015, 2033)


def _sql_applicable_year(target_years: tuple[int, ...], year: int) -> int | None:
    """The engine's rule, run by PostgreSQL over the given target years."""
    if not target_years:
        return None
    rows = ", ".join("(%s)" for _y in target_years)
    condition = applicable_target_year_sql(target_year="t.year", year="%s")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(t.year) FROM (VALUES {rows}) AS t(year) WHERE {condition}",
                       [*target_years, year])
        return cursor.fetchone()[0]


def test_the_nearest_target_at_or_after_the_year_applies():
    targets = [_Target(2025), _Target(2021), _Target(2030)]
    assert applicable_target(targets, 2019).year == 2021
    assert applicable_target(targets, 2021).year == 2021
    assert applicable_target(targets, 2022).year == 2025
    assert applicable_target(targets, 2030).year == 2030
    assert applicable_target(targets, 2031) is None
    assert applicable_target([], 2020) is None


@pytest.mark.django_db
@pytest.mark.parametrize("target_years", TARGET_YEAR_SETS)
def test_the_python_rule_and_the_engine_sql_agree_on_every_year(target_years):
    for year in YEARS:
        chosen = applicable_target([_Target(y) for y in target_years], year)
        assert (chosen.year if chosen else None) == _sql_applicable_year(target_years, year), (target_years, year)


def test_the_recompute_attaches_the_target_the_pages_and_the_report_show(world):
    put_values([(world.coverage, world.province, year, Decimal("80") + year - 2018) for year in range(2018, 2024)])
    for year, value in ((2019, 80), (2021, 85), (2023, 90)):
        Target.objects.create(indicator=world.coverage, org_unit=world.province, year=year, operator=">=",
                              value=value)
    aggregates_recompute()
    targets = list(Target.objects.filter(indicator=world.coverage))
    dashboard_targets = dashboard_selectors._targets(Target.objects.filter(indicator=world.coverage))
    for cell in Aggregate.objects.filter(indicator=world.coverage, org_unit=world.province):
        expected = applicable_target(targets, cell.year)
        assert cell.target_id == (expected.pk if expected else None), cell.year
        shown = dashboard_selectors.target_for(dashboard_targets[world.coverage.pk], cell.year)
        assert (shown.id if shown else None) == cell.target_id, cell.year


# --- level or count --------------------------------------------------------------------------


@pytest.mark.parametrize("value_type, aggregation, formula, level", [
    (ValueType.PERCENT, Aggregation.SUM, "", True),        # a share stays a share whatever the roll-up
    (ValueType.INTEGER, Aggregation.SUM, "", False),       # subscribers, stations: counts
    (ValueType.DECIMAL, Aggregation.AVERAGE, "", True),
    (ValueType.DECIMAL, Aggregation.NONE, "", True),       # a ratio published only as a ratio
    (ValueType.YES_NO, Aggregation.MAX, "", True),
    (ValueType.DECIMAL, "", "BTS / POPULATION * 10000", True),  # per 10 000 people
    (ValueType.INTEGER, "", "BTS * 2", False),             # a derived sum: still a count
    (ValueType.INTEGER, "", "BTS + POST_OFFICES", False),
    (ValueType.PERCENT, "", "A + B", True),
])
def test_an_indicator_is_a_level_or_a_count(value_type, aggregation, formula, level):
    assert is_level(value_type=value_type, aggregation=aggregation, formula=formula) is level


def test_behind_follows_the_direction():
    assert is_behind("higher", 1, 2) and not is_behind("higher", 2, 1)
    assert is_behind("lower", 2, 1) and not is_behind("lower", 1, 2)


def _report_with_comparison(world, indicator):
    indicator.is_key = True
    indicator.save()
    put_values([(world.bts, world.d1, 2020, 400), (world.bts, world.d2, 2020, 600)])
    aggregates_recompute()
    with translation.override("vi"):
        data = export_selectors.report_data(year=2020, org_unit=world.province, issued_on=ISSUED)
    comparison = next(c for c in data.comparisons if c.indicator.code == indicator.code)
    return data, comparison


def test_the_chart_and_the_summary_treat_a_derived_sum_as_a_count(world):
    """BTS × 2 grows with a district's size: the comparison chart draws no
    "overall level" line for it, and the summary does not call a district
    behind its province on it (they disagreed before: the chart drew the line)."""
    assert not indicator_is_level(world.derived)
    data, comparison = _report_with_comparison(world, world.derived)
    with translation.override("vi"):
        svg = comparison_chart(comparison, fmt="svg").decode()
    assert "Mức chung" not in svg
    assert data.unit_gaps == []  # no level to compare the districts on
    with translation.override("vi"):
        assert "Chưa đủ số liệu năm 2020 của các đơn vị cấp dưới để so sánh." in summary_paragraphs(data)


def test_the_chart_and_the_summary_compare_units_on_a_derived_ratio(world):
    ratio = IndicatorFactory(code="BTS_PER_OFFICE", name="Trạm BTS trên một bưu cục", sector=world.telecom,
                             unit="trạm", value_type="decimal", decimals=1, aggregation="", entry_levels=[],
                             formula="BTS / POST_OFFICES")
    put_values([(world.post_offices, world.d1, 2020, 10), (world.post_offices, world.d2, 2020, 10)])
    assert indicator_is_level(ratio)
    data, comparison = _report_with_comparison(world, ratio)
    with translation.override("vi"):
        svg = comparison_chart(comparison, fmt="svg").decode()
    assert "Mức chung: 50,0" in svg
    assert [(unit.code, behind, compared) for unit, behind, compared in data.unit_gaps] == [
        ("P-D1", 1, 1), ("P-D2", 0, 1)]


# --- milestones -----------------------------------------------------------------------------


def test_open_milestones_are_those_not_started_or_in_progress():
    assert set(OPEN_MILESTONE_STATUSES) == {MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS}
    assert [milestone_is_open(s) for s in MilestoneStatus.values] == [
        s in (MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS) for s in MilestoneStatus.values]


@pytest.mark.parametrize("status, days, overdue", [
    (status, days, status in OPEN_MILESTONE_STATUSES and days < 0)
    for status, days in product(MilestoneStatus.values, (-30, -1, 0, 30))
])
def test_overdue_means_open_and_past_due(status, days, overdue):
    today = date(2024, 6, 1)
    assert milestone_is_overdue(status=status, due=today + timedelta(days=days), on=today) is overdue


def test_the_dashboard_marks_overdue_exactly_the_milestones_the_rule_does(world):
    today = timezone.localdate()
    for n, (status, days) in enumerate(product(MilestoneStatus.values, (-10, 0, 10))):
        Milestone.objects.create(code=f"M{n}", sector=world.telecom, title=f"Việc {n}", status=status,
                                 due=today + timedelta(days=days),
                                 completed_on=today if status == MilestoneStatus.DONE else None)
    for milestone in dashboard_selectors.milestones_annotated():
        assert bool(milestone.overdue) == milestone_is_overdue(status=milestone.status, due=milestone.due, on=today)


# --- data version and the last recompute ---------------------------------------------------


def test_the_last_recompute_is_the_run_that_finished_last_for_every_reader(world):
    now = timezone.now()
    finished_last = RecomputeRun.objects.create(kind="full", started_at=now - timedelta(minutes=9),
                                                finished_at=now)
    # A later row that finished earlier (an incremental run committed after a long full one).
    RecomputeRun.objects.create(kind="incremental", started_at=now - timedelta(minutes=8),
                                finished_at=now - timedelta(minutes=5))
    version = data_version()
    assert version.run_id == finished_last.pk and version.finished_at == now
    assert aggregation_state().last_recompute == now
    data = export_selectors.report_data(year=2020, org_unit=world.province, issued_on=ISSUED)
    assert data.last_recompute == now


def test_pages_and_exports_share_one_data_version(world):
    assert export_selectors.data_version() == data_version().token
    before = export_selectors.data_version()
    YearlyReport.objects.create(sector=world.telecom, org_unit=world.province, year=2020)
    assert export_selectors.data_version() != before  # report statuses are part of it too


# --- report statuses -------------------------------------------------------------------------


def test_the_admin_and_the_dashboards_show_the_same_symbol_for_each_report_status(world):
    from kpis.admin.reports import status_badge

    for status in ReportStatus.values:
        report = YearlyReport(sector=world.telecom, org_unit=world.province, year=2020, status=status)
        symbol = report_status_symbol(status)
        assert symbol and f">{symbol} " in status_badge(report)
        assert p.report_badge(status).symbol == symbol
    assert len({report_status_symbol(s) for s in ReportStatus.values}) == len(ReportStatus.values)


def test_the_completeness_legend_lists_the_symbols_of_the_rule():
    with translation.override("vi"):
        legend = {badge.key: badge.symbol for badge in p.report_legend()}
    for status in ReportStatus.values:
        assert legend[status] == report_status_symbol(status)
