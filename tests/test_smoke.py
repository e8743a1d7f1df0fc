import pytest

from kpis.aggregation import aggregates_recompute


@pytest.mark.django_db
def test_healthz_reports_database_broker_and_recompute(client):
    body = client.get("/healthz").json()
    assert body["database"] == "ok"
    assert body["last_recompute"] is None and body["recompute_pending"] is False
    aggregates_recompute()
    assert client.get("/healthz").json()["last_recompute"] is not None


@pytest.mark.django_db
def test_healthz_says_degraded_when_the_broker_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"].startswith("error") and response.json()["status"] == "degraded"
