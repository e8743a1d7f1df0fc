"""Print each slow SQL statement of a recompute (a profiling aid, not a benchmark).

    DATABASE_URL=… python bench/_timing.py [THRESHOLD_SECONDS] [--incremental] [--commit]

Rolled back unless --commit; EXPLAIN=1 prints the plan of each slow INSERT/UPDATE.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from kpis.aggregation import engine  # noqa: E402
from kpis.aggregation.scope import FULL  # noqa: E402


def report_slow(threshold: float):
    """An execute wrapper printing every statement slower than the threshold,
    including those Django's schema editor runs on its own cursor."""

    def wrapper(execute, sql, params, many, context):
        started = time.monotonic()
        result = execute(sql, params, many, context)
        elapsed = time.monotonic() - started
        if elapsed >= threshold:
            print(f"{elapsed * 1000:9.1f} ms  {' '.join(sql.split())[:120]}")
            if os.environ.get("EXPLAIN") and sql.lstrip().startswith(("INSERT", "UPDATE", "CREATE TEMP")):
                context["cursor"].execute("EXPLAIN " + sql, params)
                print("\n".join(row[0] for row in context["cursor"].fetchall()))
        return result

    return wrapper


def one_commune_scope():
    from kpis.aggregation.scope import scope_for_cells
    from kpis.models import DataValue

    value = DataValue.objects.filter(org_unit__level="commune", indicator__aggregation="sum").first()
    started = time.monotonic()
    scope = scope_for_cells([(value.indicator_id, value.org_unit_id, value.year)])
    print(f"{time.monotonic() - started:7.3f}s  scope: {scope.cells} cells")
    return scope


if __name__ == "__main__":
    threshold = float(sys.argv[1]) if len(sys.argv) > 1 else 0.05
    scope = one_commune_scope() if "--incremental" in sys.argv else FULL
    with transaction.atomic(), connection.execute_wrapper(report_slow(threshold)), connection.cursor() as cursor:
        started = time.monotonic()
        cells = engine.compute(cursor, scope)
        engine.apply(cursor, scope, cells)
        print(f"{(time.monotonic() - started) * 1000:9.1f} ms  in all")
        transaction.set_rollback("--commit" not in sys.argv)
