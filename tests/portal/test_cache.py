"""The page cache: its own Redis database, and a Redis that fails is a miss."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.cache import FailOpenRedisCache
from tests.silent_server import silent_server

ROOT = Path(__file__).resolve().parents[2]


def settings_with(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "CACHE_URL"}}
    clean.update(SECRET_KEY="x" * 50, **env, DJANGO_SETTINGS_MODULE="portal.settings")
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings;"
                           "print(settings.CELERY_BROKER_URL, settings.CACHES['default'].get('LOCATION'))"],
                          cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_redis_url_alone_gives_the_cache_the_next_database():
    result = settings_with(REDIS_URL="redis://127.0.0.1:6379/4")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://127.0.0.1:6379/4", "redis://127.0.0.1:6379/5"]
    result = settings_with(REDIS_URL="redis://:secret@redis.internal:6380")
    assert result.stdout.split() == ["redis://:secret@redis.internal:6380", "redis://:secret@redis.internal:6380/1"]


def test_cache_url_chooses_the_cache_database():
    result = settings_with(REDIS_URL="redis://127.0.0.1:6379/0", CACHE_URL="redis://cache.internal:6379/3")
    assert result.stdout.split() == ["redis://127.0.0.1:6379/0", "redis://cache.internal:6379/3"]


@pytest.mark.parametrize(("env", "message"), [
    ({"REDIS_URL": "redis://127.0.0.1:6379/2", "CACHE_URL": "redis://127.0.0.1:6379/2"},
     "CACHE_URL names the same Redis database as REDIS_URL"),
    ({"REDIS_URL": "redis://127.0.0.1:6379/0", "CACHE_URL": "redis://127.0.0.1/0"},
     "CACHE_URL names the same Redis database as REDIS_URL"),
    ({"CACHE_URL": "http://127.0.0.1:6379/1"}, "CACHE_URL is not a valid Redis URL"),
    ({"REDIS_URL": "redis://127.0.0.1:6379/zero"}, "REDIS_URL is not a valid Redis URL"),
    ({"CACHE_SOCKET_TIMEOUT_MS": "fast"}, "CACHE_SOCKET_TIMEOUT_MS"),
    ({"CACHE_RETRY_SECONDS": "-1"}, "CACHE_RETRY_SECONDS"),
])
def test_bad_cache_settings_stop_the_process(env, message):
    result = settings_with(**env)
    assert result.returncode != 0 and message in result.stderr


def failing_cache(url: str) -> FailOpenRedisCache:
    return FailOpenRedisCache(url, {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2,
                                                "retry_seconds": 60}})


@pytest.mark.parametrize("kind", ["down", "hung"])
def test_a_failing_redis_is_an_empty_cache_and_is_then_left_alone(kind):
    with silent_server() as hung:
        url = "redis://127.0.0.1:1/0" if kind == "down" else f"redis://127.0.0.1:{hung.port}/0"
        cache = failing_cache(url)
        assert cache.get("page", "missing") == "missing"
        cache.set("page", "body")
        assert cache.get_many(["page"]) == {} and cache.add("page", "body") is False
        assert cache.get_or_set("page", "built") == "built"
        assert len(hung.accepted) == (1 if kind == "hung" else 0)  # one timeout, then no more tries


def test_counters_still_raise_rather_than_restart_from_zero():
    from redis.exceptions import ConnectionError

    with pytest.raises(ConnectionError):
        failing_cache("redis://127.0.0.1:1/9").incr("attempts")
