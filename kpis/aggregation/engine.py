"""The recompute: set-based SQL that runs the same on PostgreSQL and SQLite.

Steps, each one statement over a whole level or indicator, never a Python loop
over rows (see docs/aggregation.md):
  1. entered: approved figures in scope; where they are for quarters or
     months, the longer periods made of them when all parts are there;
  2. roll-up, period by period, deepest level first: a unit without an
     entered figure gets its children's figures combined by the indicator's
     aggregation;
  3. reconstructed: a unit formed by a whole merger gets, for the years
     before it existed, its predecessors' figures combined (lineage.py);
  4. derived: each formula, in dependency order, on its components' values at
     the same unit and year (so ratios are sums over sums, never means);
  5. the target that applies and the progress status (for the few cells
     with a target), then, as one query (``final_cells``), every cell with
     its previous year and change, rounded as stored;
  6. apply: one pass compares that query with kpis_aggregate and keeps the
     differences, which alone are written, inside the caller's transaction,
     so readers see the old or the new state, never half. The very first
     fill inserts everything and builds the indexes afterwards.
Cells outside an incremental scope are read from kpis_aggregate as they are.
Timings at national scale and why each step has its shape: docs/performance.md.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from kpis.aggregation import lineage
from kpis.aggregation.lineage import active as _active
from kpis.aggregation.scope import FULL, Scope
from kpis.formulas import Expr, Number, Ref, Unary, find_cycle, parse_formula, referenced_codes
from kpis.models import AggregateMethod as M
from kpis.models import Aggregation as A
from kpis.models import ComparisonOperator as Op
from kpis.models import Direction, ReportStatus
from kpis.models import ProgressStatus as P
from kpis.periods import COMPOSITION, YEAR_PART, kind_of
from kpis.periods import Frequency as F
from kpis.periods import TimeAggregation as TA
from kpis.rules import applicable_target_year_sql

KEY = "indicator_id, org_unit_id, year, period"
# Only approved figures count: every step reads values through this.
_APPROVED_VALUES = ("kpis_datavalue dv JOIN kpis_yearlyreport r ON r.id = dv.report_id "
                   f"AND r.status = '{ReportStatus.APPROVED.value}'")
# Derived indicators as (id, parsed formula, {component code: id}), each after those it uses.
Derived = list[tuple[int, Expr, dict[str, int]]]
VALUE_COLUMNS = "value, method, children_count, expected_children, is_complete"
_WORK_TABLES = {
    "agg_scope_indicators": "id bigint PRIMARY KEY",
    "agg_scope_units": "id bigint PRIMARY KEY, depth integer NOT NULL",
    "agg_scope_years": "year integer PRIMARY KEY",
    "agg_links": "child_id bigint, year integer, parent_id bigint, parent_depth integer, expected integer, "
                 "PRIMARY KEY (child_id, year)",
    "agg_w": "indicator_id bigint, org_unit_id bigint, year integer, period integer, value numeric, method varchar(8), "
             "children_count integer, expected_children integer, is_complete integer, reconstructed integer",
    "agg_stored": "indicator_id bigint, org_unit_id bigint, year integer, period integer, value numeric, "
                  "is_complete integer, children_count integer, expected_children integer, reconstructed integer, "
                  "PRIMARY KEY (indicator_id, org_unit_id, period, year)",
    "agg_merges": "successor_id bigint, predecessor_id bigint, valid_from integer, "
                  "PRIMARY KEY (successor_id, predecessor_id)",
    "agg_merge_links": "predecessor_id bigint, year integer, successor_id bigint, expected integer, "
                       "PRIMARY KEY (predecessor_id, year, successor_id)",
    "agg_target_for": "indicator_id bigint, org_unit_id bigint, year integer, period integer, target_year integer, "
                      "PRIMARY KEY (indicator_id, org_unit_id, period, year)",
    "agg_baseline": "target_id bigint PRIMARY KEY, year integer, value numeric",
    "agg_status": "indicator_id bigint, org_unit_id bigint, year integer, period integer, target_id bigint, "
                  "status varchar(20), achievement_pct numeric, PRIMARY KEY (indicator_id, org_unit_id, period, year)",
    "agg_entered_above": "indicator_id bigint, org_unit_id bigint, year integer, period integer, "
                         "PRIMARY KEY (indicator_id, org_unit_id, period, year)",
    "agg_changes": "aggregate_id bigint, indicator_id bigint, org_unit_id bigint, year integer, period integer, "
                   "value numeric, "
                   "method varchar(8), children_count integer, expected_children integer, is_complete boolean, "
                   "reconstructed boolean, previous_value numeric, change numeric, change_pct numeric, "
                   "target_id bigint, status varchar(20), achievement_pct numeric",
}
# The order of kpis_aggregate's unique index: each series (indicator, unit, period) by year.
_WORK_KEY_INDEX = "CREATE UNIQUE INDEX agg_w_key ON agg_w (indicator_id, org_unit_id, period, year)"
ON_KEY_CONFLICT = "ON CONFLICT (indicator_id, org_unit_id, period, year) DO NOTHING"


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


# Work tables above this size (after a full run, or grown by many small ones) are
# truncated rather than emptied row by row.
_WORK_TABLES_KEPT_BYTES = 64 * 1024 * 1024


def _prepare_work_tables(cursor) -> None:
    """Empty temporary work tables for this run. On PostgreSQL they live as
    long as the connection (creating and dropping ten tables each time cost
    a third of a one-edit recompute) and are emptied here, not at commit:
    ON COMMIT DELETE ROWS truncates every one of them at each commit, and a
    truncation walks all of the connection's temporary buffers (gigabytes
    for a national recompute: 70–100 ms a commit, half of a one-edit
    recompute). SQLite, for development, creates them each time."""
    if connection.vendor != "postgresql":
        _drop_work_tables(cursor)
        for table, columns in _WORK_TABLES.items():
            cursor.execute(f"CREATE TEMP TABLE {table} ({columns})")
        cursor.execute(_WORK_KEY_INDEX)
        return
    cursor.execute("SELECT to_regclass('pg_temp.agg_w') IS NOT NULL, to_regclass('pg_temp.agg_merges') IS NOT NULL")
    if not all(cursor.fetchone()):  # created together, so all or none exist (but for a newer one)
        for table, columns in _WORK_TABLES.items():
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns})")
        cursor.execute(_WORK_KEY_INDEX.replace("INDEX", "INDEX IF NOT EXISTS"))
    cursor.execute("SELECT COALESCE(SUM(pg_total_relation_size(oid)), 0) FROM pg_class "
                   "WHERE relnamespace = pg_my_temp_schema() AND relkind = 'r'")
    if cursor.fetchone()[0] > _WORK_TABLES_KEPT_BYTES:
        _truncate_work_tables(cursor)
        return
    for table in _WORK_TABLES:  # what the last small run left: a few rows
        cursor.execute(f"DELETE FROM {table}")


def _truncate_work_tables(cursor) -> None:
    cursor.execute(f"TRUNCATE {', '.join(_WORK_TABLES)}")


def _release_work_tables(cursor, scope: Scope) -> None:
    """SQLite drops them; PostgreSQL gives back a full run's millions of rows
    at once (a small run's few rows go at the start of the next run)."""
    if connection.vendor != "postgresql":
        _drop_work_tables(cursor)
    elif scope.full:
        _truncate_work_tables(cursor)


def _drop_work_tables(cursor) -> None:
    for table in _WORK_TABLES:
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
        # The years with data by a skip scan of the (year, indicator) index, one probe per year: a
        # DISTINCT over every value took 5–7 s of a full run at national scale (docs/performance.md).
        cursor.execute(
            """INSERT INTO agg_scope_years
            WITH RECURSIVE years(year) AS (
                SELECT MIN(year) FROM kpis_datavalue
                UNION ALL
                SELECT (SELECT MIN(v.year) FROM kpis_datavalue v WHERE v.year > years.year)
                FROM years WHERE years.year IS NOT NULL
            ) SELECT year FROM years WHERE year IS NOT NULL""")
        return
    _insert_rows(cursor, "agg_scope_indicators", [(i,) for i in sorted(scope.indicator_ids)])
    _insert_rows(cursor, "agg_scope_units", list(scope.unit_depths))
    _insert_rows(cursor, "agg_scope_years", [(y,) for y in scope.years])


def _insert_rows(cursor, table: str, rows: list[tuple], per_statement: int = 1000) -> None:
    """Rows in a few multi-row statements: executemany costs a round trip per row."""
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        row = "(" + ", ".join(["%s"] * len(chunk[0])) + ")"
        cursor.execute(f"INSERT INTO {table} VALUES {', '.join([row] * len(chunk))}",
                       [value for values in chunk for value in values])


def _analyze(cursor, *tables: str) -> None:
    """Temporary tables have no statistics until analysed; without them
    PostgreSQL plans nested loops over millions of rows, or, for a small
    incremental scope, scans of the whole aggregate table (measured: 3 s
    instead of 40 ms for one edit at national scale)."""
    if connection.vendor == "postgresql":
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


SOURCE_COLUMNS = f"{KEY}, value, is_complete, children_count, expected_children, reconstructed"


def _values_source(scope: Scope) -> str:
    """Every value the steps may read: the work table, plus, when incremental,
    the stored aggregates that the scope's cells depend on (agg_stored)."""
    if scope.full:
        return "agg_w"
    return f"(SELECT {SOURCE_COLUMNS} FROM agg_w UNION ALL SELECT {SOURCE_COLUMNS} FROM agg_stored)"


def _indicators_read(scope: Scope, derived: Derived) -> list[int]:
    """The scope's indicators and the components of its derived ones."""
    read = set(scope.indicator_ids)
    for indicator_id, _expr, components in derived:
        if indicator_id in scope.indicator_ids:
            read.update(component for component in components.values() if component is not None)
    return sorted(read)


# Copies a stored aggregate (alias a) into agg_stored.
_COPY_STORED = f"""
    INSERT INTO agg_stored ({SOURCE_COLUMNS})
    SELECT a.indicator_id, a.org_unit_id, a.year, a.period, a.value, CASE WHEN a.is_complete THEN 1 ELSE 0 END,
           a.children_count, a.expected_children, CASE WHEN a.reconstructed THEN 1 ELSE 0 END"""


def _load_stored(cursor, scope: Scope, derived: Derived) -> None:
    """Copy, by index lookups, the stored aggregates an incremental scope reads:
    its units' other years and derived components (previous years, baselines,
    formulas), its units' children outside the scope (roll-ups) and their
    merged units' predecessors outside it (reconstructions)."""
    read = ", ".join(str(int(indicator_id)) for indicator_id in _indicators_read(scope, derived)) or "NULL"
    cursor.execute(f"""{_COPY_STORED}
        FROM agg_scope_units su JOIN kpis_aggregate a ON a.org_unit_id = su.id AND a.indicator_id IN ({read})
        WHERE NOT (a.indicator_id IN (SELECT id FROM agg_scope_indicators)
                   AND a.year IN (SELECT year FROM agg_scope_years))""")
    cursor.execute(f"""{_COPY_STORED}
        FROM agg_scope_units su
        JOIN kpis_orgunit c ON c.parent_id = su.id
        JOIN agg_scope_years sy ON TRUE
        JOIN kpis_aggregate a ON a.org_unit_id = c.id AND a.year = sy.year
        JOIN agg_scope_indicators si ON si.id = a.indicator_id
        WHERE c.id NOT IN (SELECT id FROM agg_scope_units)""")
    lineage.load_stored_predecessors(cursor, _COPY_STORED)


def _step_entered(cursor, scope: Scope) -> int:
    """Approved figures. Their other columns stay NULL, read as "entered,
    complete, no children": ten million narrower rows are written faster.
    A full scope is every indicator, unit and year: nothing to look up."""
    in_scope = "" if scope.full else """
        JOIN agg_scope_indicators si ON si.id = dv.indicator_id
        JOIN agg_scope_units su ON su.id = dv.org_unit_id
        JOIN agg_scope_years sy ON sy.year = dv.year"""
    return _run(cursor, f"""
        INSERT INTO agg_w ({KEY}, value)
        SELECT dv.indicator_id, dv.org_unit_id, dv.year, dv.period, dv.value
        FROM {_APPROVED_VALUES} {in_scope}""")


def _fill_links(cursor) -> None:
    """Each child of a scope unit, for each scope year in which both are
    active, with the number of the parent's children expected that year.
    A few rows per unit and year, so the roll-ups hash-join to it."""
    cursor.execute(f"""
        INSERT INTO agg_links (child_id, year, parent_id, parent_depth, expected)
        SELECT c.id, sy.year, p.id, p.depth, COUNT(*) OVER (PARTITION BY p.id, sy.year)
        FROM agg_scope_units p
        JOIN kpis_orgunit po ON po.id = p.id
        JOIN kpis_orgunit c ON c.parent_id = p.id
        JOIN agg_scope_years sy ON {_active('c', 'sy.year')}
        WHERE {_active('po', 'sy.year')}""")
    _analyze(cursor, "agg_links")


def _keep_entered(cursor, scope: Scope) -> str:
    """The clause that keeps a unit's entered figure, or one computed from
    its entered shorter periods, over its roll-up. Incrementally, the roll-up
    row conflicts on agg_w's key and is skipped. Over everything, the few
    figures entered above the leaves are found by index lookups and excluded,
    so that agg_w's key index can be built once after the roll-ups instead of
    being updated for each of their rows."""
    if not scope.full:
        return ON_KEY_CONFLICT
    cursor.execute("SELECT DISTINCT parent_id FROM agg_links")
    parents = ", ".join(str(int(row[0])) for row in cursor.fetchall()) or "NULL"
    cursor.execute(f"""
        INSERT INTO agg_entered_above ({KEY})
        SELECT dv.indicator_id, dv.org_unit_id, dv.year, dv.period FROM {_APPROVED_VALUES}
        WHERE dv.org_unit_id IN ({parents})""")
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM agg_entered_above WHERE period <> {YEAR_PART})")
    if cursor.fetchone()[0]:  # a parent's own quarters may have made its half-years and year, which win too
        cursor.execute(f"""
            INSERT INTO agg_entered_above ({KEY})
            SELECT indicator_id, org_unit_id, year, period FROM agg_w
            WHERE method = '{M.PERIODS.value}' AND org_unit_id IN ({parents})""")
    _analyze(cursor, "agg_entered_above")
    return ("AND NOT EXISTS (SELECT 1 FROM agg_entered_above e WHERE e.indicator_id = g.indicator_id "
            "AND e.org_unit_id = g.org_unit_id AND e.year = g.year AND e.period = g.period)")


