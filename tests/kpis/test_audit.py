import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from kpis.models import AuditAction, AuditEvent
from kpis.services.audit import audit_prune, audit_record
from tests.factories import make_user


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


# --- the request being served -------------------------------------------------------------------


def test_without_a_request_the_event_takes_the_served_request_s_user_and_address(world, settings):
    from portal.request_context import request_context

    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")
    request.user = world.users.admin
    with request_context(request):
        event = audit_record(action=AuditAction.CATALOGUE_CHANGED, detail="x")
    assert (event.user, event.username, event.address) == (world.users.admin, "admin", "198.51.100.8")


def test_outside_a_request_an_event_has_no_user_or_address(db):
    event = audit_record(action=AuditAction.CATALOGUE_CHANGED, detail="lệnh quản trị")
    assert (event.user, event.username, event.address) == (None, "", None)


# --- retention ----------------------------------------------------------------------------------


def _event_aged(days: int) -> AuditEvent:
    event = audit_record(action=AuditAction.LOGOUT, username=f"aged-{days}", address="203.0.113.9")
    AuditEvent.objects.filter(pk=event.pk).update(at=timezone.now() - timedelta(days=days))
    return event


def test_prune_deletes_only_events_older_than_the_retention(db, settings):
    settings.AUDIT_RETENTION_DAYS = 120
    for days in (1, 119, 121, 400):
        _event_aged(days)
    assert audit_prune() == 2
    assert sorted(AuditEvent.objects.values_list("username", flat=True)) == ["aged-1", "aged-119"]


def test_prune_keeps_ninety_days_whatever_the_setting_says(db, settings):
    settings.AUDIT_RETENTION_DAYS = 7  # only code could set this: the environment refuses it
    for days in (8, 89, 91):
        _event_aged(days)
    audit_prune()
    assert sorted(AuditEvent.objects.values_list("username", flat=True)) == ["aged-8", "aged-89"]


def test_the_prune_task_runs_every_night_and_prunes(db, settings):
    from kpis.tasks import audit_prune_task

    assert settings.CELERY_BEAT_SCHEDULE["nightly-audit-prune"]["task"] == audit_prune_task.name
    settings.AUDIT_RETENTION_DAYS = 90
    _event_aged(100)
    assert audit_prune_task.apply().get() == 1
    assert not AuditEvent.objects.exists()


# --- the log line -------------------------------------------------------------------------------


def test_log_lines_reach_stderr_as_one_bare_json_object_per_line():
    """What journald or syslog receive from a running process, LOG_LEVEL=WARNING included."""
    script = ("import logging; logging.getLogger('portal.audit').info('{\"action\": \"logout\"}'); "
              "logging.getLogger('kpis').warning('khác')")
    environment = {**os.environ, "LOG_LEVEL": "WARNING", "DEBUG": "true"}
    finished = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=settings.BASE_DIR,
                              env=environment, capture_output=True, text=True, timeout=120, check=True)
    lines = finished.stderr.splitlines()
    assert lines.count('{"action": "logout"}') == 1
    assert [line for line in lines if "logout" in line] == ['{"action": "logout"}']  # no prefixed copy
    assert "khác" in finished.stderr


# --- the admin list -----------------------------------------------------------------------------

AUDIT_LIST = reverse("admin:kpis_auditevent_changelist")


@pytest.fixture
def some_events(world):
    audit_record(action=AuditAction.LOGIN_FAILED, username="khach-la", address="203.0.113.5")
    audit_record(action=AuditAction.LOGIN_SUCCEEDED, user=world.users.approver, address="198.51.100.7")
    old = audit_record(action=AuditAction.LOGOUT, user=world.users.staff, address="192.0.2.1")
    AuditEvent.objects.filter(pk=old.pk).update(at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def sign_in(client, user) -> None:
    """Sign in, leaving out the sign-in's own event so the lists below stay short."""
    client.force_login(user)
    AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCEEDED, username=user.username).delete()


def listed(client, **query) -> list[str]:
    page = client.get(AUDIT_LIST, query)
    assert page.status_code == 200
    return sorted(event.username for event in page.context["cl"].result_list)


def test_an_administrator_reads_filters_and_searches_the_log(client, world, some_events):
    sign_in(client, world.users.admin)
    assert listed(client) == ["approver", "khach-la", "staff"]
    assert listed(client, action="login_failed") == ["khach-la"]
    assert listed(client, q="198.51.100.7") == ["approver"]
    assert listed(client, q="khach") == ["khach-la"]
    assert listed(client, at__year="2026", at__month="3") == ["staff"]  # the date hierarchy
    assert "khach-la" in client.get(AUDIT_LIST).content.decode()


def test_an_inspector_given_the_view_permission_reads_the_log(client, world, some_events):
    inspector = make_user("inspector")
    inspector.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    sign_in(client, inspector)
    assert listed(client) == ["approver", "khach-la", "staff"]


@pytest.mark.parametrize("role", ["viewer", "approver", "staff", "leader"])
def test_roles_cannot_read_the_log(client, world, some_events, role):
    client.force_login(getattr(world.users, role))
    assert client.get(AUDIT_LIST).status_code == 403
    event = AuditEvent.objects.first()
    assert client.get(reverse("admin:kpis_auditevent_change", args=[event.pk])).status_code == 403
    assert "auditevent" not in client.get(reverse("admin:index")).content.decode()


def test_no_role_group_holds_the_view_permission(world):
    assert not Group.objects.filter(permissions__codename="view_auditevent").exists()


def test_nobody_changes_or_deletes_the_log_not_even_a_superuser(client, world, some_events):
    sign_in(client, world.users.admin)
    event = AuditEvent.objects.first()
    page = client.get(reverse("admin:kpis_auditevent_change", args=[event.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(reverse("admin:kpis_auditevent_change", args=[event.pk]),
                       {"username": "someone-else"}).status_code == 403
    assert client.post(reverse("admin:kpis_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:kpis_auditevent_add")).status_code == 403
    client.post(AUDIT_LIST, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk, username=event.username).exists()
    assert AuditEvent.objects.count() == 3
