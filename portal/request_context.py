"""The request being served, for code that is not handed it.

Services record audit events (``kpis.services.audit``) without a request
argument; ``AuditContextMiddleware`` publishes the client's address and user
here for the length of one request, and takes them away when it ends, so a
worker thread never lends one request's user to the next."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest

from portal.client_address import client_address


class RequestContext:
    def __init__(self, request: HttpRequest) -> None:
        self.address = client_address(request)
        self._request = request

    @property
    def user(self):
        """The signed-in user now (read when asked: signing in or out during
        the request changes it), or None."""
        user = getattr(self._request, "user", None)
        return user if user is not None and user.is_authenticated else None


_current: ContextVar[RequestContext | None] = ContextVar("portal_request_context", default=None)


def current_request_context() -> RequestContext | None:
    return _current.get()


@contextmanager
def request_context(request: HttpRequest) -> Iterator[RequestContext]:
    token = _current.set(RequestContext(request))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
