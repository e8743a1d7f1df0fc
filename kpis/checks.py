from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning, register

# Names that only the machine itself can reach.
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "testserver"}
# Django's own test of a key that was not generated (security.W009), applied
# without --deploy so that `migrate` on a production machine already says so.
_SECRET_KEY_MIN_LENGTH = 50
_SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


@register()
def check_home_unit(app_configs, **kwargs):
    return home_unit_problems(settings.PORTAL_HOME_UNIT)


def home_unit_problems(code: str | None) -> list[CheckMessage]:
    """The setting is read without the database (checks run before it exists): only its form is
    checked here; a well-formed code that is not loaded is ignored by the dashboards."""
    from kpis.models import ORG_UNIT_CODE_VALIDATOR

    if code is None or ORG_UNIT_CODE_VALIDATOR.regex.match(code):
        return []
    return [Error(f"PORTAL_HOME_UNIT={code!r} is not an org-unit code (capital letters without accents, digits, "
                  "'-' and '_').", hint="Set it to the code of the unit the dashboards open on, e.g. HG.",
                  id="kpis.E030")]


@register()
def check_deployment_settings(app_configs, **kwargs):
    return deployment_problems(debug=settings.DEBUG, engine=settings.DATABASES["default"]["ENGINE"],
                               hosts=settings.ALLOWED_HOSTS, secret_key=settings.SECRET_KEY,
                               broker=settings.REDIS_URL)


def deployment_problems(*, debug: bool, engine: str, hosts: list[str], secret_key: str,
                        broker: str | None = "redis://") -> list[CheckMessage]:
    problems = []
    if not debug and not broker:
        # Information, not a warning: a small office may run without Redis (DESIGN.md), and
        # `check --deploy --fail-level WARNING` must pass with only the three required variables.
        problems.append(
            Info(
                "REDIS_URL is unset while DEBUG is off: Celery tasks run inside the web request that starts "
                "them (a report with the annex renders while the leader waits) and nothing runs the beat tasks.",
                hint="Set REDIS_URL and run a Celery worker and beat (see the Procfile).",
                id="kpis.I020",
            )
        )
    if not debug and engine.endswith("sqlite3"):
        problems.append(
            Warning(
                "The portal runs on SQLite with DEBUG off.",
                hint="Set DATABASE_URL to a PostgreSQL database for production.",
                id="kpis.W001",
            )
        )
    if not debug and not hosts:
        problems.append(
            Error(
                "ALLOWED_HOSTS is empty while DEBUG is off: every request would be refused.",
                hint="Set ALLOWED_HOSTS=portal.example.gov.vn (comma-separated).",
                id="kpis.E001",
            )
        )
    if debug:
        problems.extend(_debug_on_a_public_host(engine, hosts))
    elif _weak_secret_key(secret_key):
        problems.append(
            Error(
                f"SECRET_KEY is shorter than {_SECRET_KEY_MIN_LENGTH} characters or barely varied: "
                "sessions, password-reset links and CSRF tokens signed with it can be forged.",
                hint="SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')",
                id="kpis.E003",
            )
        )
    return problems


def _weak_secret_key(key: str) -> bool:
    return (len(key) < _SECRET_KEY_MIN_LENGTH or len(set(key)) < _SECRET_KEY_MIN_UNIQUE_CHARACTERS
            or key.startswith("django-insecure"))


def _debug_on_a_public_host(engine: str, hosts: list[str]) -> list[CheckMessage]:
    """DEBUG shows settings and tracebacks to every visitor and makes load_demo
    create accounts with published passwords: fine on a laptop, not on a host
    others can reach."""
    public = [host for host in hosts if host not in _LOOPBACK_HOSTS and not host.endswith(".localhost")]
    if not public:
        return []
    message = f"DEBUG is on while ALLOWED_HOSTS admits {', '.join(public)}."
    hint = "Unset DEBUG on a server; on a developer's machine keep ALLOWED_HOSTS to localhost."
    if engine.endswith("postgresql"):
        return [Error(message + " With PostgreSQL this looks like a real installation.", hint=hint,
                      id="kpis.E002")]
    return [Warning(message, hint=hint, id="kpis.W002")]
