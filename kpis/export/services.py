"""Exports of the leaders' summary: requests, rendering and stored files.

A request is identified by its content key: the parameters, the data version
(last recompute and last catalogue change), the document settings, the date
printed on it and the layout version. An identical request on unchanged data
gets the stored file of the earlier one; anything else is rendered again. A
report with the annex of every unit below runs as a Celery task (with
progress), never in a web request; the others are rendered at once by the caller.

Jobs cannot hang or pile up: one whose worker died (no progress for
EXPORT_JOB_TIMEOUT_MINUTES) is marked failed and can be retried; files and
jobs older than EXPORT_RETENTION_DAYS are deleted; a user has at most
EXPORT_MAX_ACTIVE_PER_USER reports waiting for the worker."""

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kpis.export.selectors import data_version, report_data
from kpis.models import (
    MAX_YEAR,
    MIN_YEAR,
    DocumentSettings,
    ExportFormat,
    ExportJob,
    ExportStatus,
    OrgUnit,
    ReportingCutoff,
    Sector,
)
from kpis.periods import YEAR_PART, Period
from kpis.permissions import can_export_summary

logger = logging.getLogger(__name__)

RENDER_VERSION = "2"  # bump when the layout changes, so stored files are not reused
EXPORTS_FOLDER = "exports"
ACTIVE = (ExportStatus.QUEUED, ExportStatus.RUNNING)
CONTENT_TYPES = {
    ExportFormat.PDF: "application/pdf",
    ExportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Progress = Callable[[int], None]


# The periods a summary is made for: the year, or one of its half-years ("báo cáo 6 tháng").
SUMMARY_PARTS = (YEAR_PART, 101, 102)


def summary_export_validate(*, year: int, org_unit: OrgUnit, fmt: str, part: int = YEAR_PART) -> None:
    """Clear messages for requests that cannot make a report."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(_("Năm phải trong khoảng %(min)s–%(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR})
    if part not in SUMMARY_PARTS:
        raise ValidationError(_("Báo cáo tổng hợp được lập cho cả năm hoặc cho 6 tháng (H1, H2)."))
    if fmt not in ExportFormat.values:
        raise ValidationError(_("Định dạng phải là một trong: %(formats)s.") % {
            "formats": ", ".join(ExportFormat.values)})
    if not org_unit.is_active_in(year):
        raise ValidationError(_("Đơn vị %(unit)s không tồn tại trong năm %(year)s.") % {
            "unit": org_unit.name, "year": year})


def summary_document(*, year: int, org_unit: OrgUnit, sector: Sector | None = None, fmt: str,
                     districts: bool = False, issued_on: date, progress: Progress = lambda _p: None,
                     part: int = YEAR_PART) -> bytes:
    """The report's file content, for the year or (``part`` 101, 102) a
    half-year of it. Always in the portal's language: it is an official
    document, the same whoever asks for it."""
    from kpis.export.document import build_document

    with translation.override(settings.LANGUAGE_CODE):
        data = report_data(year=year, org_unit=org_unit, sector=sector, districts=districts, issued_on=issued_on,
                           part=part)
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
    """Any edit (the latest change) or deletion (the count) of a settings row
    makes a new key: which row a report uses depends on all of them."""
    stamp = DocumentSettings.objects.aggregate(latest=Max("updated_at"), rows=Count("id"))
    return f"{stamp['latest'].isoformat()}/{stamp['rows']}" if stamp["latest"] else "-"


def _cutoffs_version() -> str:
    """The data cut-offs a half-year's report reads (kpis.cutoffs): a few rows, all in the key."""
    return repr(list(ReportingCutoff.objects.order_by("pk").values_list("sector_id", "valid_from", "cutoff_day")))


def export_key(*, year: int, org_unit: OrgUnit, sector: Sector | None, fmt: str, districts: bool,
               issued_on: date, version: str, part: int = YEAR_PART) -> str:
    parts = {
        "year": year, "org_unit": org_unit.code, "sector": sector.code if sector else None, "fmt": fmt,
        "districts": districts, "issued_on": issued_on.isoformat(), "data": version,
        "settings": _settings_version(), "language": settings.LANGUAGE_CODE, "layout": RENDER_VERSION,
    }
    if part != YEAR_PART:  # a yearly report keeps the key it always had (its stored file is reused)
        parts["period"] = part
        parts["cutoffs"] = _cutoffs_version()  # its data note states the days its figures cover
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def summary_export_is_heavy(job: ExportJob) -> bool:
    """Reports with a section for every unit below take more than a moment."""
    return job.districts


def job_timeout() -> timedelta:
    return timedelta(minutes=settings.EXPORT_JOB_TIMEOUT_MINUTES)


def _reusable(key: str) -> ExportJob | None:
    alive_since = timezone.now() - job_timeout()
    for job in ExportJob.objects.filter(key=key).exclude(status=ExportStatus.FAILED).order_by("-created_at")[:5]:
        if job.status == ExportStatus.DONE and job.file and default_storage.exists(job.file):
            return job
        if job.status in ACTIVE and job.progressed_at >= alive_since:
            return job
    return None


def _check_queue_share(user, job: ExportJob) -> None:
    """One user cannot fill the worker's queue: a few heavy reports at a time."""
    if not summary_export_is_heavy(job) or not user.is_authenticated:
        return
    waiting = ExportJob.objects.filter(created_by=user, districts=True, status__in=ACTIVE,
                                       progressed_at__gte=timezone.now() - job_timeout()).count()
    if waiting >= settings.EXPORT_MAX_ACTIVE_PER_USER:
        raise ValidationError(_("Bạn đang có %(count)s báo cáo kèm phụ lục đang chờ tạo. Hãy đợi các báo cáo "
                                "đó xong rồi xuất tiếp.") % {"count": waiting})


def summary_export_request(*, user, year: int, org_unit: OrgUnit, sector: Sector | None = None, fmt: str,
                           districts: bool = False, issued_on: date | None = None,
                           part: int = YEAR_PART) -> ExportJob:
    """The job for this report: a stored one when nothing it shows has changed,
    otherwise a new one (queued; heavy ones are handed to a worker on commit)."""
    if not can_export_summary(user):
        raise PermissionDenied(_("Bạn không có quyền xuất báo cáo tổng hợp."))
    summary_export_validate(year=year, org_unit=org_unit, fmt=fmt, part=part)
    issued_on = issued_on or timezone.localdate()
    version = data_version()
    key = export_key(year=year, org_unit=org_unit, sector=sector, fmt=fmt, districts=districts,
                     issued_on=issued_on, version=version, part=part)
    existing = _reusable(key)
    if existing is not None:
        return existing
    job = ExportJob(key=key, year=year, period=part, org_unit=org_unit, sector=sector, fmt=fmt, districts=districts,
                    issued_on=issued_on, data_version=version, created_by=user if user.is_authenticated else None)
    _check_queue_share(user, job)
    job.save()
    if summary_export_is_heavy(job):
        transaction.on_commit(lambda: summary_export_enqueue(job.pk))
    return job


def summary_export_retry(*, user, job: ExportJob) -> ExportJob:
    """Ask again for the report of a failed job (its worker died, the broker
    was down, the render failed): the same parameters, today's data and date,
    through the same checks and queue as a new request."""
    if not can_export_summary(user):
        raise PermissionDenied(_("Bạn không có quyền xuất báo cáo tổng hợp."))
    if job.status != ExportStatus.FAILED:
        raise ValidationError(_("Chỉ thử lại được yêu cầu đã bị lỗi; yêu cầu này đang ở trạng thái "
                                "“%(status)s”.") % {"status": job.get_status_display()})
    return summary_export_request(user=user, year=job.year, org_unit=job.org_unit, sector=job.sector, fmt=job.fmt,
                                  districts=job.districts, part=job.period)


def summary_export_enqueue(job_id: int) -> None:
    """Hand the job to a worker (in-process without REDIS_URL, see settings).
    If the broker cannot be reached the job fails at once with a message and
    can be retried: a heavy report is never rendered inside a web request."""
    from kpis.tasks import export_summary_task

    try:
        export_summary_task.apply_async(args=[job_id], retry=False)
    except Exception:  # noqa: BLE001 - any broker failure: the user is told and may retry
        logger.warning("Could not enqueue export %s; marked failed.", job_id, exc_info=True)
        ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(),
            error=_("Không gửi được yêu cầu tới máy xử lý nền (hàng đợi không phản hồi). Hãy bấm “Thử lại” sau "
                    "ít phút; nếu vẫn lỗi, báo quản trị hệ thống."))


