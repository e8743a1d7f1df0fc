"""`manage.py check` warns about a production set-up that would render heavy
exports inside web requests."""

from kpis.checks import check_deployment_settings


def ids(settings) -> set[str]:
    return {problem.id for problem in check_deployment_settings(None)}


def test_no_broker_in_production_is_reported(settings):
    settings.DEBUG, settings.REDIS_URL, settings.ALLOWED_HOSTS = False, None, ["portal.example.gov.vn"]
    assert "kpis.W020" in ids(settings)


def test_a_broker_or_a_developer_machine_is_fine(settings):
    settings.ALLOWED_HOSTS = ["portal.example.gov.vn"]
    settings.DEBUG, settings.REDIS_URL = False, "redis://127.0.0.1:6379/0"
    assert "kpis.W020" not in ids(settings)
    settings.DEBUG, settings.REDIS_URL = True, None
    assert "kpis.W020" not in ids(settings)
