"""Reconstructed figures: the past of a unit formed by a whole merger,
combined from its predecessors' figures (docs/aggregation.md, "Reconstructed
figures"). Set-based like the rest of the engine: one statement per year in
which merged units begin, never a loop over figures.

A unit is formed by a whole merger when it has predecessors and each of them
has it as its only successor. If any predecessor was split (several
successors), the shares are unknown and no past is reconstructed.
"""

from kpis.models import AggregateMethod as M
from kpis.models import Aggregation as A

THROUGH = "kpis_orgunit_successors"  # from_orgunit_id: the old unit; to_orgunit_id: its successor

# A unit formed by whole mergers: none of its predecessors has another successor.
_WHOLE = f"""NOT EXISTS (
        SELECT 1 FROM {THROUGH} mine JOIN {THROUGH} other
             ON other.from_orgunit_id = mine.from_orgunit_id AND other.to_orgunit_id <> mine.to_orgunit_id
        WHERE mine.to_orgunit_id = s.to_orgunit_id)"""


def active(alias: str, year: str) -> str:
    return (f"({alias}.valid_from IS NULL OR {alias}.valid_from <= {year}) "
            f"AND ({alias}.valid_to IS NULL OR {year} <= {alias}.valid_to)")


# The scope's units and every unit before them in a chain of successions.
_SCOPE_AND_EARLIER = f"""(WITH RECURSIVE earlier(id) AS (
        SELECT id FROM agg_scope_units
        UNION
        SELECT s.from_orgunit_id FROM {THROUGH} s JOIN earlier ON s.to_orgunit_id = earlier.id
    ) SELECT id FROM earlier)"""
# Up to this many units, an incremental run names its chains' units in its statements.
_NAMED_UNITS = 400  # twice this many parameters stay under SQLite's oldest limit (999)


def _earlier_units(cursor, unit_ids: list[int]) -> list[int] | None:
    """The units and every unit before them in a chain of successions,
    walked one link at a time by index lookups; None past ``_NAMED_UNITS``.
    (As one recursive query, PostgreSQL plans for thousands of units and
    reads every link of the country: most of a one-edit recompute.)"""
    found, frontier = set(unit_ids), set(unit_ids)
    while frontier and len(found) <= _NAMED_UNITS:
        marks = ", ".join(["%s"] * len(frontier))
        cursor.execute(f"SELECT DISTINCT from_orgunit_id FROM {THROUGH} WHERE to_orgunit_id IN ({marks})",
                       sorted(frontier))
        frontier = {row[0] for row in cursor.fetchall()} - found
        found |= frontier
    return sorted(found) if len(found) <= _NAMED_UNITS else None


def _successors_in_scope(cursor, unit_ids: list[int] | None) -> tuple[str, list[int]]:
    """The condition on the successor (``s.to_orgunit_id``, ``u.id``) limiting
    the merges to the scope's chains, with its parameters."""
    if unit_ids is None:
        return "", []
    named = _earlier_units(cursor, unit_ids) if len(unit_ids) <= _NAMED_UNITS else None
    if named is None:
        return f"AND s.to_orgunit_id IN {_SCOPE_AND_EARLIER}", []
    if not named:
        return "AND 1 = 0", []  # a scope without units has no merged units
    marks = ", ".join(["%s"] * len(named))
    # Named on both sides of the join, so both are index lookups.
    return f"AND s.to_orgunit_id IN ({marks}) AND u.id IN ({marks})", named * 2


def fill_merges(cursor, *, unit_ids: list[int] | None) -> list[int]:
    """Each (successor, predecessor) link of a whole merger the run needs,
    with the year the successor begins (agg_merges), and those years in
    order: a unit merged from units that were themselves merged earlier is
    reconstructed after them. ``unit_ids``: an incremental run's units (None
    for a full run); only their merged units and those earlier in their
    chains (whose links a later merger's completeness depends on) are read,
    never the whole country's links."""
    in_scope, params = _successors_in_scope(cursor, unit_ids)
    cursor.execute(f"""
        INSERT INTO agg_merges (successor_id, predecessor_id, valid_from)
        SELECT s.to_orgunit_id, s.from_orgunit_id, u.valid_from
        FROM {THROUGH} s JOIN kpis_orgunit u ON u.id = s.to_orgunit_id
        WHERE u.valid_from IS NOT NULL {in_scope} AND {_WHOLE}""", params)
    cursor.execute("SELECT DISTINCT valid_from FROM agg_merges ORDER BY valid_from")
    return [row[0] for row in cursor.fetchall()]


def fill_merge_links(cursor, beginning_years: list[int]) -> None:
    """For every merged unit of agg_merges and scope year before it began,
    the predecessors that existed that year, either in the tree or through
    a reconstructed past of their own (a chain of mergers), with how many
    there were: the figures a complete reconstruction needs."""
    for beginning in beginning_years:
        cursor.execute(f"""
            INSERT INTO agg_merge_links (predecessor_id, year, successor_id, expected)
            SELECT m.predecessor_id, sy.year, m.successor_id,
                   COUNT(*) OVER (PARTITION BY m.successor_id, sy.year)
            FROM agg_merges m
            JOIN kpis_orgunit p ON p.id = m.predecessor_id
            JOIN agg_scope_years sy ON sy.year < m.valid_from
            WHERE m.valid_from = %s
              AND ({active('p', 'sy.year')}
                   OR EXISTS (SELECT 1 FROM agg_merge_links x WHERE x.successor_id = p.id AND x.year = sy.year))""",
            [beginning])


