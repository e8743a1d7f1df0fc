"""Sign-in lock-out on top of django-axes, with one limit per thing locked.

axes records each failure with its user name and address and, with
``AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]``, counts failures per
user name (from any address) and per address (against any name). It compares
both counts with the one ``AXES_FAILURE_LIMIT``; an office behind one NAT
address would then be locked by five typos spread over its staff. This
handler gives the address its own limit, ``AXES_ADDRESS_FAILURE_LIMIT``.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

ACCOUNT, ADDRESS = "username", "ip_address"


class PortalLockoutHandler(AxesDatabaseHandler):
    def failures_by_parameter(self, request: HttpRequest, credentials: dict | None = None) -> dict:
        """Recent failures per lock-out parameter (``"username"``, ``"ip_address"``)."""
        return {
            parameter if isinstance(parameter, str) else "+".join(parameter):
                attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for parameter, attempts in zip(get_lockout_parameters(request, credentials),
                                           self.get_user_attempts(request, credentials), strict=False)
        }

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """axes compares this number with AXES_FAILURE_LIMIT: the account's
        failures, or the limit itself once the address has reached its own."""
        failures = self.failures_by_parameter(request, credentials)
        limit = get_failure_limit(request, credentials)
        account = failures.get(ACCOUNT, 0)
        if failures.get(ADDRESS, 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(account, limit)
        return account

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """After a successful sign-in, forget the failures against that
        account only: signing in to one's own account must not wipe the
        failures an address has run up against others."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The page shown instead of the sign-in form while locked out (429)."""
    cool_off = get_cool_off(request)
    context = {
        **admin.site.each_context(request),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        "failure_limit": get_failure_limit(request, credentials),
        "address_failure_limit": settings.AXES_ADDRESS_FAILURE_LIMIT,
    }
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