def _step_rollup(cursor, scope: Scope) -> int:
    """Roll-ups, deepest level first; a unit with an entered figure keeps it."""
    _fill_links(cursor)
    cursor.execute("SELECT DISTINCT parent_depth FROM agg_links ORDER BY parent_depth DESC")
    depths = [row[0] for row in cursor.fetchall()]
    source = _values_source(scope)
    keep_entered = _keep_entered(cursor, scope)
    inserted = 0
    for depth in depths:
        inserted += _run(cursor, f"""
            INSERT INTO agg_w ({KEY}, {VALUE_COLUMNS})
            SELECT g.indicator_id, g.org_unit_id, g.year, g.period, COALESCE(g.total, g.mean, g.least, g.most),
                   '{M.ROLLUP.value}', g.children, g.expected,
                   CASE WHEN g.children = g.expected THEN g.complete ELSE 0 END
            FROM (
                -- Each aggregate skips the rows it does not apply to (a NULL-free
                -- filter), so every row costs one aggregate, not four.
                SELECT v.indicator_id, l.parent_id AS org_unit_id, v.year, v.period,
                       SUM(v.value) FILTER (WHERE i.how = 1) AS total,
                       ROUND(AVG(v.value) FILTER (WHERE i.how = 2), 8) AS mean,
                       MIN(v.value) FILTER (WHERE i.how = 3) AS least,
                       MAX(v.value) FILTER (WHERE i.how = 4) AS most,
                       COUNT(*) AS children, MAX(l.expected) AS expected, MIN(COALESCE(v.is_complete, 1)) AS complete
                FROM {source} v
                JOIN agg_links l ON l.child_id = v.org_unit_id AND l.year = v.year AND l.parent_depth = %s
                JOIN (SELECT id, CASE aggregation WHEN '{A.SUM.value}' THEN 1 WHEN '{A.AVERAGE.value}' THEN 2
                                                  WHEN '{A.MIN.value}' THEN 3 WHEN '{A.MAX.value}' THEN 4 END AS how
                      FROM kpis_indicator WHERE aggregation IN ('{A.SUM.value}', '{A.AVERAGE.value}',
                                                                '{A.MIN.value}', '{A.MAX.value}')) i
                     ON i.id = v.indicator_id
                {"" if scope.full else "JOIN agg_scope_indicators si ON si.id = v.indicator_id"}
                GROUP BY v.indicator_id, l.parent_id, v.year, v.period
            ) g
            WHERE TRUE {keep_entered}""", [depth])
        _analyze(cursor, "agg_w")
    return inserted


