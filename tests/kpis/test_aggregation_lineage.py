"""Reconstructed figures: a unit formed by a whole merger gets its past from
its predecessors' figures (docs/aggregation.md, "Reconstructed figures")."""

import csv
import io
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from kpis.aggregation import aggregates_check, aggregates_recompute, lineage, stale_mark, stale_recompute
from kpis.dashboards.selectors import sector_page
from kpis.export.selectors import report_data
from kpis.models import Aggregate, OrgUnit, Target
from kpis.selectors import lineage_kind
from kpis.services.catalogue import catalogue_load
from tests.factories import IndicatorFactory, OrgUnitFactory, SectorFactory, put_values

D = Decimal
LEVELS = ["province", "district", "commune"]


def unit(code, level="province", parent=None, valid_from=None, valid_to=None, predecessors=()):
    created = OrgUnitFactory(code=code, level=level, parent=parent, valid_from=valid_from, valid_to=valid_to)
    for predecessor in predecessors:
        predecessor.successors.add(created)
    return created


@pytest.fixture
def sector(db):
    return SectorFactory(code="TELECOM")


def indicator(sector, code, **fields):
    return IndicatorFactory(code=code, sector=sector, **{"aggregation": "sum", "entry_levels": LEVELS, **fields})


def agg(indicator, org_unit, year):
    return Aggregate.objects.filter(indicator=indicator, org_unit=org_unit, year=year).first()


@pytest.fixture
def provinces(db):
    """Provinces P1 and P2 (with districts) end with 2024; N, formed from both, begins in 2025."""
    p1, p2 = unit("P1", valid_to=2024), unit("P2", valid_to=2024)
    units = {"P1": p1, "P2": p2, "N": unit("N", valid_from=2025, predecessors=[p1, p2])}
    for code, parent in (("D1A", p1), ("D1B", p1), ("D2A", p2)):
        units[code] = unit(code, "district", parent=parent, valid_to=2024)
    units["NC"] = unit("NC", "commune", parent=units["N"], valid_from=2025)
    return units


def test_merged_provinces_get_the_sum_of_their_predecessors_past(provinces, sector):
    bts = indicator(sector, "BTS")
    put_values([(bts, provinces["P1"], 2023, 10), (bts, provinces["P2"], 2023, 5),
                (bts, provinces["D1A"], 2024, 7), (bts, provinces["D1B"], 2024, 5), (bts, provinces["D2A"], 2024, 6),
                (bts, provinces["NC"], 2025, 20)])
    aggregates_recompute()
    n2023, n2024, n2025 = (agg(bts, provinces["N"], year) for year in (2023, 2024, 2025))
    assert (n2023.value, n2023.reconstructed, n2023.is_complete) == (15, True, True)
    # the predecessors' roll-ups are reconstructed too, with their children as the merged unit's
    assert (n2024.value, n2024.reconstructed, n2024.children_count, n2024.expected_children) == (18, True, 3, 3)
    assert (n2025.value, n2025.reconstructed, n2025.method) == (20, False, "rollup")
    # the change across the break uses the reconstructed year
    assert (n2025.previous_value, n2025.change) == (18, 2)
    assert not agg(bts, provinces["P1"], 2023).reconstructed
    assert agg(bts, provinces["P1"], 2025) is None
    assert lineage_kind(provinces["N"]) == "merger"
    assert lineage_kind(provinces["P1"]) is None


def test_merged_communes_get_their_past(db, sector):
    province = unit("P")
    district = unit("D", "district", parent=province, valid_to=2024)
    old = [unit(code, "commune", parent=district, valid_to=2024) for code in ("CA", "CB", "CC")]
    merged = unit("CX", "commune", parent=province, valid_from=2025, predecessors=old[:2])
    kept = unit("CY", "commune", parent=province, valid_from=2025, predecessors=old[2:])
    bts = indicator(sector, "BTS")
    put_values([(bts, old[0], 2024, 3), (bts, old[1], 2024, 4), (bts, old[2], 2024, 9),
                (bts, merged, 2025, 8), (bts, kept, 2025, 10)])
    aggregates_recompute()
    assert (agg(bts, merged, 2024).value, agg(bts, merged, 2024).reconstructed) == (7, True)
    assert agg(bts, kept, 2024).value == 9  # one predecessor, renamed: a merger of one
    # the province keeps the tree of each year: the old district in 2024, the new communes in 2025
    assert (agg(bts, province, 2024).value, agg(bts, province, 2024).reconstructed) == (16, False)
    assert agg(bts, province, 2025).value == 18


