from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

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


class AuditContextMiddleware:
    """Makes the client address and user of the current request known to the
    services that record audit events (portal/request_context.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context(request):
            return self.get_response(request)
