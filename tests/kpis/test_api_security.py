"""The API accepts the browser's session only (no Basic authentication, which
would send a password with every call, to be captured or guessed at API speed) and
limits how often one client may call it."""

import base64

import pytest
from django.core.cache import cache

from kpis.api.throttling import AnonymousRateThrottle

URL = "/api/v1/values/"
RIGHT = "correct-horse-battery"  # tests/factories.make_user


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_basic_authentication_is_not_accepted(world, client, settings):
    settings.PORTAL_PUBLIC = False
    response = client.get(URL, HTTP_AUTHORIZATION=basic("viewer", RIGHT))
    assert response.status_code in (401, 403)
    client.force_login(world.users.viewer)
    assert client.get(URL).status_code == 200


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "3/minute", "user": "5/minute"}}


def forget_calls(*addresses: str) -> None:
    throttle = AnonymousRateThrottle()
    cache.delete_many([throttle.cache_format % {"scope": scope, "ident": address}
                       for scope in ("anon", "user") for address in addresses])


def test_the_call_after_the_anonymous_rate_is_refused(world, client, low_rates):
    forget_calls("192.0.2.10", "192.0.2.11")
    for _call in range(3):
        assert client.get(URL, REMOTE_ADDR="192.0.2.10").status_code == 200
    response = client.get(URL, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429 and "Retry-After" in response
    assert client.get(URL, REMOTE_ADDR="192.0.2.11").status_code == 200  # another client


def test_a_forged_forwarded_header_does_not_buy_more_calls(world, client, low_rates, settings):
    settings.TRUSTED_PROXY_COUNT = 0  # no proxy: X-Forwarded-For is the client's own words
    forget_calls("192.0.2.20")
    statuses = [client.get(URL, REMOTE_ADDR="192.0.2.20", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}").status_code
                for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_behind_the_proxy_clients_are_told_apart_by_their_real_address(world, client, low_rates, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    forget_calls("198.51.100.30", "198.51.100.31")
    for _call in range(3):
        client.get(URL, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.30")
    assert client.get(URL, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.30").status_code == 429
    assert client.get(URL, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.31").status_code == 200


def test_signed_in_users_have_their_own_rate(world, client, low_rates):
    viewer = world.users.viewer
    cache.delete(AnonymousRateThrottle.cache_format % {"scope": "user", "ident": viewer.pk})
    client.force_login(viewer)
    statuses = [client.get(URL).status_code for _call in range(6)]
    assert statuses == [200] * 5 + [429]
