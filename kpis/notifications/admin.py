"""Admin for mail: who subscribes to which summary, the dates an
administrator sets (summaries, report due dates, due-date rules and data cut-offs), and the
read-only records of every sending and reminder."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kpis.admin.audit import AuditedAdmin
from kpis.admin.readonly import ReadOnlyAdminMixin
from kpis.due_dates import due_dates_changed
from kpis.models import (
    Reminder,
    ReportDueDate,
    ReportDueRule,
    ReportingCutoff,
    SummarySchedule,
    SummarySending,
    SummarySubscription,
)
from kpis.permissions import can_resend_mail
from kpis.services.mail import summary_sending_resend


@admin.register(SummarySubscription)
class SummarySubscriptionAdmin(admin.ModelAdmin):
    """Users subscribe on their own page (the permission is checked there);
    here an administrator sees them all and may remove one."""

    list_display = ("user", "org_unit", "period_kind", "created_at")
    list_filter = ("period_kind",)
    list_select_related = ("user", "org_unit")
    search_fields = ("user__username", "user__email", "org_unit__code", "org_unit__name")
    readonly_fields = ("user", "org_unit", "period_kind", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SummarySchedule)
class SummaryScheduleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("org_unit", "year", "period", "send_on")
    list_filter = ("year", "period")
    list_select_related = ("org_unit",)


class DueDatesChangedMixin:
    """Every edit of a due date, rule or cut-off shows at once on the completeness page (its cache key)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        due_dates_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        due_dates_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        due_dates_changed()


@admin.register(ReportDueRule)
class ReportDueRuleAdmin(DueDatesChangedMixin, AuditedAdmin, admin.ModelAdmin):
    """The general rule: reports of a frequency are due so many days after their period ends."""

    list_display = ("frequency", "sector", "days_after_end")
    list_filter = ("frequency", "sector")
    list_select_related = ("sector",)


@admin.register(ReportDueDate)
class ReportDueDateAdmin(DueDatesChangedMixin, AuditedAdmin, admin.ModelAdmin):
    """Explicit dates for one period: they win over the rules (kpis/due_dates.py)."""

    list_display = ("year", "period", "sector", "due_on")
    list_filter = ("year", "period")
    list_select_related = ("sector",)


@admin.register(ReportingCutoff)
class ReportingCutoffAdmin(DueDatesChangedMixin, AuditedAdmin, admin.ModelAdmin):
    """When periodic reports cut their figures off (kpis/cutoffs.py): the dates a period covers and
    its due date follow; its identity and the aggregation do not."""

    list_display = ("valid_from", "sector", "cutoff_column", "legal_basis")
    list_filter = ("sector",)
    list_select_related = ("sector",)
    search_fields = ("legal_basis",)

    @admin.display(description=_("Ngày chốt số liệu"), ordering="cutoff_day")
    def cutoff_column(self, cutoff: ReportingCutoff) -> str:
        return str(cutoff.cutoff_day) if cutoff.cutoff_day else _("Theo lịch")


@admin.register(SummarySending)
class SummarySendingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "email", "org_unit", "year", "period", "trigger", "status", "attempts",
                    "delivered_at")
    list_filter = ("status", "trigger", "year", "period_kind")
    list_select_related = ("org_unit",)
    search_fields = ("email", "org_unit__code")
    readonly_fields = [field.name for field in SummarySending._meta.fields]
    actions = ["resend"]

    @admin.action(description=_("Gửi lại các thư bị lỗi"), permissions=["resend"])
    def resend(self, request, queryset):
        count = sum(summary_sending_resend(sending=sending) for sending in queryset)
        self.message_user(request, ngettext("Đã xếp %(n)s thư vào hàng đợi gửi lại.",
                                            "Đã xếp %(n)s thư vào hàng đợi gửi lại.", count) % {"n": count},
                          messages.SUCCESS)

    def has_resend_permission(self, request) -> bool:
        return can_resend_mail(request.user)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("sent_on", "user", "kind", "sector", "org_unit", "year", "period", "due_on", "status")
    list_filter = ("kind", "status", "year", "sector")
    list_select_related = ("user", "sector", "org_unit")
    search_fields = ("user__username", "org_unit__code")
    readonly_fields = [field.name for field in Reminder._meta.fields]
