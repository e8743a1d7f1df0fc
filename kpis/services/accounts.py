"""Accounts: password expiry, disabling accounts nobody uses, and lifting
sign-in lock-outs. Each change that matters to an inspector is recorded in
the audit log."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis import permissions
from kpis.models import AuditAction, PasswordHistory
from kpis.services.audit import audit_record


def password_changed_at(user) -> datetime:
    """When the user's current password was set: the newest history row, or
    the day the account was made for passwords older than the history."""
    latest = PasswordHistory.objects.filter(user_id=user.pk).values_list("changed_at", flat=True).first()
    return latest or user.date_joined


def password_expired(user, *, now: datetime | None = None) -> bool:
    """True once a password is older than PASSWORD_MAX_AGE_DAYS (0: never)."""
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or not user.is_authenticated or not user.has_usable_password():
        return False
    return password_changed_at(user) + timedelta(days=days) <= (now or timezone.now())


@transaction.atomic
def accounts_idle_disable(*, now: datetime | None = None) -> list[str]:
    """Disable every active account with no sign-in for ACCOUNT_IDLE_DAYS
    (0: never); an account never signed in to counts from the day it was
    made. Returns the user names disabled."""
    days = settings.ACCOUNT_IDLE_DAYS
    if not days:
        return []
    cutoff = (now or timezone.now()) - timedelta(days=days)
    idle = list(get_user_model().objects.select_for_update()
                .filter(is_active=True)
                .annotate(last_seen=Coalesce("last_login", "date_joined"))
                .filter(last_seen__lt=cutoff))
    for user in idle:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(action=AuditAction.ACCOUNT_DISABLED, user=user, target=user,
                     detail=_("Không đăng nhập từ %(since)s (quá %(days)d ngày).")
                     % {"since": timezone.localtime(user.last_seen).strftime("%d/%m/%Y"), "days": days})
    return [user.get_username() for user in idle]


@transaction.atomic
def login_lockouts_release(*, user, usernames: Iterable[str] = (), addresses: Iterable[str] = (),
                           request: HttpRequest | None = None) -> int:
    """Lift the lock-out of accounts (every failure recorded against the user
    name, from any address) and of addresses (every failure from the address,
    against any name). Returns the number of failure records removed."""
    if not permissions.can_release_lockouts(user):
        raise PermissionDenied(_("Chỉ quản trị hệ thống được mở khoá đăng nhập."))
    removed = 0
    for username in sorted({name for name in usernames if name}):
        removed += axes_reset(username=username)
        audit_record(action=AuditAction.UNLOCKED, request=request, user=user,
                     detail=_("Mở khoá tài khoản %(username)s.") % {"username": username})
    for address in sorted({address for address in addresses if address}):
        removed += axes_reset(ip=address)
        audit_record(action=AuditAction.UNLOCKED, request=request, user=user,
                     detail=_("Mở khoá địa chỉ %(address)s.") % {"address": address})
    return removed