def test_a_split_leaves_the_new_units_without_a_past(db, sector):
    old = unit("OLD", valid_to=2024)
    east, west = (unit(code, valid_from=2025, predecessors=[old]) for code in ("EAST", "WEST"))
    bts = indicator(sector, "BTS")
    put_values([(bts, old, 2024, 10), (bts, east, 2025, 6)])
    aggregates_recompute()
    assert agg(bts, east, 2024) is None and agg(bts, west, 2024) is None
    assert agg(bts, east, 2025).previous_value is None
    assert lineage_kind(east) == lineage_kind(west) == "split"


def test_a_unit_merged_into_and_split_has_no_past(db, sector):
    """P1 → {U}, P2 → {U, V}: P2's share of U is unknown, so U has no past either."""
    p1, p2 = unit("P1", valid_to=2024), unit("P2", valid_to=2024)
    u = unit("U", valid_from=2025, predecessors=[p1, p2])
    v = unit("V", valid_from=2025, predecessors=[p2])
    bts = indicator(sector, "BTS")
    put_values([(bts, p1, 2024, 10), (bts, p2, 2024, 20)])
    aggregates_recompute()
    assert agg(bts, u, 2024) is None and agg(bts, v, 2024) is None
    assert lineage_kind(u) == lineage_kind(v) == "split"


def test_a_reconstructed_ratio_is_a_sum_over_a_sum(provinces, sector):
    subs, pop = indicator(sector, "SUBS"), indicator(sector, "POP")
    per100 = indicator(sector, "PER100", aggregation="", entry_levels=[], value_type="decimal", decimals=1,
                       formula="SUBS / POP * 100")
    p1, p2 = provinces["P1"], provinces["P2"]
    put_values([(subs, p1, 2024, 90), (pop, p1, 2024, 100), (subs, p2, 2024, 30), (pop, p2, 2024, 300)])
    aggregates_recompute()
    ratio = agg(per100, provinces["N"], 2024)
    # 120 / 400, not the mean of 90 % and 10 % (50)
    assert (ratio.value, ratio.method, ratio.reconstructed) == (30, "derived", True)
    assert not agg(per100, p1, 2024).reconstructed


def test_an_average_is_weighted_by_the_children_each_predecessor_averaged(provinces, sector):
    speed = indicator(sector, "SPEED", aggregation="average", value_type="decimal", decimals=2)
    put_values([(speed, provinces["D1A"], 2024, 10), (speed, provinces["D1B"], 2024, 20),
                (speed, provinces["D2A"], 2024, 40)])
    aggregates_recompute()
    n = agg(speed, provinces["N"], 2024)
    assert n.value.quantize(D("0.0001")) == D("23.3333")  # (10 + 20 + 40) / 3, not (15 + 40) / 2
    assert (n.children_count, n.reconstructed) == (3, True)


def test_an_entered_average_has_no_weight_so_no_reconstruction(provinces, sector):
    speed = indicator(sector, "SPEED", aggregation="average", value_type="decimal", decimals=2)
    put_values([(speed, provinces["D1A"], 2024, 10), (speed, provinces["P2"], 2024, 40)])
    aggregates_recompute()
    assert agg(speed, provinces["N"], 2024) is None


@pytest.mark.parametrize(("aggregation", "expected"), [("min", 5), ("max", 10), ("none", None)])
def test_min_max_and_none(provinces, sector, aggregation, expected):
    rank = indicator(sector, "RANK", aggregation=aggregation)
    put_values([(rank, provinces["P1"], 2024, 10), (rank, provinces["P2"], 2024, 5)])
    aggregates_recompute()
    found = agg(rank, provinces["N"], 2024)
    assert (found.value if found else None) == expected


