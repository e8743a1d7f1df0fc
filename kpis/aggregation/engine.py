"""The recompute: set-based SQL that runs the same on PostgreSQL and SQLite.

Steps, each one statement over a whole level or indicator, never a Python loop
over rows (see docs/aggregation.md):
  1. entered: approved figures in scope;
  2. roll-up, deepest level first: a unit without an entered figure gets its
     children's figures combined by the indicator's aggregation;
  3. derived: each formula, in dependency order, on its components' values at
     the same unit and year (so ratios are sums over sums, never means);
  4. previous year, change, the target that applies, progress status;
  5. apply: only the differences are written to kpis_aggregate, inside the
     caller's transaction, so readers see the old or the new state, never half.
Cells outside an incremental scope are read from kpis_aggregate as they are.
"""

from dataclasses import dataclass

from django.db import connection

from kpis.aggregation.scope import Scope
from kpis.formulas import Expr, Number, Ref, Unary, find_cycle, parse_formula, referenced_codes

KEY = "indicator_id, org_unit_id, year"
VALUE_COLUMNS = "value, method, children_count, expected_children, is_complete"
FINAL_COLUMNS = (
    "value, method, children_count, expected_children, is_complete, previous_value, change, "
    "change_pct, target_id, status, achievement_pct"
)
TEMP_TABLES = ("agg_scope_indicators", "agg_scope_units", "agg_scope_years", "agg_expected",
               "agg_w", "agg_stored", "agg_target_for", "agg_baseline", "agg_final")


@dataclass(frozen=True)
class Outcome:
    cells: int
    inserted: int
    updated: int
    deleted: int

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted


def _run(cursor, sql: str, params=()) -> int:
    cursor.execute(sql, params)
    return cursor.rowcount


def _create_temp_tables(cursor) -> None:
    for table in TEMP_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute("CREATE TEMP TABLE agg_scope_indicators (id bigint PRIMARY KEY)")
    cursor.execute("CREATE TEMP TABLE agg_scope_units (id bigint PRIMARY KEY, depth integer NOT NULL)")
    cursor.execute("CREATE TEMP TABLE agg_scope_years (year integer PRIMARY KEY)")
    cursor.execute("CREATE TEMP TABLE agg_expected (parent_id bigint, year integer, n integer, "
                   "PRIMARY KEY (parent_id, year))")
    cursor.execute(
        "CREATE TEMP TABLE agg_w (indicator_id bigint, org_unit_id bigint, year integer, value numeric, "
        "method varchar(8), children_count integer, expected_children integer, is_complete integer)"
    )
    cursor.execute(
        "CREATE TEMP TABLE agg_stored (indicator_id bigint, org_unit_id bigint, year integer, value numeric, "
        "is_complete integer, PRIMARY KEY (indicator_id, org_unit_id, year))"
    )
    cursor.execute("CREATE TEMP TABLE agg_target_for (indicator_id bigint, org_unit_id bigint, year integer, "
                   "target_year integer, PRIMARY KEY (indicator_id, org_unit_id, year))")
    cursor.execute("CREATE TEMP TABLE agg_baseline (target_id bigint PRIMARY KEY, year integer, value numeric)")
    cursor.execute(
        "CREATE TEMP TABLE agg_final (indicator_id bigint, org_unit_id bigint, year integer, value numeric, "
        "method varchar(8), children_count integer, expected_children integer, is_complete integer, "
        "previous_value numeric, change numeric, change_pct numeric, target_id bigint, status varchar(20), "
        "achievement_pct numeric)"
    )


