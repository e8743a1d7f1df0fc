"""Pages and downloads of the leaders' summary export. Every view checks the
permission on the server (leaders and administrators); every parameter is
validated, with a clear 400 or 404 rather than an error page."""

from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kpis.export.forms import ExportForm
from kpis.export.selectors import export_units
from kpis.export.services import (
    CONTENT_TYPES,
    export_file_name,
    summary_export_is_heavy,
    summary_export_render,
    summary_export_request,
    summary_export_retry,
)
from kpis.models import (
    MAX_YEAR,
    MIN_YEAR,
    AuditAction,
    ExportFormat,
    ExportJob,
    ExportStatus,
    Sector,
)
from kpis.permissions import can_export_summary
from kpis.services.audit import audit_record


def export_permission_required(view=None, *, api: bool = False):
    """Anonymous users are sent to sign in (JSON endpoints answer 403); signed-in
    users without ``kpis.export_summary`` get 403."""
    def decorator(func):
        @wraps(func)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not can_export_summary(request.user):
                if api:
                    return JsonResponse({"error": _("Bạn không có quyền xuất báo cáo tổng hợp.")}, status=403)
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path(), login_url=reverse("admin:login"))
                raise PermissionDenied(_("Bạn không có quyền xuất báo cáo tổng hợp."))
            return func(request, *args, **kwargs)
        return wrapper
    return decorator(view) if view is not None else decorator


def _page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    return render(request, template, {**admin.site.each_context(request), **context}, status=status)


def _form_year(form: ExportForm) -> int | None:
    """The year the form is about, if it reads as one (the units offered are that year's)."""
    raw = form.data.get("year") if form.is_bound else form.initial.get("year")
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def _form_page(request: HttpRequest, form: ExportForm, *, status: int = 200, message: str = "") -> HttpResponse:
    org_units = export_units(_form_year(form))
    return _page(request, "kpis/export/form.html", {
        "title": _("Xuất báo cáo tổng hợp"), "form": form, "message": message,
        "org_units": org_units, "sectors": Sector.objects.order_by("position", "code"),
        "formats": ExportFormat.choices, "min_year": MIN_YEAR, "max_year": MAX_YEAR,
        "periods": ExportForm.PERIOD_CHOICES,
    }, status=status)


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return _page(request, "kpis/export/error.html", {"title": _("Không tìm thấy"), "message": message}, status=404)


@never_cache
@require_http_methods(["GET", "POST"])
@export_permission_required
def export_form(request: HttpRequest) -> HttpResponse:
    """GET: the export form (prefilled from the query); POST: make the report."""
    if request.method == "GET":
        return _form_page(request, ExportForm(initial={
            "year": request.GET.get("year", ""), "org_unit": request.GET.get("org_unit", ""),
            "sector": request.GET.get("sector", ""), "fmt": request.GET.get("fmt", ExportFormat.PDF),
            "period": request.GET.get("period", "").upper()}))
    form = ExportForm(request.POST)
    if form.only_unknown_codes():
        return _not_found(request, " ".join(form.unknown_codes()))
    if not form.is_valid():
        return _form_page(request, form, status=400)
    data = form.cleaned_data
    try:
        job = summary_export_request(user=request.user, year=data["year"], org_unit=data["org_unit"],
                                     sector=data["sector"], fmt=data["fmt"], districts=data["districts"],
                                     part=data["period"])
    except ValidationError as error:
        return _form_page(request, form, status=400, message=" ".join(error.messages))
    return _started(job)


def _started(job: ExportJob) -> HttpResponse:
    """A single report takes a moment: rendered here. One with the annex was
    handed to the worker by the service (on commit): its page shows progress."""
    if job.status == ExportStatus.QUEUED and not summary_export_is_heavy(job):
        job = summary_export_render(job=job)
    if job.status == ExportStatus.DONE:
        return redirect("kpis:export-download", pk=job.pk)
    return redirect("kpis:export-job", pk=job.pk)


def _no_such_job(pk: int) -> str:
    return _("Không có yêu cầu xuất báo cáo số %(id)s.") % {"id": pk}


def _job(pk: int) -> ExportJob | None:
    return ExportJob.objects.select_related("org_unit", "sector").filter(pk=pk).first()


def _status_body(job: ExportJob) -> dict:
    return {
        "id": job.pk, "status": job.status, "status_label": str(job.get_status_display()),
        "progress": job.progress,
        "download_url": reverse("kpis:export-download", args=[job.pk]) if job.status == ExportStatus.DONE else None,
        "error": job.error or None,
    }


@never_cache
@require_GET
@export_permission_required
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    if job is None:
        return _not_found(request, _no_such_job(pk))
    return _job_page(request, job)


def _job_page(request: HttpRequest, job: ExportJob, *, message: str = "", status: int = 200) -> HttpResponse:
    return _page(request, "kpis/export/job.html", {
        "title": _("Xuất báo cáo tổng hợp"), "job": job, "file_name": export_file_name(job), "message": message,
        "done": job.status == ExportStatus.DONE, "failed": job.status == ExportStatus.FAILED,
    }, status=status)


@never_cache
@require_http_methods(["POST"])
@export_permission_required
def export_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Thử lại" button of a failed job: the same report asked again."""
    job = _job(pk)
    if job is None:
        return _not_found(request, _no_such_job(pk))
    try:
        retried = summary_export_retry(user=request.user, job=job)
    except ValidationError as error:
        return _job_page(request, job, message=" ".join(error.messages), status=400)
    return _started(retried)


@never_cache
@require_GET
@export_permission_required(api=True)
def export_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job(pk)
    if job is None:
        return JsonResponse({"error": _no_such_job(pk)}, status=404)
    return JsonResponse(_status_body(job))


@require_GET
@export_permission_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    if job is None:
        return _not_found(request, _no_such_job(pk))
    if job.status != ExportStatus.DONE:
        return redirect("kpis:export-job", pk=job.pk)
    if not default_storage.exists(job.file):
        return _not_found(request, _("Tệp báo cáo không còn được lưu; hãy xuất lại."))
    # A stored report never changes (its key is its content's key): the
    # browser may keep it, and asks again only to hear it is the same.
    etag = f'"{job.key}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        file_name = export_file_name(job)
        audit_record(action=AuditAction.EXPORT_DOWNLOADED, request=request, target=job, detail=file_name)
        response = FileResponse(default_storage.open(job.file, "rb"), as_attachment=True,
                                filename=file_name, content_type=CONTENT_TYPES[job.fmt])
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"  # kept, but checked: permissions may change
    return response


@require_GET
@export_permission_required(api=True)
def export_sectors(request: HttpRequest) -> JsonResponse:
    """The sectors a report can be limited to (for the export button's list)."""
    sectors = Sector.objects.order_by("position", "code").values("code", "name")
    return JsonResponse({"results": list(sectors)})
