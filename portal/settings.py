"""The portal's one settings module: everything that differs between machines
comes from the environment (see docs/deployment.md), and a bad value stops the
process at start-up."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.cache import redis_database, redis_host, redis_url_with_database
from portal.env import (
    env_base_url,
    env_bool,
    env_days,
    env_header_value,
    env_int,
    env_list,
    env_mail_address,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent


def _cache_url(cache_url: str | None, broker_url: str | None) -> str | None:
    """CACHE_URL, else the broker's Redis with the next database number
    (redis://host:6379/0 → redis://host:6379/1); never the broker's own database."""
    if cache_url is None and broker_url is None:
        return None
    try:
        if cache_url is None:
            _server, number = redis_database(broker_url)
            return redis_url_with_database(broker_url, number + 1)
        if urlsplit(cache_url).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("use redis://, rediss:// or unix://")
        if broker_url is not None and redis_database(cache_url) == redis_database(broker_url):
            raise ImproperlyConfigured(
                f"CACHE_URL names the same Redis database as REDIS_URL ({redis_host(cache_url)}); "
                "give the cache a database of its own, e.g. the next number.")
        redis_database(cache_url)
    except ValueError as error:
        name = "REDIS_URL" if cache_url is None else "CACHE_URL"
        raise ImproperlyConfigured(f"{name} is not a valid Redis URL: {error}") from None
    return cache_url


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. "
            "For a local trial run `make run`, which sets DEBUG=true."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Approved figures are open to anyone unless the site is set private.
PORTAL_PUBLIC = env_bool("PORTAL_PUBLIC", True)

# The org unit (its code) that the dashboards open on and name in the header. Unset, they open on
# the top of the tree; a tree with a country root (fixtures/vietnam/) sets its own province here,
# e.g. PORTAL_HOME_UNIT=HG for the Hậu Giang demo. A code that is not in the database is ignored.
PORTAL_HOME_UNIT = env_str("PORTAL_HOME_UNIT")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files for /api/docs/, from PyPI (no CDN)
    "django_tables2",
    "django_filters",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "kpis.apps.KpisConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # GET /api/ from any origin, without cookies (kpis/api/cors.py).
    "kpis.api.cors.OpenDataCorsMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The second factor first: an expired password is changed by a verified user.
    "kpis.second_factor.middleware.SecondFactorMiddleware",
    "portal.middleware.PasswordExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

_DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", _DEFAULT_DATABASE_URL),
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {error}") from None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Passwords (docs/security.md#passwords): Django's checks for length, likeness
# to the user name and common passwords, plus ours for character classes,
# common Vietnamese choices and reuse (kpis/password_validation.py).
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10, minimum=8)
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5, minimum=0)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90, minimum=0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "kpis.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "kpis.password_validation.CharacterClassesValidator"},
    {"NAME": "kpis.password_validation.LocalCommonPasswordValidator"},
    {"NAME": "kpis.password_validation.PasswordHistoryValidator"},
]
# Lock-out (docs/security.md#lock-out): failures against one account from any
# address lock the account; failures from one address against any accounts
# lock the address, with its own, higher limit (portal/lockout.py).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
if env_str("AXES_COOLOFF_MINUTES") is not None and env_str("AXES_COOLOFF_HOURS") is not None:
    raise ImproperlyConfigured("Set AXES_COOLOFF_MINUTES or AXES_COOLOFF_HOURS, not both.")
# 0 minutes: a lock lasts until an administrator lifts it.
_cooloff_minutes = env_int("AXES_COOLOFF_MINUTES", 60 * env_int("AXES_COOLOFF_HOURS", 1, minimum=1),
                           minimum=0)
AXES_COOLOFF_TIME = timedelta(minutes=_cooloff_minutes) if _cooloff_minutes else None
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "portal.lockout.PortalLockoutHandler"
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"

# Sessions end after this long without a request; every request extends them.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 15, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True

# Accounts nobody has signed in to for this many days are disabled (0: never).
ACCOUNT_IDLE_DAYS = env_int("ACCOUNT_IDLE_DAYS", 45, minimum=0)
# A file of figures uploaded on a report's page (kpis/services/uploads.py).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 10_000, minimum=1)
# The law the open data's terms of use rest on (/open-data/, datapackage.json). A setting, not code,
# because the law moves: Decree 194/2025/NĐ-CP (in force 19 August 2025) repealed the open-data articles
# 17–21 of Decree 47/2020/NĐ-CP and details Article 43 of the Law on Electronic Transactions 2023.
OPEN_DATA_LEGAL_BASIS = env_str(
    "OPEN_DATA_LEGAL_BASIS", "Luật Giao dịch điện tử số 20/2023/QH15 (Điều 43) và Nghị định 194/2025/NĐ-CP")
# Separation of duties: only tiny offices with one person per role turn this on.
ALLOW_SELF_APPROVAL = env_bool("ALLOW_SELF_APPROVAL", False)