def _periods_of_kind(alias: str, kind: int) -> str:
    """The periods of one length (kpis.periods: 0 the year, 1xx half-years, 2xx quarters, 3xx months)."""
    if kind == 0:
        return f"{alias}.period = {YEAR_PART}"
    return f"{alias}.period >= {kind * 100} AND {alias}.period < {kind * 100 + 100}"


def _step_periods(cursor) -> int:
    """Longer periods from shorter ones where figures are entered, before
    the roll-up: months into quarters, quarters into half-years, half-years
    into the year, each only where all its parts are there (docs/periods.md)
    and no figure was entered for it. Flows are summed, stocks take the last
    part, averages the mean. The roll-up then combines every period, so a
    province's year is its communes' years, whether entered or computed from
    their quarters (a commune that reports yearly beside others that report
    quarterly counts), and an incremental run, which reads the stored years
    of units outside its scope, sees exactly what a full run sees.
    One statement per step over the entered cells; none without such indicators."""
    how = (f"CASE i.time_aggregation WHEN '{TA.SUM.value}' THEN 1 WHEN '{TA.LAST.value}' THEN 2 "
           f"WHEN '{TA.AVERAGE.value}' THEN 3 END")
    ruled_where = (f"i.formula = '' AND i.frequency <> '{F.YEAR.value}' "
                   f"AND i.time_aggregation IN ('{TA.SUM.value}', '{TA.LAST.value}', '{TA.AVERAGE.value}')")
    cursor.execute(f"SELECT id, frequency FROM kpis_indicator i WHERE {ruled_where}")
    rows = cursor.fetchall()
    finest = max((kind_of(frequency) for _id, frequency in rows), default=0)
    if not finest:
        return 0
    ruled_ids = ", ".join(str(int(indicator_id)) for indicator_id, _frequency in rows)
    ruled = f"(SELECT id, {how} AS how FROM kpis_indicator i WHERE {ruled_where})"
    inserted = 0
    for shorter, longer, parts in COMPOSITION:
        if shorter > finest:
            continue  # no indicator has such parts: skip a pass over every cell
        # The longer period's code from a part's: 2nd quarter → 1st half-year (101), etc.
        # Periods of a length are ranges of codes, and the indicators a literal list: the
        # planner then reads both from the column statistics (``period / 100 = 2`` was
        # estimated at 1 % of its rows and planned as a nested loop and a sort).
        parts_of, longer_ones = _periods_of_kind("v", shorter), _periods_of_kind("e", longer)
        longer_code = "0" if longer == 0 else f"{longer * 100} + (MOD(v.period, 100) - 1) / {parts} + 1"
        # An entered figure for the longer period wins: an anti-join, as agg_w has
        # no key index during a full run's bulk inserts, against only the ruled
        # indicators' figures of that length (hashing every cell cost more than the step).
        inserted += _run(cursor, f"""
            INSERT INTO agg_w ({KEY}, {VALUE_COLUMNS})
            SELECT g.indicator_id, g.org_unit_id, g.year, g.period, COALESCE(g.total, g.last_part, g.mean),
                   '{M.PERIODS.value}', 0, 0, g.complete
            FROM (
                SELECT v.indicator_id, v.org_unit_id, v.year, {longer_code} AS period,
                       SUM(v.value) FILTER (WHERE i.how = 1) AS total,
                       MAX(v.value) FILTER (WHERE i.how = 2 AND MOD(MOD(v.period, 100) - 1, {parts}) = {parts - 1})
                           AS last_part,
                       ROUND(AVG(v.value) FILTER (WHERE i.how = 3), 8) AS mean,
                       COUNT(*) AS present, MIN(COALESCE(v.is_complete, 1)) AS complete
                FROM agg_w v
                JOIN {ruled} i ON i.id = v.indicator_id
                WHERE v.indicator_id IN ({ruled_ids}) AND {parts_of}
                GROUP BY v.indicator_id, v.org_unit_id, v.year, 4
            ) g
            WHERE g.present = {parts} AND NOT EXISTS (
                SELECT 1 FROM agg_w e WHERE e.indicator_id IN ({ruled_ids}) AND {longer_ones}
                    AND e.indicator_id = g.indicator_id AND e.org_unit_id = g.org_unit_id
                    AND e.year = g.year AND e.period = g.period)""")
        _analyze(cursor, "agg_w")
    return inserted


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


