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
        return result

    def __getattr__(self, name):
        return getattr(self.cursor, name)


if __name__ == "__main__":
    threshold = float(sys.argv[1]) if len(sys.argv) > 1 else 0.05
    with transaction.atomic(), connection.cursor() as cursor:
        timed = TimedCursor(cursor, threshold)
        engine.compute(timed, FULL)
        engine.apply(timed, FULL)
        transaction.set_rollback(True)