# Second factor (django-otp, docs/security.md "Second factor"): superusers,
# administrators and approvers always; data-entry staff only when this says so.
OTP_REQUIRED_FOR_DATA_ENTRY = env_bool("OTP_REQUIRED_FOR_DATA_ENTRY", False)
# The name the authenticator app shows next to the code.
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "Chỉ tiêu chuyển đổi số")
# Device secrets are never shown in the admin (devices are reset, not edited).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_AUTOREFRESH = DEBUG
# Third-party assets come from the npm registry (package.json), never a CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/tinos", BASE_DIR / "node_modules" / "@fontsource" / "tinos" / "files"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Mail (docs/notifications.md): summaries to subscribers and reminders to staff.
# Without EMAIL_HOST a DEBUG run prints mails on the console instead of sending them.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
if EMAIL_PORT > 65535:
    raise ImproperlyConfigured(f"EMAIL_PORT={EMAIL_PORT} is not a port number (1–65535).")
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
if EMAIL_HOST_USER and not EMAIL_HOST_PASSWORD:
    raise ImproperlyConfigured("EMAIL_HOST_USER is set without EMAIL_HOST_PASSWORD.")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A server that does not answer must not hold a worker for minutes.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_mail_address("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = ("django.core.mail.backends.console.EmailBackend" if DEBUG and EMAIL_HOST is None
                 else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = EMAIL_HOST or "localhost"
# The site's address as people reach it, for the links in mails (no request to ask).
PORTAL_BASE_URL = env_base_url("PORTAL_BASE_URL", "http://127.0.0.1:8000" if DEBUG else None)
# A failed sending is retried MAIL_RETRY_MAX times in all, waiting MAIL_RETRY_BASE_SECONDS,
# then twice that, and so on; afterwards it stays failed until an administrator re-sends it.
MAIL_RETRY_MAX = env_int("MAIL_RETRY_MAX", 6, minimum=1)
MAIL_RETRY_BASE_SECONDS = env_int("MAIL_RETRY_BASE_SECONDS", 300, minimum=1)
# Reminders: so many days before and after a report's due date (ReportDueDate in the admin).
REMINDER_DAYS_BEFORE = env_days("REMINDER_DAYS_BEFORE", [7, 1])
REMINDER_DAYS_AFTER = env_days("REMINDER_DAYS_AFTER", [1, 7, 14])

# Without REDIS_URL tasks run in-process, so `make run` needs no broker.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_DEFAULT_QUEUE = "portal"
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Pages are cached until the next recompute (the key carries the last run's id), in a Redis
# database of their own: the broker's queues are never evicted or flushed with the cache.
CACHE_URL = _cache_url(env_str("CACHE_URL"), REDIS_URL)
CACHE_SOCKET_TIMEOUT_MS = env_int("CACHE_SOCKET_TIMEOUT_MS", 500, minimum=1)
CACHE_RETRY_SECONDS = env_int("CACHE_RETRY_SECONDS", 30, minimum=0)
CACHES = {
    "default": {
        # A Redis down or hanging is a miss, never an error (portal/cache.py).
        "BACKEND": "portal.cache.FailOpenRedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "portal",
        "OPTIONS": {"socket_connect_timeout": CACHE_SOCKET_TIMEOUT_MS / 1000,
                    "socket_timeout": CACHE_SOCKET_TIMEOUT_MS / 1000,
                    "retry_seconds": CACHE_RETRY_SECONDS},
    }
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Memory one full recompute may use per hash table or sort (PostgreSQL work_mem):
# at national scale (ten million cells) 1 GB keeps every join in memory.
AGGREGATION_WORK_MEM_MB = env_int("AGGREGATION_WORK_MEM_MB", 1024, minimum=4)
# Memory a connection may give its temporary tables (PostgreSQL temp_buffers), taken
# only by a connection that uses them, as they grow: a national recompute with quarters
# fills 2–3 GB of work tables; read back through the kernel instead, it ran 20 % slower.
AGGREGATION_TEMP_BUFFERS_MB = env_int("AGGREGATION_TEMP_BUFFERS_MB", 4096, minimum=1)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Given when a connection opens: PostgreSQL fixes temp_buffers at a session's first
    # temporary table (an import's or a benchmark's may come before a recompute's).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c temp_buffers={AGGREGATION_TEMP_BUFFERS_MB}MB".strip()
# The largest catalogue file load_catalogue reads (a province's is well under 1 MB).
CATALOGUE_MAX_MB = env_int("CATALOGUE_MAX_MB", 20, minimum=1)

# Leaders' reports (kpis/export): stored files and their jobs are deleted after
# EXPORT_RETENTION_DAYS; a job with no progress for EXPORT_JOB_TIMEOUT_MINUTES
# is presumed lost (its worker died) and marked failed, so its user can retry;
# a user may have EXPORT_MAX_ACTIVE_PER_USER reports in the queue at once.
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 30, minimum=1)
EXPORT_JOB_TIMEOUT_MINUTES = env_int("EXPORT_JOB_TIMEOUT_MINUTES", 15, minimum=1)
EXPORT_MAX_ACTIVE_PER_USER = env_int("EXPORT_MAX_ACTIVE_PER_USER", 3, minimum=1)

# Without a broker every task, an export with the annex included, runs inside
# the request that starts it (`make run`); production needs REDIS_URL and a worker.
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Saving data must not hang on a dead broker; the stale sweep repairs it later.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}

# HTTPS by default once DEBUG is off (docs/deployment.md). Behind the documented
# nginx, gunicorn on loopback or a unix socket already trusts X-Forwarded-Proto;
# SECURE_PROXY_SSL_HEADER is for an app server that does not.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Monitors on the machine itself ask over plain HTTP, straight to gunicorn.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = env_header_value("SECURE_PROXY_SSL_HEADER")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if SECURE_HSTS_PRELOAD and (SECURE_HSTS_SECONDS < 31_536_000 or not SECURE_HSTS_INCLUDE_SUBDOMAINS):
    raise ImproperlyConfigured(
        "SECURE_HSTS_PRELOAD=true needs SECURE_HSTS_SECONDS of at least 31536000 and "
        "SECURE_HSTS_INCLUDE_SUBDOMAINS=true: browsers' preload lists accept nothing less."
    )
# Preloading is the decision of whoever owns the registered domain (the province's
# gov.vn), taken on hstspreload.org; a portal on a subdomain cannot be preloaded.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: injected markup cannot run (see docs/security.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The browser's session only: Basic authentication would send a password with every
    # call, to be captured or guessed at API speed, and a password alone must not open what
    # the second factor guards (issue 11 adds tokens).
    # Tokens (kpis/api/authentication.py) are for machines; listed first so a refused call is a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": ["kpis.api.authentication.ApiTokenAuthentication",
                                       "rest_framework.authentication.SessionAuthentication"],
    # Counted in the cache per client address (kpis/api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": ["kpis.api.throttling.AnonymousRateThrottle",
                                 "kpis.api.throttling.SignedInRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env_rate("API_THROTTLE_ANON", "60/minute"),
                               "user": env_rate("API_THROTTLE_USER", "600/minute")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The OpenAPI document at /api/schema/ (the fuzzing suite reads it; issue 11 adds the docs pages).
