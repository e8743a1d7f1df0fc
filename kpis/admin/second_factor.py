"""The second factor in the admin: a column saying who has enrolled and an
action resetting a lost device. Devices themselves are not editable here:
django-otp's own device pages would show and change the secrets."""

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from kpis.permissions import can_reset_second_factor
from kpis.services.second_factor import second_factor_reset

for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


class SecondFactorUserAdminMixin:
    """For the user admin: shown to, and checked for, those who may change users."""

    actions = ["reset_second_factor"]

    def get_queryset(self, request):
        enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_second_factor=Exists(enrolled))

    @admin.display(description=_("Xác thực hai lớp"), boolean=True, ordering="has_second_factor")
    def second_factor(self, user) -> bool:
        return user.has_second_factor

    @admin.action(description=_("Đặt lại xác thực hai lớp (người dùng mất điện thoại)"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        reset, refused = [], []
        for user in queryset:
            if can_reset_second_factor(request.user, user):
                second_factor_reset(actor=request.user, user=user, request=request)
                reset.append(user.get_username())
            else:
                refused.append(user.get_username())
        if reset:
            self.message_user(request, ngettext(
                "Đã đặt lại xác thực hai lớp của %(users)s: lần đăng nhập tới phải đăng ký lại ứng dụng.",
                "Đã đặt lại xác thực hai lớp của %(users)s: lần đăng nhập tới phải đăng ký lại ứng dụng.",
                len(reset)) % {"users": ", ".join(reset)}, messages.SUCCESS)
        if refused:
            self.message_user(request, ngettext(
                "Không đặt lại được cho %(users)s: chỉ quản trị hệ thống (superuser) đặt lại được cho superuser.",
                "Không đặt lại được cho %(users)s: chỉ quản trị hệ thống (superuser) đặt lại được cho superuser.",
                len(refused)) % {"users": ", ".join(refused)}, messages.ERROR)
