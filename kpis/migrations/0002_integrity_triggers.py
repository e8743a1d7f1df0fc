"""Invariants that span tables, kept by the database itself: a figure belongs to
an entered indicator, and to the report of its own sector, unit and year."""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE FUNCTION kpis_datavalue_integrity() RETURNS trigger AS $$
DECLARE
    indicator_row record;
    report_row record;
BEGIN
    SELECT formula, sector_id INTO indicator_row FROM kpis_indicator WHERE id = NEW.indicator_id;
    IF indicator_row.formula <> '' THEN
        RAISE EXCEPTION 'indicator % is derived and cannot have entered values', NEW.indicator_id
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT sector_id, org_unit_id, year INTO report_row FROM kpis_yearlyreport WHERE id = NEW.report_id;
    IF report_row.sector_id <> indicator_row.sector_id
       OR report_row.org_unit_id <> NEW.org_unit_id OR report_row.year <> NEW.year THEN
        RAISE EXCEPTION 'value does not match the sector, org unit and year of report %', NEW.report_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER kpis_datavalue_integrity BEFORE INSERT OR UPDATE ON kpis_datavalue
    FOR EACH ROW EXECUTE FUNCTION kpis_datavalue_integrity();

CREATE FUNCTION kpis_indicator_integrity() RETURNS trigger AS $$
BEGIN
    IF (NEW.formula <> '' OR NEW.sector_id <> OLD.sector_id)
       AND EXISTS (SELECT 1 FROM kpis_datavalue WHERE indicator_id = NEW.id) THEN
        RAISE EXCEPTION 'indicator % has entered values: it cannot become derived or change sector', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER kpis_indicator_integrity BEFORE UPDATE ON kpis_indicator
    FOR EACH ROW EXECUTE FUNCTION kpis_indicator_integrity();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS kpis_indicator_integrity ON kpis_indicator;
DROP FUNCTION IF EXISTS kpis_indicator_integrity();
DROP TRIGGER IF EXISTS kpis_datavalue_integrity ON kpis_datavalue;
DROP FUNCTION IF EXISTS kpis_datavalue_integrity();
"""

_SQLITE_VALUE_CHECK = """
    SELECT RAISE(ABORT, 'derived indicators cannot have entered values')
    WHERE (SELECT formula FROM kpis_indicator WHERE id = NEW.indicator_id) <> '';
    SELECT RAISE(ABORT, 'value does not match the sector, org unit and year of its report')
    WHERE NOT EXISTS (
        SELECT 1 FROM kpis_yearlyreport r JOIN kpis_indicator i ON i.id = NEW.indicator_id
        WHERE r.id = NEW.report_id AND r.sector_id = i.sector_id
          AND r.org_unit_id = NEW.org_unit_id AND r.year = NEW.year);
"""
SQLITE_FORWARD = [
    f"CREATE TRIGGER kpis_datavalue_insert BEFORE INSERT ON kpis_datavalue BEGIN {_SQLITE_VALUE_CHECK} END;",
    f"CREATE TRIGGER kpis_datavalue_update BEFORE UPDATE ON kpis_datavalue BEGIN {_SQLITE_VALUE_CHECK} END;",
    """CREATE TRIGGER kpis_indicator_integrity BEFORE UPDATE ON kpis_indicator
       WHEN (NEW.formula <> '' OR NEW.sector_id <> OLD.sector_id)
            AND EXISTS (SELECT 1 FROM kpis_datavalue WHERE indicator_id = NEW.id)
       BEGIN SELECT RAISE(ABORT, 'indicator has entered values: it cannot become derived or change sector'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS kpis_datavalue_insert;",
    "DROP TRIGGER IF EXISTS kpis_datavalue_update;",
    "DROP TRIGGER IF EXISTS kpis_indicator_integrity;",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [POSTGRES_FORWARD] if vendor == "postgresql" else SQLITE_FORWARD if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [POSTGRES_BACKWARD] if vendor == "postgresql" else SQLITE_BACKWARD if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
