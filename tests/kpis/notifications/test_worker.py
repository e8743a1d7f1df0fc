"""A sending through a real Celery worker while the SMTP server is down: the
worker records the failure and retries with back-off (Celery's retry with a
countdown) until the server is back, then delivers once."""

import pytest

from kpis.aggregation import aggregates_recompute
from kpis.models import MailStatus, SummarySending
from kpis.services.mail import subscription_create, summary_mails_due
from tests.factories import put_values
from tests.smtp import SmtpServer, attachments
from tests.workers import celery_worker, wait_for


@pytest.fixture
def down_server():
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def mail_worker(transactional_db, django_db_serialized_rollback, monkeypatch, media_root, down_server):
    env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(down_server.port), "EMAIL_TIMEOUT": "5",
           "DEFAULT_FROM_EMAIL": "no-reply@chitieu.example.gov.vn", "PORTAL_BASE_URL": "https://chitieu.example.gov.vn",
           "MAIL_RETRY_BASE_SECONDS": "1", "MAIL_RETRY_MAX": "30", "MEDIA_ROOT": str(media_root)}
    with celery_worker(monkeypatch, **env) as process:
        yield process


@pytest.mark.worker
def test_a_worker_retries_while_the_server_is_down_and_delivers_when_it_is_back(world, leader, mail_worker,
                                                                                down_server):
    subscription_create(user=leader, org_unit=world.d1)
    put_values([(world.bts, world.d1, 2020, 420), (world.post_offices, world.d1, 2020, 12)])
    aggregates_recompute()
    [sending_id] = summary_mails_due()  # autocommit: handed to the worker now

    def tried() -> bool:
        return SummarySending.objects.get(pk=sending_id).status == MailStatus.FAILED

    def delivered() -> bool:
        return SummarySending.objects.get(pk=sending_id).status == MailStatus.DELIVERED

    if not wait_for(tried, timeout=120):
        mail_worker.terminate()
        pytest.fail("the worker made no attempt:\n" + mail_worker.communicate(timeout=20)[0].decode())
    failed = SummarySending.objects.get(pk=sending_id)
    assert "ConnectionRefusedError" in failed.error and down_server.messages == []
    down_server.start()
    if not wait_for(delivered, timeout=120):
        mail_worker.terminate()
        pytest.fail("the worker did not deliver:\n" + mail_worker.communicate(timeout=20)[0].decode())
    sending = SummarySending.objects.get(pk=sending_id)
    assert sending.attempts >= 2 and sending.delivered_at is not None
    [message] = down_server.messages
    assert message["To"] == "lanhdao@example.gov.vn" and attachments(message)[0][1].startswith(b"%PDF")