def _this_run(job_id: int, started_at: datetime):
    """The job as long as this run still owns it (not failed as stalled and
    not claimed again meanwhile)."""
    return ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING, started_at=started_at)


def _progress(job_id: int, started_at: datetime) -> Progress:
    def report(percent: int) -> None:
        _this_run(job_id, started_at).update(progress=max(1, min(99, percent)), progressed_at=timezone.now())
    return report


def summary_export_render(*, job: ExportJob) -> ExportJob:
    """Render a queued job and store its file. A job that another process has
    already claimed is left to it; a run that outlived its job (failed as
    stalled meanwhile) throws its file away."""
    started_at = timezone.now()
    claimed = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=started_at, progressed_at=started_at, progress=1)
    if not claimed:
        job.refresh_from_db()
        return job
    try:
        content = summary_document(year=job.year, org_unit=job.org_unit, sector=job.sector, fmt=job.fmt,
                                   districts=job.districts, issued_on=job.issued_on,
                                   progress=_progress(job.pk, started_at), part=job.period)
        name = default_storage.save(f"{EXPORTS_FOLDER}/{job.year}/{job.key}.{job.fmt}", ContentFile(content))
    except Exception as error:  # noqa: BLE001 - the job records the failure; the log has the trace
        logger.exception("Export %s failed", job.pk)
        _this_run(job.pk, started_at).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(),
            error=_("Không tạo được báo cáo (%(kind)s). Hãy thử lại; nếu vẫn lỗi, báo quản trị hệ thống.")
            % {"kind": type(error).__name__})
    else:
        finished = _this_run(job.pk, started_at).update(
            status=ExportStatus.DONE, file=name, progress=100, finished_at=timezone.now(),
            progressed_at=timezone.now())
        if not finished:
            logger.warning("Export %s finished after it was given up; its file is discarded.", job.pk)
            default_storage.delete(name)
    job.refresh_from_db()
    return job


