"""The all-units report through a real Celery worker on the real Redis and the
test PostgreSQL database, as in production: the request returns at once, the
worker renders, reports progress and stores the file where the web process
serves it from. Skipped without both services, unless
PORTAL_REQUIRE_SERVICES=true (CI), where it fails instead."""

from datetime import date

import pytest
from django.core.files.storage import default_storage

from kpis.aggregation import aggregates_recompute
from kpis.export.services import summary_export_request
from kpis.models import ExportJob, ExportStatus
from tests.factories import put_values
from tests.workers import celery_worker, wait_for


@pytest.fixture
def export_worker(transactional_db, django_db_serialized_rollback, monkeypatch, media_root):
    with celery_worker(monkeypatch, MEDIA_ROOT=str(media_root)) as process:
        yield process


@pytest.mark.worker
def test_the_all_units_report_is_rendered_by_a_real_worker(world, export_worker):
    put_values([(world.bts, world.d1, 2019, 400), (world.bts, world.d2, 2019, 506),
                (world.bts, world.d1, 2020, 420), (world.bts, world.d2, 2020, 519)])
    aggregates_recompute()
    job = summary_export_request(user=world.users.leader, year=2020, org_unit=world.province, fmt="pdf",
                                 districts=True, issued_on=date(2021, 1, 13))  # autocommit: enqueued now
    assert job.status == ExportStatus.QUEUED  # the request did not render it
    def finished() -> bool:
        return ExportJob.objects.get(pk=job.pk).status in (ExportStatus.DONE, ExportStatus.FAILED)

    if not wait_for(finished, timeout=120):
        export_worker.terminate()
        pytest.fail("the worker did not render in time:\n" + export_worker.communicate(timeout=20)[0].decode())
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE, job.error
    assert job.progress == 100 and job.finished_at >= job.started_at
    with default_storage.open(job.file) as stored:  # written by the worker, read by the web process
        assert stored.read(5) == b"%PDF-"
    again = summary_export_request(user=world.users.admin, year=2020, org_unit=world.province, fmt="pdf",
                                   districts=True, issued_on=date(2021, 1, 13))
    assert again.pk == job.pk  # unchanged data: the stored file


@pytest.mark.worker
def test_a_job_whose_worker_died_is_failed_then_retried_on_a_real_worker(world, export_worker, settings):
    from datetime import timedelta

    from django.utils import timezone

    from kpis.export.services import summary_export_retry
    from kpis.tasks import exports_fail_stalled_task

    settings.EXPORT_JOB_TIMEOUT_MINUTES = 15
    put_values([(world.bts, world.d1, 2020, 420), (world.bts, world.d2, 2020, 519)])
    aggregates_recompute()
    dead = ExportJob.objects.create(  # claimed by a worker that was killed mid-render
        key="dead", year=2020, org_unit=world.province, fmt="xlsx", districts=True, issued_on=date(2021, 1, 13),
        data_version="v", status=ExportStatus.RUNNING, progress=30, created_by=world.users.leader,
        progressed_at=timezone.now() - timedelta(minutes=16))
    assert exports_fail_stalled_task() == 1
    dead.refresh_from_db()
    assert dead.status == ExportStatus.FAILED and "Thử lại" in dead.error
    retried = summary_export_retry(user=world.users.leader, job=dead)  # autocommit: enqueued now
    assert retried.status == ExportStatus.QUEUED

    def finished() -> bool:
        return ExportJob.objects.get(pk=retried.pk).status in (ExportStatus.DONE, ExportStatus.FAILED)

    if not wait_for(finished, timeout=120):
        export_worker.terminate()
        pytest.fail("the worker did not render in time:\n" + export_worker.communicate(timeout=20)[0].decode())
    retried.refresh_from_db()
    assert retried.status == ExportStatus.DONE, retried.error
    with default_storage.open(retried.file) as stored:
        assert stored.read(2) == b"PK"  # an XLSX (zip) written by the worker
