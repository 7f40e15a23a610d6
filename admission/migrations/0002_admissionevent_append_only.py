"""AdmissionEvent is append-only in the database itself, as cases.CaseEvent is (cases migration 0003)."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION admission_admissionevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'admission_admissionevent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER admission_admissionevent_no_update_delete
    BEFORE UPDATE OR DELETE ON admission_admissionevent
    FOR EACH ROW EXECUTE FUNCTION admission_admissionevent_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS admission_admissionevent_no_update_delete ON admission_admissionevent;
DROP FUNCTION IF EXISTS admission_admissionevent_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER admission_admissionevent_no_update BEFORE UPDATE ON admission_admissionevent
       BEGIN SELECT RAISE(ABORT, 'admission_admissionevent is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER admission_admissionevent_no_delete BEFORE DELETE ON admission_admissionevent
       BEGIN SELECT RAISE(ABORT, 'admission_admissionevent is append-only: DELETE refused'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS admission_admissionevent_no_update;",
    "DROP TRIGGER IF EXISTS admission_admissionevent_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("admission", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
