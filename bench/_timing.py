"""Print each slow SQL statement of a recompute (a profiling aid, not a benchmark)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from kpis.aggregation import engine  # noqa: E402
from kpis.aggregation.scope import FULL  # noqa: E402


class TimedCursor:
    def __init__(self, cursor, threshold: float):
        self.cursor, self.threshold = cursor, threshold

    def execute(self, sql, params=None):
        started = time.monotonic()
        result = self.cursor.execute(sql, params)
        elapsed = time.monotonic() - started
        if elapsed >= self.threshold:
            print(f"{elapsed:7.2f}s  {' '.join(sql.split())[:120]}")
            if os.environ.get("EXPLAIN") and sql.lstrip().startswith(("INSERT", "UPDATE")):
                self.cursor.execute("EXPLAIN " + sql, params)
                print("\n".join(row[0] for row in self.cursor.fetchall()))
        return result

    def __getattr__(self, name):
        return getattr(self.cursor, name)


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
    with transaction.atomic(), connection.cursor() as cursor:
        timed = TimedCursor(cursor, threshold)
        started = time.monotonic()
        engine.compute(timed, scope)
        engine.apply(timed, scope)
        print(f"{time.monotonic() - started:7.3f}s  in all")
        transaction.set_rollback(True)