def _drop_temp_tables(cursor) -> None:
    for table in TEMP_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _fill_scope(cursor, scope: Scope) -> None:
    if scope.full:
        cursor.execute("INSERT INTO agg_scope_indicators SELECT id FROM kpis_indicator")
        cursor.execute(
            """INSERT INTO agg_scope_units
            WITH RECURSIVE tree(id, depth) AS (
                SELECT id, 0 FROM kpis_orgunit WHERE parent_id IS NULL
                UNION ALL
                SELECT u.id, tree.depth + 1 FROM kpis_orgunit u JOIN tree ON u.parent_id = tree.id
            ) SELECT id, depth FROM tree""")
        cursor.execute("INSERT INTO agg_scope_years SELECT DISTINCT year FROM kpis_datavalue")
        return
    cursor.executemany("INSERT INTO agg_scope_indicators VALUES (%s)", [(i,) for i in scope.indicator_ids])
    cursor.executemany("INSERT INTO agg_scope_units VALUES (%s, %s)", list(scope.unit_depths))
    cursor.executemany("INSERT INTO agg_scope_years VALUES (%s)", [(y,) for y in scope.years])


def _analyze(cursor, *tables: str) -> None:
    """Temporary tables have no statistics until analysed; without them
    PostgreSQL plans nested loops over millions of rows."""
    if connection.vendor == "postgresql":
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def _values_source(scope: Scope) -> str:
    """Every value the steps may read: the work table, plus, when incremental,
    the stored aggregates that the scope's cells depend on (agg_stored)."""
    if scope.full:
        return "agg_w"
    return f"(SELECT {KEY}, value, is_complete FROM agg_w UNION ALL SELECT {KEY}, value, is_complete FROM agg_stored)"


def _load_stored(cursor) -> None:
    """Copy, by index lookups, the stored aggregates an incremental scope reads:
    its units' other indicators and other years (derived components, previous
    years, baselines), and its units' children outside the scope (roll-ups)."""
    stored = "CASE WHEN a.is_complete THEN 1 ELSE 0 END"
    cursor.execute(f"""
        INSERT INTO agg_stored ({KEY}, value, is_complete)
        SELECT a.indicator_id, a.org_unit_id, a.year, a.value, {stored}
        FROM agg_scope_units su JOIN kpis_aggregate a ON a.org_unit_id = su.id
        WHERE NOT (a.indicator_id IN (SELECT id FROM agg_scope_indicators)
                   AND a.year IN (SELECT year FROM agg_scope_years))""")
    cursor.execute(f"""
        INSERT INTO agg_stored ({KEY}, value, is_complete)
        SELECT a.indicator_id, a.org_unit_id, a.year, a.value, {stored}
        FROM agg_scope_units su
        JOIN kpis_orgunit c ON c.parent_id = su.id
        JOIN agg_scope_years sy ON TRUE
        JOIN kpis_aggregate a ON a.org_unit_id = c.id AND a.year = sy.year
        JOIN agg_scope_indicators si ON si.id = a.indicator_id
        WHERE c.id NOT IN (SELECT id FROM agg_scope_units)""")


def _active(alias: str, year: str) -> str:
    return (f"({alias}.valid_from IS NULL OR {alias}.valid_from <= {year}) "
            f"AND ({alias}.valid_to IS NULL OR {year} <= {alias}.valid_to)")


def _step_entered(cursor) -> None:
    cursor.execute(f"""
        INSERT INTO agg_w ({KEY}, {VALUE_COLUMNS})
        SELECT dv.indicator_id, dv.org_unit_id, dv.year, dv.value, 'entered', 0, 0, 1
        FROM kpis_datavalue dv
        JOIN kpis_yearlyreport r ON r.id = dv.report_id AND r.status = 'approved'
        JOIN agg_scope_indicators si ON si.id = dv.indicator_id
        JOIN agg_scope_units su ON su.id = dv.org_unit_id
        JOIN agg_scope_years sy ON sy.year = dv.year""")