def test_a_missing_predecessor_figure_makes_it_incomplete(provinces, sector):
    bts = indicator(sector, "BTS")
    put_values([(bts, provinces["P1"], 2023, 10), (bts, provinces["D2A"], 2024, 4)])
    aggregates_recompute()
    n2023 = agg(bts, provinces["N"], 2023)
    assert (n2023.value, n2023.is_complete, n2023.reconstructed) == (10, False, True)
    # P2's roll-up misses no district, but P1 has no figure at all
    assert agg(bts, provinces["N"], 2024).is_complete is False


def test_chained_mergers(db, sector):
    """A and B form C in 2022; C and D form E in 2025."""
    a, b, d = unit("A", valid_to=2021), unit("B", valid_to=2021), unit("D", valid_to=2024)
    c = unit("C", valid_from=2022, valid_to=2024, predecessors=[a, b])
    e = unit("E", valid_from=2025, predecessors=[c, d])
    bts = indicator(sector, "BTS")
    put_values([(bts, a, 2021, 1), (bts, b, 2021, 2), (bts, d, 2021, 4), (bts, c, 2023, 10), (bts, d, 2023, 5),
                (bts, a, 2020, 1), (bts, d, 2020, 1)])
    aggregates_recompute()
    assert (agg(bts, c, 2021).value, agg(bts, c, 2021).reconstructed) == (3, True)
    assert (agg(bts, e, 2021).value, agg(bts, e, 2021).is_complete) == (7, True)
    assert (agg(bts, e, 2023).value, agg(bts, e, 2023).is_complete) == (15, True)
    # B had no figure in 2020: C's reconstruction and so E's are incomplete
    assert (agg(bts, e, 2020).value, agg(bts, e, 2020).is_complete) == (2, False)


def test_progress_status_uses_the_reconstructed_baseline(provinces, sector):
    bts = indicator(sector, "BTS")
    put_values([(bts, provinces["P1"], 2023, 50), (bts, provinces["P2"], 2023, 50),
                (bts, provinces["NC"], 2025, 110)])
    Target.objects.create(indicator=bts, org_unit=provinces["N"], year=2027, operator=">=", value=121)
    aggregates_recompute()
    n2025 = agg(bts, provinces["N"], 2025)
    # growth of 4.9 % a year from 100 in 2023, where 4.9 % is required: on track, not "no data"
    assert n2025.status == "on_track"


def test_an_edit_of_a_predecessor_figure_recomputes_the_successor(provinces, sector):
    bts = indicator(sector, "BTS")
    put_values([(bts, provinces["P1"], 2024, 10), (bts, provinces["P2"], 2024, 5),
                (bts, provinces["NC"], 2025, 20)])
    aggregates_recompute()
    put_values([(bts, provinces["P2"], 2024, 8)])
    stale_mark(cells=[(bts.pk, provinces["P2"].pk, 2024)])
    stale_recompute()
    assert agg(bts, provinces["N"], 2024).value == 18
    assert agg(bts, provinces["N"], 2025).change == 2
    assert aggregates_check() == (0, [])


# An edit names its chains' units in its statements up to a limit; past it, a subquery finds them.
@pytest.mark.parametrize("named_units", [500, 1])
def test_an_edit_of_a_unit_in_a_chain_recomputes_the_last_successor(db, sector, named_units, monkeypatch):
    monkeypatch.setattr(lineage, "_NAMED_UNITS", named_units)
    a, b, d = unit("A", valid_to=2021), unit("B", valid_to=2021), unit("D", valid_to=2024)
    c = unit("C", valid_from=2022, valid_to=2024, predecessors=[a, b])
    e = unit("E", valid_from=2025, predecessors=[c, d])
    bts = indicator(sector, "BTS")
    put_values([(bts, a, 2021, 1), (bts, b, 2021, 2), (bts, d, 2021, 4)])
    aggregates_recompute()
    put_values([(bts, a, 2021, 11)])
    stale_mark(cells=[(bts.pk, a.pk, 2021)])
    stale_recompute()
    assert agg(bts, e, 2021).value == 17
    assert aggregates_check() == (0, [])


