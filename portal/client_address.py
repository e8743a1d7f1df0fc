"""The address of the person behind a request.

Behind nginx (docs/deployment.md) every request comes from the proxy, so
``REMOTE_ADDR`` is the proxy's address. Each trusted proxy appends the address
it saw to ``X-Forwarded-For``; with ``TRUSTED_PROXY_COUNT`` proxies in front,
the client is the entry that many places from the right. Anything further left
was written by the client and is never believed.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        # A request that did not pass through every proxy (or a misconfigured
        # count): the nearest hop is the only address we can vouch for.
        return remote
    return _valid(forwarded[-proxies]) or remote
