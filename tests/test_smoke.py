import pytest

from kpis.aggregation import aggregates_recompute


@pytest.mark.django_db
def test_healthz_reports_database_broker_cache_and_recompute(client):
    body = client.get("/healthz").json()
    assert body["database"] == "ok" and body["cache"] in ("ok", "in-process")
    assert body["last_recompute"] is None and body["recompute_pending"] is False
    aggregates_recompute()
    assert client.get("/healthz").json()["last_recompute"] is not None


@pytest.mark.django_db
def test_healthz_fails_naming_the_broker_when_it_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error") and response.json()["status"] == "fail"
    assert response.json()["failed"] == ["broker"]
