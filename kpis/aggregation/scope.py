"""Which cells a recompute covers. A full scope is everything; an incremental
one is a cube: the changed indicators and every derived indicator built on
them, the changed units and all their ancestors, and every year from the
earliest change on (a year's figure is the next year's "previous value" and
may be a target's baseline). A changed unit's successors, through any chain of
mergers, are changed units too: their reconstructed past is built from it."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max, Min

from kpis.formulas import parse_formula, referenced_codes
from kpis.models import DataValue, Indicator


@dataclass(frozen=True)
class Scope:
    indicator_ids: frozenset[int] = frozenset()
    unit_depths: tuple[tuple[int, int], ...] = ()  # (org unit id, depth from its root)
    years: tuple[int, ...] = ()
    full: bool = False

    @property
    def cells(self) -> int:
        return len(self.indicator_ids) * len(self.unit_depths) * len(self.years)


FULL = Scope(full=True)


def dependents_closure(indicator_ids: Iterable[int]) -> frozenset[int]:
    """The indicators plus every derived indicator that uses them, directly or not."""
    derived = list(Indicator.objects.exclude(formula="").values_list("id", "code", "formula"))
    code_to_id = dict(Indicator.objects.values_list("code", "id"))
    users: dict[int, set[int]] = {}
    for derived_id, _code, formula in derived:
        for code in referenced_codes(parse_formula(formula)):
            if code in code_to_id:
                users.setdefault(code_to_id[code], set()).add(derived_id)
    found, stack = set(), list(indicator_ids)
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(users.get(current, ()))
    return frozenset(found)


def ancestors_with_depth(unit_ids: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """The units and all their ancestors, each with its depth (roots are 0), in
    one recursive query that walks up only from the given units."""
    ids = sorted(set(unit_ids))
    if not ids:
        return ()
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE up(id, parent_id) AS (
                SELECT id, parent_id FROM kpis_orgunit WHERE id IN ({placeholders})
                UNION
                SELECT u.id, u.parent_id FROM kpis_orgunit u JOIN up ON u.id = up.parent_id
            )
            SELECT id, parent_id FROM up
            """,
            ids,
        )
        parents = dict(cursor.fetchall())
    depths: dict[int, int] = {}
    for unit_id in parents:
        chain, current = [], unit_id
        while current is not None and current not in depths and len(chain) <= len(parents):
            chain.append(current)
            current = parents.get(current)
        depth = -1 if current is None else depths[current]
        for unit in reversed(chain):
            depth += 1
            depths[unit] = depth
    return tuple(sorted(depths.items()))


def affected_units(unit_ids: Iterable[int]) -> set[int]:
    """The units, their ancestors, and every unit that succeeds any of these,
    with its ancestors, and so on: a commune's figure rolls up into its
    district, which may be merged into a new district, in one recursive
    query that only looks up the units it reaches (each step: a unit's parent
    and its successors), never the whole tree. Splits are followed too: it costs a few cells and keeps the rule
    simple."""
    ids = sorted(set(unit_ids))
    if not ids:
        return set()
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE affected(id) AS (
                SELECT id FROM kpis_orgunit WHERE id IN ({placeholders})
                UNION
                SELECT CASE WHEN step.up = 1 THEN u.parent_id ELSE s.to_orgunit_id END
                FROM affected a JOIN kpis_orgunit u ON u.id = a.id
                LEFT JOIN kpis_orgunit_successors s ON s.from_orgunit_id = a.id
                JOIN (SELECT 1 AS up UNION ALL SELECT 0) step
                     ON (step.up = 1 AND u.parent_id IS NOT NULL) OR (step.up = 0 AND s.to_orgunit_id IS NOT NULL)
            )
            SELECT id FROM affected
            """,
            ids,
        )
        return {row[0] for row in cursor.fetchall()}


def data_years() -> tuple[int | None, int | None]:
    bounds = DataValue.objects.aggregate(first=Min("year"), last=Max("year"))
    return bounds["first"], bounds["last"]


def scope_for_cells(cells: Iterable[tuple[int, int, int | None]]) -> Scope:
    """The scope covering changed (indicator, org unit, year or None for every year)."""
    cells = list(cells)
    if not cells:
        return Scope()
    first, last = data_years()
    marked = [year for _, _, year in cells if year is not None]
    everything = len(marked) < len(cells)
    starts = [year for year in (first if everything else None, *marked) if year is not None]
    ends = [year for year in (last, *marked) if year is not None]
    if not starts or not ends:
        return Scope()  # no data, and nothing that ever had a year: nothing to compute
    return Scope(
        indicator_ids=dependents_closure(indicator for indicator, _, _ in cells),
        unit_depths=ancestors_with_depth(affected_units(unit for _, unit, _ in cells)),
        years=tuple(range(min(starts), max(ends) + 1)),
    )
