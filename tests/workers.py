"""A real Celery worker process on the real Redis and the test PostgreSQL
database, for the tests of the task paths."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from kpis.aggregation import release_queue_slot
from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


def require_real_services() -> None:
    """Skip without PostgreSQL and Redis, except in CI (PORTAL_REQUIRE_SERVICES=true), where it fails."""
    missing = []
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (DATABASE_URL)")
    if not settings.REDIS_URL:
        missing.append("Redis (REDIS_URL)")
    if missing:
        message = "needs " + " and ".join(missing)
        if os.environ.get("PORTAL_REQUIRE_SERVICES") == "true":
            pytest.fail(message)
        pytest.skip(message)


def wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@contextmanager
def celery_worker(monkeypatch, **extra_env: str):
    """Start a worker on a queue of its own, which this process sends to."""
    require_real_services()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(celery_app.conf, "task_default_queue", queue)
    release_queue_slot()  # a slot an earlier test left would swallow this worker's first message
    database = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
           f"{database['NAME']}", "REDIS_URL": settings.REDIS_URL, "SECRET_KEY": "worker-under-test",
           "DATABASE_CONN_MAX_AGE": "0", **extra_env}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "--concurrency=1",
         "--pool=solo", "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
