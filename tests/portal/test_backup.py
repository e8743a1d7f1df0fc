"""The backup procedure of docs/deployment.md, run exactly as an operator runs
it: scripts/backup.sh on a database with approved figures and their history,
scripts/restore.sh into a new empty database, and everything comes back."""

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from kpis.aggregation import aggregates_recompute
from kpis.services.reports import report_approve, report_create, report_reopen, report_submit, report_values_save

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRESQL, reason="backups are made with pg_dump: set DATABASE_URL to PostgreSQL "
                                                 "(CI does) to run this test"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed (postgresql-client-15)"),
    # pg_dump sees only committed rows; the roles made by migrations are put back afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
# Tables whose every row must come back unchanged: the figures, their history
# (who changed what, when), the reports' workflow history and the aggregates.
COMPARED_TABLES = ["kpis_datavalue", "kpis_historicaldatavalue", "kpis_yearlyreport",
                   "kpis_historicalyearlyreport", "kpis_aggregate", "auth_user"]


def database_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


def server_connection(name: str):
    db = connection.settings_dict
    return psycopg2.connect(dbname=name, user=db["USER"], password=db["PASSWORD"] or None,
                            host=db["HOST"] or None, port=db["PORT"] or None)


def rows(name: str, table: str) -> list[tuple]:
    with server_connection(name) as conn, conn.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608 - table names are constants above
        result = cursor.fetchall()
    conn.close()
    return result


@pytest.fixture
def empty_database():
    name = connection.settings_dict["NAME"] + "_restored"
    admin = server_connection("postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def make_history(world) -> None:
    """Figures entered, approved, reopened, corrected and approved again: the
    history a province would need back after losing its server."""
    users = world.users
    report = report_create(sector=world.telecom, org_unit=world.province, year=2022, user=users.staff)
    report_values_save(report=report, user=users.staff,
                       values={"BTS": Decimal(939), "COVERAGE_PCT": Decimal("92.7"), "HAS_IOC": Decimal(1)})
    report_approve(report=report_submit(report=report, user=users.staff), user=users.approver)
    report = report_reopen(report=report, user=users.approver, reason="Sai số trạm BTS")
    report_values_save(report=report, user=users.staff, values={"BTS": Decimal(941)})
    report_approve(report=report_submit(report=report, user=users.staff), user=users.approver)
    district = report_create(sector=world.telecom, org_unit=world.d1, year=2022, user=users.district_staff)
    report_values_save(report=district, user=users.district_staff, values={"BTS": Decimal(120)})
    report_approve(report=report_submit(report=district, user=users.district_staff), user=users.approver)
    aggregates_recompute()


def run(script: str, argument: Path, *, database: str, media: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "PORTAL_PYTHON": sys.executable, "DATABASE_URL": database_url(database),
           "MEDIA_ROOT": str(media), "SECRET_KEY": "kJ3v9QzR1xW7pL0mN5bT8yU2cE6fH4gA-sD_oI3qZ9wX1eV7rT5uY0nM2lK8j",
           "ALLOWED_HOSTS": "portal.example.gov.vn"}
    return subprocess.run([str(ROOT / "scripts" / script), str(argument)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_backup_restores_every_figure_its_history_and_the_files(world, tmp_path, empty_database):
    make_history(world)
    source = connection.settings_dict["NAME"]
    media = tmp_path / "media"
    (media / "exports").mkdir(parents=True)
    (media / "exports" / "bao-cao-2022.docx").write_bytes(b"PK\x03\x04 a generated report")
    backup = tmp_path / "backups" / "2026-12-01_0200"

    made = run("backup.sh", backup, database=source, media=media)
    assert made.returncode == 0, made.stderr
    assert sorted(path.name for path in backup.iterdir()) == ["SHA256SUMS", "database.dump", "media.tar.gz"]

    restored_media = tmp_path / "restored-media"
    restored = run("restore.sh", backup, database=empty_database, media=restored_media)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Số liệu tổng hợp khớp với một lần tính lại từ đầu." in restored.stdout
    assert rows(source, "kpis_historicaldatavalue")  # the comparison below compares something
    assert len(rows(source, "kpis_aggregate")) > 0
    for table in COMPARED_TABLES:
        assert rows(empty_database, table) == rows(source, table), table
    assert (restored_media / "exports" / "bao-cao-2022.docx").read_bytes() == b"PK\x03\x04 a generated report"

    again = run("restore.sh", backup, database=empty_database, media=tmp_path / "other-media")
    assert again.returncode != 0 and "is not empty" in again.stderr


def test_a_damaged_backup_is_refused(world, tmp_path, empty_database):
    backup = tmp_path / "backup"
    assert run("backup.sh", backup, database=connection.settings_dict["NAME"], media=tmp_path / "media").returncode == 0
    with (backup / "database.dump").open("ab") as dump:
        dump.write(b"\0")
    result = run("restore.sh", backup, database=empty_database, media=tmp_path / "restored-media")
    assert result.returncode != 0 and "is damaged" in result.stderr
    with server_connection(empty_database) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert cursor.fetchone() == (0,)  # nothing was restored
    conn.close()