def export_jobs_fail_stalled(*, now: datetime | None = None) -> int:
    """Mark failed every job still queued or running with no progress for
    longer than EXPORT_JOB_TIMEOUT_MINUTES: its worker died or its message was
    lost. The user sees why and can retry. Returns how many."""
    now = now or timezone.now()
    minutes = settings.EXPORT_JOB_TIMEOUT_MINUTES
    stalled = ExportJob.objects.filter(status__in=ACTIVE, progressed_at__lt=now - job_timeout())
    ids = list(stalled.values_list("pk", flat=True))
    count = stalled.filter(pk__in=ids).update(
        status=ExportStatus.FAILED, finished_at=now,
        error=_("Báo cáo chưa được tạo xong: máy xử lý nền không báo tiến độ trong %(minutes)s phút (có thể đã "
                "dừng). Hãy bấm “Thử lại”; nếu vẫn lỗi, báo quản trị hệ thống.") % {"minutes": minutes})
    if count:
        logger.warning("Export jobs %s had no progress for %s minutes; marked failed.", ids, minutes)
    return count


@dataclass
class PruneOutcome:
    jobs: int
    files: int


def _stored_files(folder: str = EXPORTS_FOLDER) -> Iterator[str]:
    if not default_storage.exists(folder):
        return
    folders, files = default_storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_files(f"{folder}/{sub}")