def test_an_edit_below_a_predecessor_recomputes_the_successor(provinces, sector):
    bts = indicator(sector, "BTS")
    put_values([(bts, provinces["D1A"], 2024, 1), (bts, provinces["D2A"], 2024, 2)])
    aggregates_recompute()
    put_values([(bts, provinces["D1B"], 2024, 4)])
    stale_mark(cells=[(bts.pk, provinces["D1B"].pk, 2024)])
    stale_recompute()
    assert agg(bts, provinces["N"], 2024).value == 7
    assert aggregates_check() == (0, [])


@pytest.fixture
def merged_figures(provinces, sector):
    bts = indicator(sector, "BTS")
    put_values([(bts, provinces["P1"], 2024, 10), (bts, provinces["P2"], 2024, 5), (bts, provinces["NC"], 2025, 20)])
    aggregates_recompute()
    return bts


def test_the_api_says_which_figures_are_reconstructed(merged_figures, client):
    rows = client.get("/api/v1/values/", {"indicator": "BTS", "org_unit": "N"}).json()["results"]
    assert [(row["year"], row["value"], row["reconstructed"]) for row in rows] == [(2024, 15, True), (2025, 20, False)]
    assert rows[1]["previous_value"] == 15
    lines = client.get("/api/v1/values/", {"org_unit": "N", "format": "csv"}).content.decode("utf-8-sig")
    header, first = (line.split(",") for line in lines.splitlines()[:2])
    assert dict(zip(header, first, strict=True))["reconstructed"] == "True"  # as is_complete is written
    schema = client.get("/api/schema/").content.decode()
    assert "reconstructed" in schema


def test_the_open_data_download_has_a_reconstructed_column(merged_figures, client):
    text = b"".join(client.get("/open-data/values.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["org_unit"], r["year"], r["reconstructed"]) for r in rows if r["org_unit"] == "N"] == [
        ("N", "2024", "true"), ("N", "2025", "false")]
    fields = client.get("/open-data/datapackage.json").json()["resources"][0]["schema"]["fields"]
    assert {"name": "reconstructed", "type": "boolean"}.items() <= next(
        f for f in fields if f["name"] == "reconstructed").items()


def test_a_merger_loaded_with_the_catalogue_reconstructs_the_past(db, sector):
    """Changing lineage marks the aggregates stale like any change of the tree."""
    bts = indicator(sector, "BTS")
    p1, p2 = unit("P1", valid_to=2024), unit("P2", valid_to=2024)
    put_values([(bts, p1, 2024, 10), (bts, p2, 2024, 5)])
    aggregates_recompute()
    catalogue_load(data={"org_units": [
        {"code": "N", "name": "Tỉnh mới", "level": "province", "valid_from": 2025},
        {"code": "P1", "name": p1.name, "level": "province", "valid_to": 2024, "successors": ["N"]},
        {"code": "P2", "name": p2.name, "level": "province", "valid_to": 2024, "successors": ["N"]},
    ]})
    stale_recompute()
    assert agg(bts, OrgUnit.objects.get(code="N"), 2024).value == 15
    catalogue_load(data={"org_units": [
        {"code": "P2", "name": p2.name, "level": "province", "valid_to": 2024, "successors": ["N", "P1"]},
    ]})
    stale_recompute()
    assert agg(bts, OrgUnit.objects.get(code="N"), 2024) is None  # now a split: no past


def test_pages_and_reports_can_mark_the_reconstructed_years(merged_figures, provinces):
    merged_figures.is_key = True
    merged_figures.save()
    card = sector_page(merged_figures.sector, provinces["N"], 2025, Counter()).cards[0]
    assert (card.series, card.cell.reconstructed, card.reconstructed_years) == ([(2024, 15), (2025, 20)], False,
                                                                               {2024})
    data = report_data(year=2025, org_unit=provinces["N"], issued_on=date(2026, 1, 5))
    row = data.sections[0].rows[0]
    assert (row.value, row.reconstructed, row.previous, row.previous_reconstructed) == (20, False, 15, True)
    assert data.trends[0].reconstructed_years == {2024}
