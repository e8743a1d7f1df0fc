"""Admin for what the exported reports print in their header and signature
blocks (one row), and a read-only list of exports."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kpis.admin.audit import AuditedAdmin
from kpis.models import DocumentSettings, ExportJob


@admin.register(DocumentSettings)
class DocumentSettingsAdmin(AuditedAdmin, admin.ModelAdmin):
    fieldsets = (
        (_("Góc trái: cơ quan ban hành"), {"fields": ("parent_agency", "issuing_agency", "document_symbol",
                                                      "document_number")}),
        (_("Góc phải: địa danh"), {"fields": ("place",)}),
        (_("Chữ ký và nơi nhận"), {"fields": ("signer_authority", "signer_title", "signer_name", "recipients")}),
    )
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not DocumentSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        """There is one row: go straight to it (or to the form that creates it)."""
        row = DocumentSettings.objects.filter(pk=DocumentSettings.SINGLETON_ID).first()
        if row is not None and self.has_view_or_change_permission(request, row):
            return HttpResponseRedirect(reverse("admin:kpis_documentsettings_change", args=[row.pk]))
        if row is None and self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:kpis_documentsettings_add"))
        return super().changelist_view(request, extra_context)


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "org_unit", "year", "sector", "fmt", "districts", "status", "progress",
                    "created_by")
    list_filter = ("status", "fmt", "year")
    list_select_related = ("org_unit", "sector", "created_by")
    readonly_fields = [field.name for field in ExportJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
