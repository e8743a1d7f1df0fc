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
    ("AUDIT_RETENTION_DAYS", "30", "AUDIT_RETENTION_DAYS=30 must be at least 90"),
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
