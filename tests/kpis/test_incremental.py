"""Incremental recompute gives exactly what a full one gives, whatever the
sequence of edits, merges and splits (property-based)."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpis.aggregation import aggregates_check, aggregates_recompute, stale_mark, stale_recompute
from kpis.models import Aggregate, DataValue, Target, YearlyReport
from kpis.periods import Period, kind_of
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


# Periods (issue 13): quarterly and monthly indicators of every time aggregation, beside yearly ones.
QUARTERLY = {"QS": "sum", "QL": "last", "QA": "average", "QN": "none"}
MONTHLY = {"MS": "sum"}
PARTS = {**{code: [f"Q{n}" for n in range(1, 5)] for code in QUARTERLY},
         **{code: [f"{m:02d}" for m in range(1, 13)] for code in MONTHLY}}
# A narrower space than the yearly test's, so that edits meet: siblings (C1A, C1B) under one district,
# in the year before and the year of the merger into N1 (Q1 with its district QD, and Q2).
PERIOD_UNITS = ["C1A", "C1B", "C1A", "C1B", "C2A", "D1", "P", "QD", "Q1", "Q2", "N1", "C1X", "C1N"]
PERIOD_YEARS = [2020, 2021]


def _period(year, part):
    """A period's code: the year itself (a yearly figure entered beside the parts) or one of its parts."""
    return str(year) if part is None else f"{year}-{part}"


def _period_edits():
    cell = st.sampled_from(sorted(PARTS)).flatmap(lambda code: st.tuples(
        st.just(code), st.sampled_from(PERIOD_UNITS), st.sampled_from(PERIOD_YEARS),
        st.one_of(st.none(), st.sampled_from(PARTS[code])) if code in QUARTERLY else st.sampled_from(PARTS[code]),
    ))
    return st.one_of(
        st.tuples(st.just("put"), cell, st.integers(min_value=0, max_value=50)),
        # every part of a year at once, as a unit reporting all its quarters does, or all but one
        st.tuples(st.just("fill"), cell, st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("fill_but_one"), cell, st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("delete"), cell, st.just(0)),
        st.tuples(st.just("unapprove"), cell, st.just(0)),
        st.tuples(st.just("target"), cell, st.integers(min_value=0, max_value=200)),
        st.tuples(st.just("yearly"), st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(PERIOD_UNITS),
                                               st.sampled_from(PERIOD_YEARS), st.none()),
                  st.integers(min_value=1, max_value=50)),
        st.tuples(st.just("link"), st.tuples(st.sampled_from(PREDECESSORS), st.sampled_from(SUCCESSORS),
                                             st.just(0), st.none()), st.just(0)),
    )


@pytest.fixture
def period_model(model):
    units, indicators = model
    sector = indicators["A"].sector
    levels = ["province", "district", "commune"]
    for code, rule in {**QUARTERLY, **MONTHLY}.items():
        indicators[code] = IndicatorFactory(
            code=code, sector=sector, entry_levels=levels, frequency="month" if code in MONTHLY else "quarter",
            time_aggregation=rule, aggregation="average" if code == "QA" else "sum",
            value_type="decimal", decimals=2)
    # ratios over quarterly components (a quarter's ratio from that quarter's sums), and over a
    # monthly and a yearly one (a year only)
    indicators["QR"] = IndicatorFactory(code="QR", sector=sector, aggregation="", entry_levels=[],
                                        formula="QS / QL * 100", frequency="quarter", value_type="decimal",
                                        decimals=1)
    indicators["MR"] = IndicatorFactory(code="MR", sector=sector, aggregation="", entry_levels=[],
                                        formula="MS / A", value_type="decimal", decimals=1)
    return units, indicators


def _mark(indicators, unit, year, indicator):
    """As report_approve/report_reopen and imports do: every figure of the unit's year, by year."""
    affected = set(DataValue.objects.filter(org_unit=unit, year=year).values_list("indicator_id", flat=True))
    stale_mark(cells=[(indicator_id, unit.pk, year) for indicator_id in affected | {indicator.pk}])


