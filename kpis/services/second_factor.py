"""The second factor (docs/security.md, "Second factor"): an authenticator app
(TOTP) on the user's phone, and ten one-time recovery codes for the day the
phone is lost. django-otp stores the devices, checks the codes and slows
guessing down after each failure; these services decide what happens and
record every step in the audit log.

Audit details are stored in Vietnamese whatever language the user chose: the
log is one record for inspectors, not a page."""

import math
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import device_classes
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kpis.models import AuditAction
from kpis.permissions import can_reset_second_factor
from kpis.services.audit import audit_record

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Ứng dụng xác thực"
RECOVERY_DEVICE_NAME = "Mã khôi phục"
APP_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class CodeOutcome:
    """What became of one code: the device that accepted it, or the message for
    the form; after an enrolment, the new recovery codes (shown once)."""

    device: Device | None = None
    error: str = ""
    recovery_codes: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.device is not None


def normalized_code(text: str) -> str:
    """People type codes with spaces or dashes, and recovery codes in capitals."""
    return re.sub(r"[\s-]", "", text).lower()


def second_factor_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def _wrong_code_message() -> str:
    return _("Mã không đúng hoặc đã hết hạn. Hãy nhập mã đang hiện trong ứng dụng xác thực.")


def _throttled_message(device: Device) -> str | None:
    """Each wrong code doubles the wait before the next try (django-otp)."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (details or {}).get("locked_until")
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds())) if locked_until else 1
    return ngettext("Đã nhập sai nhiều lần. Hãy đợi %(seconds)d giây rồi thử lại.",
                    "Đã nhập sai nhiều lần. Hãy đợi %(seconds)d giây rồi thử lại.", seconds) % {"seconds": seconds}


def _record(request: HttpRequest, detail: str, *, user=None, target=None) -> None:
    audit_record(action=AuditAction.SECOND_FACTOR, request=request, user=user, target=target, detail=detail)


def _sign_in_with(request: HttpRequest, device: Device) -> None:
    # A new session key once the second factor is given, as at password sign-in.
    request.session.cycle_key()
    otp_login(request, device)


def _recovery_codes_replace(user) -> tuple[str, ...]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = tuple(StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT))
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def second_factor_enrolment_device(*, user) -> TOTPDevice:
    """The device being enrolled: made once, so reloading the page shows the
    same QR code and a code from the app scanned earlier still works."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def second_factor_enrol_confirm(*, request: HttpRequest, code: str) -> CodeOutcome:
    """Confirm the app with its current code: the device becomes the user's
    only one, this session counts as verified, and ten new recovery codes
    replace any old ones. A refused code is answered, never raised, so that
    the failure count and the audit event are kept."""
    user = request.user
    if second_factor_enrolled(user):
        return CodeOutcome(error=_("Tài khoản đã có ứng dụng xác thực. Hãy xác thực bằng mã của ứng dụng đó."))
    code = normalized_code(code)
    if not APP_CODE.fullmatch(code):
        return CodeOutcome(error=_("Mã gồm đúng 6 chữ số."))
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        return CodeOutcome(error=_("Mã QR này không còn dùng được. Hãy tải lại trang và quét mã mới."))
    throttled = _throttled_message(device)
    if throttled:
        return CodeOutcome(error=throttled)
    if not device.verify_token(code):
        _record(request, "Mã sai khi đăng ký ứng dụng xác thực")
        return CodeOutcome(error=_wrong_code_message())
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_replace(user)
    _sign_in_with(request, device)
    _record(request, "Đăng ký ứng dụng xác thực; tạo %d mã khôi phục" % len(codes))
    return CodeOutcome(device=device, recovery_codes=codes)


@transaction.atomic
def second_factor_verify(*, request: HttpRequest, code: str) -> CodeOutcome:
    """Six digits are checked against the app, anything else against the
    recovery codes (each works once). Failures are counted per device and
    answered, never raised, so that the count and the audit event are kept."""
    user = request.user
    code = normalized_code(code)
    uses_app = bool(APP_CODE.fullmatch(code))
    model = TOTPDevice if uses_app else StaticDevice
    devices = list(model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"))
    for device in devices:
        throttled = _throttled_message(device)
        if throttled:
            return CodeOutcome(error=throttled)
    accepted = next((device for device in devices if device.verify_token(code)), None)
    if accepted is None:
        _record(request, "Mã sai khi xác thực (%s)" % ("ứng dụng" if uses_app else "mã khôi phục"))
        return CodeOutcome(error=_wrong_code_message() if uses_app else _(
            "Mã khôi phục không đúng hoặc đã dùng rồi. Mỗi mã chỉ dùng được một lần."))
    _sign_in_with(request, accepted)
    if uses_app:
        _record(request, "Xác thực bằng ứng dụng")
    else:
        _record(request, "Dùng mã khôi phục; còn %d mã" % recovery_codes_left(user))
    return CodeOutcome(device=accepted)


@transaction.atomic
def recovery_codes_regenerate(*, request: HttpRequest) -> tuple[str, ...]:
    """Ten new codes for a verified session; the old ones stop working."""
    if not request.user.is_authenticated or not request.user.is_verified():
        raise PermissionDenied(_("Hãy xác thực hai lớp trước khi tạo mã khôi phục mới."))
    codes = _recovery_codes_replace(request.user)
    _record(request, "Tạo lại %d mã khôi phục; các mã cũ hết hiệu lực" % len(codes))
    return codes


@transaction.atomic
def second_factor_reset(*, actor, user, request: HttpRequest | None = None) -> int:
    """Remove every device of a user who lost the phone (and the recovery
    codes): their sessions stop counting as verified and the next sign-in
    asks them to enrol again. Returns how many devices were removed."""
    if not can_reset_second_factor(actor, user):
        raise PermissionDenied(_("Bạn không có quyền đặt lại xác thực hai lớp của %(user)s.")
                               % {"user": user.get_username()})
    removed = 0
    for model in device_classes():
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    _record(request, "Đặt lại xác thực hai lớp của %s: xoá %d thiết bị; phải đăng ký lại"
            % (user.get_username(), removed), user=actor, target=user)
    return removed
