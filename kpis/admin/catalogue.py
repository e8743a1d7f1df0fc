"""The catalogue (org units, sectors, indicators, targets, milestones, rules) and
who is assigned where. Administrators maintain it; the roles only read it.
Every change made here is in the audit log (kpis/admin/audit.py)."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from kpis.admin.audit import AuditedAdmin, AuditedUserAdmin
from kpis.admin.history import GuardedHistoryAdmin
from kpis.admin.second_factor import SecondFactorUserAdminMixin
from kpis.aggregation import stale_mark
from kpis.formulas import FormulaError, check_formula, parse_formula, referenced_codes
from kpis.models import (
    Assignment,
    DefinitionChange,
    Indicator,
    Milestone,
    OrgUnit,
    Sector,
    Target,
    ValidationRule,
)
from kpis.services.values import rule_check_formula


def _formula_graph(exclude_code: str) -> tuple[set[str], dict[str, list[str]]]:
    known = set(Indicator.objects.values_list("code", flat=True))
    dependencies = {
        code: sorted(referenced_codes(parse_formula(formula)))
        for code, formula in Indicator.objects.exclude(formula="").values_list("code", "formula")
        if code != exclude_code
    }
    return known, dependencies


class RecomputesAggregates:
    """Catalogue edits can change any aggregate (a formula, a tree, a target):
    mark everything stale in the admin's own transaction."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        stale_mark(everything=True)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        stale_mark(everything=True)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        stale_mark(everything=True)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        stale_mark(everything=True)


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = "__all__"

    def clean_formula(self) -> str:
        formula = self.cleaned_data.get("formula", "").strip()
        code = self.cleaned_data.get("code") or self.instance.code
        if formula:
            known, dependencies = _formula_graph(code)
            try:
                check_formula(formula, own_code=code, known_codes=known | {code},
                              dependencies=dependencies)
            except FormulaError as error:
                raise forms.ValidationError(error.message) from None
        if formula and self.instance.pk and self.instance.values.exists():
            raise forms.ValidationError(
                _("Chỉ tiêu đã có số liệu nhập; không thể chuyển thành chỉ tiêu tính toán."))
        return formula


class DefinitionChangeInline(admin.TabularInline):
    model = DefinitionChange
    extra = 0


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    autocomplete_fields = ("org_unit",)


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin, RecomputesAggregates, GuardedHistoryAdmin):
    form = IndicatorForm
    list_display = ("code", "name", "sector", "unit", "value_type", "aggregation", "formula", "is_key")
    list_filter = ("sector", "value_type", "is_key")
    search_fields = ("code", "name", "name_en")
    inlines = [TargetInline, DefinitionChangeInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "sector", "is_key", "position"]}),
        (_("Định nghĩa"), {"fields": ["definition", "definition_en", "unit", "unit_en", "source"]}),
        (_("Giá trị"), {"fields": ["value_type", "decimals", "direction"]}),
        (_("Nhập liệu hoặc công thức"), {"fields": ["aggregation", "entry_levels", "formula"]}),
    ]


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin, RecomputesAggregates, admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "valid_from", "valid_to")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")
    autocomplete_fields = ("parent",)
    filter_horizontal = ("successors",)


@admin.register(Sector)
class SectorAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "position")
    search_fields = ("code", "name")


@admin.register(Target)
class TargetAdmin(AuditedAdmin, RecomputesAggregates, GuardedHistoryAdmin):
    list_display = ("indicator", "org_unit", "year", "operator", "value", "baseline_year", "source")
    list_filter = ("year", "indicator__sector")
    search_fields = ("indicator__code", "indicator__name", "org_unit__name")
    autocomplete_fields = ("indicator", "org_unit")


@admin.register(Milestone)
class MilestoneAdmin(AuditedAdmin, GuardedHistoryAdmin):
    list_display = ("code", "title", "sector", "due", "status", "status_as_of", "completed_on")
    list_filter = ("status", "sector")
    search_fields = ("code", "title")


class ValidationRuleForm(forms.ModelForm):
    class Meta:
        model = ValidationRule
        fields = "__all__"

    def _clean_side(self, name: str) -> str:
        text = self.cleaned_data.get(name, "").strip()
        try:
            rule_check_formula(text, known_codes=set(Indicator.objects.values_list("code", flat=True)))
        except FormulaError as error:
            raise forms.ValidationError(error.message) from None
        return text

    def clean_left(self) -> str:
        return self._clean_side("left")

    def clean_right(self) -> str:
        return self._clean_side("right")


@admin.register(ValidationRule)
class ValidationRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    form = ValidationRuleForm
    list_display = ("code", "left", "operator", "right", "message", "is_active")


@admin.register(Assignment)
class AssignmentAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("user", "sector", "org_unit", "include_descendants")
    list_filter = ("sector",)
    autocomplete_fields = ("user", "org_unit")


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ("org_unit",)


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class PortalUserAdmin(SecondFactorUserAdminMixin, AuditedUserAdmin, UserAdmin):
    inlines = [*UserAdmin.inlines, AssignmentInline]
    list_display = (*UserAdmin.list_display, "second_factor")


@admin.register(Group)
class PortalGroupAdmin(AuditedAdmin, GroupAdmin):
    """Django's group page, with its changes (permissions) in the audit log."""