SPECTACULAR_SETTINGS = {
    "TITLE": "Cổng chỉ tiêu chuyển đổi số — API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # A private site (PORTAL_PUBLIC=false) does not show its API to strangers either.
    "SERVE_PERMISSIONS": ["kpis.api.permissions.PublicOrAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Audit events are already one JSON object each (kpis/services/audit.py):
    # written as they are, one per line on stderr, journald or syslog keep them
    # whole; the console handler leaves them out so no second, prefixed copy appears.
    "formatters": {"audit_json": {"format": "%(message)s"}},
    "filters": {"except_audit": {"()": "portal.log_filters.ExceptAuditEvents"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["except_audit"]},
                 "audit": {"class": "logging.StreamHandler", "formatter": "audit_json",
                           "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Whatever LOG_LEVEL says.
        "portal.audit": {"handlers": ["audit"], "level": "INFO"},
        # WeasyPrint logs every step of every page at INFO.
        "weasyprint.progress": {"level": "WARNING"}, "fontTools": {"level": "WARNING"},
    },
}
# Audit events (docs/security.md §3) are kept this many days; inspectors ask for 90 at least.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365, minimum=90)
AXES_VERBOSE = False
# Return and reopen reasons are kept whole in the report's history (the
# library's default column holds 100 characters).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# The real client address behind the documented nginx (portal/client_address.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "portal.client_address.client_address"

from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    # Repairs anything a lost message left stale (the broker may have been down).
    "sweep-stale-aggregates": {"task": "kpis.recompute_stale", "schedule": 60.0},
    "nightly-full-recompute": {"task": "kpis.recompute_full", "schedule": crontab(hour=2, minute=0)},
    # Exports whose worker died are failed (so they can be retried); old files are deleted.
    "fail-stalled-exports": {"task": "kpis.exports_fail_stalled", "schedule": 60.0},
    "prune-old-exports": {"task": "kpis.exports_prune", "schedule": crontab(hour=3, minute=30)},
    "nightly-idle-accounts": {"task": "kpis.accounts_idle_disable", "schedule": crontab(hour=1, minute=30)},
    "nightly-audit-prune": {"task": "kpis.audit_prune", "schedule": crontab(hour=3, minute=30)},
    # Summaries whose year is approved, or whose date an administrator set, to subscribers.
    "summary-mails": {"task": "kpis.summary_mails_due", "schedule": crontab(minute="*/15")},
    # Reminders in office hours; a run finds what an earlier run of the day could not deliver.
    "report-reminders": {"task": "kpis.reminders_send", "schedule": crontab(minute=5, hour="7-17")},
}
