"""Export jobs cannot hang or pile up: a job whose worker died is failed after
EXPORT_JOB_TIMEOUT_MINUTES with a message and can be retried; files and jobs
older than EXPORT_RETENTION_DAYS are deleted; a user has a few heavy reports
in the queue at most. The beat tasks are called directly, as beat would."""

import os
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from kpis.export import services
from kpis.export.services import summary_export_render, summary_export_request, summary_export_retry
from kpis.models import ExportJob, ExportStatus
from kpis.tasks import export_summary_task, exports_fail_stalled_task, exports_prune_task


@pytest.fixture(autouse=True)
def export_limits(settings):
    settings.EXPORT_JOB_TIMEOUT_MINUTES = 15
    settings.EXPORT_RETENTION_DAYS = 30
    settings.EXPORT_MAX_ACTIVE_PER_USER = 2


@pytest.fixture
def renders(monkeypatch):
    calls = []

    def fake(**kwargs):
        calls.append(kwargs)
        kwargs["progress"](50)
        return b"%PDF-fake"

    monkeypatch.setattr(services, "summary_document", fake)
    return calls


def heavy_request(world, user=None, **kwargs) -> ExportJob:
    """A report with the annex, queued; its message is not delivered (no
    on-commit callbacks run here), as when the broker lost it."""
    params = {"year": 2020, "org_unit": world.province, "fmt": "pdf", "districts": True, **kwargs}
    return summary_export_request(user=user or world.users.leader, **params)


def age(job: ExportJob, **delta) -> None:
    ExportJob.objects.filter(pk=job.pk).update(progressed_at=timezone.now() - timedelta(**delta))


# --- a worker that died ------------------------------------------------------------------------


def test_a_job_without_progress_for_longer_than_the_timeout_is_failed_with_a_clear_message(world):
    lost = heavy_request(world)
    waiting = heavy_request(world, year=2019)
    running = heavy_request(world, user=world.users.admin, fmt="docx")
    ExportJob.objects.filter(pk=running.pk).update(status=ExportStatus.RUNNING, progress=40)
    age(lost, minutes=16)
    age(running, minutes=20)
    age(waiting, minutes=14)
    assert exports_fail_stalled_task() == 2
    for job in (lost, running):
        job.refresh_from_db()
        assert job.status == ExportStatus.FAILED and job.finished_at is not None
        assert "không báo tiến độ trong 15 phút" in job.error and "Thử lại" in job.error
    waiting.refresh_from_db()
    assert waiting.status == ExportStatus.QUEUED  # still within its time
    assert exports_fail_stalled_task() == 0


def test_progress_keeps_a_long_job_alive(world, monkeypatch):
    def slow(**kwargs):
        ExportJob.objects.filter(status=ExportStatus.RUNNING).update(
            progressed_at=timezone.now() - timedelta(minutes=30))  # a long first step...
        kwargs["progress"](60)  # ...then a sign of life
        assert services.export_jobs_fail_stalled() == 0
        return b"%PDF-slow"

    monkeypatch.setattr(services, "summary_document", slow)
    assert summary_export_render(job=heavy_request(world)).status == ExportStatus.DONE


def test_a_run_that_outlives_its_job_throws_its_file_away(world, monkeypatch, media_root):
    def given_up_meanwhile(**kwargs):
        services.export_jobs_fail_stalled(now=timezone.now() + timedelta(minutes=16))
        return b"%PDF-late"

    monkeypatch.setattr(services, "summary_document", given_up_meanwhile)
    job = summary_export_render(job=heavy_request(world))
    assert job.status == ExportStatus.FAILED and job.file == ""
    assert not list((media_root / "exports").rglob("*.pdf"))


def test_a_late_message_for_a_failed_job_does_nothing(world, renders, eager_tasks):
    job = heavy_request(world)
    age(job, minutes=16)
    exports_fail_stalled_task()
    assert export_summary_task.delay(job.pk).get() == ExportStatus.FAILED
    assert renders == []