def _step_rollup(cursor, scope: Scope, max_depth: int) -> None:
    cursor.execute(f"""
        INSERT INTO agg_expected (parent_id, year, n)
        SELECT c.parent_id, sy.year, COUNT(*)
        FROM kpis_orgunit c JOIN agg_scope_years sy ON {_active('c', 'sy.year')}
        WHERE c.parent_id IN (SELECT id FROM agg_scope_units)
        GROUP BY c.parent_id, sy.year""")
    _analyze(cursor, "agg_expected")
    source = _values_source(scope)
    for depth in range(max_depth, -1, -1):  # a scope unit at any depth may have children
        # Group first, then drop the units that have an entered figure: the
        # anti-join then runs over one row per unit, not one per child.
        cursor.execute(f"""
            INSERT INTO agg_w ({KEY}, {VALUE_COLUMNS})
            SELECT g.indicator_id, g.org_unit_id, g.year, g.value, 'rollup', g.children, g.expected,
                   CASE WHEN g.children = g.expected THEN g.complete ELSE 0 END
            FROM (
                SELECT v.indicator_id, p.id AS org_unit_id, v.year,
                       CASE i.aggregation WHEN 'sum' THEN SUM(v.value) WHEN 'average' THEN AVG(v.value)
                                          WHEN 'min' THEN MIN(v.value) ELSE MAX(v.value) END AS value,
                       COUNT(*) AS children, MAX(e.n) AS expected, MIN(v.is_complete) AS complete
                FROM {source} v
                JOIN kpis_orgunit c ON c.id = v.org_unit_id
                JOIN agg_scope_units p ON p.id = c.parent_id AND p.depth = %s
                JOIN kpis_orgunit po ON po.id = p.id
                JOIN kpis_indicator i ON i.id = v.indicator_id AND i.aggregation IN ('sum', 'average', 'min', 'max')
                JOIN agg_scope_indicators si ON si.id = v.indicator_id
                JOIN agg_scope_years sy ON sy.year = v.year
                JOIN agg_expected e ON e.parent_id = p.id AND e.year = v.year
                WHERE {_active('c', 'v.year')} AND {_active('po', 'v.year')}
                GROUP BY v.indicator_id, p.id, v.year, i.aggregation
            ) g
            WHERE NOT EXISTS (SELECT 1 FROM agg_w x WHERE x.indicator_id = g.indicator_id
                              AND x.org_unit_id = g.org_unit_id AND x.year = g.year)""", [depth])
        _analyze(cursor, "agg_w")


def _sql_expression(expr: Expr, alias: dict[str, str]) -> str:
    """The formula as SQL over the component tables' value columns; a division
    by zero becomes NULL, which drops the cell ("no value")."""
    if isinstance(expr, Number):
        return f"({expr.value})"
    if isinstance(expr, Ref):
        return f"{alias[expr.code]}.value"
    if isinstance(expr, Unary):
        return f"({expr.op}{_sql_expression(expr.operand, alias)})"
    left, right = _sql_expression(expr.left, alias), _sql_expression(expr.right, alias)
    if expr.op == "/":
        return f"({left} * 1.0 / NULLIF({right}, 0))"
    return f"({left} {expr.op} {right})"


def derived_in_order(cursor) -> list[tuple[int, Expr, dict[str, int]]]:
    """Derived indicators, each after the derived indicators it uses."""
    cursor.execute("SELECT id, code, formula FROM kpis_indicator")
    rows = cursor.fetchall()
    code_to_id = {code: indicator_id for indicator_id, code, _ in rows}
    formulas = {code: parse_formula(formula) for _, code, formula in rows if formula}
    graph = {code: [c for c in referenced_codes(expr) if c in formulas] for code, expr in formulas.items()}
    cycle = find_cycle(graph)
    if cycle:
        raise ValueError("formula cycle: " + " → ".join(cycle))
    ordered, done = [], set()

    def visit(code: str) -> None:
        if code in done:
            return
        done.add(code)
        for used in graph[code]:
            visit(used)
        ordered.append(code)

    for code in sorted(formulas):
        visit(code)
    return [(code_to_id[code], formulas[code],
             {c: code_to_id.get(c) for c in referenced_codes(formulas[code])}) for code in ordered]