def derived_in_order(cursor) -> Derived:
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


def _step_derived(cursor, scope: Scope, derived: Derived) -> int:
    source = _values_source(scope)
    cursor.execute("SELECT id FROM agg_scope_indicators")
    in_scope = {row[0] for row in cursor.fetchall()}
    inserted = 0
    for indicator_id, expr, components in derived:
        if indicator_id not in in_scope or not components or None in components.values():
            continue  # a formula without codes has no unit or year to be computed at
        codes = sorted(components)
        alias = {code: f"c{n}" for n, code in enumerate(codes)}
        joins = " ".join(
            f"JOIN {source} {alias[code]} ON {alias[code]}.indicator_id = %s "
            f"AND {alias[code]}.org_unit_id = c0.org_unit_id AND {alias[code]}.year = c0.year "
            f"AND {alias[code]}.period = c0.period"
            for code in codes[1:]
        )
        expression = _sql_expression(expr, alias)
        completeness = " * ".join(f"COALESCE({alias[code]}.is_complete, 1)" for code in codes)
        reconstructed = " + ".join(f"COALESCE({alias[code]}.reconstructed, 0)" for code in codes)
        inserted += _run(cursor, f"""
            INSERT INTO agg_w ({KEY}, {VALUE_COLUMNS}, reconstructed)
            SELECT %s, c0.org_unit_id, c0.year, c0.period, ROUND({expression}, 8), '{M.DERIVED.value}', 0, 0,
                   {completeness},
                   CASE WHEN {reconstructed} > 0 THEN 1 ELSE 0 END
            FROM {source} c0 {joins}
            JOIN agg_scope_units su ON su.id = c0.org_unit_id
            JOIN agg_scope_years sy ON sy.year = c0.year
            WHERE c0.indicator_id = %s AND {expression} IS NOT NULL""",
            [indicator_id, *[components[code] for code in codes[1:]], components[codes[0]]])
    return inserted


