from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from kpis.aggregation import aggregation_state
from kpis.permissions import can_see_health_details

IN_PROCESS = "in-process"  # no broker (tasks run in the web process) or no cache server: nothing to fail


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # noqa: BLE001 - report any database failure
        return f"error: {type(error).__name__}"


def _redis_state(url: str | None, timeout: float) -> str:
    if not url:
        return IN_PROCESS
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping()
        return "ok"
    except Exception as error:  # noqa: BLE001 - report any Redis failure, bad address included
        return f"error: {type(error).__name__}"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the broker and the page cache answer; 503 naming
    the failed part otherwise (pages keep answering without the cache, and data
    entry without the broker, but both need an operator)."""
    parts = {
        "database": _database_state(),
        "broker": _redis_state(settings.REDIS_URL, 2),
        "cache": _redis_state(_cache_url(), settings.CACHE_SOCKET_TIMEOUT_MS / 1000),
    }
    healthy = {name: state in ("ok", IN_PROCESS) for name, state in parts.items()}
    status = "ok" if all(healthy.values()) else "fail"
    if not can_see_health_details(request.user, database_ok=healthy["database"]):
        body = {name: "ok" if fine else "fail" for name, fine in healthy.items()}
        return JsonResponse({"status": status, **body}, status=200 if status == "ok" else 503)
    body = {"status": status, **parts, "failed": [name for name, fine in healthy.items() if not fine]}
    if healthy["database"]:
        state = aggregation_state()
        body["last_recompute"] = state.last_recompute.isoformat() if state.last_recompute else None
        body["recompute_pending"] = state.pending
    return JsonResponse(body, status=200 if status == "ok" else 503)


def _cache_url() -> str | None:
    """The page cache's Redis (None for the in-memory cache of `make run`)."""
    servers = getattr(cache, "_servers", None)  # Django's RedisCache keeps its addresses here
    return servers[0] if servers else None
