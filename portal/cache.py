"""The page cache fails open: when its Redis is down or slow, pages are built
from the database instead of failing, and data entry never waits on it.

Django's RedisCache raises on any Redis error, and every cache call would wait
the full socket timeout while Redis hangs. This backend answers a miss (or does
nothing) on a Redis error, logs it once, and then leaves Redis alone for
``retry_seconds`` (CACHE_RETRY_SECONDS) so a dead cache costs one timeout per process and period, not
one per request. ``incr``/``decr``/``clear`` still raise: a counter that
silently restarts from zero would be worse than an error.
"""

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# When each cache location may next be tried, per process (time.monotonic()).
_resting_until: dict[str, float] = {}


class FailOpenRedisCache(RedisCache):
    """RedisCache that treats an unreachable or hanging Redis as an empty cache.

    OPTIONS ``retry_seconds`` (how long to leave Redis alone after an error);
    the socket timeouts go to redis-py as usual (``socket_timeout``,
    ``socket_connect_timeout``)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_seconds = float(options.pop("retry_seconds", 30))
        super().__init__(server, {**params, "OPTIONS": options})
        self.location = server if isinstance(server, str) else ",".join(server)

    def resting(self) -> bool:
        return time.monotonic() < _resting_until.get(self.location, 0.0)

    def rest(self, error: RedisError) -> None:
        # The address may carry a password: log only the host part.
        logger.warning("Page cache unavailable (%s: %s); pages are built without it for %s s.",
                       type(error).__name__, redis_host(self.location), self.retry_seconds)
        _resting_until[self.location] = time.monotonic() + self.retry_seconds

    def _guarded(self, fallback: Any, call: Callable[[], Any]) -> Any:
        if self.resting():
            return fallback
        try:
            return call()
        except RedisError as error:
            self.rest(error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._guarded(default, lambda: RedisCache.get(self, key, default, version))

    def get_many(self, keys, version=None):
        return self._guarded({}, lambda: RedisCache.get_many(self, keys, version))

    def has_key(self, key, version=None):
        return self._guarded(False, lambda: RedisCache.has_key(self, key, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(None, lambda: RedisCache.set(self, key, value, timeout, version))

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(list(data), lambda: RedisCache.set_many(self, data, timeout, version))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, lambda: RedisCache.add(self, key, value, timeout, version))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, lambda: RedisCache.touch(self, key, timeout, version))

    def delete(self, key, version=None):
        return self._guarded(False, lambda: RedisCache.delete(self, key, version))

    def delete_many(self, keys, version=None):
        return self._guarded(None, lambda: RedisCache.delete_many(self, keys, version))


def redis_host(url: str) -> str:
    """server/database of a Redis address, without any password in it."""
    try:
        server, number = redis_database(url)
    except ValueError:
        return "?"
    return f"{server}/{number}"


def redis_database(url: str) -> tuple[str, int]:
    """(server, database number) of a redis://, rediss:// or unix:// address."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        number = parse_qs(parts.query).get("db", ["0"])[0]
        server = f"unix:{parts.path}"
    else:
        number = parts.path.strip("/") or parse_qs(parts.query).get("db", ["0"])[0]
        server = f"{parts.hostname}:{parts.port or 6379}"
    return server, int(number)


def redis_url_with_database(url: str, number: int) -> str:
    parts = urlsplit(url)
    query = {k: v for k, v in parse_qs(parts.query).items() if k != "db"}
    if parts.scheme == "unix":
        query["db"] = [str(number)]
        return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    return urlunsplit(parts._replace(path=f"/{number}", query=urlencode(query, doseq=True)))
