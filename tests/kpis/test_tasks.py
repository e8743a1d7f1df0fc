"""The recompute path with real processes: a Celery worker on the real Redis,
and the broker going away while staff save data."""

from decimal import Decimal

import pytest

from kpis.models import Aggregate, StaleMark
from kpis.services.reports import report_approve, report_create, report_submit, report_values_save
from kpis.tasks import recompute_stale_task
from portal.celery import app as celery_app
from tests.workers import celery_worker, wait_for


def submitted_report(world):
    staff = world.users.staff
    report = report_create(sector=world.telecom, org_unit=world.province, year=2020, user=staff)
    report_values_save(report=report, user=staff, values={"BTS": Decimal(939)})
    return report_submit(report=report, user=staff)


@pytest.fixture
def worker(transactional_db, django_db_serialized_rollback, monkeypatch):
    with celery_worker(monkeypatch) as process:
        yield process


@pytest.mark.worker
def test_approval_reaches_the_aggregates_through_a_real_worker(world, worker):
    report = submitted_report(world)
    report_approve(report=report, user=world.users.approver)  # commits; enqueues on commit
    reached = wait_for(lambda: Aggregate.objects.filter(indicator=world.bts, org_unit=world.province,
                                                        year=2020, value=939).exists())
    if not reached:
        worker.terminate()
        pytest.fail("the worker did not recompute in time:\n" + worker.communicate(timeout=20)[0].decode())
    assert wait_for(lambda: not StaleMark.objects.exists(), timeout=10)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_saving_works_with_the_broker_down_and_the_sweep_converges(world, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(celery_app.conf, "broker_url", settings.REDIS_URL)
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    report = submitted_report(world)
    report_approve(report=report, user=world.users.approver)  # must not raise
    assert StaleMark.objects.exists()
    assert not Aggregate.objects.filter(indicator=world.bts).exists()

    recompute_stale_task()  # what beat's sweep runs once a worker can reach the broker again
    assert Aggregate.objects.get(indicator=world.bts, org_unit=world.province, year=2020).value == 939
    assert not StaleMark.objects.exists()
