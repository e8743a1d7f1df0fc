"""API tokens: a random secret shown once, stored as its SHA-256 digest.

SHA-256 and not a password hash: the secret is 32 random bytes, so there is
nothing to guess that a slow hash would protect, and every API call checks one."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis.models import ApiToken, AuditAction
from kpis.services.audit import audit_record

PREFIX_LENGTH = 8
# A busy client must not turn every call into a write.
LAST_USED_PRECISION = timedelta(minutes=1)
_NAME_MAX = ApiToken._meta.get_field("name").max_length


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_secret() -> str:
    """A secret that never starts with "-": pasted after an option on a command
    line (``--token "$TOKEN"``), one of 64 would be read as an option."""
    while True:
        secret = secrets.token_urlsafe(32)
        if not secret.startswith("-"):
            return secret


@transaction.atomic
def api_token_create(*, user, name: str, request: HttpRequest | None = None) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns it and the secret, which is never stored
    and cannot be shown again."""
    name = name.strip()
    if not name or len(name) > _NAME_MAX:
        raise ValidationError({"name": _("Tên khoá phải có từ 1 đến %(max)d ký tự.") % {"max": _NAME_MAX}})
    if not user.is_active:
        raise ValidationError(_("Tài khoản %(user)s đã bị khoá.") % {"user": user.get_username()})
    if ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        raise ValidationError({"name": _("Đã có khoá còn hiệu lực tên “%(name)s”.") % {"name": name}})
    secret = _new_secret()
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[:PREFIX_LENGTH], digest=_digest(secret))
    audit_record(action=AuditAction.TOKEN_CREATED, request=request, target=token,
                 detail=_("Khoá “%(name)s” của %(user)s") % {"name": name, "user": user.get_username()})
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, request: HttpRequest | None = None) -> bool:
    """Revoke ``token`` for good; False if it already was."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        audit_record(action=AuditAction.TOKEN_REVOKED, request=request, target=token,
                     detail=_("Khoá “%(name)s” của %(user)s") % {"name": token.name,
                                                                  "user": token.user.get_username()})
    return bool(revoked)


def api_token_user(secret: str):
    """The active user a live token belongs to, or None."""
    candidates = ApiToken.objects.select_related("user").filter(
        prefix=secret[:PREFIX_LENGTH], revoked_at__isnull=True)
    digest = _digest(secret)
    for token in candidates:
        if hmac.compare_digest(token.digest, digest):
            if not token.user.is_active:
                return None
            _mark_used(token)
            return token
    return None


def _mark_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