def _step_derived(cursor, scope: Scope) -> None:
    source = _values_source(scope)
    cursor.execute("SELECT id FROM agg_scope_indicators")
    in_scope = {row[0] for row in cursor.fetchall()}
    for indicator_id, expr, components in derived_in_order(cursor):
        if indicator_id not in in_scope or not components or None in components.values():
            continue  # a formula without codes has no unit or year to be computed at
        codes = sorted(components)
        alias = {code: f"c{n}" for n, code in enumerate(codes)}
        joins = " ".join(
            f"JOIN {source} {alias[code]} ON {alias[code]}.indicator_id = %s "
            f"AND {alias[code]}.org_unit_id = c0.org_unit_id AND {alias[code]}.year = c0.year"
            for code in codes[1:]
        )
        expression = _sql_expression(expr, alias)
        completeness = " * ".join(f"{alias[code]}.is_complete" for code in codes)
        cursor.execute(f"""
            INSERT INTO agg_w ({KEY}, {VALUE_COLUMNS})
            SELECT %s, c0.org_unit_id, c0.year, ROUND({expression}, 8), 'derived', 0, 0, {completeness}
            FROM {source} c0 {joins}
            JOIN agg_scope_units su ON su.id = c0.org_unit_id
            JOIN agg_scope_years sy ON sy.year = c0.year
            WHERE c0.indicator_id = %s AND {expression} IS NOT NULL""",
            [indicator_id, *[components[code] for code in codes[1:]], components[codes[0]]])


def _step_targets(cursor, scope: Scope) -> None:
    """The target that applies to a year is the nearest one at or after it;
    its baseline is the target's baseline year, or the first year with data."""
    cursor.execute(f"""
        INSERT INTO agg_target_for ({KEY}, target_year)
        SELECT w.indicator_id, w.org_unit_id, w.year, MIN(t.year)
        FROM agg_w w JOIN kpis_target t ON t.indicator_id = w.indicator_id
            AND t.org_unit_id = w.org_unit_id AND t.year >= w.year
        GROUP BY w.indicator_id, w.org_unit_id, w.year""")
    source = _values_source(scope)
    cursor.execute(f"""
        INSERT INTO agg_baseline (target_id, year)
        SELECT t.id, COALESCE(t.baseline_year, (SELECT MIN(v.year) FROM {source} v
                WHERE v.indicator_id = t.indicator_id AND v.org_unit_id = t.org_unit_id))
        FROM kpis_target t
        WHERE EXISTS (SELECT 1 FROM agg_target_for f WHERE f.indicator_id = t.indicator_id
                      AND f.org_unit_id = t.org_unit_id AND f.target_year = t.year)""")
    cursor.execute(f"""
        UPDATE agg_baseline SET value = (
            SELECT v.value FROM {source} v JOIN kpis_target t ON t.id = agg_baseline.target_id
            WHERE v.indicator_id = t.indicator_id AND v.org_unit_id = t.org_unit_id
              AND v.year = agg_baseline.year)""")


_AT_TARGET = ("((t.operator = '>=' AND w.value >= t.value) OR (t.operator = '<=' AND w.value <= t.value)"
              " OR (t.operator = '=' AND w.value = t.value))")
_NONZERO = "CASE WHEN {0} = 0 THEN 0.001 ELSE {0} END"


