from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from kpis.aggregation import aggregation_state


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # noqa: BLE001 - report any database failure
        return f"error: {type(error).__name__}"


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "in-process"  # tasks run inside the web process; no broker to check
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        return "ok"
    except Exception as error:  # noqa: BLE001
        return f"error: {type(error).__name__}"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers; the broker and recompute state are
    reported so monitoring can warn before dashboards go stale."""
    database = _database_state()
    body = {"database": database, "broker": _broker_state()}
    if database == "ok":
        state = aggregation_state()
        body["last_recompute"] = state.last_recompute.isoformat() if state.last_recompute else None
        body["recompute_pending"] = state.pending
    body["status"] = "ok" if database == "ok" and body["broker"] in ("ok", "in-process") else "degraded"
    return JsonResponse(body, status=200 if database == "ok" else 503)
