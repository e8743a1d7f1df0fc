"""The rule of the tree of a year (kpis/rules.py) and the selectors every page asks (kpis/selectors.py)."""

import pytest
from django.db import connection

from kpis.aggregation.engine import _active
from kpis.models import Aggregate, OrgUnit
from kpis.rules import unit_active_in, unit_active_q, unit_years_q
from kpis.selectors import children_in, units_active_in
from tests.kpis.trees import two_trees

VALIDITIES = [(None, None), (None, 2024), (2025, None), (2020, 2024), (2025, 2025)]


@pytest.fixture
def trees(world):
    return two_trees(world)


def test_the_rule_its_filters_and_the_engines_sql_agree(db):
    for number, (valid_from, valid_to) in enumerate(VALIDITIES):
        OrgUnit.objects.create(code=f"V{number}", name=f"Đơn vị {number}", level="province",
                               valid_from=valid_from, valid_to=valid_to)
    for year in (2019, 2020, 2024, 2025, 2026):
        expected = {f"V{n}" for n, (start, end) in enumerate(VALIDITIES)
                    if unit_active_in(valid_from=start, valid_to=end, year=year)}
        assert set(OrgUnit.objects.filter(unit_active_q(year)).values_list("code", flat=True)) == expected
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT code FROM kpis_orgunit o WHERE {_active('o', str(year))}")
            assert {row[0] for row in cursor.fetchall()} == expected, year


def test_the_years_of_a_unit_as_a_filter(trees):
    def years(**validity):
        return set(Aggregate.objects.filter(unit_years_q(**validity)).values_list("year", flat=True))

    assert years(valid_from=None, valid_to=2024) == {2024}
    assert years(valid_from=2025, valid_to=None) == {2025}
    assert years(valid_from=None, valid_to=None) == {2024, 2025}


def test_a_year_belongs_to_the_tree_valid_at_its_end(trees):
    """Abolished from 1 July 2025: valid_to 2024, the successor from 2025; 2025 has one tree."""
    assert not trees.c1.is_active_in(2025) and trees.n1.is_active_in(2025)
    assert trees.c1.is_active_in(2024) and not trees.n1.is_active_in(2024)


def test_the_province_has_its_districts_in_2024_and_its_communes_in_2025(trees):
    assert list(children_in(trees.province, 2024).order_by("code")) == [trees.d1, trees.d2]
    assert list(children_in(trees.province, 2025).order_by("code")) == [trees.n1, trees.n2, trees.n3]
    assert list(children_in(trees.d1, 2025)) == []
    assert set(units_active_in(2025)) == {trees.province, trees.n1, trees.n2, trees.n3}


def test_the_engine_rolls_up_each_years_tree(trees):
    province = {row.year: row.value for row in Aggregate.objects.filter(org_unit=trees.province,
                                                                        indicator=trees.world.bts)}
    assert province[2024] == 60 and province[2025] == 65
