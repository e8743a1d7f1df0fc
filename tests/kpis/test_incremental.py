"""Incremental recompute gives exactly what a full one gives, whatever the
sequence of edits (property-based)."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpis.aggregation import aggregates_check, aggregates_recompute, stale_mark, stale_recompute
from kpis.models import DataValue, Target, YearlyReport
from tests.factories import IndicatorFactory, OrgUnitFactory, SectorFactory, put_values

UNITS = ["P", "D1", "D2", "C1A", "C1B", "C2A"]
ENTERED = ["A", "B", "AVG"]
YEARS = [2019, 2020, 2021, 2022]

edit = st.one_of(
    st.tuples(st.just("put"), st.sampled_from(ENTERED), st.sampled_from(UNITS), st.sampled_from(YEARS),
              st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("delete"), st.sampled_from(ENTERED), st.sampled_from(UNITS), st.sampled_from(YEARS),
              st.just(0)),
    st.tuples(st.just("unapprove"), st.sampled_from(ENTERED), st.sampled_from(UNITS), st.sampled_from(YEARS),
              st.just(0)),
    st.tuples(st.just("target"), st.sampled_from(ENTERED + ["RATIO"]), st.sampled_from(UNITS),
              st.sampled_from(YEARS), st.integers(min_value=0, max_value=60)),
)


@pytest.fixture
def model(db):
    p = OrgUnitFactory(code="P", level="province")
    d1 = OrgUnitFactory(code="D1", level="district", parent=p)
    d2 = OrgUnitFactory(code="D2", level="district", parent=p)
    units = {"P": p, "D1": d1, "D2": d2,
             "C1A": OrgUnitFactory(code="C1A", level="commune", parent=d1),
             "C1B": OrgUnitFactory(code="C1B", level="commune", parent=d1),
             "C2A": OrgUnitFactory(code="C2A", level="commune", parent=d2)}
    sector = SectorFactory(code="S")
    levels = ["province", "district", "commune"]
    indicators = {
        "A": IndicatorFactory(code="A", sector=sector, entry_levels=levels),
        "B": IndicatorFactory(code="B", sector=sector, entry_levels=levels),
        "AVG": IndicatorFactory(code="AVG", sector=sector, entry_levels=levels, aggregation="average",
                                value_type="decimal", decimals=2),
        "RATIO": IndicatorFactory(code="RATIO", sector=sector, aggregation="", entry_levels=[],
                                  formula="A / B * 100", value_type="decimal", decimals=1),
        "SUM2": IndicatorFactory(code="SUM2", sector=sector, aggregation="", entry_levels=[],
                                 formula="RATIO + AVG", value_type="decimal", decimals=1),
    }
    return units, indicators


def apply_edit(units, indicators, kind, code, unit_code, year, number):
    indicator, unit = indicators[code], units[unit_code]
    if kind == "put":
        put_values([(indicator, unit, year, Decimal(number))])
        YearlyReport.objects.filter(sector=indicator.sector, org_unit=unit, year=year).update(status="approved")
    elif kind == "delete":
        DataValue.objects.filter(indicator=indicator, org_unit=unit, year=year).delete()
    elif kind == "unapprove":
        YearlyReport.objects.filter(sector=indicator.sector, org_unit=unit, year=year).update(status="draft")
    else:
        Target.objects.update_or_create(indicator=indicator, org_unit=unit, year=year + 3,
                                        defaults={"operator": ">=", "value": number})
        stale_mark(cells=[(indicator.pk, unit.pk, None)])
        return
    # a report's status applies to all its figures, as report_approve/report_reopen mark them
    affected = set(DataValue.objects.filter(org_unit=unit, year=year).values_list("indicator_id", flat=True))
    stale_mark(cells=[(indicator_id, unit.pk, year) for indicator_id in affected | {indicator.pk}])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(edit, min_size=1, max_size=12))
def test_incremental_equals_full(model, edits):
    units, indicators = model
    with transaction.atomic():
        aggregates_recompute()
        for step in edits:
            apply_edit(units, indicators, *step)
            stale_recompute()
            count, rows = aggregates_check()
            assert count == 0, (step, rows)
        transaction.set_rollback(True)