def apply_period_edit(units, indicators, kind, cell, number):
    code, unit_code, year, part = cell
    if kind == "link":
        toggle_link(units[code], units[unit_code])
        return
    if kind == "yearly":
        apply_edit(units, indicators, "put", code, unit_code, year, number)
        return
    indicator, unit = indicators[code], units[unit_code]
    if kind == "target":
        Target.objects.update_or_create(indicator=indicator, org_unit=unit, year=year + 2,
                                        defaults={"operator": ">=", "value": number})
        stale_mark(cells=[(indicator.pk, unit.pk, None)])
        return
    if kind in ("fill", "fill_but_one"):
        parts = [p for p in PARTS[code] if not (kind == "fill_but_one" and p == part)]
        rows = [(indicator, unit, _period(year, p), Decimal(number + n)) for n, p in enumerate(parts)]
    else:
        rows = [(indicator, unit, _period(year, part), Decimal(number))]
    for _indicator, _unit, period_code, value in rows:
        period = Period.parse(period_code)
        cells = DataValue.objects.filter(indicator=indicator, org_unit=unit, year=period.year, period=period.part)
        reports = YearlyReport.objects.filter(sector=indicator.sector, org_unit=unit, year=period.year,
                                              period=period.part)
        if kind in ("put", "fill", "fill_but_one"):
            put_values([(indicator, unit, period_code, value)])
            reports.update(status="approved")
        elif kind == "delete":
            cells.delete()
        else:
            reports.update(status="draft")
    _mark(indicators, unit, year, indicator)


# Units that never have children nor a reconstructed past here: their longer periods come from their
# own figures alone, which the oracle below computes independently of the engine.
LEAVES = ["C1A", "C1B", "C2A", "QD", "C1X"]
_COMBINE = {
    "sum": sum,
    "last": lambda parts: parts[-1],
    "average": lambda parts: (sum(parts) / len(parts)).quantize(Decimal("1e-8"), rounding=ROUND_HALF_UP),
}


def expected_longer_periods(indicator, unit, year) -> dict[int, Decimal]:
    """From the approved figures alone: each longer period entered, or made of all its parts
    (themselves entered or made), months → quarters → half-years → year (docs/periods.md)."""
    known = {part: value for part, value in DataValue.objects.filter(
        indicator=indicator, org_unit=unit, year=year, report__status="approved").values_list("period", "value")}
    for shorter, count in ((3, 3), (2, 2), (1, 2)):  # the kind and how many of its parts make the next longer one
        longer = shorter - 1
        for number in range(1, {3: 4, 2: 2, 1: 1}[shorter] + 1):
            code = longer * 100 + number if longer else 0
            parts = [known.get(shorter * 100 + (number - 1) * count + n) for n in range(1, count + 1)]
            if code not in known and None not in parts and indicator.time_aggregation in _COMBINE:
                known[code] = _COMBINE[indicator.time_aggregation](parts)
    return {part: value for part, value in known.items() if part // 100 < kind_of(indicator.frequency)}


def assert_longer_periods_as_expected(units, indicators):
    for code in PARTS:
        for unit_code in LEAVES:
            for year in PERIOD_YEARS:
                indicator, unit = indicators[code], units[unit_code]
                stored = dict(Aggregate.objects.filter(indicator=indicator, org_unit=unit, year=year).exclude(
                    period__gte=kind_of(indicator.frequency) * 100).values_list("period", "value"))
                assert stored == expected_longer_periods(indicator, unit, year), (code, unit_code, year)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(_period_edits(), min_size=1, max_size=12))
# A commune's year made of its quarters, then a sibling's quarter, or a yearly figure entered beside them:
# an incremental run reads the first commune's stored year, which a full run must read alike.
@example(edits=[("fill", ("QS", "C1A", 2020, None), 5), ("put", ("QS", "C1B", 2020, "Q1"), 7)])
@example(edits=[("fill", ("QL", "C1A", 2020, None), 5), ("put", ("QL", "C1B", 2020, None), 7)])
@example(edits=[("fill", ("MS", "QD", 2020, None), 1), ("fill_but_one", ("MS", "C1A", 2020, "05"), 2),
                ("yearly", ("A", "C1A", 2020, None), 3), ("put", ("MS", "C1A", 2020, "05"), 4)])
def test_incremental_equals_full_with_periods(period_model, edits):
    units, indicators = period_model
    with transaction.atomic():
        aggregates_recompute()
        for step in edits:
            apply_period_edit(units, indicators, *step)
            stale_recompute()
            count, rows = aggregates_check()
            assert count == 0, (step, rows)
            assert_longer_periods_as_expected(units, indicators)
        transaction.set_rollback(True)
