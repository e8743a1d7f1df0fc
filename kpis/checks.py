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
    return problems
