"""API tokens: made in the site or by manage.py, shown once, stored as a hash,
refused once revoked or when their owner is locked."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kpis.models import ApiToken, AuditAction, AuditEvent
from kpis.services.tokens import api_token_create, api_token_revoke

URL = "/api/v1/values/"
PAGE = "/admin/api-tokens/"


@pytest.fixture
def private_site(settings):
    settings.PORTAL_PUBLIC = False


def call(client, secret: str):
    return client.get(URL, HTTP_AUTHORIZATION=f"Token {secret}")


def test_a_token_opens_the_private_api_and_only_its_hash_is_stored(world, client, private_site):
    token, secret = api_token_create(user=world.users.viewer, name="máy chủ")
    assert call(client, secret).status_code == 200
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.digest, stored.prefix, stored.name}
    assert stored.last_used_at is not None
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_CREATED, object_id=str(token.pk))
    assert "viewer" in event.detail and secret not in event.detail


def test_a_wrong_or_malformed_token_is_a_401(world, client, private_site):
    _, secret = api_token_create(user=world.users.viewer, name="a")
    for header in (f"Token {secret[:-1]}x", f"Token {secret[:8]}", "Token", f"Token {secret} extra", "Token ẞ"):
        response = client.get(URL, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_is_refused(world, client, private_site):
    token, secret = api_token_create(user=world.users.viewer, name="a")
    assert api_token_revoke(token=token) is True
    assert call(client, secret).status_code == 401
    assert api_token_revoke(token=token) is False
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1


def test_the_token_of_a_locked_account_is_refused(world, client, private_site):
    _, secret = api_token_create(user=world.users.viewer, name="a")
    world.users.viewer.is_active = False
    world.users.viewer.save()
    assert call(client, secret).status_code == 401


def test_last_use_is_written_at_most_once_a_minute(world, client, private_site):
    token, secret = api_token_create(user=world.users.viewer, name="a")
    recently = timezone.now() - timedelta(seconds=10)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recently)
    call(client, secret)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == recently
    long_ago = timezone.now() - timedelta(minutes=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)
    call(client, secret)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > long_ago


def test_the_command_prints_the_token_once_and_revokes(world, client, private_site):
    out = StringIO()
    call_command("api_token", "create", "viewer", "--name", "cron", stdout=out, stderr=StringIO())
    secret = out.getvalue().strip()
    assert call(client, secret).status_code == 200
    with pytest.raises(CommandError):
        call_command("api_token", "create", "viewer", "--name", "cron", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("api_token", "revoke", "viewer", stdout=StringIO())
    call_command("api_token", "revoke", "viewer", "--all", stdout=StringIO())
    assert call(client, secret).status_code == 401
    with pytest.raises(CommandError):
        call_command("api_token", "create", "nobody", stdout=StringIO(), stderr=StringIO())


def test_users_make_list_and_revoke_their_own_tokens_in_the_site(world, client, private_site):
    client.force_login(world.users.staff)
    response = client.post(PAGE, {"name": "trạm"})
    secret = response.context["secret"]
    assert secret and secret in response.content.decode()
    listing = client.get(PAGE).content.decode()
    assert "trạm" in listing and secret not in listing
    token = ApiToken.objects.get(user=world.users.staff)
    others, _ = api_token_create(user=world.users.viewer, name="khác")
    assert client.post(f"{PAGE}{others.pk}/revoke/").status_code == 404
    assert client.post(f"{PAGE}{token.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get(pk=token.pk).is_revoked
    assert not ApiToken.objects.get(pk=others.pk).is_revoked
    assert call(client.__class__(), secret).status_code == 401
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED, user=world.users.staff).count() == 1


def test_the_token_page_needs_a_staff_sign_in(world, client):
    assert client.get(PAGE).status_code == 302
    assert client.post(PAGE, {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_an_approver_with_the_password_alone_cannot_make_a_token(world, client):
    from tests.second_factor import password_only_login

    password_only_login(client, world.users.approver)
    response = client.post(PAGE, {"name": "lách"})
    assert response.status_code == 302 and "second-factor" in response["Location"]
    assert not ApiToken.objects.exists()


def test_the_admin_links_each_signed_in_user_to_their_keys(world, client):
    client.force_login(world.users.staff)
    page = client.get("/admin/").content.decode()
    assert 'href="/admin/api-tokens/"' in page


def test_a_secret_never_starts_like_a_command_line_option(world, monkeypatch):
    # The docs pass it as `--token "$TOKEN"`: a secret starting with "-" would be read as an option.
    drawn = iter(["-starts-like-an-option", "a-usable-secret"])
    monkeypatch.setattr("kpis.services.tokens.secrets.token_urlsafe", lambda n: next(drawn))
    _token, secret = api_token_create(user=world.users.viewer, name="dòng lệnh")
    assert secret == "a-usable-secret"
