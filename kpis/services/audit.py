"""The audit log: one table an administrator can read in the admin, and one
structured log line per event for syslog or journald (logger ``portal.audit``).

Every door records through ``audit_record``; it never raises on a bad
request object, because a failed audit write must not hide the event itself
from the log line."""

import json
import logging

from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from kpis.models import AuditAction, AuditEvent
from portal.client_address import client_address

logger = logging.getLogger("portal.audit")


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
    ``address`` to the request's client address."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    if not username and user is not None:
        username = user.get_username()
    if address is None and request is not None:
        address = client_address(request)
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
        "object_id": event.object_id, "detail": detail,
    }, ensure_ascii=False))
    return event
