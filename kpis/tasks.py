"""Celery tasks: thin wrappers that take ids (or nothing) and call services."""

from celery import shared_task

from kpis.aggregation import FULL, aggregates_recompute, release_queue_slot, stale_recompute


@shared_task(name="kpis.recompute_stale", acks_late=True)
def recompute_stale_task() -> int:
    release_queue_slot()  # changes arriving from now on enqueue the next run
    outcome = stale_recompute()
    return outcome.changed if outcome else 0


@shared_task(name="kpis.recompute_full", acks_late=True)
def recompute_full_task() -> int:
    return aggregates_recompute(scope=FULL).changed
