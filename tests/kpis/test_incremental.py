"""Incremental recompute gives exactly what a full one gives, whatever the
sequence of edits, merges and splits (property-based)."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpis.aggregation import aggregates_check, aggregates_recompute, stale_mark, stale_recompute
from kpis.models import DataValue, Target, YearlyReport
from tests.factories import IndicatorFactory, OrgUnitFactory, SectorFactory, put_values

UNITS = ["P", "D1", "D2", "C1A", "C1B", "C2A", "Q1", "QD", "Q2", "N1", "N2", "M3", "C1X", "C1N"]
# Lineage links that edits add or remove: whole mergers, splits, chains (N1 → M3)
# and odd ones (a commune into a province) alike.
PREDECESSORS = ["Q1", "Q2", "C1X", "N1"]
SUCCESSORS = ["N1", "N2", "C1N", "M3"]
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
    st.tuples(st.just("link"), st.sampled_from(PREDECESSORS), st.sampled_from(SUCCESSORS), st.just(0), st.just(0)),
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
    # Q1 and Q2 end with 2020 and merge into N1 from 2021; the others wait for links.
    units["Q1"] = OrgUnitFactory(code="Q1", level="province", valid_to=2020)
    units["QD"] = OrgUnitFactory(code="QD", level="district", parent=units["Q1"], valid_to=2020)
    units["Q2"] = OrgUnitFactory(code="Q2", level="province", valid_to=2020)
    units["N1"] = OrgUnitFactory(code="N1", level="province", valid_from=2021, valid_to=2021)
    units["N2"] = OrgUnitFactory(code="N2", level="province", valid_from=2021)
    units["M3"] = OrgUnitFactory(code="M3", level="province", valid_from=2022)
    units["C1X"] = OrgUnitFactory(code="C1X", level="commune", parent=d1, valid_to=2020)
    units["C1N"] = OrgUnitFactory(code="C1N", level="commune", parent=d1, valid_from=2021)
    units["Q1"].successors.add(units["N1"])
    units["Q2"].successors.add(units["N1"])
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


def toggle_link(predecessor, successor):
    """As the admin and the catalogue loader do: a change of lineage marks everything."""
    if predecessor.pk == successor.pk:
        return
    if predecessor.successors.filter(pk=successor.pk).exists():
        predecessor.successors.remove(successor)
    else:
        predecessor.successors.add(successor)
    stale_mark(everything=True)


def apply_edit(units, indicators, kind, code, unit_code, year, number):
    if kind == "link":
        toggle_link(units[code], units[unit_code])
        return
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
