"""The recompute rules, checked against numbers worked out by hand."""

from decimal import Decimal

import pytest

from kpis.aggregation import FULL, aggregates_check, aggregates_recompute
from kpis.models import Aggregate, Target
from tests.factories import IndicatorFactory, OrgUnitFactory, SectorFactory, put_values

D = Decimal


@pytest.fixture
def tree(db):
    """Province P; districts D1 (communes C1a, C1b) and D2 (communes C2a, C2b)."""
    p = OrgUnitFactory(code="P", level="province")
    d1 = OrgUnitFactory(code="D1", level="district", parent=p)
    d2 = OrgUnitFactory(code="D2", level="district", parent=p)
    units = {"P": p, "D1": d1, "D2": d2}
    for code, parent in (("C1A", d1), ("C1B", d1), ("C2A", d2), ("C2B", d2)):
        units[code] = OrgUnitFactory(code=code, level="commune", parent=parent)
    return units


@pytest.fixture
def sector(db):
    return SectorFactory(code="TELECOM")


def indicator(sector, code, **fields):
    defaults = {"aggregation": "sum", "entry_levels": ["province", "district", "commune"]}
    return IndicatorFactory(code=code, sector=sector, **{**defaults, **fields})


def agg(indicator, unit, year):
    return Aggregate.objects.filter(indicator=indicator, org_unit=unit, year=year).first()


def test_sum_rolls_up_three_levels_and_counts_completeness(tree, sector):
    bts = indicator(sector, "BTS")
    put_values([(bts, tree["C1A"], 2020, 10), (bts, tree["C1B"], 2020, 20), (bts, tree["C2A"], 2020, 5)])
    aggregates_recompute()
    d1, d2, p = agg(bts, tree["D1"], 2020), agg(bts, tree["D2"], 2020), agg(bts, tree["P"], 2020)
    assert (d1.value, d1.method, d1.children_count, d1.expected_children, d1.is_complete) == (30, "rollup", 2, 2, True)
    assert (d2.value, d2.children_count, d2.expected_children, d2.is_complete) == (5, 1, 2, False)
    assert (p.value, p.children_count, p.expected_children, p.is_complete) == (35, 2, 2, False)
    assert agg(bts, tree["C2B"], 2020) is None


def test_entered_value_wins_over_the_roll_up(tree, sector):
    bts = indicator(sector, "BTS")
    put_values([(bts, tree["C1A"], 2020, 10), (bts, tree["C2A"], 2020, 5), (bts, tree["D2"], 2020, 7)])
    aggregates_recompute()
    assert agg(bts, tree["D2"], 2020).method == "entered"
    assert agg(bts, tree["P"], 2020).value == 17  # D1's roll-up 10 + D2's entered 7


@pytest.mark.parametrize(("aggregation", "expected"), [("average", D(15)), ("min", D(10)), ("max", D(20))])
def test_other_aggregations(tree, sector, aggregation, expected):
    speed = indicator(sector, "SPEED", aggregation=aggregation, value_type="decimal", decimals=1)
    put_values([(speed, tree["C1A"], 2020, 10), (speed, tree["C1B"], 2020, 20)])
    aggregates_recompute()
    assert agg(speed, tree["D1"], 2020).value == expected


def test_aggregation_none_does_not_roll_up(tree, sector):
    index = indicator(sector, "DTI", aggregation="none", value_type="decimal", decimals=4)
    put_values([(index, tree["D1"], 2020, D("0.3215"))])
    aggregates_recompute()
    assert agg(index, tree["D1"], 2020).value == D("0.3215")
    assert agg(index, tree["P"], 2020) is None


def test_ratio_is_sum_over_sum_never_mean_of_ratios(tree, sector):
    subs = indicator(sector, "SUBS")
    pop = indicator(sector, "POP")
    per100 = indicator(sector, "SUBS_PER_100", aggregation="", entry_levels=[], value_type="decimal",
                       decimals=1, formula="SUBS / POP * 100")
    put_values([(subs, tree["D1"], 2020, 90), (pop, tree["D1"], 2020, 100),
                (subs, tree["D2"], 2020, 10), (pop, tree["D2"], 2020, 50)])
    aggregates_recompute()
    assert agg(per100, tree["D1"], 2020).value == 90
    assert agg(per100, tree["D2"], 2020).value == 20
    province = agg(per100, tree["P"], 2020)
    assert province.value == Decimal("66.66666667")  # 100 / 150, not (90 + 20) / 2 = 55
    assert province.method == "derived"


def test_derived_of_derived_and_missing_component(tree, sector):
    a, b = indicator(sector, "A"), indicator(sector, "B")
    total = indicator(sector, "TOTAL", aggregation="", entry_levels=[], formula="A + B")
    double = indicator(sector, "DOUBLE", aggregation="", entry_levels=[], formula="TOTAL * 2")
    put_values([(a, tree["D1"], 2020, 3), (b, tree["D1"], 2020, 4), (a, tree["D2"], 2020, 1)])
    aggregates_recompute()
    assert agg(double, tree["D1"], 2020).value == 14
    assert agg(total, tree["D2"], 2020) is None  # B missing: no value, not 1
    assert agg(double, tree["D2"], 2020) is None