def _step_final(cursor, scope: Scope) -> None:
    source = _values_source(scope)
    base, target = _NONZERO.format("b.value"), _NONZERO.format("t.value")
    cursor.execute(f"""
        INSERT INTO agg_final ({KEY}, {FINAL_COLUMNS})
        SELECT {KEY}, value, method, children_count, expected_children, is_complete,
               previous_value, change, change_pct, target_id,
               CASE
                 WHEN target_id IS NULL THEN NULL
                 WHEN at_target = 1 THEN 'achieved'
                 WHEN year = target_year THEN 'not_achieved'
                 WHEN cagr_o IS NULL THEN 'no_data'
                 WHEN cagr_r = 0 THEN 'deterioration'
                 WHEN direction * cagr_o / ABS(cagr_r) >= 0.95 THEN 'on_track'
                 WHEN direction * cagr_o / ABS(cagr_r) >= 0.6 THEN 'needs_acceleration'
                 WHEN direction * cagr_o / ABS(cagr_r) >= 0 THEN 'limited_progress'
                 ELSE 'deterioration'
               END,
               achievement_pct
        FROM (
          SELECT w.indicator_id, w.org_unit_id, w.year, w.value, w.method, w.children_count,
                 w.expected_children, w.is_complete,
                 p.value AS previous_value,
                 w.value - p.value AS change,
                 CASE WHEN p.value <> 0 THEN ROUND((w.value - p.value) * 100.0 / p.value, 8) END AS change_pct,
                 t.id AS target_id, t.year AS target_year,
                 CASE WHEN {_AT_TARGET} THEN 1 ELSE 0 END AS at_target,
                 CASE WHEN i.direction = 'lower' THEN -1 ELSE 1 END AS direction,
                 CASE WHEN b.value IS NOT NULL AND b.year < w.year
                      THEN POWER(w.value * 1.0 / {base}, 1.0 / (w.year - b.year)) - 1 END AS cagr_o,
                 CASE WHEN b.value IS NOT NULL AND b.year < t.year
                      THEN POWER({target} * 1.0 / {base}, 1.0 / (t.year - b.year)) - 1 END AS cagr_r,
                 CASE WHEN t.id IS NULL THEN NULL
                      WHEN i.direction = 'lower' THEN
                           CASE WHEN w.value <> 0 THEN ROUND(t.value * 100.0 / w.value, 8) END
                      ELSE CASE WHEN t.value <> 0 THEN ROUND(w.value * 100.0 / t.value, 8) END
                 END AS achievement_pct
          FROM agg_w w
          JOIN kpis_indicator i ON i.id = w.indicator_id
          LEFT JOIN {source} p ON p.indicator_id = w.indicator_id AND p.org_unit_id = w.org_unit_id
               AND p.year = w.year - 1
          LEFT JOIN agg_target_for f ON f.indicator_id = w.indicator_id AND f.org_unit_id = w.org_unit_id
               AND f.year = w.year
          LEFT JOIN kpis_target t ON t.indicator_id = f.indicator_id AND t.org_unit_id = f.org_unit_id
               AND t.year = f.target_year
          LEFT JOIN agg_baseline b ON b.target_id = t.id
        ) cells""")


def compute(cursor, scope: Scope) -> int:
    """Steps 1–4 into the temporary table agg_final; returns its row count."""
    _create_temp_tables(cursor)
    _fill_scope(cursor, scope)
    _analyze(cursor, "agg_scope_indicators", "agg_scope_units", "agg_scope_years")
    if not scope.full:
        _load_stored(cursor)
        _analyze(cursor, "agg_stored")
    cursor.execute("SELECT MAX(depth) FROM agg_scope_units")
    max_depth = cursor.fetchone()[0] or 0
    if scope.full and connection.vendor == "postgresql":
        cursor.execute("SET LOCAL work_mem = '256MB'")  # hash joins and sorts over millions of rows
        cursor.execute("SET LOCAL jit = off")  # compiling these one-off statements costs more than it saves
    _step_entered(cursor)
    # Built after the bulk insert: one sort instead of millions of index updates.
    cursor.execute("CREATE UNIQUE INDEX agg_w_key ON agg_w (indicator_id, org_unit_id, year)")
    _analyze(cursor, "agg_w")
    _step_rollup(cursor, scope, max_depth)
    _step_derived(cursor, scope)
    _analyze(cursor, "agg_w")
    _step_targets(cursor, scope)
    _analyze(cursor, "agg_target_for", "agg_baseline")
    _step_final(cursor, scope)
    _analyze(cursor, "agg_final")
    cursor.execute("SELECT COUNT(*) FROM agg_final")
    return cursor.fetchone()[0]


_IN_CUBE = ("a.indicator_id IN (SELECT id FROM agg_scope_indicators) "
            "AND a.org_unit_id IN (SELECT id FROM agg_scope_units) "
            "AND a.year IN (SELECT year FROM agg_scope_years)")
_SAME_KEY = "f.indicator_id = a.indicator_id AND f.org_unit_id = a.org_unit_id AND f.year = a.year"
_STORED_COLUMNS = ["value", "method", "children_count", "expected_children", "is_complete", "previous_value",
                   "change", "change_pct", "target_id", "status", "achievement_pct"]


