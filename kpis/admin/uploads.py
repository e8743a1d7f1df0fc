"""The report page's file upload (preview, then confirm or cancel) and its
Excel template. Thin: the reading, checking and writing are in
kpis/services/uploads.py and kpis/services/templates.py. Between preview and
confirmation the checked rows wait in the user's session under the report's
id with a one-time token, so a confirmation writes exactly what was shown."""

import secrets

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpis import permissions
from kpis.entry_workbook import report_template_xlsx
from kpis.models import YearlyReport
from kpis.services.uploads import UploadPreview, UploadTooLargeError, upload_confirm, upload_preview, upload_size_check

UPLOAD_EXTENSIONS = (".csv", ".xlsx")


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp số liệu (CSV hoặc Excel .xlsx)"))

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(UPLOAD_EXTENSIONS):
            raise ValidationError(_("Chỉ nhận tệp .csv hoặc .xlsx (tệp Excel cũ .xls: hãy mở và lưu lại dạng .xlsx)."))
        try:
            upload_size_check(uploaded.size)
        except UploadTooLargeError as error:
            raise ValidationError(str(error)) from None
        return uploaded


def _session_key(report: YearlyReport) -> str:
    return f"kpis_upload_{report.pk}"


class ReportUploadMixin:
    """For YearlyReportAdmin: the upload pages under each report's address."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/upload/", view(self.upload_view), name="kpis_yearlyreport_upload"),
            path("<path:object_id>/upload/confirm/", view(self.upload_confirm_view),
                 name="kpis_yearlyreport_upload_confirm"),
            path("<path:object_id>/upload/cancel/", view(self.upload_cancel_view),
                 name="kpis_yearlyreport_upload_cancel"),
            path("<path:object_id>/template.xlsx", view(self.template_view), name="kpis_yearlyreport_template"),
            *super().get_urls(),
        ]

    def _editable_report(self, request: HttpRequest, object_id: str) -> YearlyReport:
        try:
            report_id = YearlyReport._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None
        report = get_object_or_404(YearlyReport.objects.select_related("sector", "org_unit"), pk=report_id)
        if not permissions.can_edit_values(request.user, report):
            raise PermissionDenied
        return report

    def upload_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        report = self._editable_report(request, object_id)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render_preview(request, report, None, form, status=400)
        uploaded = form.cleaned_data["file"]
        preview = upload_preview(report=report, user=request.user, content=uploaded.read())
        token = secrets.token_urlsafe(16)
        request.session.pop(_session_key(report), None)
        if preview.ok:
            request.session[_session_key(report)] = {
                "token": token, "records": preview.records, "base_version": preview.base_version,
                "filename": uploaded.name[:200]}
        return self._render_preview(request, report, preview, UploadForm(), token=token,
                                    filename=uploaded.name, status=200 if preview.ok else 400)

    def upload_confirm_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        report = self._editable_report(request, object_id)
        pending = request.session.pop(_session_key(report), None)
        entry_url = reverse("admin:kpis_yearlyreport_change", args=[report.pk])
        if not pending or not secrets.compare_digest(pending["token"], request.POST.get("token", "")):
            messages.error(request, _("Không còn bản xem trước nào chờ xác nhận (đã ghi, đã hủy, đã hết phiên hoặc "
                                      "đã tải tệp khác lên). Chưa có gì được ghi; hãy tải tệp lên lại."))
            return HttpResponseRedirect(entry_url)
        result = upload_confirm(report=report, user=request.user, records=pending["records"],
                                base_version=pending["base_version"], filename=pending["filename"])
        if result.conflicts:
            texts = [conflict.message for conflict in result.conflicts]
            messages.error(request, _("Chưa ghi gì từ tệp %(file)s: %(problems)s Hãy tải tệp lên lại để xem trước.")
                           % {"file": pending["filename"], "problems": " ".join(dict.fromkeys(texts))})
            return HttpResponseRedirect(entry_url)
        counts = result.counts
        messages.success(request, _("Đã ghi số liệu từ tệp %(file)s: %(created)d mới, %(updated)d thay đổi, "
                                    "%(unchanged)d giữ nguyên.")
                         % {"file": pending["filename"], "created": counts["created"], "updated": counts["updated"],
                            "unchanged": counts["unchanged"]})
        return HttpResponseRedirect(entry_url)

    def upload_cancel_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        report = self._editable_report(request, object_id)
        if request.session.pop(_session_key(report), None):
            messages.info(request, _("Đã hủy: không có gì từ tệp được ghi."))
        return HttpResponseRedirect(reverse("admin:kpis_yearlyreport_change", args=[report.pk]))

    def template_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        report = self._editable_report(request, object_id)
        filename = f"mau_{report.sector.code}_{report.org_unit.code}_{report.reporting_period.code}.xlsx"
        return HttpResponse(report_template_xlsx(report), headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": content_disposition_header(True, filename),
            "Cache-Control": "private, no-store"})

    def _render_preview(self, request: HttpRequest, report: YearlyReport, preview: UploadPreview | None,
                        form: UploadForm, *, token: str = "", filename: str = "", status: int) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Xem trước tệp tải lên: %(report)s") % {"report": report},
            "report": report,
            "preview": preview,
            "upload_form": form,
            "token": token,
            "filename": filename,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/kpis/yearlyreport/upload_preview.html", context, status=status)
