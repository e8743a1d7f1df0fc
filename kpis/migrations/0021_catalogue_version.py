"""A counter the database bumps whenever org units, their successors or sectors
change (those tables keep no history): the open-data API's ETag reads one row
instead of a digest of every unit (11,845 at national scale, most of a second
per request; docs/performance.md). Kept by triggers, so no writer can forget it."""

from django.db import migrations

TABLES = ("kpis_orgunit", "kpis_orgunit_successors", "kpis_sector")
CREATE = "CREATE TABLE kpis_catalogue_version (id integer PRIMARY KEY, version bigint NOT NULL)"
SEED = "INSERT INTO kpis_catalogue_version (id, version) VALUES (1, 0)"
BUMP = "UPDATE kpis_catalogue_version SET version = version + 1 WHERE id = 1"

POSTGRES_FUNCTION = f"""
CREATE FUNCTION kpis_catalogue_version_bump() RETURNS trigger AS $$
BEGIN
    {BUMP};
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def _postgres() -> list[str]:
    return [CREATE, SEED, POSTGRES_FUNCTION] + [
        f"CREATE TRIGGER {table}_catalogue_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION kpis_catalogue_version_bump()"
        for table in TABLES]


def _sqlite() -> list[str]:
    return [CREATE, SEED] + [
        f"CREATE TRIGGER {table}_catalogue_version_{event.lower()} AFTER {event} ON {table} BEGIN {BUMP}; END"
        for table in TABLES for event in ("INSERT", "UPDATE", "DELETE")]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in _postgres() if vendor == "postgresql" else _sqlite() if vendor == "sqlite" else []:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue_version ON {table}", params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS kpis_catalogue_version_bump()", params=None)
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue_version_{event}", params=None)
    if vendor in ("postgresql", "sqlite"):
        schema_editor.execute("DROP TABLE IF EXISTS kpis_catalogue_version", params=None)


class Migration(migrations.Migration):
    dependencies = [("kpis", "0020_value_integrity_per_statement")]
    operations = [migrations.RunPython(forwards, backwards)]
