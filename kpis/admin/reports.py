"""Data entry for staff who are not technical: a report's page lists exactly the
indicators they enter, with unit, definition and last year's figure, and the
workflow buttons their role allows. Every action goes through a service that
checks permissions again on the server."""

from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import localize_input
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpis import permissions
from kpis.admin.forms import (
    ReasonForm,
    ReportCreateForm,
    ReportValuesForm,
    comment_field_name,
    period_part_choices,
    value_field_name,
)
from kpis.admin.history import GuardedHistoryAdmin
from kpis.admin.readonly import ReadOnlyAdminMixin
from kpis.admin.uploads import ReportUploadMixin, UploadForm
from kpis.cutoffs import cutoff_bounds
from kpis.models import DataValue, Indicator, ReportStatus, ValueType, WarningKind, YearlyReport, quantize_for
from kpis.periods import Period
from kpis.quality_selectors import open_warnings_by_sector, report_quality
from kpis.rules import report_status_symbol
from kpis.selectors import report_entry_rows, report_timeline
from kpis.services import reports as report_services
from kpis.services.quality import warning_acknowledge

_REVIEW_ACTIONS = {
    "approve": report_services.report_approve,
    "return": report_services.report_return,
    "reopen": report_services.report_reopen,
}
_DONE_MESSAGES = {
    "approve": gettext_lazy("Đã duyệt báo cáo."),
    "return": gettext_lazy("Đã trả lại báo cáo cho cán bộ nhập liệu."),
    "reopen": gettext_lazy("Đã mở lại báo cáo để sửa; số liệu của báo cáo không còn là số liệu chính thức."),
    "submit": gettext_lazy("Đã gửi duyệt báo cáo."),
    "save": gettext_lazy("Đã lưu số liệu."),
}


def status_badge(report: YearlyReport) -> str:
    return format_html('<span class="report-status report-status--{}">{} {}</span>',
                       report.status, report_status_symbol(report.status), report.get_status_display())


def _input_text(indicator: Indicator, value: Decimal | None) -> str:
    """A figure as the entry field shows it (9.391, 92,7; 1/0 for yes/no)."""
    if value is None:
        return ""
    if indicator.value_type == ValueType.YES_NO:
        return str(int(value))
    return localize_input(quantize_for(indicator, value))


class PeriodFilter(admin.SimpleListFilter):
    title = gettext_lazy("kỳ")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        return [(str(part), label) for part, label in period_part_choices()]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(period=int(value)) if value and value.isdigit() else queryset


