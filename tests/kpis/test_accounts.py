"""Accounts nobody uses are disabled by the nightly task, each with an audit
event; signing in again then needs an administrator."""

from datetime import timedelta

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from kpis.models import AuditAction, AuditEvent
from kpis.tasks import accounts_idle_disable_task
from tests.factories import make_user

RIGHT = "correct-horse-battery"  # tests/factories.make_user


def user_seen(username: str, *, days_ago: int | None, joined_days_ago: int = 400):
    user = make_user(username)
    user.date_joined = timezone.now() - timedelta(days=joined_days_ago)
    user.last_login = None if days_ago is None else timezone.now() - timedelta(days=days_ago)
    user.save()
    return user


def active(username: str) -> bool:
    return get_user_model().objects.get(username=username).is_active


def test_accounts_unused_for_45_days_are_disabled(db):
    user_seen("last_seen_46_days_ago", days_ago=46)
    user_seen("last_seen_44_days_ago", days_ago=44)
    user_seen("never_signed_in_joined_46_days_ago", days_ago=None, joined_days_ago=46)
    user_seen("never_signed_in_joined_10_days_ago", days_ago=None, joined_days_ago=10)

    assert accounts_idle_disable_task() == 2

    assert not active("last_seen_46_days_ago") and not active("never_signed_in_joined_46_days_ago")
    assert active("last_seen_44_days_ago") and active("never_signed_in_joined_10_days_ago")
    events = AuditEvent.objects.filter(action=AuditAction.ACCOUNT_DISABLED).order_by("username")
    assert [event.username for event in events] == ["last_seen_46_days_ago", "never_signed_in_joined_46_days_ago"]
    assert all("45 ngày" in event.detail for event in events)
    assert accounts_idle_disable_task() == 0  # already disabled: nothing new to record


def test_a_disabled_account_cannot_sign_in(db, client):
    user_seen("idle", days_ago=60)
    accounts_idle_disable_task()
    response = client.post(reverse("admin:login"), {"username": "idle", "password": RIGHT, "next": "/admin/"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_the_idle_limit_is_configurable_and_zero_turns_it_off(db, settings):
    user_seen("last_seen_20_days_ago", days_ago=20)
    settings.ACCOUNT_IDLE_DAYS = 0
    assert accounts_idle_disable_task() == 0 and active("last_seen_20_days_ago")
    settings.ACCOUNT_IDLE_DAYS = 15
    assert accounts_idle_disable_task() == 1 and not active("last_seen_20_days_ago")


def test_the_task_runs_every_night():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["nightly-idle-accounts"]
    assert schedule["task"] == accounts_idle_disable_task.name