def exports_prune(*, now: datetime | None = None) -> PruneOutcome:
    """Delete the jobs older than EXPORT_RETENTION_DAYS (except one still
    making progress) and their files, then any stored file that old no job
    refers to (a job deleted by hand, a run given up). A later request for the
    same report simply renders it again."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EXPORT_RETENTION_DAYS)
    with transaction.atomic():
        old = (ExportJob.objects.filter(created_at__lt=cutoff)
               .exclude(status__in=ACTIVE, progressed_at__gte=now - job_timeout()))
        old_files = set(old.exclude(file="").values_list("file", flat=True))
        jobs, _by_model = old.delete()
    kept = set(ExportJob.objects.exclude(file="").values_list("file", flat=True))
    files = 0
    for name in sorted(old_files | set(_stored_files())):
        if name in kept or not default_storage.exists(name):
            continue
        if name not in old_files and default_storage.get_modified_time(name) >= cutoff:
            continue  # a recent file: perhaps being written for a job not yet committed
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete the old export file %s", name, exc_info=True)
            continue
        files += 1
    if jobs or files:
        logger.info("Pruned %s export jobs and %s files older than %s days.", jobs, files,
                    settings.EXPORT_RETENTION_DAYS)
    return PruneOutcome(jobs=jobs, files=files)


def export_file_name(job: ExportJob) -> str:
    """An ASCII name for the download: bao-cao-HG-2020[-H1][-TELECOM].pdf"""
    parts = ["bao-cao", job.org_unit.code, Period(job.year, job.period).code]
    if job.sector_id:
        parts.append(job.sector.code)
    if job.districts:
        parts.append("phu-luc")
    return "-".join(parts) + f".{job.fmt}"


def document_settings_check(*, row: DocumentSettings) -> None:
    """Two rows of one unit (or two rows without a unit) never apply on the
    same day: the report would have two issuing agencies."""
    others = DocumentSettings.objects.filter(org_unit=row.org_unit_id).exclude(pk=row.pk).order_by("valid_from")
    for other in others:
        if row.valid_from is not None and row.overlaps(other):
            raise ValidationError({"valid_from": _(
                "Thời gian áp dụng %(period)s trùng với thiết lập \"%(other)s\" (%(other_period)s) của cùng "
                "đơn vị; mỗi ngày chỉ được có một thiết lập. Hãy cho thiết lập trước kết thúc trước ngày "
                "thiết lập sau bắt đầu.") % {"period": row.period_text(), "other": other.issuing_agency
                                             or other.parent_agency or other.pk,
                                             "other_period": other.period_text()}})


@transaction.atomic
def document_settings_save(*, row: DocumentSettings) -> DocumentSettings:
    """Save one row of the report's header and signature blocks, refused
    with a message on its field when it overlaps another period of its unit."""
    # Rows of one unit are checked one at a time: two admins cannot each add half of an overlap.
    list(DocumentSettings.objects.select_for_update().filter(org_unit=row.org_unit_id).order_by("pk"))
    row.full_clean()
    document_settings_check(row=row)
    row.save()
    return row


@dataclass(frozen=True)
class SettingsLoad:
    created: int
    updated: int
    unchanged: int
    deleted: int
    warnings: list[str]


_LOADED_FIELDS = tuple(field.name for field in DocumentSettings._meta.fields
                       if field.name not in ("id", "updated_at", "org_unit"))


def _settings_entry(index: int, entry: object, units: Mapping[str, OrgUnit]) -> tuple[DocumentSettings | None, str]:
    """The row an entry describes (stored or new, not saved), or None and why it is skipped."""
    if not isinstance(entry, Mapping):
        raise ValidationError(_("mỗi mục phải là một bảng 'tên: giá trị'."))
    unknown = sorted(set(map(str, entry)) - {*_LOADED_FIELDS, "org_unit"})
    if unknown:
        raise ValidationError(_("không có trường thiết lập: %(fields)s.") % {"fields": ", ".join(unknown)})
    code = entry.get("org_unit")
    unit = units.get(str(code)) if code else None
    if code and unit is None:
        return None, _("document_settings[%(index)s]: chưa có đơn vị mã '%(code)s', bỏ qua mục này.") % {
            "index": index, "code": code}
    values = {name: entry.get(name) for name in _LOADED_FIELDS}
    for name in ("valid_from", "valid_to"):
        if values[name] is not None and not isinstance(values[name], date):
            try:
                values[name] = date.fromisoformat(str(values[name]))
            except ValueError:
                raise ValidationError({name: _("'%(value)s' không phải là ngày dạng YYYY-MM-DD.")
                                             % {"value": values[name]}}) from None
    row = (DocumentSettings.objects.filter(org_unit=unit, valid_from=values["valid_from"]).first()
           if values["valid_from"] else None) or DocumentSettings(org_unit=unit)
    for name, value in values.items():
        field = DocumentSettings._meta.get_field(name)
        if name not in ("valid_from", "valid_to"):
            value = field.get_default() if value is None else str(value)
        setattr(row, name, value)
    return row, ""


def _settings_message(index: int, entry: object, error: ValidationError) -> list[str]:
    where = f"document_settings[{index}]"
    if isinstance(entry, Mapping) and entry.get("valid_from"):
        where += f" ({entry.get('org_unit') or '*'}, {entry.get('valid_from')})"
    if not hasattr(error, "error_dict"):
        return [f"{where}: {message}" for message in error.messages]
    return [f"{where}: {field}: {message}" for field, messages in error.message_dict.items() for message in messages]


@transaction.atomic
def document_settings_load(*, entries: object) -> SettingsLoad:
    """Load the periods of a province's set-up file (a list of rows, each with
    ``org_unit`` (a code, or none for every tree), ``valid_from``, optional
    ``valid_to`` and the header fields): an upsert by unit and start date, all
    or nothing, every error named by entry and field. The file holds every
    period of the units it names: their other rows are deleted (a period
    whose start moved is not left behind to overlap). A row for a unit code
    that does not exist yet is skipped with a warning, so one file serves
    before and after the new unit is loaded."""
    if not isinstance(entries, list):
        raise ValidationError(_("Tệp thiết lập văn bản phải là một danh sách, mỗi mục bắt đầu bằng '- '."))
    units = {unit.code: unit for unit in OrgUnit.objects.filter(
        code__in=[str(e.get("org_unit")) for e in entries if isinstance(e, Mapping) and e.get("org_unit")])}
    errors, warnings, saved, counts = [], [], [], {"created": 0, "updated": 0, "unchanged": 0}
    duplicates = _settings_duplicates(entries)
    errors.extend(duplicates.values())
    for index, entry in enumerate(entries):
        if index in duplicates:
            continue
        try:
            row, warning = _settings_entry(index, entry, units)
            if row is None:
                warnings.append(warning)
                continue
            outcome = _settings_save_quietly(row)
        except ValidationError as error:
            errors.extend(_settings_message(index, entry, error))
            continue
        counts[outcome] += 1
        saved.append((index, entry, row))
    listed = {row.org_unit_id for _index, _entry, row in saved}
    scope = Q(org_unit__in=[unit for unit in listed if unit is not None])
    if None in listed:
        scope |= Q(org_unit__isnull=True)
    deleted, _by_model = (DocumentSettings.objects.filter(scope)
                          .exclude(pk__in=[row.pk for _index, _entry, row in saved]).delete())
    # Overlaps are checked once every row is written, so that a file may move one period's end and
    # the next one's start in the same load.
    for index, entry, row in saved:
        try:
            document_settings_check(row=row)
        except ValidationError as error:
            errors.extend(_settings_message(index, entry, error))
    if errors:
        raise ValidationError(errors)
    return SettingsLoad(warnings=warnings, deleted=deleted, **counts)


def _settings_duplicates(entries: list) -> dict[int, str]:
    """Per index of an entry repeating an earlier one's unit and start date, its message."""
    seen: dict[tuple[str, str], int] = {}
    found = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        key = (str(entry.get("org_unit") or ""), str(entry.get("valid_from")))
        if key in seen:
            found[index] = _("document_settings[%(index)s]: trùng đơn vị và ngày bắt đầu với "
                             "document_settings[%(other)s].") % {"index": index, "other": seen[key]}
        else:
            seen[key] = index
    return found


def _settings_save_quietly(row: DocumentSettings) -> str:
    before = None if row.pk is None else DocumentSettings.objects.filter(pk=row.pk).values(*_LOADED_FIELDS).first()
    row.full_clean()
    if before is not None and before == {name: getattr(row, name) for name in _LOADED_FIELDS}:
        return "unchanged"
    outcome = "created" if row.pk is None else "updated"
    row.save()
    return outcome
