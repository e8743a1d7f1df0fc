"""/healthz answers 503 naming the failed part, and tells anonymous users of a
private site nothing beyond ok/fail."""

import uuid

import pytest
from django.db import connection

from tests.silent_server import silent_server
from tests.workers import require_real_services


def cache_at(settings, url: str) -> None:
    require_real_services()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url,
                                   "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@pytest.mark.django_db
def test_healthz_fails_naming_the_cache_when_its_redis_is_down(client, settings, world):
    cache_at(settings, "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["failed"] == ["cache"]
    assert body["cache"].startswith("error") and body["database"] == "ok" and body["broker"] == "ok"
    assert client.get("/").status_code == 200  # the pages themselves still answer


@pytest.mark.django_db
def test_healthz_fails_naming_the_cache_when_its_redis_hangs(client, settings):
    with silent_server() as hung:
        cache_at(settings, f"redis://127.0.0.1:{hung.port}/0")
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["failed"] == ["cache"]
    assert response.json()["cache"] == "error: TimeoutError"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_healthz_fails_naming_the_database_when_it_is_down(client):
    if connection.vendor != "postgresql":
        pytest.skip("points the PostgreSQL connection at a closed port")
    connection.close()
    port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = "1"
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"] and response.json()["database"] == "error: OperationalError"


@pytest.mark.django_db
def test_a_private_sites_healthz_tells_anonymous_users_only_ok_or_fail(client, settings, world):
    settings.PORTAL_PUBLIC = False
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # the broker is down
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "database": "ok", "broker": "fail", "cache": "ok"}

    client.force_login(world.users.viewer)  # signed-in staff see what failed and why
    body = client.get("/healthz").json()
    assert body["broker"] == "error: ConnectionError" and "last_recompute" in body


@pytest.mark.django_db
def test_a_public_sites_healthz_gives_details_to_everyone(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    body = client.get("/healthz").json()
    assert body["broker"] == "error: ConnectionError" and body["failed"] == ["broker"]
