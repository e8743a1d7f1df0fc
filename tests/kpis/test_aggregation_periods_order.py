"""The order of the recompute with periods (docs/aggregation.md, "Periods"):
longer periods are made where figures are entered, then every period rolls
up, so a parent's year is its children's years, and an incremental run,
which reads the stored years of unchanged children, equals a full one."""

import pytest

from kpis.aggregation import aggregates_check, aggregates_recompute, stale_mark, stale_recompute
from kpis.models import Aggregate
from tests.factories import IndicatorFactory, OrgUnitFactory, SectorFactory, put_values


@pytest.fixture
def tree(db):
    p = OrgUnitFactory(code="P", level="province")
    return {"P": p, "A": OrgUnitFactory(code="A", level="commune", parent=p),
            "B": OrgUnitFactory(code="B", level="commune", parent=p)}


@pytest.fixture
def dossiers(db):
    return IndicatorFactory(code="DOSSIERS", sector=SectorFactory(code="ADMIN"), frequency="quarter",
                            time_aggregation="sum", aggregation="sum", entry_levels=["province", "commune"])


def cell(indicator, unit, part=0, year=2025):
    return Aggregate.objects.get(indicator=indicator, org_unit=unit, year=year, period=part)


def quarters(indicator, unit, figures, year=2025):
    return [(indicator, unit, f"{year}-Q{n}", figure) for n, figure in enumerate(figures, start=1)
            if figure is not None]


def test_a_yearly_figure_beside_quarterly_ones_counts_in_the_parents_year(tree, dossiers):
    put_values(quarters(dossiers, tree["A"], [10, 10, 10, 10]) + [(dossiers, tree["B"], 2025, 5)])
    aggregates_recompute()
    year = cell(dossiers, tree["P"])
    assert (year.value, year.method, year.children_count, year.is_complete) == (45, "rollup", 2, True)
    first = cell(dossiers, tree["P"], 201)
    assert (first.value, first.children_count, first.is_complete) == (10, 1, False)  # B gave no quarters


def test_a_child_missing_a_quarter_leaves_the_parents_year_incomplete(tree, dossiers):
    put_values(quarters(dossiers, tree["A"], [10, 10, 10, 10]) + quarters(dossiers, tree["B"], [1, 2, 3, None]))
    aggregates_recompute()
    assert not Aggregate.objects.filter(indicator=dossiers, org_unit=tree["B"], year=2025, period=0).exists()
    year = cell(dossiers, tree["P"])
    assert (year.value, year.children_count, year.expected_children, year.is_complete) == (40, 1, 2, False)
    assert cell(dossiers, tree["P"], 203).value == 13  # the quarters B gave still count


def test_a_parents_own_quarters_make_its_year_over_its_childrens(tree, dossiers):
    put_values(quarters(dossiers, tree["A"], [10, 10, 10, 10]) + quarters(dossiers, tree["P"], [1, 1, 1, 1]))
    aggregates_recompute()
    assert (cell(dossiers, tree["P"]).value, cell(dossiers, tree["P"]).method) == (4, "periods")
    assert aggregates_check()[0] == 0


def test_an_edit_beside_a_sibling_whose_year_is_made_of_quarters_recomputes_as_from_scratch(tree, dossiers):
    put_values(quarters(dossiers, tree["A"], [10, 10, 10, 10]))
    aggregates_recompute()
    put_values(quarters(dossiers, tree["B"], [7, None, None, None]))
    stale_mark(cells=[(dossiers.pk, tree["B"].pk, 2025)])
    stale_recompute()  # reads A's stored year (made of its quarters) from the aggregate table
    assert aggregates_check() == (0, [])
    assert (cell(dossiers, tree["P"]).value, cell(dossiers, tree["P"], 101).value) == (40, 20)
