"""The value integrity check of 0002 (a figure belongs to an entered indicator,
and to the report of its own sector, unit and year) made once per statement
over the rows it wrote, instead of once per row: the same rule and the same
errors, but an import of a million figures pays one join, not two look-ups
in PL/pgSQL per figure (an INSERT of 51,000 figures on a loaded machine: 20 s
with the row trigger, 8 s with this one, 7 s with none). SQLite keeps its row
triggers (it has no transition tables)."""

import importlib

from django.db import migrations

# Undone, the row trigger of 0002 comes back as it was written there.
_0002 = importlib.import_module("kpis.migrations.0002_integrity_triggers")
ROW_CHECK = _0002.POSTGRES_FORWARD.split("CREATE FUNCTION kpis_indicator_integrity")[0]

CHECK = """
CREATE OR REPLACE FUNCTION kpis_datavalue_integrity() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    SELECT n.indicator_id INTO bad FROM kpis_datavalue_written n JOIN kpis_indicator i ON i.id = n.indicator_id
    WHERE i.formula <> '' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'indicator % is derived and cannot have entered values', bad.indicator_id
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT n.report_id INTO bad FROM kpis_datavalue_written n
    JOIN kpis_indicator i ON i.id = n.indicator_id JOIN kpis_yearlyreport r ON r.id = n.report_id
    WHERE r.sector_id <> i.sector_id OR r.org_unit_id <> n.org_unit_id OR r.year <> n.year LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'value does not match the sector, org unit and year of report %', bad.report_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS kpis_datavalue_integrity ON kpis_datavalue;
CREATE TRIGGER kpis_datavalue_integrity_insert AFTER INSERT ON kpis_datavalue
    REFERENCING NEW TABLE AS kpis_datavalue_written FOR EACH STATEMENT EXECUTE FUNCTION kpis_datavalue_integrity();
CREATE TRIGGER kpis_datavalue_integrity_update AFTER UPDATE ON kpis_datavalue
    REFERENCING NEW TABLE AS kpis_datavalue_written FOR EACH STATEMENT EXECUTE FUNCTION kpis_datavalue_integrity();
"""

UNDO = """
DROP TRIGGER IF EXISTS kpis_datavalue_integrity_insert ON kpis_datavalue;
DROP TRIGGER IF EXISTS kpis_datavalue_integrity_update ON kpis_datavalue;
DROP FUNCTION IF EXISTS kpis_datavalue_integrity();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CHECK, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNDO, params=None)
        schema_editor.execute(ROW_CHECK, params=None)


class Migration(migrations.Migration):
    dependencies = [("kpis", "0019_audit_values_uploaded")]
    operations = [migrations.RunPython(forwards, backwards)]
