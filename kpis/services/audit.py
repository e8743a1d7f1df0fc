"""The audit log: one table an administrator can read in the admin, and one
structured log line per event for syslog or journald (logger ``portal.audit``).

Every door records through ``audit_record``; it never raises on a bad
request object, because a failed audit write must not hide the event itself
from the log line."""

import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from kpis.models import AuditAction, AuditEvent
from portal.client_address import client_address
from portal.request_context import current_request_context

logger = logging.getLogger("portal.audit")

# Circular 12/2022 asks for at least three months of logs; no setting goes below.
AUDIT_MINIMUM_RETENTION_DAYS = 90


def _actor(request: HttpRequest | None, user, username: str, address: str | None):
    """Who acted and from where: what the caller passed, else the request's,
    else the request being served (set by AuditContextMiddleware)."""
    if request is not None:
        if user is None and not username and getattr(request, "user", None) is not None:
            user = request.user if request.user.is_authenticated else None
        if address is None:
            address = client_address(request)
        return user, address
    context = current_request_context()
    if context is not None:
        if user is None and not username:
            user = context.user
        if address is None:
            address = context.address
    return user, address


def audit_record(
    *,
    action: AuditAction,
    request: HttpRequest | None = None,
    user=None,
    username: str = "",
    address: str | None = None,
    target: models.Model | None = None,
    detail: str = "",
) -> AuditEvent:
    """Record one event. ``user`` defaults to the request's signed-in user;
    ``username`` to that user's name (pass it for failed sign-ins);
    ``address`` to the request's client address. Without a request, both come
    from the request being served, if any (services are not handed it)."""
    user, address = _actor(request, user, username, address)
    if not username and user is not None:
        username = user.get_username()
    event = AuditEvent.objects.create(
        action=action,
        user=user if user is not None and user.pk else None,
        username=username[:150],
        address=address,
        object_type=target._meta.label if target is not None else "",
        object_id=str(target.pk) if target is not None and target.pk is not None else "",
        object_repr=str(target)[:300] if target is not None else "",
        detail=detail,
    )
    logger.info(json.dumps({
        "time": timezone.localtime(event.at).isoformat(), "level": "INFO", "action": str(action),
        "user": event.username, "address": address, "object": event.object_type,
        "object_id": event.object_id, "object_repr": event.object_repr, "detail": detail,
    }, ensure_ascii=False))
    return event


@transaction.atomic
def audit_prune(*, now: datetime | None = None) -> int:
    """Delete events older than AUDIT_RETENTION_DAYS (never fewer than 90
    days); returns how many went."""
    days = max(settings.AUDIT_RETENTION_DAYS, AUDIT_MINIMUM_RETENTION_DAYS)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _by_model = AuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted
