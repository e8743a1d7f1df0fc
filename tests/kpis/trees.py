"""A province whose tree changes in 2025: districts and their communes until
2024; from 2025 new communes placed directly under the province, one formed
by a whole merger, two by splitting a commune. Figures on both sides."""

from decimal import Decimal
from types import SimpleNamespace

from kpis.aggregation import aggregates_recompute
from tests.factories import OrgUnitFactory, put_values


def two_trees(world) -> SimpleNamespace:
    """``world`` (province P, districts P-D1 and P-D2) reorganised on 1 July 2025."""
    province, d1, d2 = world.province, world.d1, world.d2
    for district in (d1, d2):
        district.valid_to = 2024
        district.save()
    old = {code: OrgUnitFactory(code=code, name=name, level="commune", parent=parent, valid_to=2024)
           for code, name, parent in (("P-C1", "Xã Cũ Một", d1), ("P-C2", "Xã Cũ Hai", d1),
                                      ("P-C3", "Xã Cũ Ba", d2))}
    new = {code: OrgUnitFactory(code=code, name=name, level="commune", parent=province, valid_from=2025)
           for code, name in (("P-N1", "Xã Mới Một"), ("P-N2", "Xã Mới Hai"), ("P-N3", "Xã Mới Ba"))}
    old["P-C1"].successors.add(new["P-N1"])
    old["P-C2"].successors.add(new["P-N1"])
    old["P-C3"].successors.add(new["P-N2"], new["P-N3"])
    world.bts.entry_levels = ["province", "district", "commune"]
    world.bts.save()
    put_values([
        (world.bts, old["P-C1"], 2024, Decimal(10)), (world.bts, old["P-C2"], 2024, Decimal(20)),
        (world.bts, old["P-C3"], 2024, Decimal(30)),
        (world.bts, new["P-N1"], 2025, Decimal(35)), (world.bts, new["P-N2"], 2025, Decimal(12)),
        (world.bts, new["P-N3"], 2025, Decimal(18)),
    ])
    aggregates_recompute()
    return SimpleNamespace(province=province, d1=d1, d2=d2, c1=old["P-C1"], c2=old["P-C2"], c3=old["P-C3"],
                           n1=new["P-N1"], n2=new["P-N2"], n3=new["P-N3"], world=world)
