import json
import logging

from django.test import RequestFactory

from kpis.models import AuditAction, AuditEvent
from kpis.services.audit import audit_record


def test_audit_record_keeps_the_event_and_logs_one_structured_line(world, caplog, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    request.user = world.users.approver
    with caplog.at_level(logging.INFO, logger="portal.audit"):
        event = audit_record(action=AuditAction.REPORT_RETURNED, request=request, target=world.bts,
                             detail="Lý do " * 100)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.username, stored.address, stored.object_type) == ("approver", "198.51.100.7", "kpis.Indicator")
    assert stored.detail == "Lý do " * 100  # the whole reason, not cut
    line = json.loads(caplog.records[-1].getMessage())
    assert line["action"] == "report_returned" and line["user"] == "approver"
    assert line["address"] == "198.51.100.7" and "time" in line


def test_failed_sign_in_of_an_unknown_name_is_recorded_as_typed(db):
    event = audit_record(action=AuditAction.LOGIN_FAILED, username="kh0ng-ton-tai", address="203.0.113.5")
    assert (event.user, event.username, event.address) == (None, "kh0ng-ton-tai", "203.0.113.5")
