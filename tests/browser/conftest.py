"""Browser tests: Playwright driving Debian's Chromium against pytest-django's
live server. Skipped with a clear message when Chromium is missing, except in
CI (PORTAL_REQUIRE_SERVICES=true), where a missing browser fails the run."""

import io
import os
import uuid

import pytest
from django.core.management import call_command

from tests.browser.chromium import CHROMIUM, LAUNCH_ARGS, chromium_missing


@pytest.fixture
def browser(demo):
    """Chromium, started after the database is set up: while Playwright's sync
    API runs, this thread has an event loop and Django opens other connection
    objects, so a browser started earlier would see the database set-up (and
    its serialized rollback) happen on the wrong connection."""
    reason = chromium_missing()
    if reason:
        if os.environ.get("PORTAL_REQUIRE_SERVICES") == "true":
            pytest.fail(f"browser tests cannot run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Django refuses ORM calls in a thread with a running event loop; the tests' own calls are safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            yield chromium
            chromium.close()
            # Connections the test opened while the browser ran, or the test database cannot be dropped.
            from django.db import connections

            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def fresh_page_cache(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@pytest.fixture
def demo(transactional_db, django_db_serialized_rollback, live_server):
    """The Hậu Giang demo, recomputed, as `make run` shows it."""
    call_command("load_demo", with_demo_users=True, stdout=io.StringIO())
    call_command("recompute_aggregates", stdout=io.StringIO())


@pytest.fixture
def page(browser, live_server):
    """A Vietnamese official's browser tab; records CSP violations, console
    errors and any request to another host."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.problems = []
    host = live_server.url.split("//", 1)[1]

    def on_console(message):
        where = (message.location or {}).get("url", "")
        if message.type == "error" and not where.endswith("/favicon.ico"):  # the admin's pages have no icon
            tab.problems.append(f"console: {message.text} ({where})")

    def on_request(request):
        if not request.url.startswith(("data:", "blob:")) and f"//{host}/" not in request.url:
            tab.problems.append(f"request to another host: {request.url}")

    # Every CSP violation of a page, whether or not the browser logs it.
    tab.add_init_script("""window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));""")
    def on_response(response):
        if response.status >= 400:
            tab.problems.append(f"{response.status}: {response.url}")

    tab.on("response", on_response)
    tab.on("console", on_console)
    tab.on("request", on_request)
    tab.base = live_server.url
    yield tab
    context.close()

