"""HTTPS is on by default once DEBUG is off, /healthz stays reachable over
plain HTTP for monitors, and a bad HTTPS setting stops the process."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LONG_RANDOM_KEY = "kJ3v9QzR1xW7pL0mN5bT8yU2cE6fH4gA-sD_oI3qZ9wX1eV7rT5uY0nM2lK8jB6h"
# What an operator must set, and nothing else (docs/deployment.md).
PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
    "SECRET_KEY": LONG_RANDOM_KEY,
    "ALLOWED_HOSTS": "portal.example.gov.vn",
}


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                          cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
                          capture_output=True, text=True, timeout=60)


def https_settings(env: dict[str, str]) -> dict:
    result = run_python(
        "import json; from django.conf import settings as s; print(json.dumps({name: getattr(s, name) for name in "
        "['SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD',"
        " 'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE']}))", env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_passes_with_only_the_three_required_variables():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=PRODUCTION_ENV, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    # Only information may remain (kpis.I020: no broker configured), never a warning or an error.
    assert "WARNING" not in output and "ERRORS" not in output, output


def test_https_is_on_by_default_with_debug_off():
    assert https_settings(PRODUCTION_ENV) == {
        "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False, "SECURE_PROXY_SSL_HEADER": None, "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True}


def test_a_developer_machine_gets_no_redirect_and_no_hsts():
    values = https_settings({"DEBUG": "true"})
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0


def test_every_https_setting_comes_from_the_environment():
    values = https_settings({**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "false", "SECURE_HSTS_SECONDS": "3600",
                             "SECURE_HSTS_INCLUDE_SUBDOMAINS": "no", "SECURE_COOKIES": "off",
                             "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO, https"})
    assert values == {
        "SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 3600, "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False, "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False}


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SECURE_SSL_REDIRECT", "yes please", "SECURE_SSL_REDIRECT='yes please' is not a boolean"),
    ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS='a year' is not a whole number"),
    ("SECURE_HSTS_SECONDS", "-1", "SECURE_HSTS_SECONDS=-1 must be at least 0"),
    ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "maybe", "is not a boolean"),
    ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https", "SECURE_PROXY_SSL_HEADER="),
    ("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO", "e.g. HTTP_X_FORWARDED_PROTO,https"),
    ("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO,https,http", "is not a header and its value"),
    ("SECURE_HSTS_PRELOAD", "true", "SECURE_HSTS_PRELOAD=true needs SECURE_HSTS_SECONDS"),
])
def test_a_bad_https_setting_stops_the_process_naming_it(name, value, message):
    env = {**PRODUCTION_ENV, name: value}
    if name == "SECURE_HSTS_PRELOAD":
        env["SECURE_HSTS_SECONDS"] = "86400"
    result = run_python("pass", env)
    assert result.returncode != 0 and message in result.stderr, result.stderr


def test_plain_http_is_redirected_to_https_except_healthz(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/?nam=2020")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/?nam=2020"
    assert client.get("/healthz").status_code == 200


def test_https_responses_carry_hsts(client, settings, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/healthz")  # never over plain HTTP


def test_the_proxy_header_marks_a_request_secure(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/healthz", HTTP_X_FORWARDED_PROTO="https").has_header("Strict-Transport-Security")
    assert client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="http").status_code == 301


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.path)


def fetch(sock: str, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = UnixHTTPConnection(sock)
    connection.request("GET", path, headers={"Host": "portal.example.gov.vn", **headers})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.fixture
def gunicorn_socket():
    """gunicorn on a unix socket with the production defaults, as docs/deployment.md runs it."""
    directory = tempfile.mkdtemp(prefix="gunicorn-")
    sock = os.path.join(directory, "portal.sock")
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{directory}/missing/db.sqlite3",
           "PATH": os.environ.get("PATH", "")}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"unix:{sock}",
                                "--workers", "1"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _attempt in range(600):
            if process.poll() is not None:
                pytest.fail("gunicorn did not start: " + process.stderr.read().decode())
            try:
                fetch(sock, "/healthz", {})
                break
            except OSError:
                time.sleep(0.1)  # still starting
        yield sock
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)


def test_behind_nginx_gunicorn_trusts_the_forwarded_scheme_and_healthz_stays_on_http(gunicorn_socket):
    # nginx forwards HTTPS requests with X-Forwarded-Proto: https (docs/deployment.md).
    secure = fetch(gunicorn_socket, "/healthz", {"X-Forwarded-Proto": "https"})
    assert secure.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    assert fetch(gunicorn_socket, "/", {"X-Forwarded-Proto": "http"}).status == 301
    # A monitor on the machine asks over plain HTTP and gets an answer, not a redirect.
    plain = fetch(gunicorn_socket, "/healthz", {})
    assert plain.status in (200, 503) and plain.getheader("Strict-Transport-Security") is None
