"""The catalogue (org units, sectors, indicators, targets, milestones, rules) and
who is assigned where. Administrators maintain it; the roles only read it.
Every change made here is in the audit log (kpis/admin/audit.py)."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kpis.admin.audit import AuditedAdmin, AuditedUserAdmin
from kpis.admin.forms import CheckedAutocompleteAdmin
from kpis.admin.history import GuardedHistoryAdmin
from kpis.admin.lineage import MoveAssignmentsAdmin
from kpis.admin.second_factor import SecondFactorUserAdminMixin
from kpis.models import (
    MAX_YEAR,
    Assignment,
    DefinitionChange,
    Indicator,
    Milestone,
    OrgUnit,
    Sector,
    SectorVersion,
    Target,
    ValidationRule,
)
from kpis.selectors import units_active_in
from kpis.services.catalogue_entries import (
    catalogue_entry_check,
    catalogue_entry_delete,
    catalogue_entry_delete_check,
    catalogue_entry_save,
)


class CatalogueEntryForm(forms.ModelForm):
    """Every catalogue form: after the model's own checks (``clean()``), the
    rules that need the database, the same the loader applies
    (kpis/services/catalogue_entries.py), each shown on its field."""

    def _post_clean(self) -> None:
        super()._post_clean()
        try:
            catalogue_entry_check(entry=self.instance)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)


class CatalogueWriteAdmin(admin.ModelAdmin):
    """Saves and deletes through the catalogue services, so the admin pages,
    their inlines and history reverts (GuardedHistoryAdmin calls save_model)
    follow the loader's rules and mark the aggregates stale the same way."""

    form = CatalogueEntryForm

    def save_model(self, request, obj, form, change):
        catalogue_entry_save(entry=obj)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            catalogue_entry_delete(entry=obj)
        for obj in [*formset.new_objects, *(obj for obj, _fields in formset.changed_objects)]:
            catalogue_entry_save(entry=obj)
        formset.save_m2m()

    def delete_model(self, request, obj):
        catalogue_entry_delete(entry=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            catalogue_entry_delete(entry=obj)

    def get_deleted_objects(self, objs, request):
        # What formulas or rules still use is listed as protected: the page
        # says why and refuses the deletion, as it does for the figures.
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            try:
                catalogue_entry_delete_check(entry=obj)
            except ValidationError as error:
                protected = [*protected, *error.messages]
        return to_delete, model_count, perms_needed, protected


class DefinitionChangeInline(admin.TabularInline):
    model = DefinitionChange
    form = CatalogueEntryForm
    extra = 0


class TargetInline(CheckedAutocompleteAdmin, admin.TabularInline):
    model = Target
    form = CatalogueEntryForm
    extra = 0
    autocomplete_fields = ("org_unit",)


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin, GuardedHistoryAdmin, CatalogueWriteAdmin):
    list_display = ("code", "name", "sector", "unit", "value_type", "aggregation", "formula", "is_key")
    list_filter = ("sector", "value_type", "is_key")
    search_fields = ("code", "name", "name_en")
    inlines = [TargetInline, DefinitionChangeInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "sector", "is_key", "position"]}),
        (_("Định nghĩa"), {"fields": ["definition", "definition_en", "unit", "unit_en", "source"]}),
        (_("Giá trị"), {"fields": ["value_type", "decimals", "direction", "max_change_ratio"]}),
        (_("Nhập liệu hoặc công thức"), {"fields": ["aggregation", "entry_levels", "formula"]}),
    ]


class ValidInYearFilter(admin.SimpleListFilter):
    """The tree of one year (kpis.selectors.units_active_in)."""

    title = _("thuộc cây đơn vị năm")
    parameter_name = "valid_in"

    def lookups(self, request, model_admin):
        years = {year for pair in OrgUnit.objects.values_list("valid_from", "valid_to") for year in pair if year}
        bounds = sorted(years | {year + 1 for year in years if year + 1 <= MAX_YEAR})
        return [(str(year), str(year)) for year in bounds]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(pk__in=units_active_in(int(value)).values("pk"))
        return queryset


@admin.register(OrgUnit)
class OrgUnitAdmin(MoveAssignmentsAdmin, AuditedAdmin, CheckedAutocompleteAdmin, CatalogueWriteAdmin):
    list_display = ("code", "name", "level", "parent", "valid_from", "valid_to", "nso_code")
    list_filter = ("level", ValidInYearFilter)
    search_fields = ("code", "name", "name_en", "nso_code")
    autocomplete_fields = ("parent",)
    filter_horizontal = ("successors",)


class SectorVersionInline(admin.TabularInline):
    """Names and owning agencies from a date (a department renamed or merged):
    a page or report of a year shows the name valid at that year's end."""

    model = SectorVersion
    form = CatalogueEntryForm
    extra = 0


@admin.register(Sector)
class SectorAdmin(AuditedAdmin, CatalogueWriteAdmin):
    list_display = ("code", "name", "name_en", "owner_agency", "position")
    search_fields = ("code", "name")
    inlines = [SectorVersionInline]


@admin.register(Target)
class TargetAdmin(AuditedAdmin, CheckedAutocompleteAdmin, GuardedHistoryAdmin, CatalogueWriteAdmin):
    list_display = ("indicator", "org_unit", "year", "operator", "value", "baseline_year", "source")
    list_filter = ("year", "indicator__sector")
    search_fields = ("indicator__code", "indicator__name", "org_unit__name")
    autocomplete_fields = ("indicator", "org_unit")


@admin.register(Milestone)
class MilestoneAdmin(AuditedAdmin, GuardedHistoryAdmin, CatalogueWriteAdmin):
    list_display = ("code", "title", "sector", "due", "status", "status_as_of", "completed_on")
    list_filter = ("status", "sector")
    search_fields = ("code", "title")


@admin.register(ValidationRule)
class ValidationRuleAdmin(AuditedAdmin, CatalogueWriteAdmin):
    list_display = ("code", "left", "operator", "right", "message", "is_active")


@admin.register(Assignment)
class AssignmentAdmin(AuditedAdmin, CheckedAutocompleteAdmin, admin.ModelAdmin):
    # The unit's last year: an assignment gives no right after it (docs/boundaries.md).
    list_display = ("user", "sector", "org_unit", "org_unit__valid_to", "include_descendants")
    list_filter = ("sector",)
    autocomplete_fields = ("user", "org_unit")


class AssignmentInline(CheckedAutocompleteAdmin, admin.TabularInline):
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
