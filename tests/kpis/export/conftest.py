"""Fixtures for the leaders' summary export: the Hậu Giang demo with the
document settings an administrator of the Sở TT&TT would enter, and helpers
that read PDFs with poppler-utils, as a person checking the file would."""

import io
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from kpis.aggregation import aggregates_recompute
from kpis.models import DocumentSettings

ISSUED_ON = date(2021, 1, 13)  # the day of the Sở TT&TT's 2020 review conference
DEMO_SETTINGS = {
    "parent_agency": "UBND TỈNH HẬU GIANG",
    "issuing_agency": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "document_symbol": "BC-STTTT",
    "place": "Hậu Giang",
    "signer_title": "GIÁM ĐỐC",
    "signer_name": "Nguyễn Văn A",  # the placeholder name of Vietnamese forms, not a real person
    "recipients": "UBND tỉnh (để báo cáo);\nLưu: VT, VP.",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager_tasks(settings, monkeypatch):
    """Tasks in-process, as without REDIS_URL, even on a run with Redis."""
    from portal.celery import app as celery_app

    # The app's configuration is read from the settings the first time it is used: patched first,
    # it keeps (and restores) the real value, not the overridden one, for the tests after this one.
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    settings.CELERY_TASK_ALWAYS_EAGER = True


def assert_test_database() -> None:
    """A guard for fixtures wider than one test: never write to a real database."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    assert "memory" in name or name.startswith("test_"), f"not a test database: {name}"


def load_demo_data(*, with_settings: bool = True) -> None:
    """The demo catalogue and published figures, aggregated (and the demo users)."""
    call_command("load_demo", "--with-demo-users", stdout=io.StringIO())
    aggregates_recompute()
    if with_settings:
        # One row for every unit and date, in place of the demo file's periods.
        DocumentSettings.objects.all().delete()
        DocumentSettings(valid_from=date(1900, 1, 1), **DEMO_SETTINGS).save()


@pytest.fixture
def demo(db):
    load_demo_data()


def require_poppler():
    for tool in ("pdftotext", "pdffonts", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: install poppler-utils (make test and .ci/run do it)")


def pdf_text(path: Path, *args: str) -> str:
    require_poppler()
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", *args, str(path), "-"], check=True,
                            capture_output=True, text=True)
    return unicodedata.normalize("NFC", result.stdout)


def pdf_tool(tool: str, path: Path, *args: str) -> str:
    require_poppler()
    return subprocess.run([tool, *args, str(path)], check=True, capture_output=True, text=True).stdout