def test_division_by_zero_gives_no_value(tree, sector):
    a, b = indicator(sector, "A"), indicator(sector, "B")
    ratio = indicator(sector, "RATIO", aggregation="", entry_levels=[], formula="A / B")
    put_values([(a, tree["D1"], 2020, 3), (b, tree["D1"], 2020, 0)])
    aggregates_recompute()
    assert agg(ratio, tree["D1"], 2020) is None


def test_only_approved_values_count(tree, sector):
    bts = indicator(sector, "BTS")
    put_values([(bts, tree["C1A"], 2020, 10)])
    put_values([(bts, tree["C1B"], 2020, 99)], status="submitted")
    aggregates_recompute()
    assert agg(bts, tree["D1"], 2020).value == 10
    assert agg(bts, tree["C1B"], 2020) is None


def test_previous_year_and_change(tree, sector):
    bts = indicator(sector, "BTS")
    put_values([(bts, tree["P"], 2019, 906), (bts, tree["P"], 2020, 939)])
    aggregates_recompute()
    cell = agg(bts, tree["P"], 2020)
    assert (cell.previous_value, cell.change) == (906, 33)
    assert round(cell.change_pct, 1) == D("3.6")
    assert agg(bts, tree["P"], 2019).previous_value is None


def test_abolished_units_do_not_count_after_their_last_year(tree, sector):
    bts = indicator(sector, "BTS")
    tree["C1B"].valid_to = 2019
    tree["C1B"].save()
    put_values([(bts, tree["C1A"], 2020, 10), (bts, tree["C1A"], 2019, 8), (bts, tree["C1B"], 2019, 5)])
    aggregates_recompute()
    assert agg(bts, tree["D1"], 2019).value == 13
    d1 = agg(bts, tree["D1"], 2020)
    assert (d1.value, d1.expected_children, d1.is_complete) == (10, 1, True)


def test_check_finds_tampering_and_recompute_is_idempotent(tree, sector):
    bts = indicator(sector, "BTS")
    put_values([(bts, tree["C1A"], 2020, 10)])
    first = aggregates_recompute()
    assert first.inserted == 3  # C1A, D1, P
    assert aggregates_recompute().changed == 0
    assert aggregates_check()[0] == 0
    Aggregate.objects.filter(org_unit=tree["P"]).update(value=11)
    count, rows = aggregates_check()
    assert count == 1 and rows[0][2] == 2020
    assert aggregates_recompute(scope=FULL).updated == 1


# Progress status: a target of 100 in 2025 for an indicator entered at P.
def status_for(tree, sector, values, *, operator=">=", target=100, direction="higher", baseline_year=None,
               year=None):
    ind = indicator(sector, "X", direction=direction, value_type="decimal", decimals=2)
    Target.objects.create(indicator=ind, org_unit=tree["P"], year=2025, operator=operator, value=target,
                          baseline_year=baseline_year)
    put_values([(ind, tree["P"], y, v) for y, v in values.items()])
    aggregates_recompute()
    cell = agg(ind, tree["P"], year or max(values))
    return cell.status, cell.achievement_pct


@pytest.mark.parametrize(("values", "expected"), [
    ({2025: 100}, "achieved"),
    ({2025: 99}, "not_achieved"),
    ({2023: 120}, "achieved"),               # already past the target before the target year
    ({2021: 50}, "no_data"),                 # one data point
    # baseline 50 in 2020, target 100 in 2025: required CAGR 14.87 %
    ({2020: 50, 2022: 66}, "on_track"),      # observed 14.89 % → R 1.00
    ({2020: 50, 2022: 60}, "needs_acceleration"),  # 9.54 % → R 0.64
    ({2020: 50, 2022: 52}, "limited_progress"),    # 1.98 % → R 0.13
    ({2020: 50, 2022: 45}, "deterioration"),       # negative
])
def test_progress_status_higher_is_better(tree, sector, values, expected):
    assert status_for(tree, sector, values)[0] == expected


def test_progress_status_lower_is_better(tree, sector):
    # rank 40 in 2020, target ≤ 10 in 2025; rank 20 in 2022 is fast enough
    status, achievement = status_for(tree, sector, {2020: 40, 2022: 20}, operator="<=", target=10,
                                     direction="lower")
    assert status == "on_track"
    assert achievement == 50  # 10 / 20


def test_explicit_baseline_year_and_zero_base(tree, sector):
    # baseline 2021 is 0 (taken as 0.001): any growth to 2023 counts as on track
    assert status_for(tree, sector, {2020: 80, 2021: 0, 2023: 30}, baseline_year=2021)[0] == "on_track"


def test_no_target_no_status_and_target_year_passed(tree, sector):
    status, achievement = status_for(tree, sector, {2020: 50, 2026: 70}, year=2026)
    assert status is None and achievement is None  # no target at or after 2026


def test_achievement_percentage(tree, sector):
    assert status_for(tree, sector, {2020: 50, 2022: 60})[1] == 60



@pytest.mark.django_db
def test_the_connection_gives_the_work_tables_the_configured_room(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("temp_buffers is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT setting::bigint * 8 / 1024 FROM pg_settings WHERE name = 'temp_buffers'")
        assert cursor.fetchone()[0] == settings.AGGREGATION_TEMP_BUFFERS_MB
