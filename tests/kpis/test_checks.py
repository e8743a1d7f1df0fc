"""System checks that refuse dangerous combinations of settings."""

import subprocess
import sys
from pathlib import Path

import pytest

from kpis.checks import deployment_problems

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"
GOOD_KEY = "kJ3v9QzR1xW7pL0mN5bT8yU2cE6fH4gA-sD_oI3qZ9wX1eV7rT5uY0nM2lK8jB6h"


def problems(*, debug, engine, hosts, key=GOOD_KEY, broker="redis://127.0.0.1:6379/0"):
    found = deployment_problems(debug=debug, engine=engine, hosts=hosts, secret_key=key, broker=broker)
    return {problem.id: problem for problem in found}


def test_a_production_configuration_has_no_problem():
    assert problems(debug=False, engine=POSTGRES, hosts=["portal.example.gov.vn"]) == {}


@pytest.mark.parametrize("hosts", [["portal.example.gov.vn"], ["*"], ["localhost", "10.0.0.5"]])
def test_debug_on_a_public_host_with_postgresql_is_an_error(hosts):
    found = problems(debug=True, engine=POSTGRES, hosts=hosts)
    assert list(found) == ["kpis.E002"] and found["kpis.E002"].is_serious()
    assert hosts[-1] in found["kpis.E002"].msg


def test_debug_on_a_public_host_with_sqlite_is_a_warning():
    assert list(problems(debug=True, engine=SQLITE, hosts=["192.168.1.20"])) == ["kpis.W002"]


def test_debug_on_a_developer_machine_is_fine():
    hosts = ["localhost", "127.0.0.1", "[::1]", "portal.localhost"]
    assert problems(debug=True, engine=POSTGRES, hosts=hosts, key="short") == {}


@pytest.mark.parametrize("key", ["test-only-secret-key-not-for-production", "x" * 80,
                                 "django-insecure-" + GOOD_KEY])
def test_a_weak_secret_key_is_an_error_with_debug_off(key):
    found = problems(debug=False, engine=POSTGRES, hosts=["portal.example.gov.vn"], key=key)
    assert list(found) == ["kpis.E003"]
    assert "secrets.token_urlsafe" in found["kpis.E003"].hint


def test_manage_py_check_fails_with_debug_on_a_public_postgresql_host():
    env = {"DEBUG": "true", "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
           "ALLOWED_HOSTS": "portal.example.gov.vn"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "kpis.E002" in result.stderr


def test_no_broker_in_production_is_reported_without_failing_the_deploy_check():
    found = problems(debug=False, engine=POSTGRES, hosts=["portal.example.gov.vn"], broker=None)
    assert list(found) == ["kpis.I020"] and not found["kpis.I020"].is_serious()
    assert problems(debug=True, engine=POSTGRES, hosts=["localhost"], broker=None) == {}
