"""Export jobs: a stored file is reused while nothing the report shows has
changed, and rendered again after a recompute, a catalogue change or new
document settings; reports with every unit below go through the task."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from kpis.aggregation import aggregates_recompute
from kpis.export import services
from kpis.export.services import summary_export_render, summary_export_request
from kpis.models import DocumentSettings, ExportJob, ExportStatus, Milestone, OrgUnit
from tests.factories import put_values


@pytest.fixture
def renders(monkeypatch):
    """Count renders; return a small fake file naming its parameters."""
    calls = []

    def fake(**kwargs):
        calls.append(kwargs)
        return f"%PDF-fake {kwargs['org_unit'].code} {kwargs['year']} {len(calls)}".encode()

    monkeypatch.setattr(services, "summary_document", fake)
    return calls


def request_export(world, user=None, **kwargs):
    params = {"year": 2020, "org_unit": world.province, "fmt": "pdf", "issued_on": date(2021, 1, 13), **kwargs}
    job = summary_export_request(user=user or world.users.leader, **params)
    if job.status == ExportStatus.QUEUED and not job.districts:
        job = summary_export_render(job=job)
    return job


def test_same_request_on_unchanged_data_is_served_from_the_stored_file(world, renders):
    aggregates_recompute()
    first = request_export(world)
    second = request_export(world, user=world.users.admin)
    assert first.status == ExportStatus.DONE and second.pk == first.pk
    assert len(renders) == 1
    assert default_storage.open(first.file).read().startswith(b"%PDF-fake P 2020")


def test_a_recompute_makes_a_new_report_with_the_new_figures(world):
    put_values([(world.bts, world.province, 2020, 939)])
    aggregates_recompute()
    first = request_export(world, fmt="xlsx")
    put_values([(world.bts, world.province, 2020, 950)])
    aggregates_recompute()
    second = request_export(world, fmt="xlsx")
    assert second.pk != first.pk and second.file != first.file

    def bts(job):
        sheet = load_workbook(default_storage.open(job.file))["Tổng hợp"]
        return next(row[4] for row in sheet.iter_rows(min_row=6, values_only=True) if row[1] == "BTS")

    assert (bts(first), bts(second)) == (939, 950)


@pytest.mark.parametrize("change", ["settings", "milestone", "date", "sector", "format"])
def test_anything_the_report_shows_changing_makes_a_new_file(world, renders, change):
    aggregates_recompute()
    first = request_export(world)
    kwargs = {}
    if change == "settings":
        DocumentSettings(issuing_agency="SỞ KHOA HỌC VÀ CÔNG NGHỆ", valid_from=date(1900, 1, 1)).save()
    elif change == "milestone":
        Milestone.objects.create(code="M1", sector=world.telecom, org_unit=world.province, title="Một việc",
                                 due=date(2020, 6, 30))
    elif change == "date":
        kwargs["issued_on"] = date(2021, 1, 14)
    elif change == "sector":
        kwargs["sector"] = world.telecom
    else:
        kwargs["fmt"] = "docx"
    assert request_export(world, **kwargs).pk != first.pk
    assert len(renders) == 2


def test_a_lost_file_or_a_stuck_job_is_not_reused(world, renders):
    aggregates_recompute()
    first = request_export(world)
    default_storage.delete(first.file)
    second = request_export(world)
    assert second.pk != first.pk and second.status == ExportStatus.DONE
    stuck = summary_export_request(user=world.users.leader, year=2020, org_unit=world.province, fmt="docx",
                                   issued_on=date(2021, 1, 13))
    assert summary_export_request(user=world.users.leader, year=2020, org_unit=world.province, fmt="docx",
                                  issued_on=date(2021, 1, 13)).pk == stuck.pk  # still waiting: same job
    ExportJob.objects.filter(pk=stuck.pk).update(progressed_at=stuck.progressed_at - timedelta(hours=1))
    assert summary_export_request(user=world.users.leader, year=2020, org_unit=world.province, fmt="docx",
                                  issued_on=date(2021, 1, 13)).pk != stuck.pk


def test_a_failed_render_is_recorded_without_details_and_retried(world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "summary_document", broken)
    job = request_export(world)
    assert job.status == ExportStatus.FAILED and job.file == ""
    assert "RuntimeError" in job.error and "secret" not in job.error
    assert request_export(world).pk != job.pk  # a failed job is never reused


def test_the_all_units_report_runs_as_a_task_with_progress(world, renders, eager_tasks,
                                                          django_capture_on_commit_callbacks):
    aggregates_recompute()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = summary_export_request(user=world.users.leader, year=2020, org_unit=world.province, fmt="pdf",
                                     districts=True, issued_on=date(2021, 1, 13))
        assert job.status == ExportStatus.QUEUED
    assert len(callbacks) == 1  # handed to the queue (in-process here: no REDIS_URL)
    job.refresh_from_db()
    assert (job.status, job.progress) == (ExportStatus.DONE, 100)
    assert renders[0]["districts"] is True


def test_with_the_broker_down_the_report_fails_with_a_message_and_is_not_rendered_here(
        world, renders, monkeypatch, django_capture_on_commit_callbacks):
    from kpis import tasks

    def unreachable(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.export_summary_task, "apply_async", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        job = summary_export_request(user=world.users.leader, year=2020, org_unit=world.province, fmt="pdf",
                                     districts=True, issued_on=date(2021, 1, 13))
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "máy xử lý nền" in job.error and "Thử lại" in job.error
    assert renders == []  # a heavy report never renders in the web process


@pytest.mark.parametrize("role", ["viewer", "staff", "approver"])
def test_only_leaders_and_admins_may_request(world, renders, role):
    with pytest.raises(PermissionDenied):
        request_export(world, user=getattr(world.users, role))
    assert not ExportJob.objects.exists()


def test_requests_are_validated(world, renders):
    with pytest.raises(ValidationError, match="1990"):
        request_export(world, year=1800)
    with pytest.raises(ValidationError, match="Định dạng"):
        request_export(world, fmt="odt")
    gone = OrgUnit.objects.create(code="P-OLD", name="Huyện Cũ", level="district", parent=world.province,
                                  valid_to=2018)
    with pytest.raises(ValidationError, match="không tồn tại trong năm 2020"):
        request_export(world, org_unit=gone)
