"""Exports of the leaders' summary: requests, rendering and stored files.

A request is identified by its content key: the parameters, the data version
(last recompute and last catalogue change), the document settings, the date
printed on it and the layout version. An identical request on unchanged data
gets the stored file of the earlier one; anything else is rendered again. A
report with the annex of every unit below runs as a Celery task (with
progress); the others are rendered at once by the caller."""

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kpis.export.selectors import data_version, report_data
from kpis.models import MAX_YEAR, MIN_YEAR, DocumentSettings, ExportFormat, ExportJob, ExportStatus, OrgUnit, Sector

logger = logging.getLogger(__name__)

PERM_EXPORT = "kpis.export_summary"
RENDER_VERSION = "1"  # bump when the layout changes, so stored files are not reused
STALE_AFTER = timedelta(minutes=15)  # a job still queued or running after this is presumed lost
CONTENT_TYPES = {
    ExportFormat.PDF: "application/pdf",
    ExportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Progress = Callable[[int], None]


def can_export(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(PERM_EXPORT))


def summary_export_validate(*, year: int, org_unit: OrgUnit, fmt: str) -> None:
    """Clear messages for requests that cannot make a report."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(_("Năm phải trong khoảng %(min)s–%(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR})
    if fmt not in ExportFormat.values:
        raise ValidationError(_("Định dạng phải là một trong: %(formats)s.") % {
            "formats": ", ".join(ExportFormat.values)})
    if not org_unit.is_active_in(year):
        raise ValidationError(_("Đơn vị %(unit)s không tồn tại trong năm %(year)s.") % {
            "unit": org_unit.name, "year": year})


def summary_document(*, year: int, org_unit: OrgUnit, sector: Sector | None = None, fmt: str,
                     districts: bool = False, issued_on: date, progress: Progress = lambda _p: None) -> bytes:
    """The report's file content. Always in the portal's language: it is an
    official document, the same whoever asks for it."""
    from kpis.export.document import build_document

    with translation.override(settings.LANGUAGE_CODE):
        data = report_data(year=year, org_unit=org_unit, sector=sector, districts=districts, issued_on=issued_on)
        progress(15)
        document = build_document(data)
        progress(25)
        if fmt == ExportFormat.PDF:
            from kpis.export.pdf import render_pdf as render
        elif fmt == ExportFormat.DOCX:
            from kpis.export.docx import render_docx as render
        elif fmt == ExportFormat.XLSX:
            from kpis.export.xlsx import render_xlsx as render
        else:
            raise ValidationError(_("Định dạng không được hỗ trợ: %(fmt)s") % {"fmt": fmt})
        return render(document, progress=progress)


def _settings_version() -> str:
    stamp = DocumentSettings.objects.filter(pk=DocumentSettings.SINGLETON_ID).values_list(
        "updated_at", flat=True).first()
    return stamp.isoformat() if stamp else "-"


def export_key(*, year: int, org_unit: OrgUnit, sector: Sector | None, fmt: str, districts: bool,
               issued_on: date, version: str) -> str:
    parts = {
        "year": year, "org_unit": org_unit.code, "sector": sector.code if sector else None, "fmt": fmt,
        "districts": districts, "issued_on": issued_on.isoformat(), "data": version,
        "settings": _settings_version(), "language": settings.LANGUAGE_CODE, "layout": RENDER_VERSION,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def summary_export_is_heavy(job: ExportJob) -> bool:
    """Reports with a section for every unit below take more than a moment."""
    return job.districts


def _reusable(key: str) -> ExportJob | None:
    recent = timezone.now() - STALE_AFTER
    for job in ExportJob.objects.filter(key=key).exclude(status=ExportStatus.FAILED).order_by("-created_at")[:5]:
        if job.status == ExportStatus.DONE and job.file and default_storage.exists(job.file):
            return job
        if job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING) and job.created_at >= recent:
            return job
    return None


def summary_export_request(*, user, year: int, org_unit: OrgUnit, sector: Sector | None = None, fmt: str,
                           districts: bool = False, issued_on: date | None = None) -> ExportJob:
    """The job for this report: a stored one when nothing it shows has changed,
    otherwise a new one (queued; heavy ones are handed to a worker on commit)."""
    if not can_export(user):
        raise PermissionDenied(_("Bạn không có quyền xuất báo cáo tổng hợp."))
    summary_export_validate(year=year, org_unit=org_unit, fmt=fmt)
    issued_on = issued_on or timezone.localdate()
    version = data_version()
    key = export_key(year=year, org_unit=org_unit, sector=sector, fmt=fmt, districts=districts,
                     issued_on=issued_on, version=version)
    existing = _reusable(key)
    if existing is not None:
        return existing
    job = ExportJob.objects.create(
        key=key, year=year, org_unit=org_unit, sector=sector, fmt=fmt, districts=districts, issued_on=issued_on,
        data_version=version, created_by=user if user.is_authenticated else None)
    if summary_export_is_heavy(job):
        transaction.on_commit(lambda: summary_export_enqueue(job.pk))
    return job


def summary_export_enqueue(job_id: int) -> None:
    """Hand the job to a worker (in-process without REDIS_URL). If the broker
    cannot be reached the report is rendered here rather than lost."""
    from kpis.tasks import export_summary_task

    try:
        export_summary_task.apply_async(args=[job_id], retry=False)
    except Exception:  # noqa: BLE001 - any broker failure: render in this process instead
        logger.warning("Could not enqueue export %s; rendering it in-process.", job_id, exc_info=True)
        job = ExportJob.objects.filter(pk=job_id).first()
        if job is not None:
            summary_export_render(job=job)


def _progress(job_id: int) -> Progress:
    def report(percent: int) -> None:
        ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING).update(progress=max(1, min(99, percent)))
    return report


def summary_export_render(*, job: ExportJob) -> ExportJob:
    """Render a queued job and store its file. A job that another process has
    already claimed is left to it."""
    claimed = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now(), progress=1)
    if not claimed:
        job.refresh_from_db()
        return job
    try:
        content = summary_document(year=job.year, org_unit=job.org_unit, sector=job.sector, fmt=job.fmt,
                                   districts=job.districts, issued_on=job.issued_on, progress=_progress(job.pk))
        name = default_storage.save(f"exports/{job.year}/{job.key}.{job.fmt}", ContentFile(content))
    except Exception as error:  # noqa: BLE001 - the job records the failure; the log has the trace
        logger.exception("Export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(),
            error=_("Không tạo được báo cáo (%(kind)s). Hãy thử lại; nếu vẫn lỗi, báo quản trị hệ thống.")
            % {"kind": type(error).__name__})
    else:
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.DONE, file=name, progress=100,
                                                   finished_at=timezone.now())
    job.refresh_from_db()
    return job


def export_file_name(job: ExportJob) -> str:
    """An ASCII name for the download: bao-cao-HG-2020[-TELECOM].pdf"""
    parts = ["bao-cao", job.org_unit.code, str(job.year)]
    if job.sector_id:
        parts.append(job.sector.code)
    if job.districts:
        parts.append("phu-luc")
    return "-".join(parts) + f".{job.fmt}"


@transaction.atomic
def document_settings_update(*, fields: Mapping[str, str]) -> DocumentSettings:
    """Set the report's header and signature blocks (for example from a
    province's set-up file); unknown or invalid fields are refused by name."""
    settings_row = DocumentSettings.current()
    known = {field.name for field in DocumentSettings._meta.fields} - {"id", "updated_at"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValidationError(_("Không có trường thiết lập: %(fields)s.") % {"fields": ", ".join(unknown)})
    for name, value in fields.items():
        setattr(settings_row, name, "" if value is None else str(value))
    settings_row.full_clean()
    settings_row.save()
    return settings_row