def _step_targets(cursor, scope: Scope) -> None:
    """The target that applies to a year (kpis.rules.applicable_target: the
    nearest one at or after it); its baseline is the target's baseline year,
    or the first year with data."""
    applies = applicable_target_year_sql(target_year="t.year", year="w.year")
    cursor.execute(f"""
        INSERT INTO agg_target_for ({KEY}, target_year)
        SELECT w.indicator_id, w.org_unit_id, w.year, w.period, MIN(t.year)
        FROM agg_w w JOIN kpis_target t ON t.indicator_id = w.indicator_id
            AND t.org_unit_id = w.org_unit_id AND {applies}
        WHERE w.period = {YEAR_PART}
        GROUP BY w.indicator_id, w.org_unit_id, w.year, w.period""")
    source = _values_source(scope)
    cursor.execute(f"""
        INSERT INTO agg_baseline (target_id, year)
        SELECT t.id, COALESCE(t.baseline_year, (SELECT MIN(v.year) FROM {source} v
                WHERE v.indicator_id = t.indicator_id AND v.org_unit_id = t.org_unit_id AND v.period = {YEAR_PART}))
        FROM kpis_target t
        WHERE EXISTS (SELECT 1 FROM agg_target_for f WHERE f.indicator_id = t.indicator_id
                      AND f.org_unit_id = t.org_unit_id AND f.target_year = t.year)""")
    cursor.execute(f"""
        UPDATE agg_baseline SET value = (
            SELECT v.value FROM {source} v JOIN kpis_target t ON t.id = agg_baseline.target_id
            WHERE v.indicator_id = t.indicator_id AND v.org_unit_id = t.org_unit_id
              AND v.year = agg_baseline.year AND v.period = {YEAR_PART})""")


