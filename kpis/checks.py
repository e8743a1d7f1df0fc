from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_deployment_settings(app_configs, **kwargs):
    problems = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if not settings.DEBUG and engine.endswith("sqlite3"):
        problems.append(
            Warning(
                "The portal runs on SQLite with DEBUG off.",
                hint="Set DATABASE_URL to a PostgreSQL database for production.",
                id="kpis.W001",
            )
        )
    if not settings.DEBUG and not settings.ALLOWED_HOSTS:
        problems.append(
            Error(
                "ALLOWED_HOSTS is empty while DEBUG is off: every request would be refused.",
                hint="Set ALLOWED_HOSTS=portal.example.gov.vn (comma-separated).",
                id="kpis.E001",
            )
        )
    if not settings.DEBUG and not settings.REDIS_URL:
        problems.append(
            Warning(
                "REDIS_URL is unset while DEBUG is off: Celery tasks run inside the web request that starts "
                "them (a report with the annex renders while the leader waits) and nothing runs the beat tasks.",
                hint="Set REDIS_URL and run a Celery worker and beat (see the Procfile).",
                id="kpis.W020",
            )
        )
    return problems
