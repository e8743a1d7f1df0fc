"""Aggregates that are always fresh and always right.

Every service that changes what aggregates depend on calls ``stale_mark`` in
its own transaction; on commit a recompute is enqueued (coalesced, so an
import of 50,000 rows is one task). A lost message is harmless: the beat
sweep recomputes whatever is still marked. See docs/aggregation.md.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kpis.aggregation import engine
from kpis.aggregation.scope import FULL, Scope, scope_for_cells
from kpis.aggregation.version import data_version
from kpis.models import Aggregate, RecomputeRun, StaleMark

logger = logging.getLogger(__name__)

_LOCK_KEY = 727_2020  # any constant shared by every worker
# Above this share of the stored cells an incremental cube costs more than a full pass.
_FULL_RECOMPUTE_SHARE = 0.05
_FULL_RECOMPUTE_MIN_CELLS = 100_000


def _lock(cursor) -> None:
    """Serialise recomputes: two workers never compute the same cells at once."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


@transaction.atomic
def aggregates_recompute(*, scope: Scope = FULL) -> engine.Outcome:
    started = timezone.now()
    with connection.cursor() as cursor:
        _lock(cursor)
        # Marks already committed are covered by this run: their data is visible to it.
        covered = list(StaleMark.objects.values_list("id", flat=True)) if scope.full else []
        cells = engine.compute(cursor, scope)
        outcome = engine.apply(cursor, scope, cells)
    RecomputeRun.objects.create(
        kind=RecomputeRun.Kind.FULL if scope.full else RecomputeRun.Kind.INCREMENTAL,
        started_at=started, finished_at=timezone.now(), cells=outcome.cells, changed=outcome.changed,
    )
    StaleMark.objects.filter(id__in=covered).delete()
    return outcome


def aggregates_check(*, limit: int = 50) -> tuple[int, list[tuple]]:
    """Compare the stored aggregates with a recompute from scratch, changing
    nothing: (number of differing cells, some of them)."""
    with transaction.atomic(), connection.cursor() as cursor:
        engine.compute(cursor, FULL)
        result = engine.differences(cursor, limit=limit)
        transaction.set_rollback(True)
    return result


def _scope_for_marks(marks: list[tuple[int | None, int | None, int | None]]) -> Scope:
    if any(indicator is None or unit is None for indicator, unit, _ in marks):
        return FULL
    scope = scope_for_cells(marks)
    return FULL if scope.cells > _full_recompute_from() else scope


def _full_recompute_from() -> float:
    """Cells in scope above which a recompute is full."""
    return max(_FULL_RECOMPUTE_MIN_CELLS, _FULL_RECOMPUTE_SHARE * _stored_cells_estimate())


def _stored_cells_estimate() -> int:
    """COUNT(*) over ten million rows costs a second; the planner's estimate is free."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'kpis_aggregate'")
            row = cursor.fetchone()
            if row and row[0] > 0:
                return row[0]
    return Aggregate.objects.count()


@transaction.atomic
def stale_recompute() -> engine.Outcome | None:
    """Recompute what is marked stale and clear those marks. Marks written
    while this runs stay for the next run."""
    with connection.cursor() as cursor:
        _lock(cursor)
    marks = list(StaleMark.objects.values_list("id", "indicator_id", "org_unit_id", "year"))
    if not marks:
        return None
    outcome = aggregates_recompute(scope=_scope_for_marks([m[1:] for m in marks]))
    StaleMark.objects.filter(id__in=[m[0] for m in marks]).delete()
    return outcome


def stale_mark(*, cells: Iterable[tuple[int, int, int | None]] = (), everything: bool = False) -> None:
    """Record, in the caller's transaction, that these (indicator id, org unit
    id, year or None for every year) cells, or everything, must be recomputed."""
    marks = [StaleMark()] if everything else [
        StaleMark(indicator_id=indicator, org_unit_id=unit, year=year)
        for indicator, unit, year in set(cells)
    ]
    if not marks:
        return
    StaleMark.objects.bulk_create(marks, batch_size=5000)
    transaction.on_commit(enqueue_recompute)


def stale_mark_query(*, sql: str, params: list) -> None:
    """``stale_mark`` for the cells (indicator id, org unit id, year) a query
    selects, written by one statement: a large import marks a million cells
    without holding them in memory. More cells than a recompute would take
    one by one are marked as "everything": the recompute is full either way."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT DISTINCT * FROM ({sql}) cell) cells", params)
        count = cursor.fetchone()[0]
        if not count:
            return
        if count > _full_recompute_from():
            stale_mark(everything=True)
            return
        cursor.execute(f"INSERT INTO {StaleMark._meta.db_table} (indicator_id, org_unit_id, year, created_at) "
                       f"SELECT DISTINCT cell.*, %s FROM ({sql}) cell", [*params, timezone.now()])
    transaction.on_commit(enqueue_recompute)


def enqueue_recompute() -> None:
    """Ask a worker to recompute. Never fails the caller: if the broker is
    down the marks stay and the beat sweep repairs it."""
    from kpis.tasks import recompute_stale_task

    try:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            recompute_stale_task.apply()
            return
        if not _claim_queue_slot():
            return
        recompute_stale_task.apply_async(retry=False)
    except Exception:  # noqa: BLE001 - any broker failure must leave data entry working
        logger.warning("Could not enqueue a recompute; the sweep will pick up the stale marks.", exc_info=True)


_QUEUED_KEY = "kpis:recompute-queued"
_QUEUE_SLOT_SECONDS = 10


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def _claim_queue_slot() -> bool:
    """Coalesce bursts: one recompute message per burst of commits. The slot
    expires quickly so a message lost on its way costs seconds, not minutes
    (the sweep would catch it within a minute anyway)."""
    return bool(_redis().set(_QUEUED_KEY, "1", nx=True, ex=_QUEUE_SLOT_SECONDS))


def release_queue_slot() -> None:
    if settings.REDIS_URL:
        try:
            _redis().delete(_QUEUED_KEY)
        except Exception:  # noqa: BLE001 - the slot expires by itself
            logger.warning("Could not release the recompute queue slot.", exc_info=True)


@dataclass(frozen=True)
class AggregationState:
    last_recompute: datetime | None
    pending: bool


def aggregation_state() -> AggregationState:
    """When figures were last recomputed and whether changes are still waiting
    (the data version's rule, kpis.aggregation.version)."""
    version = data_version()
    return AggregationState(last_recompute=version.last_recompute, pending=version.pending)