_AT_TARGET = (f"((t.operator = '{Op.GTE.value}' AND w.value >= t.value)"
              f" OR (t.operator = '{Op.LTE.value}' AND w.value <= t.value)"
              f" OR (t.operator = '{Op.EQ.value}' AND w.value = t.value))")
_NONZERO = "CASE WHEN {0} = 0 THEN 0.001 ELSE {0} END"


def _step_status(cursor) -> None:
    """Target, progress status and achievement for the few cells a target
    applies to, so the pass over every cell needs one small join for them."""
    base, target = _NONZERO.format("b.value"), _NONZERO.format("t.value")
    cursor.execute(f"""
        INSERT INTO agg_status ({KEY}, target_id, status, achievement_pct)
        SELECT {KEY}, target_id,
               CASE
                 WHEN at_target = 1 THEN '{P.ACHIEVED.value}'
                 WHEN year = target_year THEN '{P.NOT_ACHIEVED.value}'
                 WHEN cagr_o IS NULL THEN '{P.NO_DATA.value}'
                 WHEN cagr_r = 0 THEN '{P.DETERIORATION.value}'
                 WHEN direction * cagr_o / ABS(cagr_r) >= 0.95 THEN '{P.ON_TRACK.value}'
                 WHEN direction * cagr_o / ABS(cagr_r) >= 0.6 THEN '{P.NEEDS_ACCELERATION.value}'
                 WHEN direction * cagr_o / ABS(cagr_r) >= 0 THEN '{P.LIMITED_PROGRESS.value}'
                 ELSE '{P.DETERIORATION.value}'
               END,
               achievement_pct
        FROM (
          SELECT w.indicator_id, w.org_unit_id, w.year, w.period, t.id AS target_id, t.year AS target_year,
                 CASE WHEN {_AT_TARGET} THEN 1 ELSE 0 END AS at_target,
                 CASE WHEN i.direction = '{Direction.LOWER.value}' THEN -1 ELSE 1 END AS direction,
                 CASE WHEN b.value IS NOT NULL AND b.year < w.year
                      THEN POWER(w.value * 1.0 / {base}, 1.0 / (w.year - b.year)) - 1 END AS cagr_o,
                 CASE WHEN b.value IS NOT NULL AND b.year < t.year
                      THEN POWER({target} * 1.0 / {base}, 1.0 / (t.year - b.year)) - 1 END AS cagr_r,
                 CASE WHEN i.direction = '{Direction.LOWER.value}' THEN
                           CASE WHEN w.value <> 0 THEN ROUND(t.value * 100.0 / w.value, 8) END
                      ELSE CASE WHEN t.value <> 0 THEN ROUND(w.value * 100.0 / t.value, 8) END
                 END AS achievement_pct
          FROM agg_target_for f
          JOIN agg_w w ON w.indicator_id = f.indicator_id AND w.org_unit_id = f.org_unit_id AND w.year = f.year
               AND w.period = f.period
          JOIN kpis_indicator i ON i.id = w.indicator_id
          JOIN kpis_target t ON t.indicator_id = f.indicator_id AND t.org_unit_id = f.org_unit_id
               AND t.year = f.target_year
          LEFT JOIN agg_baseline b ON b.target_id = t.id
        ) cells""")


def _cells_with_previous(scope: Scope) -> str:
    """The work cells, each with the previous year's value. Over everything,
    a window reads agg_w in its key's order (cheaper than hashing ten million
    rows to join them to themselves, and a first fill then writes the table
    in key order); an incremental scope looks its previous years up, some of
    them stored."""
    if scope.full:
        return """(SELECT w.*, FIRST_VALUE(w.value) OVER (
                       PARTITION BY w.indicator_id, w.org_unit_id, w.period ORDER BY w.year
                       RANGE BETWEEN 1 PRECEDING AND 1 PRECEDING) AS previous
                   FROM agg_w w)"""
    return f"""(SELECT w.*, p.value AS previous FROM agg_w w
                LEFT JOIN {_values_source(scope)} p ON p.indicator_id = w.indicator_id
                     AND p.org_unit_id = w.org_unit_id AND p.period = w.period AND p.year = w.year - 1)"""


