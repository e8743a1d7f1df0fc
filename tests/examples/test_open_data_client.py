"""examples/open_data_client.py, run as a program outside the project against
a real server (pytest-django's live_server) with the Hậu Giang demo: it reads
every published figure with its metadata, as JSON and CSV, and posts the next
year's telecom figures with a token."""

import ast
import csv
import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from kpis.models import DataValue, Indicator, OrgUnit, ReportStatus, Sector, YearlyReport
from kpis.selectors import aggregates_for_api
from kpis.services.tokens import api_token_create

SCRIPT = Path(django_settings.BASE_DIR) / "examples" / "open_data_client.py"
NEXT_YEAR = 2021  # the demo's telecom figures stop at 2020


@pytest.fixture
def demo_server(transactional_db, django_db_serialized_rollback, live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The anonymous rate limit counts in the cache: each test starts with its own count.
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    call_command("load_demo", with_demo_users=True, stdout=io.StringIO())
    call_command("recompute_aggregates", stdout=io.StringIO())
    return live_server.url


def run(base_url: str, *args: str) -> subprocess.CompletedProcess:
    # -I: isolated from this project (no PYTHONPATH, no current directory on the path).
    return subprocess.run([sys.executable, "-I", str(SCRIPT), base_url, *args], capture_output=True, text=True,
                          timeout=300, cwd="/", check=False)


@pytest.fixture
def token(demo_server):
    """A token of the demo's telecom data-entry user, made as on the site."""
    _token, secret = api_token_create(user=get_user_model().objects.get(username="nhaplieu"), name="IOC")
    return secret


def test_the_script_uses_the_standard_library_only():
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported and imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_reads_every_published_figure_with_its_metadata_as_json_and_csv(demo_server, tmp_path):
    published = aggregates_for_api().count()
    result = run(demo_server, "--page-size", "5", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"values: {published} published figures, years 2019–2023")
    assert lines[1].startswith(f"indicators: {Indicator.objects.count()} (") and "with a source" in lines[1]
    assert lines[2] == f"org units: {OrgUnit.objects.count()}; sectors: {Sector.objects.count()}"
    assert f"CSV: {published} figures, the same as the JSON" in lines
    pages = sum(-(-count // 5) for count in (Sector.objects.count(), Indicator.objects.count(),
                                            OrgUnit.objects.count(), published))
    assert f"{pages + 4} requests to {demo_server}" in lines  # every page followed, then one CSV per list
    with (tmp_path / "values.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {(row["indicator"], row["org_unit"], row["year"], row["value"]) for row in rows} >= {
        ("BTS", "HG", "2020", "939.0"), ("POPULATION", "HG", "2019", "733017.0")}
    indicators = {row["code"]: row for row in json.loads((tmp_path / "indicators.json").read_text("utf-8"))}
    assert indicators["BTS"]["unit"] == "trạm" and indicators["BTS"]["definition"]
    assert result.stderr == ""


def test_reading_in_english(demo_server, tmp_path):
    result = run(demo_server, "--lang", "en", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    sectors = {row["code"]: row["name"] for row in json.loads((tmp_path / "sectors.json").read_text("utf-8"))}
    assert sectors["TELECOM"] == "Telecommunications"


def test_a_private_site_needs_the_token(demo_server, token, settings):
    settings.PORTAL_PUBLIC = False
    refused = run(demo_server)
    assert refused.returncode == 2 and "HTTP 401" in refused.stderr and "/api/v1/sectors/" in refused.stderr
    assert run(demo_server, "--token", token).returncode == 0


def next_years_file(tmp_path: Path, *extra: str) -> Path:
    """The telecom figures of Hậu Giang for 2020, as next year's: the file a sector's system would send."""
    lines = ["indicator,org_unit,year,value,comment"]
    for value in DataValue.objects.filter(indicator__sector__code="TELECOM", org_unit__code="HG", year=2020):
        lines.append(f"{value.indicator.code},HG,{NEXT_YEAR},{value.value.normalize():f},sent by the IOC")
    path = tmp_path / f"telecom_{NEXT_YEAR}.csv"
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    return path


def figures(year: int) -> dict[str, str]:
    return {code: f"{value.normalize():f}" for code, value in DataValue.objects.filter(
        org_unit__code="HG", year=year).values_list("indicator__code", "value")}


def test_posts_next_years_figures_for_a_sector_dry_run_first(demo_server, token, tmp_path):
    path = next_years_file(tmp_path)
    expected = len(path.read_text().splitlines()) - 1
    dry = run(demo_server, "--post", str(path), "--token", token, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        f"dry run: success (HTTP 200): created {expected}, updated 0, unchanged 0, ignored 0"]
    assert figures(NEXT_YEAR) == {} and not YearlyReport.objects.filter(year=NEXT_YEAR).exists()

    real = run(demo_server, "--post", str(path), "--token", token)
    assert real.returncode == 0, real.stderr
    assert real.stdout.splitlines() == [f"success (HTTP 200): created {expected}, updated 0, unchanged 0, ignored 0"]
    assert figures(NEXT_YEAR) == {code: value for code, value in figures(2020).items()
                                  if DataValue.objects.filter(indicator__code=code, indicator__sector__code="TELECOM",
                                                              org_unit__code="HG", year=2020).exists()}
    report = YearlyReport.objects.get(sector__code="TELECOM", org_unit__code="HG", year=NEXT_YEAR)
    assert report.status == ReportStatus.DRAFT  # figures wait for the approver, as from the site
    history = DataValue.history.filter(year=NEXT_YEAR)
    assert {(row.history_change_reason, row.history_user.username) for row in history} == {("api", "nhaplieu")}

    again = run(demo_server, "--post", str(path), "--token", token)
    assert again.stdout.startswith(f"success (HTTP 200): created 0, updated 0, unchanged {expected}")


def test_a_refused_set_prints_each_conflict_and_writes_nothing(demo_server, token, tmp_path):
    # The telecom user may not write postal figures; line numbers count the header as line 1.
    path = next_years_file(tmp_path, f"POSTAL_ENTERPRISES,HG,{NEXT_YEAR},12,", f"BTS_SHARED_PCT,HG,{NEXT_YEAR},140,")
    last = len(path.read_text().splitlines())
    result = run(demo_server, "--post", str(path), "--token", token)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("error (HTTP 409): created 0, updated 0, unchanged 0, ignored ")
    assert any(line.startswith(f"conflict: index {last - 1}, field indicator: ") for line in lines), lines
    assert any(line.startswith(f"conflict: index {last}, field value: ") for line in lines), lines
    assert figures(NEXT_YEAR) == {} and not YearlyReport.objects.filter(year=NEXT_YEAR).exists()


def test_a_wrong_token_or_an_unreachable_portal_exits_2(demo_server, tmp_path):
    path = next_years_file(tmp_path)
    wrong = run(demo_server, "--post", str(path), "--token", "not-a-token")
    assert wrong.returncode == 2 and "HTTP 401" in wrong.stderr
    gone = run("http://127.0.0.1:9", "--post", str(path), "--token", "x")
    assert gone.returncode == 2 and gone.stderr.startswith("error: POST http://127.0.0.1:9/api/v1/data-value-sets/")
