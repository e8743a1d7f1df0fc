"""Dated sector names (SectorVersion) are part of what pages, exports and the
API show, like the sectors themselves: the same database counter as the
sectors (migration 0021) now counts their changes too, so a renamed sector
refreshes every cached page at once, whichever door wrote it (admin inline,
catalogue file)."""

from django.db import migrations

TABLE = "kpis_sectorversion"
BUMP = "UPDATE kpis_catalogue_version SET version = version + 1 WHERE id = 1"  # as in 0021


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # The function of migration 0021.
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_catalogue_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION kpis_catalogue_version_bump()", params=None)
    elif vendor == "sqlite":
        for event in ("INSERT", "UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER {TABLE}_catalogue_version_{event.lower()} AFTER {event} ON {TABLE} "
                f"BEGIN {BUMP}; END", params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_catalogue_version ON {TABLE}", params=None)
    elif vendor == "sqlite":
        for event in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_catalogue_version_{event}", params=None)


class Migration(migrations.Migration):
    dependencies = [("kpis", "0024_period_db_default")]
    operations = [migrations.RunPython(forwards, backwards)]
