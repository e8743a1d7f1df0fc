from django.conf import settings
from django.contrib import messages
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.request_context import request_context


class PortalLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose English with the language switch.

    Officials' browsers are often set to English; the portal is a Vietnamese
    administrative site first, so the browser's Accept-Language is ignored and
    only the choice stored by /i18n/setlang/ (a cookie) counts."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PasswordExpiryMiddleware:
    """A signed-in user whose password is older than PASSWORD_MAX_AGE_DAYS is
    sent to the admin's password-change page before any other admin page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_change_password(request):
            messages.warning(request, _("Mật khẩu của bạn đã hết hạn. Hãy đổi mật khẩu để tiếp tục."))
            return redirect("admin:password_change")
        return self.get_response(request)

    @staticmethod
    def _must_change_password(request) -> bool:
        from kpis.services.accounts import password_expired

        if not settings.PASSWORD_MAX_AGE_DAYS or not request.user.is_authenticated:
            return False
        admin_root = reverse("admin:index")
        allowed = {reverse("admin:password_change"), reverse("admin:password_change_done"),
                   reverse("admin:logout"), reverse("admin:jsi18n")}
        if not request.path.startswith(admin_root) or request.path in allowed:
            return False
        return password_expired(request.user)


class AuditContextMiddleware:
    """Makes the client address and user of the current request known to the
    services that record audit events (portal/request_context.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context(request):
            return self.get_response(request)
