"""Sessions end after SESSION_IDLE_MINUTES without a request, each request
extends them, and a password change ends the user's other sessions."""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

ADMIN = reverse("admin:index")
RIGHT = "correct-horse-battery"  # tests/factories.make_user


def sign_in(client: Client, username: str) -> Client:
    response = client.post(reverse("admin:login"), {"username": username, "password": RIGHT, "next": ADMIN})
    assert response.status_code == 302
    return client


def stored_session(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def idle_for(client: Client, minutes: int) -> None:
    """As if the last request had been ``minutes`` ago."""
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=stored_session(client).expire_date - timedelta(minutes=minutes))


def test_each_request_restarts_the_fifteen_minutes(world, client):
    sign_in(client, "staff")
    assert stored_session(client).expire_date <= timezone.now() + timedelta(minutes=15)
    idle_for(client, 14)
    assert client.get(ADMIN).status_code == 200
    assert stored_session(client).expire_date > timezone.now() + timedelta(minutes=14)


def test_a_session_idle_for_sixteen_minutes_has_ended(world, client):
    sign_in(client, "staff")
    idle_for(client, 16)
    response = client.get(ADMIN)
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


def test_changing_the_password_ends_the_other_sessions(world):
    # Django's session hash does this; kept as a guard on the rule.
    office, home = sign_in(Client(), "staff"), sign_in(Client(), "staff")
    response = office.post(reverse("admin:password_change"), {
        "old_password": RIGHT, "new_password1": "Mùa-xuân-2026", "new_password2": "Mùa-xuân-2026"})
    assert response.status_code == 302
    assert office.get(ADMIN).status_code == 200  # the session that changed it goes on
    response = home.get(ADMIN)
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
