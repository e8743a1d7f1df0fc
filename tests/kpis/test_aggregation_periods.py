"""Periods shorter than a year in the recompute: longer periods from shorter
ones only when all are there, per time aggregation; derived figures per
period; targets and status on yearly figures only (docs/periods.md)."""

from decimal import Decimal

import pytest

from kpis.aggregation import aggregates_check, aggregates_recompute
from kpis.models import Aggregate, Target
from kpis.periods import Period
from tests.factories import IndicatorFactory, OrgUnitFactory, SectorFactory, put_values

D = Decimal


@pytest.fixture
def tree(db):
    p = OrgUnitFactory(code="P", level="province")
    return {"P": p, "A": OrgUnitFactory(code="A", level="commune", parent=p),
            "B": OrgUnitFactory(code="B", level="commune", parent=p)}


@pytest.fixture
def sector(db):
    return SectorFactory(code="ADMIN")


def indicator(sector, code, frequency="quarter", time_aggregation="sum", **fields):
    defaults = {"aggregation": "sum", "entry_levels": ["province", "commune"]}
    return IndicatorFactory(code=code, sector=sector, frequency=frequency, time_aggregation=time_aggregation,
                            **{**defaults, **fields})


def value(indicator, unit, period):
    period = Period.parse(period)
    cell = Aggregate.objects.filter(indicator=indicator, org_unit=unit, year=period.year,
                                    period=period.part).first()
    return None if cell is None else cell.value


def quarters(indicator, unit, year, figures):
    return [(indicator, unit, f"{year}-Q{n}", figure) for n, figure in enumerate(figures, start=1)
            if figure is not None]


@pytest.mark.parametrize(("time_aggregation", "half", "year"), [
    ("sum", D(30), D(100)), ("last", D(20), D(40)), ("average", D(15), D(25)),
])
def test_a_year_and_its_half_years_come_from_all_four_quarters(tree, sector, time_aggregation, half, year):
    online = indicator(sector, "ONLINE", time_aggregation=time_aggregation)
    put_values(quarters(online, tree["A"], 2025, [10, 20, 30, 40]))
    aggregates_recompute()
    assert value(online, tree["A"], "2025-H1") == half
    assert value(online, tree["A"], 2025) == year
    assert value(online, tree["P"], "2025-Q2") == 20  # rolled up per quarter


def test_no_year_while_a_quarter_is_missing(tree, sector):
    online = indicator(sector, "ONLINE")
    put_values(quarters(online, tree["A"], 2025, [10, 20, 30, None]))
    aggregates_recompute()
    assert value(online, tree["A"], "2025-H1") == 30
    assert value(online, tree["A"], "2025-H2") is None
    assert value(online, tree["A"], 2025) is None


def test_none_computes_no_longer_period(tree, sector):
    rate = indicator(sector, "RATE", time_aggregation="none")
    put_values(quarters(rate, tree["A"], 2025, [1, 2, 3, 4]))
    aggregates_recompute()
    assert value(rate, tree["A"], "2025-Q4") == 4
    assert value(rate, tree["A"], "2025-H2") is None and value(rate, tree["A"], 2025) is None


def test_months_make_quarters_half_years_and_the_year(tree, sector):
    visits = indicator(sector, "VISITS", frequency="month")
    put_values([(visits, tree["A"], f"2025-{m:02d}", m) for m in range(1, 13)])
    aggregates_recompute()
    assert value(visits, tree["A"], "2025-Q3") == 7 + 8 + 9
    assert value(visits, tree["A"], "2025-H2") == sum(range(7, 13))
    assert value(visits, tree["A"], 2025) == 78


def test_a_ratio_per_quarter_is_computed_from_that_quarters_components(tree, sector):
    online = indicator(sector, "ONLINE")
    total = indicator(sector, "TOTAL")
    share = IndicatorFactory(code="SHARE", sector=sector, formula="ONLINE / TOTAL * 100", aggregation="",
                             entry_levels=[], value_type="percent", decimals=1, frequency="quarter")
    put_values(quarters(online, tree["A"], 2025, [10, 30, 50, 10]) + quarters(total, tree["A"], 2025, [100] * 4)
               + quarters(online, tree["B"], 2025, [0, 0, 0, 0])
               + quarters(total, tree["B"], 2025, [100, 100, 300, 100]))
    aggregates_recompute()
    assert value(share, tree["P"], "2025-Q3") == D(50) * 100 / 400
    assert value(share, tree["P"], "2025-H1") == D(40) * 100 / 400
    assert value(share, tree["P"], 2025) == D(100) * 100 / 1000  # sums over sums, never a mean of ratios


def test_previous_value_is_the_same_period_a_year_earlier(tree, sector):
    online = indicator(sector, "ONLINE")
    put_values(quarters(online, tree["A"], 2024, [5, 5, 5, 5]) + quarters(online, tree["A"], 2025, [10, 20, 30, 40]))
    aggregates_recompute()
    q2 = Aggregate.objects.get(indicator=online, org_unit=tree["A"], year=2025, period=202)
    assert (q2.previous_value, q2.change) == (5, 15)
    year = Aggregate.objects.get(indicator=online, org_unit=tree["A"], year=2025, period=0)
    assert (year.previous_value, year.method) == (20, "periods")


def test_targets_apply_to_yearly_figures_only(tree, sector):
    online = indicator(sector, "ONLINE")
    Target.objects.create(indicator=online, org_unit=tree["A"], year=2025, operator=">=", value=90)
    put_values(quarters(online, tree["A"], 2025, [10, 20, 30, 40]))
    aggregates_recompute()
    cells = {c.period: c for c in Aggregate.objects.filter(indicator=online, org_unit=tree["A"], year=2025)}
    assert cells[0].status == "achieved"
    assert all(cell.status is None and cell.target_id is None for part, cell in cells.items() if part)


def test_an_entered_year_figure_is_kept_over_the_quarters(tree, sector):
    online = indicator(sector, "ONLINE")
    put_values(quarters(online, tree["A"], 2025, [10, 20, 30, 40]) + [(online, tree["A"], 2025, 99)])
    aggregates_recompute()
    assert value(online, tree["A"], 2025) == 99


def test_check_agrees_after_a_recompute_with_periods(tree, sector):
    online = indicator(sector, "ONLINE")
    put_values(quarters(online, tree["A"], 2025, [10, 20, 30, 40]) + quarters(online, tree["B"], 2025, [1, 2, 3]))
    aggregates_recompute()
    assert aggregates_check()[0] == 0
    put_values(quarters(online, tree["B"], 2025, [None, None, None, 4]))
    aggregates_recompute()
    assert value(online, tree["P"], 2025) == 110
