import pytest
from django.test import RequestFactory

from portal.client_address import client_address


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "expected"), [
    (0, "203.0.113.9", "", "203.0.113.9"),
    (0, "127.0.0.1", "198.51.100.7", "127.0.0.1"),          # no proxy trusted: the header is ignored
    (1, "127.0.0.1", "198.51.100.7", "198.51.100.7"),        # nginx appended the client
    (1, "127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own claim is skipped
    (2, "10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
    (1, "127.0.0.1", "", "127.0.0.1"),                       # did not pass through the proxy
    (1, "127.0.0.1", "not-an-address", "127.0.0.1"),
])
def test_client_address_trusts_only_the_configured_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
