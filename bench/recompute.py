"""Recompute benchmark: prints ratios measured side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/recompute.py --generate national [--reorganise] [--quarterly-share 0.2]

Measures, on the data in DATABASE_URL (synthetic, from generate_scale_data):
  floor        one hand-written SQL statement rolling every approved value up the
               tree (sum) into a scratch table: the least any recompute must do
               (and, for context, the same result kept as a logged, indexed table);
               with quarters or months in the data, also the same statement making
               every half-year and year from them (summed, each value counted in its
               period and in every longer period containing it): the cells the
               recompute must make besides the rolled-up periods;
  full (cold)  aggregates_recompute() into an empty aggregate table (the first fill);
  full (warm)  the same again with nothing changed (the nightly run);
               each of these is the median of --rounds runs;
  one edit     stale_recompute() after one approved commune figure changed (with
               --reorganise: a figure before the break of a commune merged whole into a
               new one, so the edit also reaches the successor's reconstructed past;
               with --edit-quarter: a quarterly figure, so the edit also changes the
               commune's half-year and year and everything above them);
  visible      commit of that edit → the province aggregate changed, with a real
               Celery worker on Redis (skipped without REDIS_URL).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from kpis.aggregation import aggregates_recompute, release_queue_slot, stale_mark, stale_recompute  # noqa: E402
from kpis.models import Aggregate, DataValue, OrgUnit  # noqa: E402
from kpis.periods import Period  # noqa: E402

FLOOR_SQL = """
CREATE TEMP TABLE bench_floor AS
WITH RECURSIVE closure(ancestor_id, descendant_id) AS (
    SELECT id, id FROM kpis_orgunit
    UNION ALL
    SELECT u.parent_id, c.descendant_id FROM closure c JOIN kpis_orgunit u ON u.id = c.ancestor_id
    WHERE u.parent_id IS NOT NULL
)
SELECT c.ancestor_id AS org_unit_id, dv.indicator_id, dv.year, dv.period, SUM(dv.value) AS value, COUNT(*) AS n
FROM kpis_datavalue dv
JOIN kpis_yearlyreport r ON r.id = dv.report_id AND r.status = 'approved'
JOIN closure c ON c.descendant_id = dv.org_unit_id
GROUP BY c.ancestor_id, dv.indicator_id, dv.year, dv.period
"""


def _within(part: int) -> list[int]:
    """A period's part and the parts of the longer periods containing it (kpis/periods.py's codes)."""
    if part >= 300:
        month = part - 300
        return [part, 200 + (month + 2) // 3, 100 + (month + 5) // 6, 0]
    if part >= 200:
        return [part, 100 + (part - 199) // 2, 0]
    return [part, 0] if part >= 100 else [0]


_PARTS = [0, 101, 102, *range(201, 205), *range(301, 313)]
# The floor, also making every half-year and year from the quarters and months
# (summed): the cells the recompute must make besides the rolled-up periods.
FLOOR_PERIODS_SQL = FLOOR_SQL.replace("bench_floor", "bench_floor_periods").replace(
    "dv.year, dv.period, SUM", "dv.year, p.within AS period, SUM").replace(
    "JOIN closure c", "JOIN (VALUES {}) AS p(part, within) ON p.part = dv.period\nJOIN closure c".format(
        ", ".join(f"({part}, {within})" for part in _PARTS for within in _within(part)))).replace(
    "dv.year, dv.period\n", "dv.year, p.within\n")


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def floor() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute(FLOOR_SQL)
        cursor.execute("DROP TABLE bench_floor")


def floor_periods() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FLOOR_PERIODS_SQL)
        cursor.execute("DROP TABLE bench_floor_periods")


def floor_kept() -> None:
    """For context, not the target: the floor's result written as the real
    table must be (logged, not temporary) and indexed as kpis_aggregate is
    (primary key, unique key, unit × year), all in one transaction, rolled back."""
    select = FLOOR_SQL.replace("CREATE TEMP TABLE bench_floor AS", "")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_floor_kept AS SELECT ROW_NUMBER() OVER () AS id, f.* FROM ({select}) f")
        cursor.execute("ALTER TABLE bench_floor_kept ADD PRIMARY KEY (id)")
        cursor.execute("CREATE UNIQUE INDEX ON bench_floor_kept (indicator_id, org_unit_id, period, year)")
        cursor.execute("CREATE INDEX ON bench_floor_kept (org_unit_id, period, year)")
        transaction.set_rollback(True)


def empty_aggregates() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE kpis_aggregate" if connection.vendor == "postgresql" else "DELETE FROM kpis_aggregate")


def a_commune_value(*, predecessor: bool = False, quarter: bool = False) -> DataValue:
    values = DataValue.objects.filter(org_unit__level="commune", indicator__aggregation="sum",
                                      report__status="approved")
    values = values.filter(period__gt=0) if quarter else values.filter(period=0)
    if predecessor:
        # A successor formed by whole mergers: none of its predecessors is split among several units.
        split = OrgUnit.objects.annotate(n=Count("successors")).filter(n__gt=1)
        whole = OrgUnit.objects.filter(predecessors__isnull=False).exclude(predecessors__in=split)
        values = values.filter(org_unit__successors__in=whole)
    # The earliest year: every later year is in the edit's scope (the worst case).
    found = values.select_related("org_unit__parent__parent").order_by("year", "id").first()
    if found is None:
        raise SystemExit("no commune figure to edit" + (" of a merged commune: generate with --reorganise"
                                                        if predecessor else "")
                         + (" for a quarter: generate with --quarterly-share" if quarter else ""))
    return found


@transaction.atomic
def edit(value: DataValue, delta: int) -> None:
    """One approved figure changes, as an import or a re-approval records it."""
    DataValue.objects.filter(pk=value.pk).update(value=value.value + delta)
    stale_mark(cells=[(value.indicator_id, value.org_unit_id, value.year)])


def province_of(value: DataValue) -> OrgUnit:
    unit = value.org_unit
    while unit.parent is not None and unit.level != "province":
        unit = unit.parent
    return unit


def commit_to_visible(value: DataValue, rounds: int) -> list[float]:
    if not settings.REDIS_URL:
        return []
    queue = f"bench-{uuid.uuid4().hex[:6]}"
    from portal.celery import app

    app.conf.task_default_queue = queue
    release_queue_slot()  # the synchronous rounds above enqueued to a queue no worker reads
    env = {**os.environ, "DATABASE_CONN_MAX_AGE": "60"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "--pool=solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=warning"],
        cwd=ROOT, env=env)
    province = province_of(value)
    samples = []
    try:
        time.sleep(3)  # let the worker connect before timing
        for round_number in range(rounds):
            before = Aggregate.objects.get(indicator_id=value.indicator_id, org_unit=province, year=value.year,
                                           period=value.period).value
            started = time.perf_counter()
            edit(value, 1 if round_number % 2 == 0 else -1)
            while Aggregate.objects.get(indicator_id=value.indicator_id, org_unit=province,
                                        year=value.year, period=value.period).value == before:
                if time.perf_counter() - started > 120:
                    raise RuntimeError("the worker did not recompute within 120 s")
                time.sleep(0.02)
            samples.append(time.perf_counter() - started)
            value.refresh_from_db()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generate", help="generate_scale_data --size SIZE --replace first")
    parser.add_argument("--rounds", type=int, default=3, help="repeats of the short measurements")
    parser.add_argument("--reorganise", action="store_true",
                        help="generate with the 2025 reorganisation and edit a merged commune's past figure")
    parser.add_argument("--edit-rounds", type=int, help="repeats of the one edit (default: --rounds)")
    parser.add_argument("--cold-rounds", type=int,
                        help="repeats of the cold full recompute (default: --rounds; minutes each at national scale)")
    parser.add_argument("--skip-cold", action="store_true",
                        help="leave out the cold full recompute: the aggregate table as it is (filled) "
                             "is the warm start")
    parser.add_argument("--quarterly-share", type=float, default=0.0,
                        help="with --generate: this share of the indicators entered by quarter")
    parser.add_argument("--edit-quarter", action="store_true",
                        help="the measured edit is a commune's quarterly figure (needs --quarterly-share data)")
    parser.add_argument("--skip-kept", action="store_true",
                        help="leave out the floor kept as a table (context only, and as slow as a cold fill)")
    args = parser.parse_args()
    if args.generate:
        call_command("generate_scale_data", size=args.generate, replace=True, reorganise=args.reorganise,
                     quarterly_share=args.quarterly_share)
    values = DataValue.objects.count()
    sub_annual = DataValue.objects.exclude(period=0).count()
    print(f"database: {connection.vendor}, values: {values:,} ({sub_annual:,} of them for quarters or months), "
          f"org units: {OrgUnit.objects.count():,}", flush=True)

    floor_seconds = statistics.median(timed(floor) for _ in range(args.rounds))
    print(f"  floor measured: {floor_seconds:.3f} s", flush=True)
    periods_floor = statistics.median(timed(floor_periods) for _ in range(args.rounds)) if sub_annual else None
    if periods_floor is not None:
        print(f"  floor with the longer periods measured: {periods_floor:.3f} s", flush=True)
    kept_seconds = timed(floor_kept) if connection.vendor == "postgresql" and not args.skip_kept else None
    if kept_seconds is not None:
        print(f"  floor kept as a table: {kept_seconds:.3f} s", flush=True)
    cold_samples = []
    for _ in range(0 if args.skip_cold else args.cold_rounds or args.rounds):
        empty_aggregates()
        cold_samples.append(timed(aggregates_recompute))
    if args.skip_cold and not Aggregate.objects.exists():
        raise SystemExit("--skip-cold needs a filled aggregate table: run once without it")
    cold = statistics.median(cold_samples) if cold_samples else None
    if cold is not None:
        print(f"  cold full recompute: {cold:.3f} s", flush=True)
    cells = Aggregate.objects.count()
    warm = statistics.median(timed(aggregates_recompute) for _ in range(args.rounds))
    print(f"  warm full recompute: {warm:.3f} s", flush=True)
    value = a_commune_value(predecessor=args.reorganise, quarter=args.edit_quarter)
    print(f"  the edited figure: {value.indicator.code} {value.org_unit.code} "
          f"{Period(value.year, value.period)}", flush=True)
    if args.reorganise:
        print(f"  the edited figure: {value.org_unit.code} {value.year}, merged into "
              f"{', '.join(value.org_unit.successors.values_list('code', flat=True))}", flush=True)
    one_edit = []
    for round_number in range(args.edit_rounds or args.rounds):
        edit(value, 1 if round_number % 2 == 0 else -1)
        value.refresh_from_db()
        one_edit.append(timed(stale_recompute))
    incremental = statistics.median(one_edit)
    visible = commit_to_visible(value, args.rounds)

    print(f"aggregate cells: {cells:,}")
    print(f"{'measure':<28}{'seconds':>10}{'ratio':>12}  target")
    print(f"{'floor (one SQL statement)':<28}{floor_seconds:>10.3f}{1:>12.2f}")
    if kept_seconds is not None:
        print(f"{'floor kept as a table':<28}{kept_seconds:>10.3f}{kept_seconds / floor_seconds:>12.2f}"
              "  (context: logged, indexed)")
    if periods_floor is not None:
        print(f"{'floor with longer periods':<28}{periods_floor:>10.3f}{periods_floor / floor_seconds:>12.2f}"
              "  (the same statement, also summing quarters and months into half-years and years)")
    for label, seconds in (("full recompute, cold", cold), ("full recompute, warm", warm)):
        if seconds is not None:
            against_periods = (f"; {seconds / periods_floor:.2f} × the floor with longer periods"
                               if periods_floor else "")
            print(f"{label:<28}{seconds:>10.3f}{seconds / floor_seconds:>12.2f}  ≤ 2 × floor{against_periods}")
    edit_label = "one edit of a predecessor" if args.reorganise else "one edit, incremental"
    print(f"{edit_label:<28}{incremental:>10.4f}{incremental / warm:>12.5f}  ≤ 0.001 × full (warm)")
    if visible:
        print(f"{'commit → visible (worker)':<28}{statistics.median(visible):>10.3f}{'':>12}  seconds, median")
    else:
        print("commit → visible: skipped (set REDIS_URL to measure with a real worker)")


if __name__ == "__main__":
    main()
