"""The settings module refuses to start on a bad environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(**env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="portal.settings")
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings;"
                           "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER)"],
                          cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_secret_key_is_required_when_debug_is_off():
    result = start(DEBUG="false")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_debug_runs_without_a_secret_key_on_sqlite_with_in_process_tasks():
    result = start(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]


@pytest.mark.parametrize(("name", "value", "message"), [
    ("DEBUG", "flase", "is not a boolean"),
    ("PORTAL_PUBLIC", "maybe", "is not a boolean"),
    ("DATABASE_URL", "mysqll://x", "DATABASE_URL"),
    ("AXES_FAILURE_LIMIT", "many", "is not a whole number"),
    ("EXPORT_RETENTION_DAYS", "0", "EXPORT_RETENTION_DAYS=0 must be at least 1"),
    ("EXPORT_JOB_TIMEOUT_MINUTES", "soon", "EXPORT_JOB_TIMEOUT_MINUTES='soon' is not a whole number"),
    ("EXPORT_MAX_ACTIVE_PER_USER", "-1", "EXPORT_MAX_ACTIVE_PER_USER=-1 must be at least 1"),
    ("AXES_ADDRESS_FAILURE_LIMIT", "0", "must be at least 1"),
    ("SESSION_IDLE_MINUTES", "0", "must be at least 1"),
    ("PASSWORD_MIN_LENGTH", "6", "must be at least 8"),
    ("PASSWORD_MAX_AGE_DAYS", "-1", "must be at least 0"),
    ("API_THROTTLE_ANON", "60/fortnight", "is not a rate"),
    ("API_THROTTLE_USER", "lots", "is not a rate"),
    ("ALLOW_SELF_APPROVAL", "sometimes", "is not a boolean"),
    ("AUDIT_RETENTION_DAYS", "30", "AUDIT_RETENTION_DAYS=30 must be at least 90"),
    ("EMAIL_PORT", "smtp", "EMAIL_PORT='smtp' is not a whole number"),
    ("EMAIL_PORT", "70000", "EMAIL_PORT=70000 is not a port number"),
    ("EMAIL_USE_TLS", "starttls", "is not a boolean"),
    ("EMAIL_HOST_USER", "chitieu", "EMAIL_HOST_USER is set without EMAIL_HOST_PASSWORD"),
    ("DEFAULT_FROM_EMAIL", "no-reply", "DEFAULT_FROM_EMAIL='no-reply' is not a mail address"),
    ("PORTAL_BASE_URL", "chitieu.example.gov.vn", "is not the site's address"),
    ("PORTAL_BASE_URL", "ftp://chitieu.example.gov.vn", "is not the site's address"),
    ("MAIL_RETRY_MAX", "0", "MAIL_RETRY_MAX=0 must be at least 1"),
    ("REMINDER_DAYS_BEFORE", "7,một", "'một' is not a whole number of days"),
])
def test_bad_values_stop_the_process(name, value, message):
    env = {"DEBUG": "true", name: value}
    result = start(**env)
    assert result.returncode != 0 and message in result.stderr


def test_postgres_and_redis_urls_are_used():
    result = start(SECRET_KEY="x" * 50, DATABASE_URL="postgres://u@127.0.0.1:5432/db",
                   REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False"]


def read_settings(*names: str, **env) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AXES_", "SESSION_", "PASSWORD_"))}
    clean.update(env, DEBUG="true", DJANGO_SETTINGS_MODULE="portal.settings")
    code = ("import django; django.setup(); from django.conf import settings; "
            f"print(*[repr(getattr(settings, name)) for name in {names!r}], sep='|')")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


def test_account_settings_come_from_the_environment():
    assert read_settings("SESSION_COOKIE_AGE", "SESSION_SAVE_EVERY_REQUEST", "AXES_COOLOFF_TIME") == [
        "900", "True", "datetime.timedelta(seconds=3600)"]
    assert read_settings("SESSION_COOKIE_AGE", "AXES_COOLOFF_TIME", "AXES_ADDRESS_FAILURE_LIMIT",
                         SESSION_IDLE_MINUTES="30", AXES_COOLOFF_MINUTES="20", AXES_ADDRESS_FAILURE_LIMIT="50") == [
        "1800", "datetime.timedelta(seconds=1200)", "50"]
    # The older name still works; 0 minutes means until an administrator unlocks.
    assert read_settings("AXES_COOLOFF_TIME", AXES_COOLOFF_HOURS="2") == ["datetime.timedelta(seconds=7200)"]
    assert read_settings("AXES_COOLOFF_TIME", AXES_COOLOFF_MINUTES="0") == ["None"]


def test_cool_off_in_minutes_and_hours_together_is_refused():
    result = start(DEBUG="true", AXES_COOLOFF_MINUTES="30", AXES_COOLOFF_HOURS="1")
    assert result.returncode != 0 and "not both" in result.stderr


def test_mail_settings_are_read_from_the_environment():
    code = ("import django; django.setup(); from django.conf import settings as s;"
            "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL, s.PORTAL_BASE_URL,"
            " s.REMINDER_DAYS_BEFORE, s.REMINDER_DAYS_AFTER, s.EMAIL_BACKEND, sep='|')")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "PORTAL_", "REMINDER_"))}
    clean.update(DJANGO_SETTINGS_MODULE="portal.settings", DEBUG="false", SECRET_KEY="x" * 50,
                 EMAIL_HOST="smtp.example.gov.vn", EMAIL_PORT="587", EMAIL_USE_TLS="true",
                 DEFAULT_FROM_EMAIL="Cổng chỉ tiêu <no-reply@example.gov.vn>",
                 PORTAL_BASE_URL="https://chitieu.example.gov.vn/", REMINDER_DAYS_BEFORE="1,7",
                 REMINDER_DAYS_AFTER="off")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split("|") == [
        "smtp.example.gov.vn", "587", "True", "Cổng chỉ tiêu <no-reply@example.gov.vn>",
        "https://chitieu.example.gov.vn", "[7, 1]", "[]", "django.core.mail.backends.smtp.EmailBackend"]
