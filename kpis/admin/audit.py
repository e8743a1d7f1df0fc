"""The audit log in the admin: every add, change and delete made through the
admin pages of users, groups, assignments and the catalogue is recorded with
what changed (old → new), and administrators read the log in a list nobody
can edit."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kpis import permissions
from kpis.admin.readonly import ReadOnlyAdminMixin
from kpis.models import Assignment, AuditAction, AuditEvent
from kpis.services.audit import audit_record


def audit_action_of(model: type[models.Model]) -> AuditAction:
    if issubclass(model, get_user_model()):
        return AuditAction.USER_CHANGED
    if issubclass(model, Group):
        return AuditAction.GROUP_CHANGED
    if issubclass(model, Assignment):
        return AuditAction.ASSIGNMENT_CHANGED
    return AuditAction.CATALOGUE_CHANGED


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("có") if value else gettext("không")
    if isinstance(value, Permission):
        return f"{value.content_type.app_label}.{value.codename}"
    return str(value)


def _instances(field: forms.ModelMultipleChoiceField, value) -> list[models.Model]:
    """A multiple choice as objects, whether it holds objects (the instance's
    initial value) or keys (a prefilled form)."""
    items = list(value or [])
    keys = [item for item in items if not isinstance(item, models.Model)]
    found = list(field.queryset.filter(pk__in=keys)) if keys else []
    return [item for item in items if isinstance(item, models.Model)] + found


def _many_change(label: str, field: forms.ModelMultipleChoiceField, old, new) -> str:
    before = {item.pk: item for item in _instances(field, old)}
    after = {item.pk: item for item in _instances(field, new)}
    added = sorted(_shown(item) for pk, item in after.items() if pk not in before)
    removed = sorted(_shown(item) for pk, item in before.items() if pk not in after)
    parts = ([gettext("thêm %(items)s") % {"items": ", ".join(added)}] if added else []) + (
        [gettext("bỏ %(items)s") % {"items": ", ".join(removed)}] if removed else [])
    return f"{label}: {'; '.join(parts) or '—'}"


def _field_change(form: forms.BaseForm, name: str, *, add: bool) -> str:
    if "password" in name:  # never a password or its hash, only that it changed
        return gettext("Mật khẩu: đã thay đổi")
    field = form.fields.get(name)
    label = str(field.label) if field is not None and field.label else name
    old = None if add else form.initial.get(name)
    new = form.cleaned_data.get(name)
    if isinstance(field, forms.ModelMultipleChoiceField):
        return _many_change(label, field, old, new)
    if isinstance(field, forms.ModelChoiceField) and old is not None and not isinstance(old, models.Model):
        old = field.queryset.filter(pk=old).first()
    return f"{label}: {_shown(new)}" if add else f"{label}: {_shown(old)} → {_shown(new)}"


def form_changes(form: forms.BaseForm, *, add: bool) -> list[str]:
    """One line per changed field: "label: old → new"; additions and removals
    for many-to-many fields (group members, permissions)."""
    lines: list[str] = []
    for name in form.changed_data:
        line = _field_change(form, name, add=add)
        if line not in lines:
            lines.append(line)
    return lines


class AuditedAdmin:
    """Records every add, change and delete made through this admin (and its
    inlines, one event per inline object) in the admin's own transaction."""

    def audit_action(self, form: forms.BaseForm | None) -> AuditAction:
        return audit_action_of(self.model)

    def construct_change_message(self, request, form, formsets, add=False):
        # log_addition/log_change only receive this message; the audit detail
        # needs the form (old values), so it is worked out here, for them.
        request._audit_change = (self.audit_action(form), form_changes(form, add=add))
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request, obj, message):
        self._audit_form_change(request, obj, gettext("Thêm"), always=True)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit_form_change(request, obj, gettext("Sửa"), always=False)
        return super().log_change(request, obj, message)

    def _audit_form_change(self, request, obj, verb: str, *, always: bool) -> None:
        action, lines = getattr(request, "_audit_change", (self.audit_action(None), []))
        request._audit_change = None
        if lines or always:  # an unchanged save (or one that changed only inlines) is no event
            audit_record(action=action, request=request, target=obj, detail="\n".join([verb, *lines]))

    def save_formset(self, request, form, formset, change):
        parent = form.instance
        for deleted in formset.deleted_forms:
            if deleted.instance.pk is not None:  # recorded before the row and its id go
                self._audit_inline(request, deleted.instance, gettext("Xoá"), parent, [])
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            added = inline_form in formset.extra_forms
            self._audit_inline(request, inline_form.instance, gettext("Thêm") if added else gettext("Sửa"),
                               parent, form_changes(inline_form, add=added))

    def _audit_inline(self, request, obj, verb: str, parent, lines: list[str]) -> None:
        where = gettext("%(verb)s (trong trang %(parent)s)") % {"verb": verb, "parent": parent}
        audit_record(action=audit_action_of(type(obj)), request=request, target=obj,
                     detail="\n".join([where, *lines]))

    def delete_model(self, request, obj):
        audit_record(action=self.audit_action(None), request=request, target=obj, detail=gettext("Xoá"))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # the list's delete action has no transaction of its own
            for obj in queryset:
                audit_record(action=self.audit_action(None), request=request, target=obj, detail=gettext("Xoá"))
            super().delete_queryset(request, queryset)


class AuditedUserAdmin(AuditedAdmin):
    def audit_action(self, form: forms.BaseForm | None) -> AuditAction:
        if isinstance(form, AdminPasswordChangeForm):
            return AuditAction.PASSWORD_CHANGED
        return super().audit_action(form)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is evidence."""

    list_display = ("at", "action", "username", "address", "object_type", "object_repr", "detail_start")
    list_filter = ("action", "at")
    date_hierarchy = "at"
    search_fields = ("username", "address", "object_type", "object_id", "object_repr", "detail")
    fields = ("at", "action", "user", "username", "address", "object_type", "object_id", "object_repr",
              "detail")
    readonly_fields = fields
    actions = None
    show_full_result_count = False  # a count of a long log on every page is slow

    @admin.display(description=_("chi tiết"))
    def detail_start(self, event: AuditEvent) -> str:
        return Truncator(event.detail.replace("\n", " · ")).chars(120)

    def has_module_permission(self, request) -> bool:
        return permissions.can_read_audit_log(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.can_read_audit_log(request.user)
