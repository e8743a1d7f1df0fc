"""API rate limits, counted in the cache. Clients are told apart by the
address portal.client_address trusts (behind nginx every request comes from
the proxy), and the rates are read when a request arrives, so settings
changed at run time (and in tests) apply."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from portal.client_address import client_address


class _PortalRates:
    def get_rate(self) -> str:
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_ident(self, request) -> str:
        return client_address(request) or "unknown"


class AnonymousRateThrottle(_PortalRates, AnonRateThrottle):
    """API_THROTTLE_ANON: calls per address by visitors who are not signed in."""


class SignedInRateThrottle(_PortalRates, UserRateThrottle):
    """API_THROTTLE_USER: calls per signed-in user (visitors fall back to their address)."""
