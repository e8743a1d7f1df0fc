"""Admin for what the exported reports print in their header and signature
blocks (rows with validity periods), and a read-only list of exports."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kpis.admin.audit import AuditedAdmin
from kpis.admin.forms import CheckedAutocompleteAdmin
from kpis.export.services import document_settings_check, document_settings_save
from kpis.models import DocumentSettings, ExportJob


class DocumentSettingsForm(forms.ModelForm):
    """After the model's own checks, the one that needs the other rows: no
    two periods of one unit overlap (shown on the start date)."""

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return
        try:
            document_settings_check(row=self.instance)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)


@admin.register(DocumentSettings)
class DocumentSettingsAdmin(AuditedAdmin, CheckedAutocompleteAdmin, admin.ModelAdmin):
    form = DocumentSettingsForm
    list_display = ("org_unit", "valid_from", "valid_to", "issuing_agency", "parent_agency", "place")
    list_select_related = ("org_unit",)
    autocomplete_fields = ("org_unit",)
    fieldsets = (
        (_("Phạm vi và thời gian áp dụng"), {"fields": ("org_unit", "valid_from", "valid_to")}),
        (_("Góc trái: cơ quan ban hành"), {"fields": ("parent_agency", "issuing_agency", "document_symbol",
                                                      "document_number")}),
        (_("Góc phải: địa danh"), {"fields": ("place",)}),
        (_("Chữ ký và nơi nhận"), {"fields": ("signer_authority", "signer_title", "signer_name", "recipients")}),
    )
    readonly_fields = ("updated_at",)

    def save_model(self, request, obj, form, change):
        document_settings_save(row=obj)


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "org_unit", "year", "period", "sector", "fmt", "districts", "status", "progress",
                    "created_by")
    list_filter = ("status", "fmt", "year")
    list_select_related = ("org_unit", "sector", "created_by")
    readonly_fields = [field.name for field in ExportJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
