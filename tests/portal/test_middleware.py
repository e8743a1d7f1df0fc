from types import SimpleNamespace

import pytest


@pytest.mark.django_db
def test_vietnamese_by_default_even_for_english_browsers(client):
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.headers["Content-Language"] == "vi"


@pytest.mark.django_db
def test_english_when_chosen_with_the_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    page = client.get("/admin/login/")
    assert page.headers["Content-Language"] == "en"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/admin/login/"})
    assert client.get("/admin/login/").headers["Content-Language"] == "en"


def test_the_request_s_address_and_user_are_known_while_it_is_served_and_forgotten_after(rf, settings):
    from django.contrib.auth.models import AnonymousUser

    from portal.middleware import AuditContextMiddleware
    from portal.request_context import current_request_context

    settings.TRUSTED_PROXY_COUNT = 1
    seen = {}

    def view(request):
        context = current_request_context()
        seen["address"], seen["user"] = context.address, context.user
        request.user = signed_in  # signing in during the request is seen at once
        seen["after_sign_in"] = context.user
        return "response"

    signed_in = SimpleNamespace(is_authenticated=True)
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    request.user = AnonymousUser()
    assert AuditContextMiddleware(view)(request) == "response"
    assert seen == {"address": "198.51.100.7", "user": None, "after_sign_in": signed_in}
    assert current_request_context() is None


def test_the_request_context_is_cleared_when_the_view_fails(rf):
    from portal.middleware import AuditContextMiddleware
    from portal.request_context import current_request_context

    def failing(request):
        raise RuntimeError("hỏng")

    with pytest.raises(RuntimeError):
        AuditContextMiddleware(failing)(rf.get("/", REMOTE_ADDR="192.0.2.4"))
    assert current_request_context() is None


def test_the_audit_context_middleware_runs_after_authentication(settings):
    middleware = settings.MIDDLEWARE
    assert middleware.index("portal.middleware.AuditContextMiddleware") > middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware")