def final_cells(scope: Scope) -> str:
    """The cells as they are to be stored (typed; every work value already
    has at most the stored eight decimals, as figures have six and averages
    and formulas are rounded where computed, so a stored value read back by
    an incremental run equals the one a full run computes), as a query over
    the work tables: written straight into kpis_aggregate or compared with
    it, never copied into another ten-million-row table first."""
    return f"""
        SELECT w.indicator_id, w.org_unit_id, w.year, w.period, w.value,
               COALESCE(w.method, '{M.ENTERED.value}') AS method,
               COALESCE(w.children_count, 0) AS children_count, COALESCE(w.expected_children, 0) AS expected_children,
               COALESCE(w.is_complete, 1) = 1 AS is_complete, COALESCE(w.reconstructed, 0) = 1 AS reconstructed,
               w.previous AS previous_value, w.value - w.previous AS change,
               CASE WHEN w.previous <> 0 THEN ROUND((w.value - w.previous) * 100.0 / w.previous, 8) END
                   AS change_pct,
               s.target_id, s.status, s.achievement_pct
        FROM {_cells_with_previous(scope)} w
        LEFT JOIN agg_status s ON s.indicator_id = w.indicator_id AND s.org_unit_id = w.org_unit_id
             AND s.year = w.year AND s.period = w.period"""


def tune_session(cursor) -> None:
    """Settings for statements over millions of rows, for this transaction only."""
    if connection.vendor == "postgresql":
        memory = f"{int(settings.AGGREGATION_WORK_MEM_MB)}MB"
        cursor.execute(f"SET LOCAL work_mem = '{memory}'")  # hash joins and aggregates stay in memory
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{memory}'")  # index builds sort in memory
        cursor.execute("SET LOCAL jit = off")  # compiling these one-off statements costs more than it saves


def compute(cursor, scope: Scope) -> int:
    """Steps 1–5 into the work tables; returns the number of cells, which
    ``final_cells`` then reads."""
    _prepare_work_tables(cursor)
    _fill_scope(cursor, scope)
    _analyze(cursor, "agg_scope_indicators", "agg_scope_units", "agg_scope_years")
    derived = derived_in_order(cursor)
    beginnings = lineage.fill_merges(cursor, unit_ids=None if scope.full else [u for u, _ in scope.unit_depths])
    lineage.fill_merge_links(cursor, beginnings)
    _analyze(cursor, "agg_merge_links")
    if scope.full:
        tune_session(cursor)
        # Built after the bulk inserts: one sort instead of millions of index updates.
        cursor.execute("DROP INDEX agg_w_key")
    else:
        _load_stored(cursor, scope, derived)
        _analyze(cursor, "agg_stored")
    cells = _step_entered(cursor, scope)
    _analyze(cursor, "agg_w")
    cells += _step_periods(cursor)
    cells += _step_rollup(cursor, scope)
    cells += lineage.step_reconstruct(cursor, source=_values_source(scope), beginning_years=beginnings,
                                      scope_full=scope.full)
    if scope.full:  # after every bulk insert: one sort instead of an index updated row by row
        cursor.execute(_WORK_KEY_INDEX)
    cells += _step_derived(cursor, scope, derived)
    _analyze(cursor, "agg_w")
    _step_targets(cursor, scope)
    _analyze(cursor, "agg_target_for", "agg_baseline")
    _step_status(cursor)
    _analyze(cursor, "agg_status")
    return cells


_SAME_KEY = ("f.indicator_id = a.indicator_id AND f.org_unit_id = a.org_unit_id AND f.period = a.period "
             "AND f.year = a.year")
_STORED_COLUMNS = ["value", "method", "children_count", "expected_children", "is_complete", "reconstructed",
                   "previous_value",
                   "change", "change_pct", "target_id", "status", "achievement_pct"]
_STORED = ", ".join(_STORED_COLUMNS)


def _stored_in_scope(scope: Scope) -> str:
    """The stored aggregates the scope covers: the whole table, or the cube's
    cells found by lookups on the (indicator, unit, year) index."""
    if scope.full:
        return "kpis_aggregate"
    return ("(SELECT a.* FROM agg_scope_indicators si JOIN agg_scope_units su ON TRUE "
            "JOIN agg_scope_years sy ON TRUE JOIN kpis_aggregate a ON a.indicator_id = si.id "
            "AND a.org_unit_id = su.id AND a.year = sy.year)")


def _classify(cursor, scope: Scope) -> None:
    """One pass over the fresh and the stored cells, keeping only those that
    differ: a fresh cell with no stored one (insert), a stored cell with no
    fresh one (delete, marked by a NULL key), or both with any column changed."""
    differs = " OR ".join(f"a.{c} IS DISTINCT FROM f.{c}" for c in _STORED_COLUMNS)
    fresh = ", ".join(f"f.{c}" for c in _STORED_COLUMNS)
    if scope.full and connection.vendor == "postgresql":
        # Both sides come in key order (the fresh cells from the work table's
        # key, the stored ones from the unique index, whose heap a first fill
        # writes in key order): merging them skips hashing ten million rows.
        cursor.execute("SET LOCAL enable_hashjoin = off")
    cursor.execute(f"""
        INSERT INTO agg_changes (aggregate_id, {KEY}, {_STORED})
        SELECT a.id AS aggregate_id, f.indicator_id, f.org_unit_id, f.year, f.period, {fresh}
        FROM ({final_cells(scope)}) f FULL OUTER JOIN {_stored_in_scope(scope)} a ON {_SAME_KEY}
        WHERE a.id IS NULL OR f.indicator_id IS NULL OR {differs}""")
    if scope.full and connection.vendor == "postgresql":
        cursor.execute("SET LOCAL enable_hashjoin = on")


