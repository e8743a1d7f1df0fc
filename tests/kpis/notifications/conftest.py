import pytest

from tests.kpis.export.conftest import eager_tasks, media_root  # noqa: F401 (the export tests' fixtures)
from tests.smtp import SmtpServer


@pytest.fixture
def mail_settings(settings):
    """Mail through the real SMTP backend (pytest-django's default keeps mails in memory)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Cổng chỉ tiêu <no-reply@chitieu.example.gov.vn>"
    settings.PORTAL_BASE_URL = "https://chitieu.example.gov.vn"
    settings.MAIL_RETRY_MAX = 3
    settings.MAIL_RETRY_BASE_SECONDS = 60
    return settings


@pytest.fixture
def smtp(mail_settings):
    """A running server that accepts everything."""
    server = SmtpServer().start()
    mail_settings.EMAIL_PORT = server.port
    yield server
    server.stop()


@pytest.fixture
def smtp_down(mail_settings):
    """A server that is not running (nothing listens on its port) until the test starts it."""
    server = SmtpServer()
    mail_settings.EMAIL_PORT = server.port
    yield server
    server.stop()


@pytest.fixture
def leader(world):
    leader = world.users.leader
    leader.email = "lanhdao@example.gov.vn"
    leader.save()
    return leader
