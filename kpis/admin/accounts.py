"""Sign-in lock-outs in the admin: axes' list of failed attempts, readable by
system administrators only, with two actions that lift a lock through the
service (which records who lifted it). Deleting rows is the same as
unlocking, so it goes through the service too."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpis import permissions
from kpis.services.accounts import login_lockouts_release

if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    actions = ["unlock_accounts", "unlock_addresses"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_release_lockouts(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return permissions.can_release_lockouts(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return permissions.can_release_lockouts(request.user)

    @admin.action(description=gettext_lazy("Mở khoá các tài khoản đã chọn (mọi địa chỉ)"),
                  permissions=["delete"])
    def unlock_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        usernames = set(queryset.values_list("username", flat=True))
        login_lockouts_release(user=request.user, usernames=usernames, request=request)
        self.message_user(request, _("Đã mở khoá tài khoản: %(names)s.")
                          % {"names": ", ".join(sorted(filter(None, usernames)))}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Mở khoá các địa chỉ IP đã chọn (mọi tài khoản)"),
                  permissions=["delete"])
    def unlock_addresses(self, request: HttpRequest, queryset: QuerySet) -> None:
        addresses = set(queryset.values_list("ip_address", flat=True))
        login_lockouts_release(user=request.user, addresses=addresses, request=request)
        self.message_user(request, _("Đã mở khoá địa chỉ: %(addresses)s.")
                          % {"addresses": ", ".join(sorted(filter(None, addresses)))}, messages.SUCCESS)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # the two unlock actions say what they lift
        return actions

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        login_lockouts_release(user=request.user, usernames=[obj.username], request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        login_lockouts_release(user=request.user, usernames=queryset.values_list("username", flat=True),
                               request=request)
