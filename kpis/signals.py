"""Receivers of library signals only (Django's sign-in and sign-out, django-axes'
lock-out): these events happen inside the libraries, so their signals are the
one hook that sees every door. The portal's own changes are recorded by the
services that make them, never by model signals."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext as _

from kpis.models import AuditAction
from kpis.services.audit import audit_record


@receiver(user_logged_in, dispatch_uid="audit_login_succeeded")
def audit_login_succeeded(sender, request, user, **kwargs) -> None:
    audit_record(action=AuditAction.LOGIN_SUCCEEDED, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in ``credentials``; the name is
    # kept exactly as typed (an unknown name is what a guessing attack looks like).
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or "")
    audit_record(action=AuditAction.LOGIN_FAILED, request=request, username=username)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def audit_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    failures = getattr(request, "axes_failures_since_start", None)
    detail = _("Sai %(count)d lần liên tiếp.") % {"count": failures} if failures else ""
    audit_record(action=AuditAction.LOCKED_OUT, request=request, username=username or "",
                 address=ip_address, detail=detail)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:  # signing out without being signed in is no event
        audit_record(action=AuditAction.LOGOUT, request=request, user=user)