def _final_as_stored(column: str) -> str:
    if column == "is_complete":
        return "CASE WHEN f.is_complete = 1 THEN TRUE ELSE FALSE END"
    if column in ("value", "previous_value", "change", "change_pct", "achievement_pct"):
        return f"ROUND(f.{column}, 8)"
    return f"f.{column}"


def _differs() -> str:
    return " OR ".join(f"a.{c} IS DISTINCT FROM {_final_as_stored(c)}" for c in _STORED_COLUMNS)


def apply(cursor, scope: Scope) -> Outcome:
    """Write only what differs between agg_final and kpis_aggregate in scope."""
    in_scope = "TRUE" if scope.full else _IN_CUBE
    cursor.execute("SELECT EXISTS (SELECT 1 FROM kpis_aggregate)")
    if scope.full and not cursor.fetchone()[0]:
        return _apply_to_empty(cursor)
    deleted = _run(cursor, f"DELETE FROM kpis_aggregate AS a WHERE {in_scope} AND NOT EXISTS "
                           f"(SELECT 1 FROM agg_final f WHERE {_SAME_KEY})")
    assignments = ", ".join(f"{c} = {_final_as_stored(c)}" for c in _STORED_COLUMNS)
    updated = _run(cursor, f"UPDATE kpis_aggregate AS a SET {assignments} FROM agg_final AS f "
                           f"WHERE {_SAME_KEY} AND ({_differs()})")
    stored = ", ".join(_final_as_stored(c) for c in _STORED_COLUMNS)
    inserted = _run(cursor, f"""
        INSERT INTO kpis_aggregate ({KEY}, {", ".join(_STORED_COLUMNS)})
        SELECT f.indicator_id, f.org_unit_id, f.year, {stored} FROM agg_final f
        WHERE NOT EXISTS (SELECT 1 FROM kpis_aggregate a WHERE {_SAME_KEY})""")
    cursor.execute("SELECT COUNT(*) FROM agg_final")
    cells = cursor.fetchone()[0]
    _drop_temp_tables(cursor)
    if scope.full and inserted + deleted > cells // 10:
        _analyze(cursor, "kpis_aggregate")  # the table changed size: plans need to know
    return Outcome(cells=cells, inserted=inserted, updated=updated, deleted=deleted)


def _apply_to_empty(cursor) -> Outcome:
    """The first recompute: nothing to compare with, so no anti-joins."""
    stored = ", ".join(_final_as_stored(c) for c in _STORED_COLUMNS)
    inserted = _run(cursor, f"INSERT INTO kpis_aggregate ({KEY}, {', '.join(_STORED_COLUMNS)}) "
                            f"SELECT f.indicator_id, f.org_unit_id, f.year, {stored} FROM agg_final f")
    _drop_temp_tables(cursor)
    _analyze(cursor, "kpis_aggregate")
    return Outcome(cells=inserted, inserted=inserted, updated=0, deleted=0)


def differences(cursor, limit: int = 50) -> tuple[int, list[tuple]]:
    """After ``compute`` with the full scope: how many cells the stored table
    gets wrong, and up to ``limit`` of them as (indicator, unit, year, stored, fresh)."""
    query = f"""
        SELECT a.indicator_id, a.org_unit_id, a.year, a.value, f.value FROM kpis_aggregate a
        LEFT JOIN agg_final f ON {_SAME_KEY} WHERE f.indicator_id IS NULL OR ({_differs()})
        UNION ALL
        SELECT f.indicator_id, f.org_unit_id, f.year, NULL, f.value FROM agg_final f
        WHERE NOT EXISTS (SELECT 1 FROM kpis_aggregate a WHERE {_SAME_KEY})"""
    cursor.execute(f"SELECT COUNT(*) FROM ({query}) d")
    count = cursor.fetchone()[0]
    cursor.execute(f"{query} LIMIT {int(limit)}")
    rows = cursor.fetchall()
    _drop_temp_tables(cursor)
    return count, rows