def test_the_user_retries_a_failed_job_through_the_same_queue(world, renders, eager_tasks,
                                                             django_capture_on_commit_callbacks):
    job = heavy_request(world)
    age(job, minutes=16)
    exports_fail_stalled_task()
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        retried = summary_export_retry(user=world.users.leader, job=job)
    assert retried.pk != job.pk and len(callbacks) == 1  # a new job, handed to the worker
    retried.refresh_from_db()
    assert retried.status == ExportStatus.DONE and renders[0]["districts"] is True
    assert (retried.year, retried.org_unit, retried.fmt) == (2020, world.province, "pdf")


def test_only_failed_jobs_are_retried_and_only_by_those_who_may_export(world, renders):
    job = heavy_request(world)
    with pytest.raises(ValidationError, match="Chỉ thử lại được yêu cầu đã bị lỗi"):
        summary_export_retry(user=world.users.leader, job=job)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.FAILED)
    job.refresh_from_db()
    with pytest.raises(PermissionDenied):
        summary_export_retry(user=world.users.viewer, job=job)
    assert ExportJob.objects.count() == 1


# --- no pile-up ----------------------------------------------------------------------------------


def test_a_user_has_a_few_heavy_reports_in_the_queue_at_most(world):
    heavy_request(world, year=2020)
    stalled = heavy_request(world, year=2019)
    with pytest.raises(ValidationError, match="đang có 2 báo cáo kèm phụ lục đang chờ tạo"):
        heavy_request(world, year=2018)
    heavy_request(world, user=world.users.admin, year=2018)  # another user is not held up
    summary_export_request(user=world.users.leader, year=2018, org_unit=world.province, fmt="pdf")  # light
    age(stalled, minutes=16)  # a lost job no longer holds a place
    assert heavy_request(world, year=2018).status == ExportStatus.QUEUED


def stored(name: str, *, days_old: float = 0) -> str:
    saved = default_storage.save(name, ContentFile(b"%PDF-x"))
    moment = (timezone.now() - timedelta(days=days_old)).timestamp()
    os.utime(default_storage.path(saved), (moment, moment))
    return saved


def done_job(world, *, days_old: float, fmt: str = "pdf", **fields) -> ExportJob:
    job = ExportJob.objects.create(key=f"k-{fmt}-{days_old}", year=2020, org_unit=world.province, fmt=fmt,
                                   issued_on=date(2021, 1, 13), data_version="v", status=ExportStatus.DONE,
                                   file=stored(f"exports/2020/k-{fmt}-{days_old}.{fmt}", days_old=days_old),
                                   **fields)
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=days_old))
    return job


def test_old_jobs_and_their_files_are_deleted_recent_ones_kept(world, media_root):
    old = done_job(world, days_old=31)
    recent = done_job(world, days_old=29, fmt="docx")
    old_failed = ExportJob.objects.create(key="f", year=2020, org_unit=world.province, fmt="pdf",
                                          issued_on=date(2021, 1, 13), data_version="v",
                                          status=ExportStatus.FAILED, error="x")
    ExportJob.objects.filter(pk=old_failed.pk).update(created_at=timezone.now() - timedelta(days=40))
    orphan_old = stored("exports/2019/orphan.pdf", days_old=45)  # its job was deleted by hand
    orphan_new = stored("exports/2019/fresh.pdf", days_old=0)  # perhaps being written right now
    outside = stored("logos/keep.png", days_old=400)  # not an export: never touched

    assert exports_prune_task() == {"jobs": 2, "files": 2}
    assert set(ExportJob.objects.values_list("pk", flat=True)) == {recent.pk}
    assert not default_storage.exists(old.file) and not default_storage.exists(orphan_old)
    for name in (recent.file, orphan_new, outside):
        assert default_storage.exists(name), name
    assert exports_prune_task() == {"jobs": 0, "files": 0}


def test_an_old_job_still_making_progress_is_not_pruned(world):
    job = heavy_request(world)
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=31),
                                               status=ExportStatus.RUNNING)
    assert exports_prune_task() == {"jobs": 0, "files": 0}
    assert ExportJob.objects.filter(pk=job.pk).exists()


def test_pruning_with_no_export_folder_at_all(world):
    assert exports_prune_task() == {"jobs": 0, "files": 0}