def apply(cursor, scope: Scope, cells: int) -> Outcome:
    """Write only what differs between the fresh cells and kpis_aggregate in scope."""
    cursor.execute("SELECT EXISTS (SELECT 1 FROM kpis_aggregate)")
    if scope.full and not cursor.fetchone()[0]:
        return _apply_to_empty(cursor, scope)
    _classify(cursor, scope)
    deleted = _run(cursor, "DELETE FROM kpis_aggregate WHERE id IN "
                           "(SELECT aggregate_id FROM agg_changes WHERE indicator_id IS NULL)")
    assignments = ", ".join(f"{c} = c.{c}" for c in _STORED_COLUMNS)
    updated = _run(cursor, f"UPDATE kpis_aggregate SET {assignments} FROM agg_changes c "
                           "WHERE kpis_aggregate.id = c.aggregate_id AND c.indicator_id IS NOT NULL")
    inserted = _run(cursor, f"INSERT INTO kpis_aggregate ({KEY}, {_STORED}) "
                            f"SELECT {KEY}, {_STORED} FROM agg_changes WHERE aggregate_id IS NULL")
    _release_work_tables(cursor, scope)
    if scope.full and inserted + deleted > cells // 10:
        _analyze(cursor, "kpis_aggregate")  # the table changed size: plans need to know
    return Outcome(cells=cells, inserted=inserted, updated=updated, deleted=deleted)


def _apply_to_empty(cursor, scope: Scope) -> Outcome:
    """The first recompute: nothing to compare with, so a plain insert, into
    a table whose indexes are built once afterwards rather than maintained
    row by row (on PostgreSQL; readers of the still empty table wait)."""
    rebuild = connection.vendor == "postgresql"
    if rebuild:
        primary_key = _drop_indexes(cursor)
    inserted = _run(cursor, f"INSERT INTO kpis_aggregate ({KEY}, {_STORED}) "
                            f"SELECT {KEY}, {_STORED} FROM ({final_cells(scope)}) f")
    if rebuild:
        _create_indexes(cursor, primary_key)
    _release_work_tables(cursor, scope)
    _analyze(cursor, "kpis_aggregate")
    return Outcome(cells=inserted, inserted=inserted, updated=0, deleted=0)


def _drop_indexes(cursor) -> str:
    """Drop the aggregate table's primary key, unique constraint and indexes
    (those of its model, so of its migrations); returns the key's name."""
    from kpis.models import Aggregate

    table = Aggregate._meta.db_table
    constraints = connection.introspection.get_constraints(cursor, table)
    primary_key = next(name for name, details in constraints.items() if details["primary_key"])
    with connection.schema_editor() as editor:
        for index in Aggregate._meta.indexes:
            editor.remove_index(Aggregate, index)
        for constraint in Aggregate._meta.constraints:
            editor.remove_constraint(Aggregate, constraint)
    quote = connection.ops.quote_name
    cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(primary_key)}")
    return primary_key


def _create_indexes(cursor, primary_key: str) -> None:
    from kpis.models import Aggregate

    quote = connection.ops.quote_name
    cursor.execute(f"ALTER TABLE {quote(Aggregate._meta.db_table)} "
                   f"ADD CONSTRAINT {quote(primary_key)} PRIMARY KEY (id)")
    with connection.schema_editor() as editor:
        for index in Aggregate._meta.indexes:
            editor.add_index(Aggregate, index)
        for constraint in Aggregate._meta.constraints:
            editor.add_constraint(Aggregate, constraint)


def differences(cursor, limit: int = 50) -> tuple[int, list[tuple]]:
    """After ``compute`` with the full scope: how many cells the stored table
    gets wrong, and up to ``limit`` of them as (indicator, unit, year, stored, fresh)."""
    _classify(cursor, FULL)
    cursor.execute("SELECT COUNT(*) FROM agg_changes")
    count = cursor.fetchone()[0]
    cursor.execute(f"""
        SELECT COALESCE(c.indicator_id, a.indicator_id), COALESCE(c.org_unit_id, a.org_unit_id),
               COALESCE(c.year, a.year), COALESCE(c.period, a.period), a.value, c.value
        FROM agg_changes c LEFT JOIN kpis_aggregate a ON a.id = c.aggregate_id
        ORDER BY 1, 2, 3, 4 LIMIT {int(limit)}""")
    rows = cursor.fetchall()
    _release_work_tables(cursor, FULL)
    return count, rows