def load_stored_predecessors(cursor, copy_stored: str) -> None:
    """Incrementally: the stored figures (``copy_stored`` reads alias a) of
    the scope's merged units' predecessors that are outside the scope (and
    not already read as the children of a scope unit)."""
    cursor.execute(f"""{copy_stored}
        FROM (SELECT DISTINCT l.predecessor_id, l.year FROM agg_merge_links l
              JOIN agg_scope_units su ON su.id = l.successor_id) l
        JOIN kpis_orgunit p ON p.id = l.predecessor_id
        JOIN kpis_aggregate a ON a.org_unit_id = l.predecessor_id AND a.year = l.year
        JOIN agg_scope_indicators si ON si.id = a.indicator_id
        WHERE l.predecessor_id NOT IN (SELECT id FROM agg_scope_units)
          AND (p.parent_id IS NULL OR p.parent_id NOT IN (SELECT id FROM agg_scope_units))""")


def _combined() -> str:
    """The predecessors' figures of one year combined by the indicator's
    aggregation. An average is the mean of the predecessors' means weighted
    by how many children each averaged, which is the mean the merged unit
    would have had over all those children; a predecessor's average that
    was entered, not rolled up, has no such weight, so there is no value."""
    return """
        SUM(v.value) FILTER (WHERE i.how = 1) AS total,
        CASE WHEN MIN(COALESCE(v.children_count, 0)) FILTER (WHERE i.how = 2) > 0
             THEN ROUND(SUM(v.value * v.children_count) FILTER (WHERE i.how = 2) * 1.0
                        / SUM(v.children_count) FILTER (WHERE i.how = 2), 8) END AS mean,
        MIN(v.value) FILTER (WHERE i.how = 3) AS least,
        MAX(v.value) FILTER (WHERE i.how = 4) AS most"""


def step_reconstruct(cursor, *, source: str, beginning_years: list[int], scope_full: bool) -> int:
    """Reconstructed figures of the scope's merged units, oldest mergers
    first so that a chain reads its links' reconstructions. A figure entered
    or rolled up at the unit itself for such a year is kept. Children and
    expected children are the predecessors' together (the children the
    merged unit would have had); complete only when every predecessor that
    existed that year has a complete figure."""
    in_scope = "" if scope_full else "JOIN agg_scope_indicators si ON si.id = v.indicator_id"
    inserted = 0
    if scope_full:
        # The work key's index is built after this step (one sort, not 1,8 million conflict checks
        # against ten million keys at national scale): what the merged units already have is found
        # among their own cells, a small hash.
        keep_own = """AND NOT EXISTS (
                SELECT 1 FROM agg_w w JOIN (SELECT DISTINCT successor_id FROM agg_merge_links) s
                     ON s.successor_id = w.org_unit_id
                WHERE w.indicator_id = g.indicator_id AND w.org_unit_id = g.successor_id
                      AND w.year = g.year AND w.period = g.period)"""
    else:
        keep_own = "ON CONFLICT (indicator_id, org_unit_id, period, year) DO NOTHING"
    for beginning in beginning_years:
        cursor.execute(f"""
            INSERT INTO agg_w (indicator_id, org_unit_id, year, period, value, method, children_count,
                               expected_children, is_complete, reconstructed)
            SELECT g.indicator_id, g.successor_id, g.year, g.period, COALESCE(g.total, g.mean, g.least, g.most),
                   '{M.ROLLUP.value}', g.children, g.expected_children,
                   CASE WHEN g.figures = g.expected THEN g.complete ELSE 0 END, 1
            FROM (
                SELECT v.indicator_id, l.successor_id, v.year, v.period, {_combined()},
                       COUNT(*) AS figures, MAX(l.expected) AS expected, MIN(COALESCE(v.is_complete, 1)) AS complete,
                       SUM(COALESCE(v.children_count, 0)) AS children,
                       SUM(COALESCE(v.expected_children, 0)) AS expected_children
                FROM {source} v
                JOIN agg_merge_links l ON l.predecessor_id = v.org_unit_id AND l.year = v.year
                JOIN kpis_orgunit u ON u.id = l.successor_id AND u.valid_from = %s
                JOIN agg_scope_units su ON su.id = l.successor_id
                JOIN (SELECT id, CASE aggregation WHEN '{A.SUM.value}' THEN 1 WHEN '{A.AVERAGE.value}' THEN 2
                                                  WHEN '{A.MIN.value}' THEN 3 WHEN '{A.MAX.value}' THEN 4 END AS how
                      FROM kpis_indicator WHERE formula = '' AND aggregation IN (
                          '{A.SUM.value}', '{A.AVERAGE.value}', '{A.MIN.value}', '{A.MAX.value}')) i
                     ON i.id = v.indicator_id
                {in_scope}
                GROUP BY v.indicator_id, l.successor_id, v.year, v.period
            ) g
            WHERE COALESCE(g.total, g.mean, g.least, g.most) IS NOT NULL
            {keep_own}""", [beginning])
        inserted += cursor.rowcount
    return inserted