@admin.register(YearlyReport)
class YearlyReportAdmin(ReportUploadMixin, GuardedHistoryAdmin):
    list_display = ("__str__", "year", "period_column", "sector", "org_unit", "status_column", "submitted_by",
                    "approved_by")
    list_display_links = ("__str__",)
    list_filter = ("status", "year", PeriodFilter, "sector")
    search_fields = ("org_unit__name", "org_unit__code", "sector__name")
    list_select_related = ("sector", "org_unit", "submitted_by", "approved_by")
    form = ReportCreateForm
    actions = None
    history_revert_allowed = False  # reports change only through the workflow

    @admin.display(description=gettext_lazy("Kỳ"), ordering="period")
    def period_column(self, report: YearlyReport) -> str:
        return report.reporting_period.label

    @admin.display(description=gettext_lazy("Trạng thái"), ordering="status")
    def status_column(self, report: YearlyReport) -> str:
        return status_badge(report)

    def get_queryset(self, request: HttpRequest):
        return permissions.reports_visible_to(request.user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            # Before the object's own addresses, which would take "data-quality" for an id.
            path("data-quality/", view(self.data_quality_view), name="kpis_yearlyreport_data_quality"),
            path("<path:object_id>/acknowledge/", view(self.acknowledge_view),
                 name="kpis_yearlyreport_acknowledge"),
            *super().get_urls(),
        ]

    def acknowledge_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One warning acknowledged, from the approval page's button; the
        service checks the permission again."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            report_id = YearlyReport._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None
        report = get_object_or_404(YearlyReport.objects.select_related("sector", "org_unit"), pk=report_id)
        if not permissions.can_acknowledge_warnings(request.user, report):
            raise PermissionDenied
        indicator_id, _sep, rest = request.POST.get("acknowledge", "").partition(":")
        kind, _sep, rule_code = rest.partition(":")
        if not indicator_id.isdigit() or kind not in WarningKind.values:
            return HttpResponse(_("Thao tác không hợp lệ."), status=400)
        indicator = get_object_or_404(Indicator, pk=int(indicator_id))
        try:
            warning_acknowledge(report=report, indicator=indicator, kind=kind, rule_code=rule_code,
                                user=request.user, note=request.POST.get(f"note_{indicator.pk}", "")[:2000])
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, _("Đã xác nhận cảnh báo."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:kpis_yearlyreport_change", args=[report.pk]))

    def data_quality_view(self, request: HttpRequest) -> HttpResponse:
        """Open warnings of the submitted and approved reports of a year the
        user may see, by sector and unit."""
        if not permissions.can_see_data_quality(request.user):
            raise PermissionDenied
        reviewed = permissions.reports_visible_to(request.user).filter(
            status__in=(ReportStatus.SUBMITTED, ReportStatus.APPROVED))
        years = list(reviewed.order_by("-year").values_list("year", flat=True).distinct())
        requested = request.GET.get("year", "")
        year = int(requested) if requested.isdigit() and int(requested) in years else (years[0] if years else None)
        reports = reviewed.filter(year=year).order_by("sector__position", "sector__code", "org_unit__code", "period")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Chất lượng số liệu: cảnh báo chưa xác nhận"),
            "year": year,
            "years": years,
            "sectors": open_warnings_by_sector(reports, user=request.user) if year is not None else [],
        }
        return TemplateResponse(request, "admin/kpis/yearlyreport/data_quality.html", context)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        if obj is not None:
            return permissions.can_view_report(user, obj)
        return permissions.can_list_reports(user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_create_reports(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        if obj is None:
            return permissions.can_work_on_reports(user)
        return (permissions.can_edit_values(user, obj) or permissions.can_submit(user, obj)
                or permissions.can_review(user, obj))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # figures are withdrawn by returning or reopening, never by deleting

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        user = request.user

        class FormForUser(form_class):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=user, **inner)

        return FormForUser

    def save_model(self, request, obj, form, change):
        created = report_services.report_create(
            sector=obj.sector, org_unit=obj.org_unit, year=obj.year, period=obj.period, user=request.user)
        obj.pk = created.pk

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:kpis_yearlyreport_change", args=[obj.pk]))

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ValidationError as error:
            # report_create re-checks what the form checked, in a race with another user
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        try:
            report_id = YearlyReport._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None  # not an id at all: a mistyped or forged address
        report = get_object_or_404(YearlyReport.objects.select_related("sector", "org_unit"), pk=report_id)
        if not permissions.can_view_report(request.user, report):
            raise PermissionDenied
        if request.method == "POST":
            return self._handle_post(request, report)
        return self._render(request, report, self._values_form(report))

    def _values_form(self, report: YearlyReport, data=None) -> ReportValuesForm:
        version = report_services.report_values_version(report)  # before the figures: see its docstring
        rows = report_entry_rows(report)
        initial = {"version": version}
        for row in rows:
            if row.value is not None:
                initial[value_field_name(row.indicator)] = quantize_for(row.indicator, row.value.value)
                initial[comment_field_name(row.indicator)] = row.value.comment
        form = ReportValuesForm(data, initial=initial, indicators=[row.indicator for row in rows])
        form.rows = rows
        return form

    def _handle_post(self, request: HttpRequest, report: YearlyReport) -> HttpResponse:
        action = request.POST.get("action", "")
        form = self._values_form(report, request.POST if action in ("save", "save_submit") else None)
        reason_form = ReasonForm(request.POST if action in ("return", "reopen") else None)
        if action in ("save", "save_submit") and not permissions.can_edit_values(request.user, report):
            raise PermissionDenied
        try:
            if action in ("save", "save_submit"):
                if not form.is_valid():
                    return self._render(request, report, form, status=400)
                if action == "save_submit":
                    report_services.report_values_save_and_submit(
                        report=report, user=request.user, values=form.values(), comments=form.comments(),
                        base_version=form.cleaned_data["version"])
                    action = "submit"
                else:
                    report_services.report_values_save(report=report, user=request.user,
                                                       values=form.values(), comments=form.comments(),
                                                       base_version=form.cleaned_data["version"])
            elif action == "submit":
                report_services.report_submit(report=report, user=request.user)
            elif action == "approve":
                report_services.report_approve(report=report, user=request.user)
            elif action in ("return", "reopen"):
                if not reason_form.is_valid():
                    return self._render(request, report, form, reason_form=reason_form, status=400)
                _REVIEW_ACTIONS[action](report=report, user=request.user,
                                        reason=reason_form.cleaned_data["reason"])
            else:
                return HttpResponse(_("Thao tác không hợp lệ."), status=400)
        except report_services.ReportChangedError as changed:
            return self._render(request, report, self._conflict_form(report, form, changed), status=409)
        except ValidationError as error:
            if hasattr(error, "error_dict") and form.is_bound:
                form.add_service_errors({code: [m for e in errs for m in e.messages]
                                         for code, errs in error.error_dict.items()})
            else:
                messages.error(request, " ".join(error.messages))
            return self._render(request, self._reload(report), form, status=400)
        self.message_user(request, _DONE_MESSAGES[action], messages.SUCCESS)
        return HttpResponseRedirect(request.path)

    def _conflict_form(self, report: YearlyReport, posted: ReportValuesForm,
                       changed: report_services.ReportChangedError) -> ReportValuesForm:
        """The user's typing kept, on the current version: a figure they did not
        touch shows what is stored now; one both changed keeps theirs, with the
        stored one named on its line. Saving again is then a deliberate choice."""
        data = posted.data.copy()
        data["version"] = str(changed.version)
        typed, typed_comments = posted.values(), posted.comments()
        for conflict in changed.conflicts:
            code = conflict.indicator.code
            if typed.get(code, conflict.base) == conflict.base:
                data[value_field_name(conflict.indicator)] = _input_text(conflict.indicator, conflict.stored)
            if typed_comments.get(code, conflict.base_comment) == conflict.base_comment:
                data[comment_field_name(conflict.indicator)] = conflict.stored_comment
        form = self._values_form(self._reload(report), data)
        form.is_valid()
        form.add_error(None, changed.messages[0])
        for conflict in changed.conflicts:
            form.add_error(value_field_name(conflict.indicator), conflict.describe())
        return form

    @staticmethod
    def _reload(report: YearlyReport) -> YearlyReport:
        return YearlyReport.objects.select_related("sector", "org_unit").get(pk=report.pk)

    def _render(self, request, report, form, *, reason_form=None, status=200) -> TemplateResponse:
        user = request.user
        can_edit = permissions.can_edit_values(user, report)
        can_review = permissions.can_review(user, report)
        can_return = can_review and report.status == ReportStatus.SUBMITTED
        approval_conflict = permissions.approval_conflict(user, report) if can_return else None
        quality = {figure.indicator.pk: figure for figure in report_quality(report, user=user)}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(report),
            "report": report,
            "period": report.reporting_period,
            "data_bounds": cutoff_bounds(sector_id=report.sector_id, period=report.reporting_period),
            "status_badge": status_badge(report),
            "rows": [(row, form[value_field_name(row.indicator)], form[comment_field_name(row.indicator)],
                      quality.get(row.indicator.pk)) for row in form.rows],
            "can_acknowledge": permissions.can_acknowledge_warnings(user, report),
            "has_open_warnings": any(figure.open_warnings for figure in quality.values()),
            "form": form,
            "reason_form": reason_form or ReasonForm(),
            "can_edit": can_edit,
            "can_submit": permissions.can_submit(user, report),
            "can_return": can_return,
            "can_approve": can_return and approval_conflict is None,
            "approval_conflict": approval_conflict if can_return else None,
            "can_reopen": can_review and report.status == ReportStatus.APPROVED,
            "timeline": report_timeline(report),
            "upload_form": UploadForm() if can_edit else None,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/kpis/yearlyreport/entry.html", context, status=status)


@admin.register(DataValue)
class DataValueAdmin(ReadOnlyAdminMixin, GuardedHistoryAdmin):
    """Read-only: figures change through their report, so the workflow and its
    locks always apply. The history of each figure is shown here too."""

    list_display = ("indicator", "org_unit", "year", "period_column", "value", "report_status", "updated_by",
                    "updated_at")
    list_filter = ("year", PeriodFilter, "indicator__sector", "report__status")
    search_fields = ("indicator__code", "indicator__name", "org_unit__code", "org_unit__name")
    list_select_related = ("indicator", "org_unit", "report", "updated_by")
    readonly_fields = [f.name for f in DataValue._meta.fields]
    history_revert_allowed = False  # figures change only through their report

    @admin.display(description=gettext_lazy("Kỳ"), ordering="period")
    def period_column(self, value: DataValue) -> str:
        return Period(value.year, value.period).label

    @admin.display(description=gettext_lazy("Trạng thái báo cáo"))
    def report_status(self, value: DataValue) -> str:
        return status_badge(value.report)

    def get_queryset(self, request: HttpRequest):
        visible = permissions.reports_visible_to(request.user)
        return super().get_queryset(request).filter(report__in=visible)

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is not None:
            return permissions.can_view_report(request.user, obj.report)
        return permissions.can_list_values(request.user)
